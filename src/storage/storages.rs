//! All configured storages, dispatching by a URI's protocol (SPEC §6.2): upstream's
//! `resolveFileUrl` and `readStorageText`.

use std::sync::Arc;

use super::backend::Storage;
use super::remote::RemoteText;
use super::uri::{checked_url, uri_protocol};
use crate::context::Ctx;
use crate::error::{Error, Result};

/// All configured storages, dispatching by protocol (the first match wins).
#[derive(Clone, Default)]
pub struct Storages {
    list: Vec<Arc<dyn Storage>>,
    /// Reads `http(s)` texts when no storage claims the protocol.
    remote: Arc<RemoteText>,
}

impl Storages {
    pub fn new(list: Vec<Arc<dyn Storage>>) -> Self {
        Storages { list, remote: Arc::default() }
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
            return self.remote.read(uri).await;
        }
        Err(Error::storage(format!("No storage plugin for protocol: {protocol}")))
    }
}
