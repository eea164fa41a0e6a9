//! The HTTP side of `fileStorage`, decided here and streamed by the JS wrapper
//! (`lib/file-routes.js`), which only moves bytes between the request, the response and the disk:
//!
//! ```text
//! GET/HEAD <basePath>/files/<key>                  public downloads (ETag, Range, 304, 416)
//! POST     <basePath>/api/storage/upload           multipart `file` + `key` → { storageUri }
//! DELETE   <basePath>/api/storage/delete           { storageUri } → { success: true }
//! POST     <basePath>/api/storage/readText         { storageUri } → the file's text
//! POST     <basePath>/api/storage/getDownloadUrl   { storageUri } → { fileUrl }
//! ```
//!
//! The `/api/storage/*` routes exist only with `routes.bundles`, under the `/api/` prefix that
//! deployments protect with their auth middleware; they are what upstream's `standaloneStorage`
//! calls (its `baseUrl` pointed at `<server><basePath>/api/storage`).
//!
//! [`route`] decides which route a request is, which key and file it names, and every answer
//! that needs no disk access; [`file_answer`] decides status and headers of a file answer from the
//! file's size, time and ETag and the request's conditional and range headers.

use std::path::PathBuf;

use serde_json::{json, Value};

use super::route::relative_path;
use crate::core::http_date::imf_fixdate;
use crate::error::Result;
use crate::storage::file;

/// `Cache-Control` of downloads: a key names one content for good.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The answer to a JSON-body route whose body is not `{ storageUri: "<non-empty>" }`.
pub const EXPECTED_JSON_BODY: &str = "Expected a JSON body { storageUri }";
const NO_REQUEST_BASE: &str = "Cannot derive a download URL from this request; set `publicBaseUrl`";
/// The largest body of a JSON-body route (as the wrapper's `MAX_JSON_BODY_BYTES`).
pub const MAX_JSON_BODY_BYTES: usize = 64 * 1024;
/// Room for the multipart framing and the `key` field on top of an upload's file.
pub const MULTIPART_OVERHEAD_BYTES: u64 = 1024 * 1024;
/// Most bytes of an upload's form fields (the `key`) together.
pub const MAX_FIELD_BYTES: usize = 8 * 1024;
const FILES_PREFIX: &str = "/files/";
const STORAGE_PREFIX: &str = "/api/storage/";

/// The `fileStorage` of a server (the first one configured), as its routes need it.
#[derive(Debug, Clone)]
pub struct FileRoutes {
    pub dir: PathBuf,
    pub public_base_url: Option<String>,
    /// `createHotUpdater`'s `trustedHosts`; `None` trusts every request's Host.
    pub trusted_hosts: Option<Vec<String>>,
}

/// What the wrapper does with the file of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileAction {
    /// Serve it with caching, conditional and range handling.
    Download,
    /// Send its content as it is (`no-store`).
    ReadText,
    /// Remove it (or the folder at the key, with everything in it).
    Delete,
}

impl FileAction {
    pub fn name(self) -> &'static str {
        match self {
            FileAction::Download => "download",
            FileAction::ReadText => "readText",
            FileAction::Delete => "delete",
        }
    }
}

/// The decision for one request under a file route.
#[derive(Debug, Clone, PartialEq)]
pub enum FileStep {
    /// A complete JSON answer: status, JSON text, extra headers.
    Answer { status: u16, body: String, headers: Vec<(&'static str, String)> },
    /// The route takes a JSON body: read it (within the size limit) and route again with it.
    ReadJsonBody,
    /// Stream the multipart body into the storage ([`upload_target`] names the file at the end).
    Upload,
    /// Act on the file of `key`, at the lexical path `path` (the wrapper still refuses symlinks
    /// that lead outside the storage).
    File { action: FileAction, key: String, path: PathBuf },
}

fn answer(status: u16, body: Value) -> FileStep {
    FileStep::Answer { status, body: body.to_string(), headers: Vec::new() }
}

fn bad_request(message: impl Into<String>) -> FileStep {
    answer(400, json!({ "error": message.into() }))
}

fn file_step(cfg: &FileRoutes, action: FileAction, key: Result<String>) -> FileStep {
    let key = match key {
        Ok(k) => k,
        Err(e) => return bad_request(e.message),
    };
    match file::key_path(&cfg.dir, &key) {
        Ok(path) => FileStep::File { action, key, path },
        Err(e) => bad_request(e.message),
    }
}

/// The `storageUri` of a JSON body, or the 400 answer.
fn storage_uri_of(body: &str) -> std::result::Result<String, FileStep> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(mut m)) => match m.remove("storageUri") {
            Some(Value::String(uri)) if !uri.is_empty() => Ok(uri),
            _ => Err(bad_request(EXPECTED_JSON_BODY)),
        },
        _ => Err(bad_request(EXPECTED_JSON_BODY)),
    }
}

