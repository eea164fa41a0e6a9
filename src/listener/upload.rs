//! `fileStorage` uploads received by the listener itself: the multipart body (the `file` part and
//! the `key` field upstream's `standaloneStorage` sends) is read as it arrives, the file part
//! hashed and written to a temporary file on the blocking pool, and only a complete, valid upload
//! is renamed into place. The steps, limits and answers are the wrapper's (lib/file-routes.js,
//! `upload`), with the multipart reader ported to Rust (`http::multipart`), so the fileStorage
//! suite gives the same results through `handler` and through `listen()`.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request as HttpRequest, Response as HttpResponse};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::body::Body;
use super::serve::{drain, drain_rest, error_json, has_body, json_response};
use super::App;
use crate::http::files::{self, FileRoutes, MAX_FIELD_BYTES, MULTIPART_OVERHEAD_BYTES};
use crate::http::multipart::{self, Event, MultipartError};
use crate::storage::file_store::{CommitError, FileStore};

const EXPECTED: &str = "Expected a multipart/form-data body with `file` and `key`";
const TOO_LARGE: &str = "Payload too large";

/// An answer that ends the upload: status and message (an `{ error }` body).
struct Refusal {
    status: u16,
    message: String,
}

fn refuse(status: u16, message: impl Into<String>) -> Refusal {
    Refusal { status, message: message.into() }
}

impl From<MultipartError> for Refusal {
    fn from(e: MultipartError) -> Self {
        refuse(400, e.0)
    }
}

/// The temporary file being written and the hash of what was written.
struct Sink {
    file: File,
    hasher: Sha256,
}

/// The part being read.
enum Current {
    None,
    File,
    Field { name: Option<String>, data: Vec<u8> },
}

/// What the body held once read to its end.
struct Received {
    sink: Sink,
    filename: String,
    key: String,
}

