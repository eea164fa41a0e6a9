//! One request through the listener: the same decisions, in the same order, as the wrapper's
//! `handler` (lib/server.js): `auth`, then `fileStorage`'s routes, then the router.

use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use bytes::Bytes;
use futures::FutureExt;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, TRANSFER_ENCODING};
use hyper::{HeaderMap, Request as HttpRequest, Response as HttpResponse};
use serde_json::json;

use super::body::Body;
use super::{auth, file_routes, upload, App, ForwardRequest};
use crate::context::Ctx;
use crate::http::files::{self, FileAction, FileRoutes, FileStep};
use crate::http::{self, Request, Response};

const SDK_VERSION_HEADER: &str = "hot-updater-sdk-version";

pub(super) fn json_response(status: u16, body: String, extra: &[(&'static str, String)]) -> HttpResponse<Body> {
    let mut res = HttpResponse::new(Body::full(body));
    *res.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let h = res.headers_mut();
    h.insert(hyper::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in extra {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()), HeaderValue::from_str(value)) {
            h.insert(n, v);
        }
    }
    res
}

pub(super) fn error_json(status: u16, message: &str, close: bool) -> HttpResponse<Body> {
    let mut res = json_response(status, json!({ "error": message }).to_string(), &[]);
    if close {
        res.headers_mut().insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    }
    res
}

/// The router's answer as an HTTP response (lib/server.js's `toResponse`).
fn router_response(resp: Response) -> HttpResponse<Body> {
    if let Some(message) = &resp.logged_error {
        eprintln!("Hot Updater handler error: Error: {message}");
    }
    let mut extra: Vec<(&'static str, String)> = Vec::new();
    if resp.stale {
        extra.push(("Hot-Updater-Snapshot", "stale".into()));
    } else if let Some(secs) = resp.retry_after {
        extra.push(("Retry-After", secs.to_string()));
    }
    let content_type = crate::http::response::content_type(&resp);
    let mut res = json_response(resp.status, resp.body, &extra);
    if content_type != "application/json" {
        res.headers_mut().insert(hyper::header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    }
    res
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The request's URL as a Node framework builds it: `http://<Host><path?query>`.
fn request_url(req: &HttpRequest<Incoming>, local: Option<SocketAddr>) -> String {
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let host = match header_str(req.headers(), "host").filter(|h| !h.is_empty()) {
        Some(h) => h.to_string(),
        None => local.map_or_else(|| "localhost".to_string(), |a| a.to_string()),
    };
    format!("http://{host}{path}")
}

/// Whether the request announces a body (a length above 0 or a chunked one).
pub(super) fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(TRANSFER_ENCODING) || header_str(headers, "content-length").is_some_and(|l| l.trim() != "0")
}

enum BodyError {
    TooLarge,
    Timeout,
    Broken,
}

/// Reads the body within `limit` bytes and the body deadline.
async fn read_body(app: &App, headers: &HeaderMap, body: Incoming, limit: usize) -> Result<Bytes, BodyError> {
    if let Some(declared) = header_str(headers, "content-length").and_then(|l| l.trim().parse::<u64>().ok()) {
        if declared > limit as u64 {
            return Err(BodyError::TooLarge);
        }
    }
    match tokio::time::timeout(app.limits.body_timeout, Limited::new(body, limit).collect()).await {
        Err(_) => Err(BodyError::Timeout),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge),
        Ok(Err(_)) => Err(BodyError::Broken),
    }
}

/// Most of a body a refused request may carry and still be read to its end.
const DRAIN_BYTES: usize = 64 * 1024;
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(2);

/// Reads and discards the rest of a body the answer does not need, so the client can finish
/// sending and then read the answer: closing with the body unread would make the client's
/// kernel reset the connection, and the client would see a failed write instead of the answer.
/// `false` when more than `max_bytes` remain or they take longer than [`DRAIN_TIME`] (the answer
/// then closes the connection).
pub(super) async fn drain_rest(body: &mut Incoming, max_bytes: usize) -> bool {
    let read = async {
        let mut total = 0usize;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return false };
            if let Ok(data) = frame.into_data() {
                total += data.len();
                if total > max_bytes {
                    return false;
                }
            }
        }
        true
    };
    tokio::time::timeout(DRAIN_TIME, read).await.unwrap_or(false)
}

/// [`drain_rest`] of a whole body refused before any of it was read.
pub(super) async fn drain(mut body: Incoming) -> bool {
    drain_rest(&mut body, DRAIN_BYTES).await
}

fn body_error(e: BodyError) -> HttpResponse<Body> {
    match e {
        BodyError::TooLarge => error_json(413, "Payload too large", true),
        BodyError::Timeout => error_json(408, "Request timeout", true),
        BodyError::Broken => error_json(400, "Request body could not be read", true),
    }
}

/// Serves one request; a panic becomes a 500 answer for this request only.
pub async fn serve(app: Arc<App>, req: HttpRequest<Incoming>, local: Option<SocketAddr>) -> HttpResponse<Body> {
    match AssertUnwindSafe(route(&app, req, local)).catch_unwind().await {
        Ok(res) => res,
        Err(payload) => {
            let text = payload.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| payload.downcast_ref::<String>().cloned()).unwrap_or_default();
            let message = format!("hot-updater-rs internal error (a bug; please report it): {text}");
            eprintln!("Hot Updater handler error: Error: {message}");
            let mut res = json_response(500, json!({ "error": "Internal server error", "message": message }).to_string(), &[]);
            res.headers_mut().insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
            res
        }
    }
}

