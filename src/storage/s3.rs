//! Native S3 storage (`s3Storage`, protocol `s3`) and Cloudflare R2 through R2's S3 API
//! (`r2Storage`, protocol `r2`), behaving as upstream's `@hot-updater/aws` and
//! `@hot-updater/cloudflare` runtime profiles (SPEC §6.3), on `aws-sdk-s3` (see `s3_client`):
//!
//! - `getDownloadUrl(s3://bucket/key)`: a presigned GetObject from the SDK's presigner, with the
//!   query parameters `@aws-sdk/s3-request-presigner` signs and in its order, so the URL is the
//!   one upstream would give; or an unsigned `publicBaseUrl/key` when that option is set;
//! - `readText`: GetObject on the configured bucket, `None` when the object is missing.
//!
//! Errors name the endpoint host, never credentials or signed URLs.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::presigning::PresigningConfig;

use super::cache::StorageCaches;
use super::http::{xml_error, Fetched, StorageHttp, MAX_TEXT_BYTES};
use super::s3_client::{credentials_error, root_cause, ClientSettings, S3Client, CREDENTIALS_REFRESH_BUFFER, NO_CREDENTIALS, R2_NEEDS_CREDENTIALS};
use super::s3_config::{Flavor, ObjectAddress, S3Config, S3Options};
use super::uri::parse_storage_uri;
use super::Storage;
use crate::context::Ctx;
use crate::error::{Error, Result};

/// The query parameters `@aws-sdk/s3-request-presigner` adds to a GetObject URL besides SigV4's
/// own (the Rust presigner leaves them out); they are signed along.
const JS_PRESIGN_EXTRA: &str = "X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&x-amz-checksum-mode=ENABLED";

/// One S3-compatible bucket behind a storage protocol.
pub struct S3Storage {
    cfg: S3Config,
    /// Built on first use, on the runtime of that call (loading the config files and, without an
    /// explicit region, resolving it can wait on I/O).
    client: tokio::sync::OnceCell<S3Client>,
    /// Set once the credential chain had nothing while `publicBaseUrl` is set: texts are then
    /// read over the public URL (a read-only deployment behind a public bucket needs no keys).
    public_reads: AtomicBool,
    http: StorageHttp,
    caches: StorageCaches,
}

impl std::fmt::Debug for S3Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Storage").field("cfg", &self.cfg).finish_non_exhaustive()
    }
}

/// A presigned URL and how long the URL cache may hand it out.
struct Presigned {
    url: String,
    reuse_for: Duration,
}

impl S3Storage {
    pub fn new(cfg: S3Config) -> Self {
        let caches = StorageCaches::new(cfg.cache);
        let http = StorageHttp::new("S3", cfg.connect_timeout, cfg.request_timeout);
        S3Storage { cfg, client: tokio::sync::OnceCell::new(), public_reads: AtomicBool::new(false), http, caches }
    }

    /// The storage `s3Storage(...)` (`Flavor::S3`) or `r2Storage(...)` (`Flavor::R2`) describes.
    pub fn from_options(flavor: Flavor, options: S3Options) -> Result<S3Storage> {
        Ok(S3Storage::new(S3Config::from_options(flavor, options)?))
    }

    pub fn config(&self) -> &S3Config {
        &self.cfg
    }

    async fn client(&self) -> Result<&S3Client> {
        let cfg = &self.cfg;
        let settings = ClientSettings {
            region: cfg.region.clone(),
            credentials: cfg.credentials.as_ref().map(|c| (c.access_key_id.clone(), c.secret_access_key.clone(), c.session_token.clone())),
            use_chain: cfg.flavor == Flavor::S3,
            endpoint: cfg.endpoint.as_ref().map(|e| e.url()),
            force_path_style: cfg.force_path_style,
            connect_timeout: cfg.connect_timeout,
            request_timeout: cfg.request_timeout,
        };
        self.client.get_or_try_init(|| super::s3_client::build(settings)).await
    }

    fn check_bucket(&self, bucket: &str) -> Result<()> {
        if bucket != self.cfg.bucket {
            return Err(Error::storage(format!("Bucket name mismatch: expected \"{}\", but found \"{bucket}\".", self.cfg.bucket)));
        }
        Ok(())
    }

