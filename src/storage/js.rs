//! A storage implemented by a JS plugin object (upstream's runtime profile), called through the
//! bridge with the request context passed through untouched.

use std::sync::Arc;

use async_trait::async_trait;

use super::Storage;
use crate::bridge::{self, JsCall};
use crate::context::Ctx;
use crate::error::{Error, ErrorKind, Result};

/// The storage plugin at `index` of the JS-side storage list.
pub struct JsStorage {
    pub protocol: String,
    pub index: u32,
    pub js: Arc<dyn JsCall>,
}

#[async_trait]
impl Storage for JsStorage {
    fn protocol(&self) -> &str {
        &self.protocol
    }

    async fn get_download_url(&self, uri: &str, ctx: Ctx) -> Result<String> {
        let v = bridge::call(self.js.as_ref(), ErrorKind::Storage, "storage.getDownloadUrl", ctx, self.index.to_string(), uri.to_string()).await?;
        match v {
            serde_json::Value::String(s) => Ok(s),
            serde_json::Value::Null => Ok(String::new()),
            other => Err(Error::storage(format!("Storage plugin returned a non-string fileUrl: {other}"))),
        }
    }

    fn js_index(&self) -> Option<u32> {
        Some(self.index)
    }

    async fn read_text(&self, uri: &str, ctx: Ctx) -> Result<Option<String>> {
        let v = bridge::call(self.js.as_ref(), ErrorKind::Storage, "storage.readText", ctx, self.index.to_string(), uri.to_string()).await?;
        Ok(v.as_str().map(str::to_string))
    }
}
