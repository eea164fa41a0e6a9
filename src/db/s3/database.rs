//! [`S3Database`]: options, the lazily built client, and the reads every operation shares.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use serde::Deserialize;
use serde_json::Value;

use super::blob::{Blob, LOAD_CONCURRENCY};
use super::cloudfront::CloudFront;
use super::layout::{normalize_base_path, DEFAULT_API_BASE_PATH};
use crate::core::bundle::Bundle;
use crate::error::{Error, Result};
use crate::storage::s3_client::{ClientSettings, S3Client};
use crate::storage::s3_config::{CredentialsOption, Endpoint};

/// `adapterName` of upstream's `s3Database` (the plugin's name).
pub const S3_ADAPTER_NAME: &str = "s3Database";

/// The object our writes rewrite after every change, which the snapshot's probe reads (one
/// small `GetObject`). Root-level and not under any prefix, so upstream's listing never walks
/// into it.
pub const MARKER_KEY: &str = "_hot-updater-rs.marker.json";

/// How long the snapshot of an S3 database is kept at most when its marker does not change:
/// the bound on how long a write by another tool (upstream's plugin, the CLI) stays unseen by
/// update checks. A rebuild lists the loaded channel/platform folders and reads their
/// `update.json` files.
pub const SNAPSHOT_MAX_AGE: Duration = Duration::from_secs(10);

const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 5_000;
const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 15_000;

/// Options of `s3Database(config)` as the JS factory hands them over (upstream's
/// `S3DatabaseConfig`, plus `cloudfrontEndpoint` and the timeouts).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3DatabaseOptions {
    pub bucket_name: String,
    pub base_path: Option<String>,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub force_path_style: Option<bool>,
    pub credentials: Option<CredentialsOption>,
    /// Empty or absent: no CloudFront invalidation.
    pub cloudfront_distribution_id: Option<String>,
    /// CloudFront's API endpoint (default `https://cloudfront.amazonaws.com`).
    pub cloudfront_endpoint: Option<String>,
    pub should_wait_for_invalidation: Option<bool>,
    /// The update-check path prefix invalidated (default `/api/check-update`).
    pub api_base_path: Option<String>,
    pub connect_timeout_ms: Option<u64>,
    pub request_timeout_ms: Option<u64>,
}

/// A native blob database on one S3 bucket, in upstream's `s3Database` layout.
pub struct S3Database {
    pub(super) bucket: String,
    pub(super) base: String,
    pub(super) api_base_path: String,
    settings: ClientSettings,
    /// Built on first use; `close()` puts an empty cell in its place, and the old client (with
    /// its idle keep-alive connections) goes when the last request still using it ends.
    client: Mutex<Arc<tokio::sync::OnceCell<Arc<S3Client>>>>,
    pub(super) cloudfront: Option<CloudFront>,
    /// Changes through this process are applied one at a time (each is a read-modify-write of
    /// up to four objects).
    pub(super) write_lock: tokio::sync::Mutex<()>,
}

impl fmt::Debug for S3Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Database").field("bucket", &self.bucket).field("base", &self.base).field("cloudfront", &self.cloudfront).finish_non_exhaustive()
    }
}

impl S3Database {
    pub fn new(o: S3DatabaseOptions) -> Result<Self> {
        if o.bucket_name.is_empty() {
            return Err(Error::config("s3Database: `bucketName` must be a non-empty string."));
        }
        let endpoint = match o.endpoint.filter(|e| !e.trim().is_empty()) {
            Some(e) => Some(Endpoint::parse(&e)?.url()),
            None => None,
        };
        let request_timeout = Duration::from_millis(o.request_timeout_ms.unwrap_or(DEFAULT_REQUEST_TIMEOUT_MS));
        let settings = ClientSettings {
            region: o.region.filter(|r| !r.is_empty()),
            credentials: o.credentials.map(|c| (c.access_key_id, c.secret_access_key, c.session_token.filter(|t| !t.is_empty()))),
            use_chain: true,
            force_path_style: o.force_path_style.unwrap_or(endpoint.is_some()),
            endpoint,
            connect_timeout: Duration::from_millis(o.connect_timeout_ms.unwrap_or(DEFAULT_CONNECT_TIMEOUT_MS)),
            request_timeout,
        };
        let cloudfront = match o.cloudfront_distribution_id.filter(|d| !d.is_empty()) {
            Some(id) => Some(CloudFront::new(id, o.cloudfront_endpoint, o.should_wait_for_invalidation.unwrap_or(false), request_timeout)?),
            None => None,
        };
        Ok(S3Database {
            bucket: o.bucket_name,
            base: normalize_base_path(o.base_path.as_deref()),
            api_base_path: o.api_base_path.unwrap_or_else(|| DEFAULT_API_BASE_PATH.to_string()),
            settings,
            client: Mutex::new(Arc::new(tokio::sync::OnceCell::new())),
            cloudfront,
            write_lock: tokio::sync::Mutex::new(()),
        })
    }

    pub(super) async fn client(&self) -> Result<Arc<S3Client>> {
        let cell = self.client.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let settings = self.settings.clone();
        cell.get_or_try_init(|| async { crate::storage::s3_client::build(settings).await.map(Arc::new) }).await.cloned()
    }

    /// Lets go of the client: its idle connections close once no request uses it. The next
    /// request builds a new one.
    pub(super) fn drop_client(&self) {
        *self.client.lock().unwrap_or_else(PoisonError::into_inner) = Arc::new(tokio::sync::OnceCell::new());
    }

    pub(super) async fn blob(&self) -> Result<Blob<'_>> {
        let client = self.client().await?;
        if client.region.is_none() {
            return Err(Error::config("s3Database: Region is missing"));
        }
        Ok(Blob { client, bucket: &self.bucket, base: &self.base })
    }

    /// Every bundle (raw JSON) under a logical prefix, each with the key it was read from, in
    /// upstream's order (the `update.json` files in listing order). A later copy of an id wins,
    /// as in upstream's reload.
    pub(super) async fn load_all(&self, prefix: &str) -> Result<Vec<(String, Value)>> {
        let blob = self.blob().await?;
        let keys: Vec<String> = blob.list_update_keys(prefix).await?.into_iter().filter(|k| super::layout::is_update_key(k)).collect();
        let loaded: Vec<(String, Vec<Value>)> = futures::stream::iter(keys.into_iter().map(|k| {
            let blob = &blob;
            async move { blob.get_bundles(&k).await.map(|b| (k, b)) }
        }))
        .buffered(LOAD_CONCURRENCY)
        .try_collect()
        .await?;
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut out: Vec<(String, Value)> = Vec::new();
        for (key, bundles) in loaded {
            for b in bundles {
                let id = b.get("id").and_then(Value::as_str).unwrap_or("").to_string();
                match index.get(&id) {
                    Some(&i) => out[i] = (key.clone(), b),
                    None => {
                        index.insert(id, out.len());
                        out.push((key.clone(), b));
                    }
                }
            }
        }
        Ok(out)
    }

    /// The bundle with `id` and the key it is stored under.
    pub(super) async fn find(&self, id: &str) -> Result<Option<(String, Value)>> {
        Ok(self.load_all("").await?.into_iter().find(|(_, b)| b.get("id").and_then(Value::as_str) == Some(id)))
    }
}

/// A stored bundle as the crate's `Bundle`.
pub(super) fn parse_bundle(value: &Value) -> Result<Bundle> {
    serde_json::from_value(value.clone()).map_err(|e| Error::database(format!("Invalid bundle in the S3 database: {e}")))
}