    /// The error upstream's SDK gives before any request when it cannot sign.
    fn cannot_sign(&self, client: &S3Client) -> Option<Error> {
        if self.cfg.flavor == Flavor::R2 && self.cfg.credentials.is_none() {
            return Some(Error::storage(R2_NEEDS_CREDENTIALS));
        }
        client.region.is_none().then(|| Error::storage("Region is missing"))
    }

    /// The bucket and key a download URL is for, after upstream's checks.
    fn download_target(&self, uri: &str) -> Result<(String, String)> {
        let (bucket, key) = parse_storage_uri(uri, self.cfg.flavor.protocol())?;
        match self.cfg.flavor {
            Flavor::S3 if bucket.is_empty() || key.is_empty() => Err(Error::storage("Invalid S3 storage URI: missing bucket or key")),
            Flavor::S3 => Ok((bucket, key)),
            Flavor::R2 => {
                self.check_bucket(&bucket)?;
                Ok((self.cfg.bucket.clone(), key))
            }
        }
    }

    /// A presigned GET URL for `bucket/key`, valid for `expiresIn` seconds from `start`.
    async fn presign(&self, client: &S3Client, bucket: &str, key: &str, start: SystemTime) -> Result<Presigned> {
        if let Some(e) = self.cannot_sign(client) {
            return Err(e);
        }
        if key.is_empty() {
            return Err(Error::storage("Empty value provided for input HTTP label: Key."));
        }
        let lifetime = Duration::from_secs(self.cfg.expires_in);
        let presigning = PresigningConfig::builder().start_time(start).expires_in(lifetime).build().map_err(|e| Error::storage(e.to_string()))?;
        let req = client
            .client
            .get_object()
            .bucket(bucket)
            .key(key)
            .customize()
            .mutate_request(|req| {
                let uri = req.uri();
                let joined = if uri.contains('?') { format!("{uri}&{JS_PRESIGN_EXTRA}") } else { format!("{uri}?{JS_PRESIGN_EXTRA}") };
                // The SDK's own URI plus two plain parameters stays a valid URI.
                let _ = req.set_uri(joined);
            })
            .presigned(presigning)
            .await
            .map_err(|e| self.sdk_error(client, bucket, &e))?;
        let url = js_query_order(req.uri());
        Ok(Presigned { reuse_for: self.reuse_for(client, &url, lifetime, start), url })
    }

    /// How long the URL cache may hand out `url`: half its lifetime, and never past the moment
    /// the SDK stops signing with the credentials it carries (temporary credentials expire; a URL
    /// signed with them dies with them).
    fn reuse_for(&self, client: &S3Client, url: &str, lifetime: Duration, now: SystemTime) -> Duration {
        let half = lifetime / 2;
        let Some(key_id) = query_value(url, "X-Amz-Credential").and_then(|c| c.split("%2F").next().map(str::to_string)) else {
            return Duration::ZERO;
        };
        match client.keys.expiry(&key_id) {
            Some(None) => half,
            Some(Some(expiry)) => {
                let usable = expiry.checked_sub(CREDENTIALS_REFRESH_BUFFER).and_then(|t| t.duration_since(now).ok()).unwrap_or_default();
                half.min(usable)
            }
            // Keys the SDK did not report loading: do not keep the URL.
            None => Duration::ZERO,
        }
    }

    /// The download URL without waiting on anything (a cache hit, or a presign the SDK finishes
    /// on its first poll, as it does with credentials at hand), else `None`.
    fn download_url_sync(&self, uri: &str) -> Option<Result<String>> {
        let (bucket, key) = match self.download_target(uri) {
            Ok(t) => t,
            Err(e) => return Some(Err(e)),
        };
        if let Some(url) = self.cfg.public_url(&key) {
            return Some(Ok(url));
        }
        if let Some(url) = self.caches.url(uri, Instant::now()) {
            return Some(Ok(url));
        }
        let client = self.client.get()?;
        let _entered = client.runtime.enter();
        let made_at = Instant::now();
        let mut fut = std::pin::pin!(self.presign(client, &bucket, &key, SystemTime::now()));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match fut.as_mut().poll(&mut cx) {
            Poll::Ready(result) => Some(self.finish_download_url(uri, result, made_at)),
            Poll::Pending => None,
        }
    }

