//! The plain request and response the router works on, and upstream's JSON error answers
//! (SPEC §2.6): what JS hands over and gets back in one napi crossing.

use serde_json::{json, Value};

use crate::error::{Error, ErrorKind};

/// Which route groups are mounted.
#[derive(Debug, Clone, Copy)]
pub struct Routes {
    pub update_check: bool,
    pub bundles: bool,
}

/// What the handler needs from a Web `Request`.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub method: &'a str,
    pub url: &'a str,
    /// The `Hot-Updater-SDK-Version` header as `Headers.get` returns it.
    pub sdk_version: Option<&'a str>,
    pub body: Option<&'a str>,
}

/// The answer: status and JSON text (the content type is always `application/json`), plus the
/// message of an unexpected error, which the JS side logs like upstream.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    pub status: u16,
    pub body: String,
    pub logged_error: Option<String>,
    /// The update answer came from the last good snapshot while the database was unreachable.
    pub stale: bool,
    /// `fileUrl` is still to be asked of a JS storage plugin (see `service::AppUpdate`).
    pub pending_file_url: Option<(u32, String)>,
    /// `Retry-After` in seconds (only on 503 answers while the database is unreachable).
    pub retry_after: Option<u32>,
}

impl Response {
    pub(crate) fn json(status: u16, body: &Value) -> Self {
        Response { status, body: body.to_string(), logged_error: None, stale: false, pending_file_url: None, retry_after: None }
    }
}

/// The content type of `resp`: JSON, except the Prometheus text of `<basePath>/api/metrics`,
/// which is the only body that starts with `#`.
pub fn content_type(resp: &Response) -> &'static str {
    if resp.body.starts_with('#') {
        "text/plain; version=0.0.4; charset=utf-8"
    } else {
        "application/json"
    }
}

/// Turns an error into upstream's JSON answer.
pub fn error_response(err: &Error) -> Response {
    match err.kind {
        ErrorKind::BadRequest => Response::json(400, &json!({ "error": err.message })),
        ErrorKind::NotFound => Response::json(404, &json!({ "error": err.message })),
        // Ours, not upstream's: a write refused while the database is known to be unreachable.
        ErrorKind::Unavailable { retry_after } => {
            Response { retry_after: Some(retry_after), ..Response::json(503, &json!({ "error": "Service unavailable", "message": err.message })) }
        }
        _ => Response {
            status: 500,
            body: json!({ "error": "Internal server error", "message": err.message }).to_string(),
            logged_error: Some(err.message.clone()),
            stale: false,
            pending_file_url: None,
            retry_after: None,
        },
    }
}