/// `getDownloadUrl`: `publicBaseUrl`, else the request's own files base when its Host is trusted.
fn download_url_answer(cfg: &FileRoutes, url: &url::Url, base_path: &str, uri: &str) -> FileStep {
    let base = match &cfg.public_base_url {
        Some(b) => b.clone(),
        None => {
            if let Some(hosts) = &cfg.trusted_hosts {
                if !file::host_is_trusted(url.as_str(), hosts) {
                    return bad_request(file::UNTRUSTED_HOST);
                }
            }
            match file::request_files_base_of(url, base_path) {
                Some(b) => b,
                None => return bad_request(NO_REQUEST_BASE),
            }
        }
    };
    match file::key_from_uri(uri) {
        Ok(key) => answer(200, json!({ "fileUrl": file::download_url(&base, &key) })),
        Err(e) => bad_request(e.message),
    }
}

/// Decides a request under the file routes; `None` when it is not one (the router answers it).
/// `json_body` is the body text of a route that answered [`FileStep::ReadJsonBody`] before.
pub fn route(cfg: &FileRoutes, base_path: &str, bundles: bool, method: &str, request_url: &str, json_body: Option<&str>) -> Option<FileStep> {
    let url = url::Url::parse(request_url).ok()?;
    let rest = relative_path(url.path(), base_path);
    let method = method.to_ascii_uppercase();
    if let Some(raw) = rest.strip_prefix(FILES_PREFIX) {
        if method != "GET" && method != "HEAD" {
            return None;
        }
        return Some(file_step(cfg, FileAction::Download, file::key_from_url_path(raw)));
    }
    let name = rest.strip_prefix(STORAGE_PREFIX).filter(|_| bundles)?;
    let json_route = match (method.as_str(), name) {
        ("POST", "upload") => return Some(FileStep::Upload),
        ("DELETE", "delete") => FileAction::Delete,
        ("POST", "readText") => FileAction::ReadText,
        ("POST", "getDownloadUrl") => FileAction::Download,
        _ => return None,
    };
    let Some(body) = json_body else { return Some(FileStep::ReadJsonBody) };
    let uri = match storage_uri_of(body) {
        Ok(uri) => uri,
        Err(step) => return Some(step),
    };
    Some(match json_route {
        FileAction::Download => download_url_answer(cfg, &url, base_path, &uri),
        action => file_step(cfg, action, file::key_from_uri(&uri)),
    })
}

/// Where a finished upload goes: the key is the `key` field and the file name joined by `/`
/// (either may be empty); the storage key, its URI and its lexical path. Invalid keys are bad
/// requests.
pub fn upload_target(cfg: &FileRoutes, key: &str, filename: &str) -> Result<(String, String, PathBuf)> {
    let full: Vec<&str> = [key, filename].into_iter().filter(|s| !s.is_empty()).collect();
    let full = full.join("/");
    let uri = file::uri_from_key(&full)?;
    let path = file::key_path(&cfg.dir, &full)?;
    Ok((full, uri, path))
}