    fn finish_download_url(&self, uri: &str, result: Result<Presigned>, made_at: Instant) -> Result<String> {
        let presigned = result.map_err(|e| match self.cfg.flavor {
            Flavor::S3 => Error::storage(format!("Failed to presign S3 URL: {}", e.message)),
            Flavor::R2 => e,
        })?;
        // The cache keeps a URL for half the lifetime it is given.
        if !presigned.reuse_for.is_zero() {
            self.caches.put_url(uri, &presigned.url, presigned.reuse_for * 2, made_at);
        }
        Ok(presigned.url)
    }

    async fn download_url(&self, uri: &str) -> Result<String> {
        let (bucket, key) = self.download_target(uri)?;
        if let Some(url) = self.cfg.public_url(&key) {
            return Ok(url);
        }
        if let Some(url) = self.caches.url(uri, Instant::now()) {
            return Ok(url);
        }
        let client = self.client().await?;
        let made_at = Instant::now();
        let result = self.presign(client, &bucket, &key, SystemTime::now()).await;
        self.finish_download_url(uri, result, made_at)
    }

    async fn text(&self, uri: &str) -> Result<Option<String>> {
        let (bucket, key) = parse_storage_uri(uri, self.cfg.flavor.protocol())?;
        self.check_bucket(&bucket)?;
        if let Some(text) = self.caches.text(uri) {
            return Ok(Some(text));
        }
        let public = self.cfg.public_url(&key);
        let text = match &public {
            Some(url) if self.reads_publicly() => self.get_public(url).await?,
            _ => match self.get_object(&key).await {
                // Without any credentials, a public bucket is still readable.
                Err(e) if public.is_some() && self.cfg.credentials.is_none() && e.message == NO_CREDENTIALS => {
                    self.public_reads.store(true, Ordering::Relaxed);
                    self.get_public(public.as_deref().unwrap_or_default()).await?
                }
                other => other?,
            },
        };
        if let Some(t) = &text {
            self.caches.put_text(uri, t);
        }
        Ok(text)
    }

    fn reads_publicly(&self) -> bool {
        // R2 has no credential chain: without keys, a public base URL is the only way in.
        (self.cfg.flavor == Flavor::R2 && self.cfg.credentials.is_none()) || self.public_reads.load(Ordering::Relaxed)
    }

