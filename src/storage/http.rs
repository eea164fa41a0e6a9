//! The HTTP side every native storage shares: one lazily built `reqwest` client with bounded
//! timeouts (and, for plain URLs, redirects followed), bodies read with a size limit, and error texts that say what failed (refused,
//! timed out, reset) and where (the host), never the URL, which may carry a signature.

use std::error::Error as _;
use std::sync::OnceLock;
use std::time::Duration;

use crate::error::{Error, Result};

/// Object texts larger than this are refused (manifests are a few kilobytes).
pub const MAX_TEXT_BYTES: usize = 32 * 1024 * 1024;
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 5_000;
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 15_000;

/// A storage's HTTP client and the name its errors go by (`S3`, `Supabase`, `Cloud Storage`).
pub struct StorageHttp {
    service: &'static str,
    connect_timeout: Duration,
    request_timeout: Duration,
    /// Redirects followed (0: none, redirects are answers like any other).
    max_redirects: usize,
    client: OnceLock<std::result::Result<reqwest::Client, String>>,
}

/// A finished response: status and the whole body.
pub struct Fetched {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Fetched {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl StorageHttp {
    pub fn new(service: &'static str, connect_timeout: Duration, request_timeout: Duration) -> Self {
        StorageHttp { service, connect_timeout, request_timeout, max_redirects: 0, client: OnceLock::new() }
    }

    /// Follows up to `limit` redirects (set before the first request builds the client).
    pub fn with_redirects(mut self, limit: usize) -> Self {
        self.max_redirects = limit;
        self
    }

    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    pub fn client(&self) -> Result<&reqwest::Client> {
        let built = self.client.get_or_init(|| {
            reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .timeout(self.request_timeout)
                .redirect(if self.max_redirects == 0 { reqwest::redirect::Policy::none() } else { reqwest::redirect::Policy::limited(self.max_redirects) })
                .user_agent(concat!("hot-updater-rs/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| format!("Could not create the {} HTTP client: {}", self.service, root_cause(&e)))
        });
        built.as_ref().map_err(|e| Error::storage(e.clone()))
    }

    /// Sends `req` to `host` and reads the whole body, refusing more than [`MAX_TEXT_BYTES`].
    pub async fn fetch(&self, host: &str, req: reqwest::RequestBuilder) -> Result<Fetched> {
        let mut res = req.send().await.map_err(|e| self.transport_error(host, &e))?;
        let status = res.status().as_u16();
        let mut body: Vec<u8> = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|e| self.transport_error(host, &e))? {
            if body.len() + chunk.len() > MAX_TEXT_BYTES {
                return Err(Error::storage(format!("{} object from {host} is larger than {MAX_TEXT_BYTES} bytes", self.service)));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched { status, body })
    }

    pub fn transport_error(&self, host: &str, e: &reqwest::Error) -> Error {
        let reason = if e.is_timeout() && !e.is_connect() {
            format!("timed out after {} ms", self.request_timeout.as_millis())
        } else if e.is_connect() {
            format!("could not connect ({})", root_cause(e))
        } else {
            root_cause(e)
        };
        Error::storage(format!("{} request to {host} failed: {reason}", self.service))
    }
}

/// The innermost cause's text: it says what happened (refused, reset, DNS) and, unlike
/// `reqwest::Error`'s own text, never contains the URL.
pub fn root_cause(e: &reqwest::Error) -> String {
    let mut cause: Option<&dyn std::error::Error> = e.source();
    let mut text = String::from("request failed");
    while let Some(c) = cause {
        text = c.to_string();
        cause = c.source();
    }
    text
}

/// The text of the first `<name>…</name>` element of an XML error document (S3, Cloud
/// Storage), unescaped.
pub fn xml_field(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{name}>"))?;
    let raw = &xml[start..end];
    let text = raw.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&");
    Some(text).filter(|t| !t.is_empty())
}

/// The error for a failed object read answered with an XML error document (S3, Cloud Storage):
/// `<Message> (<what>: HTTP <status> <Code>)`, or `<what> failed: HTTP <status> <Code>`.
pub fn xml_error(what: &str, status: u16, body: &str) -> Error {
    let detail = match xml_field(body, "Code") {
        Some(code) => format!("HTTP {status} {code}"),
        None => format!("HTTP {status}"),
    };
    Error::storage(match xml_field(body, "Message") {
        Some(message) => format!("{message} ({what}: {detail})"),
        None => format!("{what} failed: {detail}"),
    })
}

/// The host (and port) of `url` for error texts; empty when it does not parse.
pub fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_default()
}
