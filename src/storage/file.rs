//! `fileStorage`: bundles kept on the server's own disk (SPEC §6 extension, not in upstream).
//!
//! A stored object is named by a *key*: a relative, `/`-separated path below the storage
//! directory (`bundles/<id>/bundle.zip`, `assets/sha256/ab/<hash>.png`). Its storage URI is
//! `file-storage://local/<key>` with every segment percent-encoded. The host is a fixed label, not
//! the server's host, so moving the server never invalidates stored URIs; it is there because
//! upstream's CLI derives asset URIs from a bundle URI by rewriting the URL *pathname* (keeping the
//! host), so the whole key must live in the path.
//!
//! Download URLs are `<base>/<encoded key>`, where `base` is the configured `publicBaseUrl`, or
//! else `<request origin><basePath>/files` of the request being served (the handler serves that
//! route from the same directory). The request's base reaches the storage through a task-local
//! set by the HTTP layer, because `Storage` calls carry only the opaque context handle.
//!
//! Everything that maps untrusted text to a file path is here, as small pure functions, so the
//! JS side (which streams files and parses uploads) and the native storage share one set of rules.

use std::future::Future;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::Storage;
use crate::context::Ctx;
use crate::error::{Error, Result};

/// The URI scheme of files kept by `fileStorage`.
pub const PROTOCOL: &str = "file-storage";
/// The fixed host of every `file-storage:` URI.
pub const URI_HOST: &str = "local";
/// First key segment reserved for the storage's own bookkeeping (temporary uploads, hashes).
pub const RESERVED_SEGMENT: &str = ".hot-updater";
/// Route below the handler's base path that serves the files.
pub const FILES_ROUTE: &str = "/files";

const MAX_KEY_BYTES: usize = 1024;
const MAX_SEGMENT_BYTES: usize = 255;
/// `readText` is for manifests; anything larger than this is not one.
const MAX_TEXT_BYTES: u64 = 64 * 1024 * 1024;

/// `encodeURIComponent`'s set, the encoding upstream's CLI uses for key segments.
const URI_COMPONENT: &AsciiSet =
    &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'!').remove(b'~').remove(b'*').remove(b'\'').remove(b'(').remove(b')');

fn invalid(what: &str, why: &str) -> Error {
    Error::bad_request(format!("Invalid {what}: {why}"))
}

/// Checks that `key` names a file strictly inside the storage directory: non-empty `/`-separated
/// segments, none `.` or `..`, no backslash, NUL or control character, not the reserved first
/// segment, bounded length (and, on Windows, no drive or stream syntax).
pub fn validate_key(key: &str) -> Result<()> {
    if key.is_empty() {
        return Err(invalid("storage key", "empty"));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(invalid("storage key", "too long"));
    }
    if key.starts_with('/') {
        return Err(invalid("storage key", "absolute path"));
    }
    for (i, segment) in key.split('/').enumerate() {
        if segment.is_empty() {
            return Err(invalid("storage key", "empty path segment"));
        }
        if segment == "." || segment == ".." {
            return Err(invalid("storage key", "dot segment"));
        }
        if segment.len() > MAX_SEGMENT_BYTES {
            return Err(invalid("storage key", "path segment too long"));
        }
        if segment.contains('\\') {
            return Err(invalid("storage key", "backslash"));
        }
        if segment.chars().any(|c| c.is_control()) {
            return Err(invalid("storage key", "control character"));
        }
        if cfg!(windows) && (segment.chars().any(|c| matches!(c, ':' | '<' | '>' | '"' | '|' | '?' | '*')) || segment.ends_with(['.', ' '])) {
            return Err(invalid("storage key", "not a valid Windows file name"));
        }
        // Case-insensitive: on macOS and Windows `.Hot-Updater` is the same folder.
        if i == 0 && segment.eq_ignore_ascii_case(RESERVED_SEGMENT) {
            return Err(invalid("storage key", "reserved path"));
        }
    }
    Ok(())
}