/// Content types by extension. A `.br` file is sent as the compressed bytes it is, never with
/// `Content-Encoding` (the app decompresses it itself).
const CONTENT_TYPES: &[(&str, &str)] = &[
    (".zip", "application/zip"),
    (".br", "application/x-brotli"),
    (".gz", "application/gzip"),
    (".json", "application/json"),
    (".map", "application/json"),
    (".bundle", "application/javascript"),
    (".js", "application/javascript"),
    (".hbc", "application/octet-stream"),
    (".txt", "text/plain; charset=utf-8"),
    (".png", "image/png"),
    (".jpg", "image/jpeg"),
    (".jpeg", "image/jpeg"),
    (".gif", "image/gif"),
    (".webp", "image/webp"),
    (".svg", "image/svg+xml"),
    (".ttf", "font/ttf"),
    (".otf", "font/otf"),
    (".woff", "font/woff"),
    (".woff2", "font/woff2"),
];

/// The content type of a key by its extension; anything not listed (`.html`, `.xml`, `.pdf`, …)
/// is `application/octet-stream`, which browsers download, never render.
pub fn content_type_of(key: &str) -> &'static str {
    let name = key.rsplit('/').next().unwrap_or(key).to_lowercase();
    if name.ends_with(".tar.br") || name.ends_with(".tar.gz") {
        return "application/x-tar";
    }
    match name.rfind('.') {
        Some(dot) if dot > 0 => CONTENT_TYPES.iter().find(|(ext, _)| *ext == &name[dot..]).map_or("application/octet-stream", |(_, t)| t),
        _ => "application/octet-stream",
    }
}

/// The headers every file answer carries (downloads, `readText`, 304s): no type sniffing, a
/// sandboxing policy in case a file is rendered anyway, and `attachment` for SVG, the one listed
/// type a browser renders as a document that can run script (`<img>` and the app's own downloads
/// ignore `Content-Disposition`, so SVG assets keep working as images).
fn file_headers(content_type: &str, headers: &mut Vec<(&'static str, String)>) {
    headers.push(("X-Content-Type-Options", "nosniff".into()));
    headers.push(("Content-Security-Policy", "default-src 'none'; sandbox".into()));
    if content_type == "image/svg+xml" {
        headers.push(("Content-Disposition", "attachment".into()));
    }
}

/// What the wrapper knows of an opened file.
#[derive(Debug, Clone)]
pub struct FileMeta<'a> {
    pub size: u64,
    pub mtime_ms: f64,
    /// `"<sha256>"` from the storage's record, when there is a valid one.
    pub etag: Option<&'a str>,
}

/// The request headers a file answer depends on.
#[derive(Debug, Clone, Default)]
pub struct FileRequest<'a> {
    pub method: &'a str,
    pub if_none_match: Option<&'a str>,
    pub range: Option<&'a str>,
    pub if_range: Option<&'a str>,
}

/// Status and headers of a file answer, and which bytes it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct FileAnswer {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    /// First byte and byte count to send (`length` 0: no body).
    pub start: u64,
    pub length: u64,
    /// A JSON body instead of the file (416).
    pub json: Option<String>,
}

/// `If-None-Match` against a strong ETag (weak comparison, as RFC 9110 asks for this header).
fn none_match_hits(header: Option<&str>, etag: &str) -> bool {
    let Some(header) = header.filter(|h| !h.is_empty()) else { return false };
    if header.trim() == "*" {
        return true;
    }
    header.split(',').any(|t| {
        let t = t.trim();
        t.strip_prefix("W/").unwrap_or(t) == etag
    })
}

/// A single `bytes=` range against `size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Range {
    /// Another unit, or several ranges: answered with the whole file.
    Ignore,
    /// Invalid or unsatisfiable: 416.
    Unsatisfiable,
    /// Bytes `start..=end`.
    Bytes(u64, u64),
}

fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// Parses a `Range` header (whitespace as JS `\s`; numbers of decimal digits, at most 2^53 - 1).
pub fn parse_range(header: &str, size: u64) -> Range {
    let h = header.trim_start_matches(is_space);
    if !h.get(..5).is_some_and(|u| u.eq_ignore_ascii_case("bytes")) {
        return Range::Ignore;
    }
    let Some(spec) = h[5..].trim_start_matches(is_space).strip_prefix('=') else { return Range::Ignore };
    if spec.contains(',') {
        return Range::Ignore;
    }
    let Some((first, last)) = spec.split_once('-') else { return Range::Unsatisfiable };
    let (first, last) = (first.trim_matches(is_space), last.trim_matches(is_space));
    const MAX_SAFE: u64 = (1 << 53) - 1;
    let number = |s: &str| -> std::result::Result<Option<u64>, ()> {
        if s.is_empty() {
            return Ok(None);
        }
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(());
        }
        // Digits only: a parse failure is an overflow, which JS sees as unsafe too.
        s.parse::<u64>().ok().filter(|n| *n <= MAX_SAFE).map(Some).ok_or(())
    };
    let (Ok(first), Ok(last)) = (number(first), number(last)) else { return Range::Unsatisfiable };
    match (first, last) {
        (None, None) => Range::Unsatisfiable,
        (None, Some(last)) => {
            if last == 0 || size == 0 {
                Range::Unsatisfiable
            } else {
                Range::Bytes(size.saturating_sub(last), size - 1)
            }
        }
        (Some(first), last) => {
            if first >= size || last.is_some_and(|l| l < first) {
                Range::Unsatisfiable
            } else {
                Range::Bytes(first, last.map_or(size - 1, |l| l.min(size - 1)))
            }
        }
    }
}

/// Status, headers and byte range of the answer for a file. `download` adds the caching,
/// conditional and range handling of `/files/<key>`; `readText` answers are `no-store`.
pub fn file_answer(key: &str, meta: &FileMeta<'_>, download: bool, req: &FileRequest<'_>) -> FileAnswer {
    let size = meta.size;
    let content_type = content_type_of(key);
    let mut headers: Vec<(&'static str, String)> = vec![("Content-Type", content_type.into()), ("Accept-Ranges", "bytes".into())];
    file_headers(content_type, &mut headers);
    let (mut start, mut end, mut status) = (0u64, size.saturating_sub(1), 200u16);
    if download {
        let last_modified = imf_fixdate(meta.mtime_ms);
        headers.push(("Cache-Control", IMMUTABLE.into()));
        headers.push(("Last-Modified", last_modified.clone()));
        if let Some(etag) = meta.etag {
            headers.push(("ETag", etag.into()));
            if none_match_hits(req.if_none_match, etag) {
                let mut h = vec![("ETag", etag.to_string()), ("Cache-Control", IMMUTABLE.into()), ("Last-Modified", last_modified)];
                file_headers(content_type, &mut h);
                return FileAnswer { status: 304, headers: h, start: 0, length: 0, json: None };
            }
        }
        // A Range is honoured only while the client's copy is still this file.
        let if_range_ok = match req.if_range {
            None => true,
            Some(v) => meta.etag.is_some_and(|e| v.trim() == e),
        };
        if let (Some(range), true) = (req.range, if_range_ok) {
            match parse_range(range, size) {
                Range::Unsatisfiable => {
                    let h = vec![("Content-Type", "application/json".into()), ("Content-Range", format!("bytes */{size}")), ("Accept-Ranges", "bytes".into())];
                    let body = json!({ "error": "Range Not Satisfiable" }).to_string();
                    return FileAnswer { status: 416, headers: h, start: 0, length: 0, json: Some(body) };
                }
                Range::Ignore => {}
                Range::Bytes(s, e) => {
                    (start, end, status) = (s, e, 206);
                    headers.push(("Content-Range", format!("bytes {s}-{e}/{size}")));
                }
            }
        }
    } else {
        headers.push(("Cache-Control", "no-store".into()));
    }
    let length = if size == 0 { 0 } else { end - start + 1 };
    headers.push(("Content-Length", length.to_string()));
    let length = if req.method.eq_ignore_ascii_case("HEAD") { 0 } else { length };
    FileAnswer { status, headers, start, length, json: None }
}

#[cfg(test)]
#[path = "files_tests.rs"]
mod tests;
