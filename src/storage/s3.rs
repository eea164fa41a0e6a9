//! Native S3 storage (`s3Storage`, protocol `s3`) and Cloudflare R2 through R2's S3 API
//! (`r2Storage`, protocol `r2`), behaving as upstream's `@hot-updater/aws` and
//! `@hot-updater/cloudflare` runtime profiles (SPEC §6.3):
//!
//! - `getDownloadUrl(s3://bucket/key)`: a SigV4 presigned GET (our own signer, see `sigv4`), or
//!   an unsigned `publicBaseUrl/key` when that option is set;
//! - `readText`: a signed GetObject on the configured bucket, `None` when the object is missing.
//!
//! HTTP goes through `reqwest` (rustls with ring and the webpki roots, no HTTP/2); the AWS SDK
//! crates are deliberately not used, for compile time and addon size. Errors name the endpoint
//! host, never credentials or signed URLs.

use std::time::Instant;

use async_trait::async_trait;

use super::cache::StorageCaches;
use super::http::{xml_error, xml_field, Fetched, StorageHttp};
use super::s3_config::{Flavor, ObjectAddress, S3Config, S3Options};
use super::sigv4::{AmzTime, Signer, EMPTY_SHA256, UNSIGNED_PAYLOAD};
use super::uri::parse_storage_uri;
use super::Storage;
use crate::context::Ctx;
use crate::error::{Error, Result};

const NO_CREDENTIALS: &str = "Could not load credentials from any providers";
const R2_NEEDS_CREDENTIALS: &str = "r2Storage runtime profile requires R2 S3 credentials. Wrangler-based R2 access is only supported by the node profile.";

/// One S3-compatible bucket behind a storage protocol.
pub struct S3Storage {
    cfg: S3Config,
    /// `None` without credentials (or region): signing then fails with the SDK's message.
    signer: Option<Signer>,
    http: StorageHttp,
    caches: StorageCaches,
}

impl std::fmt::Debug for S3Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Storage").field("cfg", &self.cfg).finish_non_exhaustive()
    }
}

impl S3Storage {
    pub fn new(cfg: S3Config) -> Self {
        let signer = match (&cfg.credentials, &cfg.region) {
            (Some(creds), Some(region)) => Some(Signer::new(creds.clone(), region.clone())),
            _ => None,
        };
        let caches = StorageCaches::new(cfg.cache);
        let http = StorageHttp::new("S3", cfg.connect_timeout, cfg.request_timeout);
        S3Storage { cfg, signer, http, caches }
    }

    /// The storage `s3Storage(...)` (`Flavor::S3`) or `r2Storage(...)` (`Flavor::R2`) describes.
    pub fn from_options(flavor: Flavor, options: S3Options) -> Result<S3Storage> {
        Ok(S3Storage::new(S3Config::from_options(flavor, options)?))
    }

    pub fn config(&self) -> &S3Config {
        &self.cfg
    }

    fn check_bucket(&self, bucket: &str) -> Result<()> {
        if bucket != self.cfg.bucket {
            return Err(Error::storage(format!("Bucket name mismatch: expected \"{}\", but found \"{bucket}\".", self.cfg.bucket)));
        }
        Ok(())
    }

    /// The signer, or the error upstream's SDK gives when it cannot sign.
    fn signer(&self) -> Result<&Signer> {
        if let Some(s) = &self.signer {
            return Ok(s);
        }
        match (self.cfg.flavor, &self.cfg.credentials) {
            (Flavor::R2, None) => Err(Error::storage(R2_NEEDS_CREDENTIALS)),
            (_, None) => Err(Error::storage(NO_CREDENTIALS)),
            (_, Some(_)) => Err(Error::storage("Region is missing")),
        }
    }

    /// A presigned GET URL for `bucket/key`, valid for `expiresIn` seconds from `t`.
    fn presign(&self, bucket: &str, key: &str, t: &AmzTime) -> Result<String> {
        if key.is_empty() {
            return Err(Error::storage("Empty value provided for input HTTP label: Key."));
        }
        let signer = self.signer()?;
        let addr = self.cfg.address(bucket, key)?;
        // The parameters the AWS SDK v3 signs into a GetObject URL, so ours look the same.
        let extra = [("X-Amz-Content-Sha256", UNSIGNED_PAYLOAD), ("x-amz-checksum-mode", "ENABLED"), ("x-id", "GetObject")];
        let query = signer.presign_query("GET", &addr.host, &addr.path, &extra, self.cfg.expires_in, t);
        Ok(format!("{}?{query}", addr.url()))
    }