/// Percent-decodes one segment strictly: malformed escapes, invalid UTF-8 and encoded `/` or `\`
/// are errors (a decoded separator would change the path's structure).
fn decode_segment(segment: &str, what: &str) -> Result<String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let Some(&[hi, lo]) = bytes.get(i + 1..i + 3) else {
                return Err(invalid(what, "malformed percent-encoding"));
            };
            let (Some(hi), Some(lo)) = ((hi as char).to_digit(16), (lo as char).to_digit(16)) else {
                return Err(invalid(what, "malformed percent-encoding"));
            };
            let b = (hi * 16 + lo) as u8;
            if b == b'/' || b == b'\\' {
                return Err(invalid(what, "encoded path separator"));
            }
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| invalid(what, "not UTF-8"))
}

fn decode_key_path(raw: &str, what: &str) -> Result<String> {
    if raw.is_empty() {
        return Err(invalid(what, "empty"));
    }
    let segments = raw.split('/').map(|s| decode_segment(s, what)).collect::<Result<Vec<_>>>()?;
    let key = segments.join("/");
    validate_key(&key).map_err(|e| Error::bad_request(e.message.replacen("storage key", what, 1)))?;
    Ok(key)
}

/// The key named by the raw (still percent-encoded) path after `<basePath>/files/`.
pub fn key_from_url_path(raw: &str) -> Result<String> {
    decode_key_path(raw, "file path")
}

/// The key of a `file-storage://local/<key>` URI.
pub fn key_from_uri(uri: &str) -> Result<String> {
    let what = "file-storage URI";
    let url = url::Url::parse(uri).map_err(|_| invalid(what, "not a URL"))?;
    if url.scheme() != PROTOCOL {
        return Err(invalid(what, "wrong protocol"));
    }
    if url.host_str() != Some(URI_HOST) || url.port().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(Error::bad_request(format!("Invalid {what}: expected {PROTOCOL}://{URI_HOST}/<key>")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(what, "query or fragment"));
    }
    decode_key_path(url.path().strip_prefix('/').unwrap_or(url.path()), what)
}

/// The key with each segment encoded like `encodeURIComponent`.
pub fn encode_key(key: &str) -> String {
    key.split('/').map(|s| utf8_percent_encode(s, URI_COMPONENT).to_string()).collect::<Vec<_>>().join("/")
}

/// The storage URI of a (validated) key.
pub fn uri_from_key(key: &str) -> Result<String> {
    validate_key(key)?;
    Ok(format!("{PROTOCOL}://{URI_HOST}/{}", encode_key(key)))
}

/// The file path of a key below `dir` (lexical only: the caller still checks symlinks).
pub fn key_path(dir: &Path, key: &str) -> Result<PathBuf> {
    validate_key(key)?;
    let mut path = dir.to_path_buf();
    path.extend(key.split('/'));
    Ok(path)
}

/// `<base>/<encoded key>` (one `/` between them whatever `base` ends with).
pub fn download_url(base: &str, key: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), encode_key(key))
}

/// `<origin><basePath>/files` for a request URL, or `None` when the URL has no HTTP(S) origin.
pub fn request_files_base(request_url: &str, base_path: &str) -> Option<String> {
    request_files_base_of(&url::Url::parse(request_url).ok()?, base_path)
}

/// [`request_files_base`] for an already parsed URL.
pub fn request_files_base_of(url: &url::Url, base_path: &str) -> Option<String> {
    if url.scheme() != "http" && url.scheme() != "https" {
        return None;
    }
    let origin = url.origin().ascii_serialization();
    let base = base_path.trim_end_matches('/');
    let slash = if base.is_empty() || base.starts_with('/') { "" } else { "/" };
    Some(format!("{origin}{slash}{base}{FILES_ROUTE}"))
}

tokio::task_local! {
    static REQUEST_FILES_BASE: Option<String>;
}

/// Runs `fut` (one request) with `base` as the files base URL seen by [`FileStorage`].
pub async fn with_request_base<F: Future>(base: Option<String>, fut: F) -> F::Output {
    REQUEST_FILES_BASE.scope(base, fut).await
}

fn current_request_base() -> Option<String> {
    REQUEST_FILES_BASE.try_with(|b| b.clone()).ok().flatten()
}

