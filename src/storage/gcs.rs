//! Native Cloud Storage for Firebase (`firebaseStorage`, protocol `gs`), behaving as the runtime
//! profile of upstream's `@hot-updater/firebase` (SPEC §6.3):
//!
//! - `getDownloadUrl(gs://bucket/key)`: a signed GET URL for the key in the **configured**
//!   bucket (upstream does not check the URI's bucket here), signed with the service account's
//!   RSA key: V4 (`GOOG4-RSA-SHA256`) by default, or V2 (`signedUrlVersion: "v2"`), which is
//!   what upstream's `getSignedUrl` call produces, byte for byte. Both are computed the way
//!   `@google-cloud/storage` computes them (resource path, encodings, parameter order);
//! - `readText`: the bucket must match; the object is fetched through a V4 signed URL, so no
//!   OAuth token exchange is needed; 404 means "no such object".
//!
//! Signing is CPU work (one RSA-2048 signature), so update checks get their URL on the
//! synchronous path; URLs are cached per URI for half their lifetime anyway.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::cache::StorageCaches;
use super::http::{xml_error, StorageHttp, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS};
use super::uri::parse_storage_uri;
use super::url_signing::{uri_encode, AmzTime};
use super::Storage;
use crate::context::Ctx;
use crate::error::{Error, Result};

pub const PROTOCOL: &str = "gs";
const DEFAULT_ENDPOINT: &str = "https://storage.googleapis.com";
const DEFAULT_EXPIRES_IN: u64 = 3600;
/// V4 signed URLs cannot live longer than a week.
const MAX_V4_EXPIRES_IN: u64 = 604_800;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SigningVersion {
    V2,
    V4,
}

/// Options of `firebaseStorage(...)` after the JS factory checked them and found the key.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GcsOptions {
    pub storage_bucket: String,
    pub client_email: String,
    pub private_key: String,
    pub api_endpoint: Option<String>,
    pub signed_url_version: Option<SigningVersion>,
    pub expires_in: Option<u64>,
    pub cache: Option<bool>,
    pub connect_timeout_ms: Option<u64>,
    pub request_timeout_ms: Option<u64>,
}

impl std::fmt::Debug for GcsOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GcsOptions")
            .field("storage_bucket", &self.storage_bucket)
            .field("client_email", &self.client_email)
            .field("private_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// The endpoint as `@google-cloud/storage` uses it: URLs keep scheme, host and port; V4 signs
/// the host name alone.
#[derive(Debug, Clone)]
struct GcsEndpoint {
    /// `scheme://host[:port]`, the origin of every URL.
    origin: String,
    hostname: String,
    /// `host[:port]`, for error texts.
    authority: String,
}

pub struct GcsStorage {
    bucket: String,
    client_email: String,
    key: RsaKeyPair,
    rng: SystemRandom,
    endpoint: GcsEndpoint,
    version: SigningVersion,
    expires_in: u64,
    http: StorageHttp,
    caches: StorageCaches,
}

/// The DER inside a PEM block (`PRIVATE KEY` or `RSA PRIVATE KEY`), and which of the two.
fn pem_der(pem: &str) -> Option<(Vec<u8>, bool)> {
    let pem = pem.replace("\\n", "\n");
    for (label, pkcs8) in [("PRIVATE KEY", true), ("RSA PRIVATE KEY", false)] {
        let begin = format!("-----BEGIN {label}-----");
        let end = format!("-----END {label}-----");
        if let Some(start) = pem.find(&begin) {
            let body_start = start + begin.len();
            let body_end = body_start + pem[body_start..].find(&end)?;
            let b64: String = pem[body_start..body_end].chars().filter(|c| !c.is_whitespace()).collect();
            let der = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
            return Some((der, pkcs8));
        }
    }
    None
}

fn parse_key(pem: &str) -> Result<RsaKeyPair> {
    const BAD_KEY: &str = "firebaseStorage: the service account's `privateKey` is not an RSA private key in PEM form (PKCS#8 `BEGIN PRIVATE KEY` as in Google's key files, or PKCS#1).";
    let (der, pkcs8) = pem_der(pem).ok_or_else(|| Error::config(BAD_KEY))?;
    let parsed = if pkcs8 { RsaKeyPair::from_pkcs8(&der) } else { RsaKeyPair::from_der(&der) };
    parsed.map_err(|e| Error::config(format!("{BAD_KEY} ({e})")))
}

fn parse_endpoint(raw: Option<&str>) -> Result<GcsEndpoint> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty()).unwrap_or(DEFAULT_ENDPOINT);
    let url = url::Url::parse(raw)
        .ok()
        .filter(|u| (u.scheme() == "http" || u.scheme() == "https") && u.host_str().is_some())
        .ok_or_else(|| Error::config(format!("firebaseStorage: `apiEndpoint` must be an http(s) URL, got {raw}")))?;
    let hostname = url.host_str().unwrap_or_default().to_string();
    let authority = match url.port() {
        Some(p) => format!("{hostname}:{p}"),
        None => hostname.clone(),
    };
    Ok(GcsEndpoint { origin: format!("{}://{authority}", url.scheme()), hostname, authority })
}

