//! Storages: turn a bundle's `storageUri` into a download URL and read small text objects
//! (manifests). Several storages can be active; the URI's protocol picks one (SPEC §6.2).

pub mod cache;
pub mod file;
pub mod gcs;
pub mod http;
pub mod js;
pub mod s3;
pub mod s3_config;
pub mod sigv4;
pub mod supabase;

use std::sync::Arc;

use async_trait::async_trait;

use crate::bridge::{self, JsCall};
use crate::context::Ctx;
use crate::error::{Error, ErrorKind, Result};

/// One storage backend for one URI protocol.
#[async_trait]
pub trait Storage: Send + Sync {
    /// The URI scheme without `:` (e.g. `s3`).
    fn protocol(&self) -> &str;
    /// A download URL for `uri` (an empty string counts as "no URL").
    async fn get_download_url(&self, uri: &str, ctx: Ctx) -> Result<String>;
    /// The object's text, or `None` when it does not exist.
    async fn read_text(&self, uri: &str, ctx: Ctx) -> Result<Option<String>>;
    /// The download URL when it can be had without waiting on I/O (signing is CPU work, or the
    /// URL is cached). `None`: use [`Storage::get_download_url`]. This serves the synchronous
    /// update-check path, which answers within the napi call when nothing needs I/O.
    fn download_url_now(&self, _uri: &str) -> Option<Result<String>> {
        None
    }
    /// For a JS plugin: its index in the JS-side storage list, so that the JS wrapper can call
    /// it directly when that is all an answer still needs.
    fn js_index(&self) -> Option<u32> {
        None
    }
}

/// The protocol of a storage URI as WHATWG URL parsing reports it (lowercased, without `:`).
pub fn uri_protocol(uri: &str) -> Result<String> {
    url::Url::parse(uri).map(|u| u.scheme().to_string()).map_err(|_| Error::storage("Invalid URL"))
}

fn is_http_url(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| u.scheme() == "http" || u.scheme() == "https")
}

/// Upstream's checks on what a storage returned as a download URL.
fn checked_url(url: String) -> Result<String> {
    if url.is_empty() {
        return Err(Error::storage("Storage plugin returned empty fileUrl"));
    }
    if !is_http_url(&url) {
        return Err(Error::storage("Storage plugin returned a local file path; runtime update checks require an HTTP(S) download URL."));
    }
    Ok(url)
}

/// All configured storages, dispatching by protocol (the first match wins).
#[derive(Clone, Default)]
pub struct Storages {
    list: Vec<Arc<dyn Storage>>,
    /// Used to fetch `http(s)` texts when no storage claims the protocol.
    fetcher: Option<Arc<dyn JsCall>>,
}

impl Storages {
    pub fn new(list: Vec<Arc<dyn Storage>>, fetcher: Option<Arc<dyn JsCall>>) -> Self {
        Storages { list, fetcher }
    }

    fn find(&self, protocol: &str) -> Option<&Arc<dyn Storage>> {
        self.list.iter().find(|s| s.protocol() == protocol)
    }

    /// `resolveFileUrl`: `None` for an empty URI; upstream's errors otherwise.
    pub async fn resolve_file_url(&self, uri: Option<&str>, ctx: Ctx) -> Result<Option<String>> {
        let Some(uri) = uri.filter(|u| !u.is_empty()) else { return Ok(None) };
        let protocol = uri_protocol(uri)?;
        let Some(storage) = self.find(&protocol) else {
            if protocol == "http" || protocol == "https" {
                return Ok(Some(uri.to_string()));
            }
            return Err(Error::storage(format!("No storage plugin for protocol: {protocol}")));
        };
        let url = storage.get_download_url(uri, ctx).await?;
        checked_url(url).map(Some)
    }

    /// The JS plugin that would resolve `uri`, if a JS plugin would.
    pub fn js_index_for(&self, uri: &str) -> Option<u32> {
        let protocol = uri_protocol(uri).ok()?;
        self.find(&protocol)?.js_index()
    }

    /// [`Storages::resolve_file_url`] without I/O, when every step can run now; `None` when the
    /// storage needs to wait (a JS plugin, a network call).
    pub fn resolve_file_url_now(&self, uri: Option<&str>) -> Option<Result<Option<String>>> {
        let Some(uri) = uri.filter(|u| !u.is_empty()) else { return Some(Ok(None)) };
        let protocol = match uri_protocol(uri) {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        };
        match self.find(&protocol) {
            Some(storage) => storage.download_url_now(uri).map(|r| r.and_then(checked_url).map(Some)),
            None if protocol == "http" || protocol == "https" => Some(Ok(Some(uri.to_string()))),
            None => Some(Err(Error::storage(format!("No storage plugin for protocol: {protocol}")))),
        }
    }

    /// `readStorageText`: the text, or `None` when missing.
    pub async fn read_text(&self, uri: &str, ctx: Ctx) -> Result<Option<String>> {
        let protocol = uri_protocol(uri)?;
        if let Some(storage) = self.find(&protocol) {
            return storage.read_text(uri, ctx).await;
        }
        if protocol == "http" || protocol == "https" {
            let Some(fetcher) = &self.fetcher else {
                return Err(Error::storage(format!("No storage plugin for protocol: {protocol}")));
            };
            let value = bridge::call(fetcher.as_ref(), ErrorKind::Storage, "fetchText", ctx, uri.to_string(), String::new()).await?;
            return Ok(value.as_str().map(str::to_string));
        }
        Err(Error::storage(format!("No storage plugin for protocol: {protocol}")))
    }
}
