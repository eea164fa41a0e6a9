//! `fileStorage`'s routes for the JS side, which streams file bodies and parses uploads but
//! leaves every decision (route, key, path, status, headers) to `http::files`.

use std::collections::HashMap;

use napi_derive::napi;

use super::server::{to_napi, NativeHotUpdater};
use crate::http::files::{self, FileMeta, FileRequest, FileStep};

fn header_map(headers: Vec<(&'static str, String)>) -> HashMap<String, String> {
    headers.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The decision for a request under a file route: a complete answer (`status`, JSON `body`,
/// `headers`), or an `action` for the JS side: `readJsonBody` (route again with the body),
/// `upload`, or `download` / `readText` / `delete` of the file of `key` at `path`.
#[napi(object)]
pub struct NativeFileStep {
    pub status: Option<u16>,
    pub body: Option<String>,
    pub headers: Option<HashMap<String, String>>,
    pub action: Option<String>,
    pub key: Option<String>,
    pub path: Option<String>,
}

impl From<FileStep> for NativeFileStep {
    fn from(step: FileStep) -> Self {
        let empty = NativeFileStep { status: None, body: None, headers: None, action: None, key: None, path: None };
        match step {
            FileStep::Answer { status, body, headers } => {
                NativeFileStep { status: Some(status), body: Some(body), headers: Some(header_map(headers)), ..empty }
            }
            FileStep::ReadJsonBody => NativeFileStep { action: Some("readJsonBody".into()), ..empty },
            FileStep::Upload => NativeFileStep { action: Some("upload".into()), ..empty },
            FileStep::File { action, key, path } => {
                NativeFileStep { action: Some(action.name().into()), key: Some(key), path: Some(path.to_string_lossy().into_owned()), ..empty }
            }
        }
    }
}

/// Where a finished upload goes.
#[napi(object)]
pub struct NativeUploadTarget {
    pub key: String,
    pub storage_uri: String,
    pub path: String,
}

/// Status and headers of a file answer, and the bytes to send (`length` 0: no body).
#[napi(object)]
pub struct NativeFileAnswer {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub start: f64,
    pub length: f64,
    /// A JSON body instead of the file's bytes.
    pub json: Option<String>,
}

#[napi]
impl NativeHotUpdater {
    /// Decides a request under `fileStorage`'s routes; `null` when it is not one (or no
    /// `fileStorage` is configured). `jsonBody`: the body, after an answer `readJsonBody`.
    #[napi(catch_unwind)]
    pub fn file_route(&self, method: String, url: String, json_body: Option<String>) -> Option<NativeFileStep> {
        let cfg = self.file_routes.as_ref()?;
        files::route(cfg, &self.base_path, self.routes.bundles, &method, &url, json_body.as_deref()).map(NativeFileStep::from)
    }

    /// The storage URI and path of an upload's `key` field and file name; invalid keys throw
    /// `ERR_HOT_UPDATER_BAD_REQUEST`.
    #[napi(catch_unwind)]
    pub fn file_upload_target(&self, key: String, filename: String) -> napi::Result<NativeUploadTarget> {
        let cfg = self.file_routes.as_ref().ok_or_else(|| to_napi(crate::error::Error::internal("no fileStorage configured")))?;
        let (key, storage_uri, path) = files::upload_target(cfg, &key, &filename).map_err(to_napi)?;
        Ok(NativeUploadTarget { key, storage_uri, path: path.to_string_lossy().into_owned() })
    }
}

/// Status, headers and byte range of the answer for an opened file (see `http::files::file_answer`).
#[allow(clippy::too_many_arguments)]
#[napi(catch_unwind)]
pub fn file_answer(
    key: String,
    size: f64,
    mtime_ms: f64,
    etag: Option<String>,
    download: bool,
    method: String,
    if_none_match: Option<String>,
    range: Option<String>,
    if_range: Option<String>,
) -> NativeFileAnswer {
    let meta = FileMeta { size: size.max(0.0) as u64, mtime_ms, etag: etag.as_deref() };
    let req = FileRequest { method: &method, if_none_match: if_none_match.as_deref(), range: range.as_deref(), if_range: if_range.as_deref() };
    let a = files::file_answer(&key, &meta, download, &req);
    NativeFileAnswer { status: a.status, headers: header_map(a.headers), start: a.start as f64, length: a.length as f64, json: a.json }
}