/// Reads the multipart body into `sink`; `finished` tells whether the body was read to its end.
async fn receive(app: &App, limit: u64, boundary: &str, body: &mut Incoming, sink: Sink, finished: &mut bool) -> Result<Received, Refusal> {
    let mut parser = multipart::Parser::new(boundary);
    let mut events = Vec::new();
    let mut sink = Some(sink);
    let mut file: Option<(String, u64)> = None;
    let mut current = Current::None;
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut field_bytes = 0usize;
    loop {
        // The body deadline bounds the wait for each piece, not the whole upload, so a large
        // bundle on a slow link is not cut off while it is still arriving.
        let frame = match tokio::time::timeout(app.limits.body_timeout, body.frame()).await {
            Err(_) => return Err(refuse(408, "Request timeout")),
            Ok(None) => {
                *finished = true;
                parser.end()?;
                break;
            }
            Ok(Some(Err(e))) => return Err(refuse(400, format!("Upload aborted: {e}"))),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else { continue };
        parser.push(&data, &mut events)?;
        let mut pending: Vec<Bytes> = Vec::new();
        for event in events.drain(..) {
            match event {
                Event::Part { disposition } => {
                    let d = multipart::parse_content_disposition(disposition.as_deref())?;
                    if d.name.as_deref() == Some("file") {
                        if file.is_some() {
                            return Err(refuse(400, "More than one `file` part"));
                        }
                        file = Some((d.filename.unwrap_or_default(), 0));
                        current = Current::File;
                    } else {
                        current = Current::Field { name: d.name, data: Vec::new() };
                    }
                }
                Event::Data(chunk) => match &mut current {
                    Current::File => {
                        if let Some((_, size)) = &mut file {
                            *size += chunk.len() as u64;
                            if *size > limit {
                                return Err(refuse(413, TOO_LARGE));
                            }
                        }
                        pending.push(chunk);
                    }
                    Current::Field { data, .. } => {
                        field_bytes += chunk.len();
                        if field_bytes > MAX_FIELD_BYTES {
                            return Err(refuse(400, "Form fields too large"));
                        }
                        data.extend_from_slice(&chunk);
                    }
                    Current::None => {}
                },
                Event::End => {
                    if let Current::Field { name: Some(name), data } = &current {
                        fields.entry(name.clone()).or_insert_with(|| String::from_utf8_lossy(data).into_owned());
                    }
                }
            }
        }
        if !pending.is_empty() {
            let Some(mut s) = sink.take() else { return Err(refuse(500, "upload file lost")) };
            let written = tokio::task::spawn_blocking(move || {
                for chunk in &pending {
                    s.hasher.update(chunk);
                    s.file.write_all(chunk)?;
                }
                Ok::<_, std::io::Error>(s)
            })
            .await;
            match written {
                Ok(Ok(s)) => sink = Some(s),
                Ok(Err(e)) => return Err(refuse(500, format!("fileStorage: cannot write the upload: {e}"))),
                Err(e) => return Err(refuse(500, format!("fileStorage: upload task failed: {e}"))),
            }
        }
    }
    let Some((filename, _)) = file else { return Err(refuse(400, "Missing `file` part")) };
    let Some(key) = fields.remove("key") else { return Err(refuse(400, "Missing `key` field")) };
    let sink = sink.ok_or_else(|| refuse(500, "upload file lost"))?;
    Ok(Received { sink, filename, key })
}

/// The answer to a refused upload; with the body still unread the connection cannot be reused.
fn refusal_response(r: Refusal, unread: bool) -> HttpResponse<Body> {
    let mut res = if r.status == 500 {
        eprintln!("Hot Updater handler error: Error: {}", r.message);
        json_response(500, json!({ "error": "Internal server error", "message": r.message }).to_string(), &[])
    } else {
        error_json(r.status, &r.message, false)
    };
    if unread {
        res.headers_mut().insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

/// `POST <basePath>/api/storage/upload` → `{ storageUri }`.
pub async fn upload(app: &App, cfg: &FileRoutes, store: Arc<FileStore>, limit: u64, req: HttpRequest<Incoming>) -> HttpResponse<Body> {
    let (parts, mut body) = req.into_parts();
    let content_type = parts.headers.get("content-type").and_then(|v| v.to_str().ok());
    let Some(boundary) = multipart::boundary_of(content_type).filter(|_| has_body(&parts.headers)) else {
        let close = has_body(&parts.headers) && !drain(body).await;
        return error_json(400, EXPECTED, close);
    };
    let declared = parts.headers.get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|d| d > limit.saturating_add(MULTIPART_OVERHEAD_BYTES)) {
        return error_json(413, TOO_LARGE, true);
    }
    let created = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.create_upload_file()).await
    };
    let (file, tmp): (File, PathBuf) = match created {
        Ok(Ok(created)) => created,
        Ok(Err(e)) => return refusal_response(refuse(500, format!("fileStorage: cannot create the upload file: {e}")), true),
        Err(e) => return refusal_response(refuse(500, format!("fileStorage: upload task failed: {e}")), true),
    };
    let mut finished = false;
    let received = receive(app, limit, &boundary, &mut body, Sink { file, hasher: Sha256::new() }, &mut finished).await;
    let outcome = match received {
        Err(r) => Err(r),
        Ok(Received { sink, filename, key }) => match files::upload_target(cfg, &key, &filename) {
            Err(e) => Err(refuse(400, e.message)),
            Ok((full_key, storage_uri, target)) => {
                let (store, tmp) = (store.clone(), tmp.clone());
                let sha256 = hex::encode(sink.hasher.finalize());
                let committed = tokio::task::spawn_blocking(move || store.commit_upload(sink.file, &tmp, &sha256, &full_key, &target)).await;
                match committed {
                    Ok(Ok(())) => Ok(storage_uri),
                    Ok(Err(CommitError::BadKey(m))) => Err(refuse(400, m)),
                    Ok(Err(CommitError::Conflict(m))) => Err(refuse(409, m)),
                    Ok(Err(CommitError::Io(e))) => Err(refuse(500, e.to_string())),
                    Err(e) => Err(refuse(500, format!("fileStorage: upload task failed: {e}"))),
                }
            }
        },
    };
    match outcome {
        Ok(storage_uri) => json_response(200, json!({ "storageUri": storage_uri }).to_string(), &[]),
        Err(r) => {
            // Nothing of a refused upload stays behind (the file may be gone already).
            let _ = tokio::task::spawn_blocking(move || std::fs::remove_file(tmp)).await;
            // A little more body is read so the client gets to see the answer (a timeout is
            // answered at once: the client is not sending).
            let unread = !finished && (r.status == 408 || !drain_rest(&mut body, MULTIPART_OVERHEAD_BYTES as usize).await);
            refusal_response(r, unread)
        }
    }
}