/// Reads `key` below `dir` as text; `None` when it is missing, not a regular file, or resolves
/// (through symlinks) outside `dir`.
pub fn read_text_blocking(dir: &Path, key: &str) -> Result<Option<String>> {
    let path = key_path(dir, key)?;
    let io = |e: std::io::Error| Error::storage(format!("fileStorage: cannot read {key}: {e}"));
    let real_dir = match std::fs::canonicalize(dir) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    let real = match std::fs::canonicalize(&path) {
        Ok(p) => p,
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => return Ok(None),
        Err(e) => return Err(io(e)),
    };
    if !real.starts_with(&real_dir) || real == real_dir {
        return Ok(None);
    }
    let meta = std::fs::metadata(&real).map_err(io)?;
    if !meta.is_file() {
        return Ok(None);
    }
    if meta.len() > MAX_TEXT_BYTES {
        return Err(Error::storage(format!("fileStorage: {key} is too large to read as text")));
    }
    let bytes = std::fs::read(&real).map_err(io)?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// The native `fileStorage` runtime profile.
pub struct FileStorage {
    dir: PathBuf,
    public_base_url: Option<String>,
    /// `createHotUpdater`'s `trustedHosts` (`host` or `host:port`, lower case); `None` trusts
    /// every request's Host, as upstream does.
    trusted_hosts: Option<Vec<String>>,
}

impl FileStorage {
    pub fn new(dir: impl Into<PathBuf>, public_base_url: Option<String>) -> Self {
        FileStorage { dir: dir.into(), public_base_url: public_base_url.filter(|u| !u.is_empty()), trusted_hosts: None }
    }

    /// Builds download URLs from a request's origin only when its host is one of `hosts`.
    pub fn with_trusted_hosts(mut self, hosts: Option<Vec<String>>) -> Self {
        self.trusted_hosts = hosts;
        self
    }

    /// The request's files base, when its host may appear in a download URL.
    fn trusted_request_base(&self) -> Result<String> {
        let base = current_request_base().ok_or_else(|| Error::storage("fileStorage needs `publicBaseUrl` to build download URLs outside an HTTP request"))?;
        match &self.trusted_hosts {
            None => Ok(base),
            Some(hosts) if host_is_trusted(&base, hosts) => Ok(base),
            Some(_) => Err(Error::bad_request(UNTRUSTED_HOST)),
        }
    }
}

/// The answer to a request whose Host is not in `trustedHosts` when no `publicBaseUrl` is set.
pub const UNTRUSTED_HOST: &str =
    "fileStorage: the request's Host is not in `trustedHosts`, so no download URL can be built from it; add the host to `trustedHosts` or set fileStorage's `publicBaseUrl`";

/// Whether the host of `url` is listed: an entry `host` allows any port, `host:port` that port
/// only (the scheme's default port when the URL names none).
pub fn host_is_trusted(url: &str, hosts: &[String]) -> bool {
    let Ok(url) = url::Url::parse(url) else { return false };
    let Some(host) = url.host_str() else { return false };
    let host = host.to_ascii_lowercase();
    let with_port = url.port_or_known_default().map(|p| format!("{host}:{p}"));
    hosts.iter().any(|h| *h == host || Some(h) == with_port.as_ref())
}

fn storage_error(e: Error) -> Error {
    Error::storage(e.message)
}

#[async_trait]
impl Storage for FileStorage {
    fn protocol(&self) -> &str {
        PROTOCOL
    }

    async fn get_download_url(&self, uri: &str, _ctx: Ctx) -> Result<String> {
        let key = key_from_uri(uri).map_err(storage_error)?;
        let base = match &self.public_base_url {
            Some(b) => b.clone(),
            None => self.trusted_request_base()?,
        };
        Ok(download_url(&base, &key))
    }

    async fn read_text(&self, uri: &str, _ctx: Ctx) -> Result<Option<String>> {
        let key = key_from_uri(uri).map_err(storage_error)?;
        let dir = self.dir.clone();
        tokio::task::spawn_blocking(move || read_text_blocking(&dir, &key)).await.map_err(|e| Error::storage(format!("fileStorage: read task failed: {e}")))?
    }
}

#[cfg(test)]
#[path = "file_tests.rs"]
mod tests;