/// A bucket-relative object name as `@google-cloud/storage` puts it in a path: each
/// `/`-separated segment encoded except `A-Z a-z 0-9 - _ . ~`.
fn encode_object_name(key: &str) -> String {
    key.split('/').map(|seg| uri_encode(seg, false)).collect::<Vec<_>>().join("/")
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl GcsStorage {
    pub fn from_options(o: GcsOptions) -> Result<GcsStorage> {
        if o.storage_bucket.is_empty() {
            return Err(Error::config("firebaseStorage: `storageBucket` must be a non-empty string."));
        }
        if o.client_email.is_empty() {
            return Err(Error::config("firebaseStorage: the service account's `clientEmail` is missing."));
        }
        let version = o.signed_url_version.unwrap_or(SigningVersion::V4);
        let expires_in = o.expires_in.unwrap_or(DEFAULT_EXPIRES_IN);
        if expires_in == 0 || (version == SigningVersion::V4 && expires_in > MAX_V4_EXPIRES_IN) {
            return Err(Error::config(format!("firebaseStorage: `expiresIn` must be between 1 and {MAX_V4_EXPIRES_IN} seconds for V4 signing.")));
        }
        let http = StorageHttp::new(
            "Cloud Storage",
            Duration::from_millis(o.connect_timeout_ms.unwrap_or(DEFAULT_CONNECT_TIMEOUT_MS)),
            Duration::from_millis(o.request_timeout_ms.unwrap_or(DEFAULT_REQUEST_TIMEOUT_MS)),
        );
        Ok(GcsStorage {
            key: parse_key(&o.private_key)?,
            rng: SystemRandom::new(),
            endpoint: parse_endpoint(o.api_endpoint.as_deref())?,
            bucket: o.storage_bucket,
            client_email: o.client_email,
            version,
            expires_in,
            http,
            caches: StorageCaches::new(o.cache.unwrap_or(true)),
        })
    }

    fn rsa_sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key.sign(&RSA_PKCS1_SHA256, &self.rng, message, &mut signature).map_err(|_| Error::storage("Could not sign the Cloud Storage URL"))?;
        Ok(signature)
    }

    /// A signed GET URL for `key` in the configured bucket, valid from `now` (unix seconds).
    pub fn signed_url(&self, key: &str, version: SigningVersion, now: u64) -> Result<String> {
        let path = format!("/{}/{}", self.bucket, encode_object_name(key));
        match version {
            SigningVersion::V2 => {
                let expires = now + self.expires_in;
                let blob = format!("GET\n\n\n{expires}\n{path}");
                let signature = base64::engine::general_purpose::STANDARD.encode(self.rsa_sign(blob.as_bytes())?);
                Ok(format!(
                    "{}{path}?GoogleAccessId={}&Expires={expires}&Signature={}",
                    self.endpoint.origin,
                    uri_encode(&self.client_email, false),
                    uri_encode(&signature, false)
                ))
            }
            SigningVersion::V4 => {
                let time = AmzTime::from_unix(now);
                let scope = format!("{}/auto/storage/goog4_request", time.date);
                // Already in canonical (sorted) order, which is also the order of the URL.
                let query = format!(
                    "X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential={}&X-Goog-Date={}&X-Goog-Expires={}&X-Goog-SignedHeaders=host",
                    uri_encode(&format!("{}/{scope}", self.client_email), false),
                    time.stamp,
                    self.expires_in
                );
                let canonical = format!("GET\n{path}\n{query}\nhost:{}\n\nhost\nUNSIGNED-PAYLOAD", self.endpoint.hostname);
                let to_sign = format!("GOOG4-RSA-SHA256\n{}\n{scope}\n{}", time.stamp, hex::encode(Sha256::digest(canonical.as_bytes())));
                let signature = hex::encode(self.rsa_sign(to_sign.as_bytes())?);
                Ok(format!("{}{path}?{query}&X-Goog-Signature={signature}", self.endpoint.origin))
            }
        }
    }

    fn download_url(&self, uri: &str) -> Result<String> {
        let (_, key) = parse_storage_uri(uri, PROTOCOL)?;
        if key.is_empty() {
            return Err(Error::storage("Invalid Firebase storage URI: missing key"));
        }
        if let Some(url) = self.caches.url(uri, Instant::now()) {
            return Ok(url);
        }
        let made_at = Instant::now();
        let url = self.signed_url(&key, self.version, unix_now())?;
        self.caches.put_url(uri, &url, Duration::from_secs(self.expires_in), made_at);
        Ok(url)
    }

    async fn text(&self, uri: &str) -> Result<Option<String>> {
        let (bucket, key) = parse_storage_uri(uri, PROTOCOL)?;
        if bucket != self.bucket {
            return Err(Error::storage(format!("Bucket name mismatch: expected \"{}\", but found \"{bucket}\".", self.bucket)));
        }
        if let Some(text) = self.caches.text(uri) {
            return Ok(Some(text));
        }
        if key.is_empty() {
            return Err(Error::storage("Invalid Firebase storage URI: missing key"));
        }
        let url = self.signed_url(&key, SigningVersion::V4, unix_now())?;
        let host = &self.endpoint.authority;
        let res = self.http.fetch(host, self.http.client()?.get(url)).await?;
        if res.ok() {
            let text = res.text();
            self.caches.put_text(uri, &text);
            return Ok(Some(text));
        }
        if res.status == 404 {
            return Ok(None);
        }
        Err(xml_error(&format!("Cloud Storage download from {host}"), res.status, &res.text()))
    }
}

#[async_trait]
impl Storage for GcsStorage {
    fn protocol(&self) -> &str {
        PROTOCOL
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
#[path = "gcs_tests.rs"]
mod tests;
