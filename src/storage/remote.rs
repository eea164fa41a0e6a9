//! Plain `http(s)` storage URIs that no storage claims: upstream's `readStorageText` fetches them
//! with the runtime's `fetch` (redirects followed, a non-2xx status reads as "no text"). Done here
//! natively, so a manifest behind such a URI costs no crossing into JS.

use std::time::Duration;

use super::http::{StorageHttp, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS, MAX_TEXT_BYTES};
use crate::error::{Error, Result};

/// `fetch`'s redirect limit.
const MAX_REDIRECTS: usize = 20;

/// What a failed request says: the text Node's `fetch` rejects with, as upstream's answer carries
/// it (a request's URL may hold a signature, so it is never part of the message).
const FETCH_FAILED: &str = "fetch failed";

/// The client for plain URLs (built on first use).
pub struct RemoteText {
    http: StorageHttp,
}

impl Default for RemoteText {
    fn default() -> Self {
        let http = StorageHttp::new("http(s)", Duration::from_millis(DEFAULT_CONNECT_TIMEOUT_MS), Duration::from_millis(DEFAULT_REQUEST_TIMEOUT_MS));
        RemoteText { http: http.with_redirects(MAX_REDIRECTS) }
    }
}

impl RemoteText {
    /// The text at `url`, or `None` when the server answers with a non-2xx status.
    pub async fn read(&self, url: &str) -> Result<Option<String>> {
        let mut res = self.http.client()?.get(url).send().await.map_err(|_| Error::storage(FETCH_FAILED))?;
        if !res.status().is_success() {
            return Ok(None);
        }
        let mut body: Vec<u8> = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(|_| Error::storage(FETCH_FAILED))? {
            if body.len() + chunk.len() > MAX_TEXT_BYTES {
                return Err(Error::storage(format!("The object at {} is larger than {MAX_TEXT_BYTES} bytes", super::http::host_of(url))));
            }
            body.extend_from_slice(&chunk);
        }
        // `Response.text()`: UTF-8 with replacement characters, a leading byte-order mark dropped.
        let text = String::from_utf8_lossy(&body);
        Ok(Some(text.strip_prefix('\u{feff}').unwrap_or(&text).to_string()))
    }
}
