//! `fileStorage`'s routes answered by the listener itself: downloads and `readText` read from
//! disk (a small answer in one read, a larger one streamed chunk by chunk), `delete`, and the
//! JSON-body routes. Status and headers come from `http::files::file_answer`, as for the
//! wrapper's `handler` (lib/file-routes.js), and the disk rules from `storage::file_store`, which
//! keeps the wrapper's layout, so both serve one directory with the same answers. Uploads are
//! still handed to the wrapper (serve.rs).

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{HeaderMap, Response as HttpResponse};
use serde_json::json;

use super::body::{self, Body};
use super::serve::{error_json, json_response};
use crate::http::files::{self, FileMeta, FileRequest};
use crate::storage::file_store::FileStore;

/// Answers up to this size are read in one go instead of streamed (as the wrapper's).
const SMALL_FILE_BYTES: u64 = 64 * 1024;

/// The request headers a file answer depends on, owned to cross into the blocking pool.
struct Conditions {
    method: String,
    if_none_match: Option<String>,
    range: Option<String>,
    if_range: Option<String>,
}

impl Conditions {
    fn of(method: &str, headers: &HeaderMap) -> Self {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
        Conditions { method: method.to_string(), if_none_match: get("if-none-match"), range: get("range"), if_range: get("if-range") }
    }

    fn request(&self) -> FileRequest<'_> {
        FileRequest { method: &self.method, if_none_match: self.if_none_match.as_deref(), range: self.range.as_deref(), if_range: self.if_range.as_deref() }
    }
}

/// The wrapper's answer to a failure it did not expect (a 500 that names it).
fn internal_error(message: &str) -> HttpResponse<Body> {
    eprintln!("Hot Updater handler error: Error: {message}");
    json_response(500, json!({ "error": "Internal server error", "message": message }).to_string(), &[])
}

fn not_found() -> HttpResponse<Body> {
    error_json(404, "Not found", false)
}

/// Runs `f` on the blocking pool; a failure of the pool itself is an I/O error.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> io::Result<T> + Send + 'static) -> io::Result<T> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|e| Err(io::Error::other(format!("file task failed: {e}"))))
}

enum Prepared {
    Missing,
    /// Status and headers, and the body: in memory, or the file to stream from `start`.
    Ready {
        answer: files::FileAnswer,
        body: Option<Bytes>,
        stream: Option<std::fs::File>,
    },
}

/// The file of `key` (at `path`): `download` with caching, conditional and range handling,
/// otherwise as `readText` sends it.
pub async fn serve_file(store: Arc<FileStore>, method: &str, headers: &HeaderMap, key: String, path: PathBuf, download: bool) -> HttpResponse<Body> {
    let conditions = Conditions::of(method, headers);
    let head = method.eq_ignore_ascii_case("HEAD");
    let prepared = blocking(move || {
        let Some(opened) = store.open(&path)? else { return Ok(Prepared::Missing) };
        let etag = if download { store.etag_of(&key, &opened) } else { None };
        let meta = FileMeta { size: opened.size, mtime_ms: opened.mtime_ms, etag: etag.as_deref() };
        let answer = files::file_answer(&key, &meta, download, &conditions.request());
        if answer.json.is_some() || answer.length == 0 {
            return Ok(Prepared::Ready { answer, body: None, stream: None });
        }
        if answer.length <= SMALL_FILE_BYTES {
            let bytes = body::read_chunk(&opened.file, answer.start, answer.length as usize)?;
            return Ok(Prepared::Ready { answer, body: Some(bytes), stream: None });
        }
        Ok(Prepared::Ready { answer, body: None, stream: Some(opened.file) })
    })
    .await;
    let (answer, bytes, stream) = match prepared {
        Ok(Prepared::Missing) => return not_found(),
        Ok(Prepared::Ready { answer, body, stream }) => (answer, body, stream),
        Err(e) => return internal_error(&e.to_string()),
    };
    let body = if let Some(json) = &answer.json {
        Body::full(json.clone())
    } else if let Some(bytes) = bytes {
        Body::full(bytes)
    } else if let Some(file) = stream {
        Body::file(file, answer.start, answer.length)
    } else {
        Body::empty()
    };
    let mut res = HttpResponse::new(body);
    *res.status_mut() = hyper::StatusCode::from_u16(answer.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let h = res.headers_mut();
    for (name, value) in answer.headers {
        // The body frames a GET answer; a HEAD answer announces the length it would have.
        if name.eq_ignore_ascii_case("content-length") && !head {
            continue;
        }
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()), HeaderValue::from_str(&value)) {
            h.insert(n, v);
        }
    }
    res
}

/// `delete`: the file or folder at `key`, with its records.
pub async fn delete(store: Arc<FileStore>, key: String, path: PathBuf) -> HttpResponse<Body> {
    match blocking(move || store.remove(&key, &path)).await {
        Ok(true) => json_response(200, json!({ "success": true }).to_string(), &[]),
        Ok(false) => not_found(),
        Err(e) => internal_error(&e.to_string()),
    }
}
