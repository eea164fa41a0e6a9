//! The one trait every storage backend implements (upstream's runtime storage profile:
//! `getDownloadUrl` and `readText`), plus the synchronous fast path this server adds.

use async_trait::async_trait;

use crate::context::Ctx;
use crate::error::Result;

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
