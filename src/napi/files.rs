//! `fileStorage` helpers for the JS side, which streams files and parses uploads but leaves
//! every decision that maps untrusted text to a path to the Rust rules in `storage::file`.
//! Invalid input throws with code `ERR_HOT_UPDATER_BAD_REQUEST`.

use std::path::Path;

use napi_derive::napi;

use super::server::to_napi;
use crate::storage::file;

/// The storage key named by the raw (percent-encoded) path after `<basePath>/files/`.
#[napi(catch_unwind)]
pub fn file_storage_key_from_url_path(path: String) -> napi::Result<String> {
    file::key_from_url_path(&path).map_err(to_napi)
}

/// The storage key of a `file-storage://local/<key>` URI.
#[napi(catch_unwind)]
pub fn file_storage_key_from_uri(uri: String) -> napi::Result<String> {
    file::key_from_uri(&uri).map_err(to_napi)
}

/// The `file-storage://local/<key>` URI of a key (validated).
#[napi(catch_unwind)]
pub fn file_storage_uri(key: String) -> napi::Result<String> {
    file::uri_from_key(&key).map_err(to_napi)
}

/// The path of a key below `dir` (lexical: symlinks are checked by the caller).
#[napi(catch_unwind)]
pub fn file_storage_path(dir: String, key: String) -> napi::Result<String> {
    let path = file::key_path(Path::new(&dir), &key).map_err(to_napi)?;
    Ok(path.to_string_lossy().into_owned())
}

/// The download URL of a URI below `base` (`publicBaseUrl` or the request's files base).
#[napi(catch_unwind)]
pub fn file_storage_download_url(uri: String, base: String) -> napi::Result<String> {
    let key = file::key_from_uri(&uri).map_err(to_napi)?;
    Ok(file::download_url(&base, &key))
}

/// `<origin><basePath>/files` for a request URL, or `null` without an HTTP(S) origin.
#[napi(catch_unwind)]
pub fn file_storage_request_base(url: String, base_path: String) -> Option<String> {
    file::request_files_base(&url, &base_path)
}