async fn route(app: &App, req: HttpRequest<Incoming>, local: Option<SocketAddr>) -> HttpResponse<Body> {
    // hyper's read buffer bounds the head only roughly (a head read in one go may exceed it).
    let head_bytes: usize =
        req.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum::<usize>() + req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if head_bytes > app.limits.max_head_bytes {
        let mut res = json_response(431, r#"{"error":"Request header fields too large"}"#.to_string(), &[]);
        res.headers_mut().insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
        return res;
    }
    let url = request_url(&req, local);
    let method = req.method().as_str().to_string();

    if let Some(auth) = &app.auth {
        if auth::is_management(&url, &app.base_path)
            && !auth.exempts(&url, &app.base_path)
            && !auth.allows(req.headers().get("authorization").map(|v| v.as_bytes()))
        {
            let close = has_body(req.headers()) && !drain(req.into_body()).await;
            let mut res = json_response(401, r#"{"error":"Unauthorized"}"#.to_string(), &[("WWW-Authenticate", "Bearer".into())]);
            if close {
                res.headers_mut().insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
            }
            return res;
        }
    }

    if let Some(cfg) = &app.file_routes {
        if url.contains("/files/") || url.contains("/api/storage/") {
            match files::route(cfg, &app.base_path, app.routes.bundles, &method, &url, None) {
                None => {}
                Some(FileStep::Answer { status, body, headers }) => return json_response(status, body, &headers),
                Some(step) => return file_route(app, cfg, req, method, url, step).await,
            }
        }
    }

    let sdk = header_str(req.headers(), SDK_VERSION_HEADER).map(str::to_string);
    if method == "GET" {
        let plain = Request { method: "GET", url: &url, sdk_version: sdk.as_deref(), body: None };
        if let Some(resp) = http::handle_now(&app.api, &app.base_path, app.routes, &plain) {
            // An answer still waiting for a JS storage plugin's URL is asked of it by `handle`.
            if resp.pending_file_url.is_none() {
                return router_response(resp);
            }
        }
    }
    let body = if method != "GET" && method != "HEAD" {
        let (parts, incoming) = req.into_parts();
        match read_body(app, &parts.headers, incoming, app.limits.max_body_bytes).await {
            Ok(b) => Some(String::from_utf8_lossy(&b).into_owned()),
            Err(e) => return body_error(e),
        }
    } else {
        None
    };
    let plain = Request { method: &method, url: &url, sdk_version: sdk.as_deref(), body: body.as_deref() };
    router_response(http::handle(&app.api, &app.base_path, app.routes, plain, Ctx { id: 0, is_object: false }).await)
}

/// A `fileStorage` route that needs the disk or the body: answered here when the listener has
/// the storage's directory (see `file_routes`), handed to the JS `handler` otherwise.
async fn file_route(app: &App, cfg: &FileRoutes, req: HttpRequest<Incoming>, method: String, url: String, step: FileStep) -> HttpResponse<Body> {
    let Some(store) = app.file_store.clone() else { return forward(app, req, method, url).await };
    let (parts, incoming) = req.into_parts();
    let step = match step {
        FileStep::ReadJsonBody => match read_body(app, &parts.headers, incoming, files::MAX_JSON_BODY_BYTES).await {
            Ok(body) => match files::route(cfg, &app.base_path, app.routes.bundles, &method, &url, Some(&String::from_utf8_lossy(&body))) {
                Some(step) => step,
                None => return error_json(404, "Not found", false),
            },
            Err(e) => return body_error(e),
        },
        FileStep::Upload => {
            let req = HttpRequest::from_parts(parts, incoming);
            return match app.max_upload_bytes {
                Some(limit) => upload::upload(app, cfg, store, limit, req).await,
                None => forward(app, req, method, url).await,
            };
        }
        step => step,
    };
    match step {
        FileStep::Answer { status, body, headers } => json_response(status, body, &headers),
        FileStep::File { action: FileAction::Delete, key, path } => file_routes::delete(store, key, path).await,
        FileStep::File { action, key, path } => file_routes::serve_file(store, &method, &parts.headers, key, path, action == FileAction::Download).await,
        FileStep::ReadJsonBody | FileStep::Upload => error_json(500, "Internal server error", false),
    }
}

/// Hands the request to the JS `handler` whole and sends back what it answers.
async fn forward(app: &App, req: HttpRequest<Incoming>, method: String, url: String) -> HttpResponse<Body> {
    let Some(fwd) = app.forward.clone() else {
        return json_response(500, json!({ "error": "Internal server error", "message": "This route needs the JS handler" }).to_string(), &[]);
    };
    let (parts, incoming) = req.into_parts();
    let headers: Vec<(String, String)> =
        parts.headers.iter().map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
    let body = if method != "GET" && method != "HEAD" {
        match read_body(app, &parts.headers, incoming, app.limits.forward_body_bytes).await {
            Ok(b) => b.to_vec(),
            Err(e) => return body_error(e),
        }
    } else {
        Vec::new()
    };
    match fwd.forward(ForwardRequest { method, url, headers, body }).await {
        Ok(answer) => {
            let mut res = HttpResponse::new(Body::full(answer.body));
            *res.status_mut() = hyper::StatusCode::from_u16(answer.status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
            let h = res.headers_mut();
            let head = parts.method == hyper::Method::HEAD;
            for (name, value) in answer.headers {
                // Framing is hyper's (except the length a HEAD answer announces); a
                // `Connection: close` of the handler is kept.
                let lower = name.to_ascii_lowercase();
                if (lower == "content-length" && !head) || lower == "transfer-encoding" || lower == "keep-alive" {
                    continue;
                }
                if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(lower.as_bytes()), HeaderValue::from_str(&value)) {
                    h.append(n, v);
                }
            }
            res
        }
        Err(e) => {
            eprintln!("Hot Updater handler error: Error: {}", e.message);
            json_response(500, json!({ "error": "Internal server error", "message": e.message }).to_string(), &[])
        }
    }
}