    /// The download URL: pure CPU work (or a cache hit), so update checks can get it without
    /// waiting on anything.
    fn download_url(&self, uri: &str) -> Result<String> {
        let (bucket, key) = parse_storage_uri(uri, self.cfg.flavor.protocol())?;
        match self.cfg.flavor {
            Flavor::S3 if bucket.is_empty() || key.is_empty() => return Err(Error::storage("Invalid S3 storage URI: missing bucket or key")),
            Flavor::S3 => {}
            Flavor::R2 => self.check_bucket(&bucket)?,
        }
        if let Some(url) = self.cfg.public_url(&key) {
            return Ok(url);
        }
        if let Some(url) = self.caches.url(uri, Instant::now()) {
            return Ok(url);
        }
        let made_at = Instant::now();
        let url = match self.cfg.flavor {
            Flavor::S3 => self.presign(&bucket, &key, &AmzTime::now()).map_err(|e| Error::storage(format!("Failed to presign S3 URL: {e}")))?,
            Flavor::R2 => self.presign(&self.cfg.bucket, &key, &AmzTime::now())?,
        };
        self.caches.put_url(uri, &url, std::time::Duration::from_secs(self.cfg.expires_in), made_at);
        Ok(url)
    }

    async fn text(&self, uri: &str) -> Result<Option<String>> {
        let (bucket, key) = parse_storage_uri(uri, self.cfg.flavor.protocol())?;
        self.check_bucket(&bucket)?;
        if let Some(text) = self.caches.text(uri) {
            return Ok(Some(text));
        }
        let text = match (&self.signer, self.cfg.public_url(&key)) {
            // Read-only deployments behind a public bucket need no keys at all.
            (None, Some(public)) if self.cfg.credentials.is_none() => self.get_public(&public).await?,
            _ => self.get_object(&key).await?,
        };
        if let Some(t) = &text {
            self.caches.put_text(uri, t);
        }
        Ok(text)
    }

    /// A signed GetObject on the configured bucket.
    async fn get_object(&self, key: &str) -> Result<Option<String>> {
        let signer = self.signer()?;
        if key.is_empty() {
            return Err(Error::storage("Empty value provided for input HTTP label: Key."));
        }
        let addr = self.cfg.address(&self.cfg.bucket, key)?;
        let headers = signer.sign_headers("GET", &addr.host, &addr.path, "", EMPTY_SHA256, &AmzTime::now());
        let mut req = self.http.client()?.get(addr.url());
        for (name, value) in headers {
            req = req.header(name, value);
        }
        self.fetch_text(&addr, req).await
    }

    async fn get_public(&self, url: &str) -> Result<Option<String>> {
        let parsed = url::Url::parse(url).map_err(|_| Error::storage("Invalid publicBaseUrl"))?;
        let addr = ObjectAddress { scheme: parsed.scheme().into(), host: parsed.host_str().unwrap_or("").into(), path: String::new() };
        self.fetch_text(&addr, self.http.client()?.get(url)).await
    }

    async fn fetch_text(&self, addr: &ObjectAddress, req: reqwest::RequestBuilder) -> Result<Option<String>> {
        let host = &addr.host;
        let res: Fetched = self.http.fetch(host, req).await?;
        if res.ok() {
            return Ok(Some(res.text()));
        }
        let text = res.text();
        let code = xml_field(&text, "Code");
        if res.status == 404 {
            // S3: a missing key (not a missing bucket) is "not found"; R2: any 404 is.
            let missing_key = matches!(code.as_deref(), None | Some("NoSuchKey") | Some("NotFound"));
            if missing_key || self.cfg.flavor == Flavor::R2 {
                return Ok(None);
            }
        }
        Err(xml_error(&format!("S3 GetObject on {host}"), res.status, &text))
    }
}

#[async_trait]
impl Storage for S3Storage {
    fn protocol(&self) -> &str {
        self.cfg.flavor.protocol()
    }

    async fn get_download_url(&self, uri: &str, _ctx: Ctx) -> Result<String> {
        self.download_url(uri)
    }

    fn download_url_now(&self, uri: &str) -> Option<Result<String>> {
        Some(self.download_url(uri))
    }

    async fn read_text(&self, uri: &str, _ctx: Ctx) -> Result<Option<String>> {
        self.text(uri).await
    }
}

#[cfg(test)]
#[path = "s3_tests.rs"]
mod tests;