    /// GetObject on the configured bucket.
    async fn get_object(&self, key: &str) -> Result<Option<String>> {
        let client = self.client().await?;
        if let Some(e) = self.cannot_sign(client) {
            return Err(e);
        }
        if key.is_empty() {
            return Err(Error::storage("Empty value provided for input HTTP label: Key."));
        }
        let bucket = &self.cfg.bucket;
        let res = match client.client.get_object().bucket(bucket).key(key).send().await {
            Ok(res) => res,
            Err(e) => return self.get_object_error(client, bucket, e),
        };
        if res.content_length().is_some_and(|n| n > MAX_TEXT_BYTES as i64) {
            return Err(self.too_large(client, bucket));
        }
        let mut body = res.body;
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(chunk) = body.try_next().await.map_err(|e| self.transport_error(client, bucket, &root_cause(&e)))? {
            if bytes.len() + chunk.len() > MAX_TEXT_BYTES {
                return Err(self.too_large(client, bucket));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
    }

    fn host(&self, client: &S3Client, bucket: &str) -> String {
        self.cfg.address(bucket, "", client.region.as_deref()).map(|a| a.host).unwrap_or_else(|_| "S3".into())
    }

    fn too_large(&self, client: &S3Client, bucket: &str) -> Error {
        Error::storage(format!("S3 object from {} is larger than {MAX_TEXT_BYTES} bytes", self.host(client, bucket)))
    }

    fn transport_error(&self, client: &S3Client, bucket: &str, reason: &str) -> Error {
        Error::storage(format!("S3 request to {} failed: {reason}", self.host(client, bucket)))
    }

    /// A GetObject failure: missing objects are `None`, the rest an error naming the host.
    fn get_object_error(&self, client: &S3Client, bucket: &str, e: SdkError<GetObjectError, aws_sdk_s3::config::http::HttpResponse>) -> Result<Option<String>> {
        if let SdkError::ServiceError(se) = &e {
            let status = se.raw().status().as_u16();
            let code = se.err().code();
            if status == 404 {
                // S3: a missing key (not a missing bucket) is "not found"; R2: any 404 is.
                let missing_key = se.err().is_no_such_key() || matches!(code, None | Some("NotFound"));
                if missing_key || self.cfg.flavor == Flavor::R2 {
                    return Ok(None);
                }
            }
            let host = self.host(client, bucket);
            let detail = match code {
                Some(code) => format!("HTTP {status} {code}"),
                None => format!("HTTP {status}"),
            };
            return Err(Error::storage(match se.err().message().filter(|m| !m.is_empty()) {
                Some(message) => format!("{message} (S3 GetObject on {host}: {detail})"),
                None => format!("S3 GetObject on {host} failed: {detail}"),
            }));
        }
        Err(self.sdk_error(client, bucket, &e))
    }

    /// An SDK failure other than an S3 error answer, as a storage error without secrets or URLs.
    fn sdk_error<E: std::error::Error + 'static, R: std::fmt::Debug + 'static>(&self, client: &S3Client, bucket: &str, e: &SdkError<E, R>) -> Error {
        if let Some(message) = credentials_error(e) {
            return Error::storage(message);
        }
        match e {
            SdkError::TimeoutError(_) => self.transport_error(client, bucket, &format!("timed out after {} ms", self.cfg.request_timeout.as_millis())),
            SdkError::DispatchFailure(d) if d.is_timeout() => {
                self.transport_error(client, bucket, &format!("timed out after {} ms", self.cfg.request_timeout.as_millis()))
            }
            SdkError::DispatchFailure(d) if d.is_io() => self.transport_error(client, bucket, &format!("could not connect ({})", root_cause(e))),
            _ => self.transport_error(client, bucket, &root_cause(e)),
        }
    }

    async fn get_public(&self, url: &str) -> Result<Option<String>> {
        let parsed = url::Url::parse(url).map_err(|_| Error::storage("Invalid publicBaseUrl"))?;
        let addr = ObjectAddress { scheme: parsed.scheme().into(), host: parsed.host_str().unwrap_or("").into(), path: String::new() };
        let res: Fetched = self.http.fetch(&addr.host, self.http.client()?.get(url)).await?;
        if res.ok() {
            return Ok(Some(res.text()));
        }
        if res.status == 404 {
            return Ok(None);
        }
        Err(xml_error(&format!("S3 GetObject on {}", addr.host), res.status, &res.text()))
    }
}

/// The value (still encoded) of query parameter `name` in `url`.
fn query_value<'a>(url: &'a str, name: &str) -> Option<&'a str> {
    let (_, query) = url.split_once('?')?;
    query.split('&').find_map(|pair| pair.split_once('=').filter(|(k, _)| *k == name).map(|(_, v)| v))
}

/// `url` with its query parameters sorted by name, as `@aws-sdk/s3-request-presigner` writes
/// them (SigV4 signs the sorted form, so the order changes nothing else).
fn js_query_order(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else { return url.to_string() };
    let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    pairs.sort_by(|a, b| a.split('=').next().cmp(&b.split('=').next()));
    format!("{base}?{}", pairs.join("&"))
}

#[async_trait]
impl Storage for S3Storage {
    fn protocol(&self) -> &str {
        self.cfg.flavor.protocol()
    }

    async fn get_download_url(&self, uri: &str, _ctx: Ctx) -> Result<String> {
        self.download_url(uri).await
    }

    fn download_url_now(&self, uri: &str) -> Option<Result<String>> {
        self.download_url_sync(uri)
    }

    async fn read_text(&self, uri: &str, _ctx: Ctx) -> Result<Option<String>> {
        self.text(uri).await
    }
}

#[cfg(test)]
#[path = "s3_tests.rs"]
mod tests;
