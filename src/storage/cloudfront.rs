//! CloudFront signed URLs in front of a storage (`withCloudFrontSignedUrl`, `s3LambdaEdgeStorage`),
//! behaving as upstream's `@hot-updater/aws` wrapper:
//!
//! - `getDownloadUrl(s3://bucket/key)`: the public (CloudFront) base URL with the URI's path in
//!   place of its own and no query, signed with a canned policy that expires `expiresSeconds`
//!   (default one year) from now, exactly as `@aws-sdk/cloudfront-signer`'s `getSignedUrl`
//!   (3.1166) writes it: path segments re-encoded, `Expires`, `Key-Pair-Id`, `Signature`
//!   (RSA-SHA1, PKCS#1 v1.5, in CloudFront's URL-safe base64);
//! - any other protocol, and every `readText`, goes to the wrapped storage.
//!
//! The private key and a per-request base URL come from JS (`getPrivateKey`, or the SSM
//! parameter the JS side reads; `publicBaseUrl` as a function) through the bridge. The key is
//! fetched on first use and kept; a failed fetch is retried on the next request.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use base64::Engine as _;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde::Deserialize;
use sha1::{Digest, Sha1};

use super::cache::StorageCaches;
use super::Storage;
use crate::bridge::{self, JsCall};
use crate::context::Ctx;
use crate::core::jsnum::decode_uri_component;
use crate::error::{Error, ErrorKind, Result};

/// Upstream's default lifetime of a signed URL.
pub const DEFAULT_EXPIRES_SECONDS: u64 = 60 * 60 * 24 * 365;

/// The options `withCloudFrontSignedUrl(...)` gives the native side (the wrapped storage is built
/// separately). `key_index` / `base_url_index` name the JS providers behind the bridge.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudFrontOptions {
    pub key_pair_id: String,
    /// The base URL when it is a string; `None` when JS resolves it per request.
    pub public_base_url: Option<String>,
    pub expires_seconds: Option<u64>,
    pub key_index: u32,
    pub cache: Option<bool>,
}

/// A private key ready to sign CloudFront policies.
pub struct CloudFrontKey {
    key: RsaPrivateKey,
}

impl std::fmt::Debug for CloudFrontKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CloudFrontKey(<redacted>)")
    }
}

const BAD_KEY: &str = "withCloudFrontSignedUrl: the private key is not an RSA private key in PEM form (PKCS#1 `BEGIN RSA PRIVATE KEY` or unencrypted PKCS#8 `BEGIN PRIVATE KEY`), as CloudFront key groups use.";

impl CloudFrontKey {
    /// Parses a PEM RSA key (PKCS#1 or PKCS#8). Newlines kept as `\n` escapes (as in JSON or an
    /// environment variable) are accepted too.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let pem = if pem.contains("\\n") { pem.replace("\\n", "\n") } else { pem.to_string() };
        let pem = pem.trim();
        let key = if pem.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
            RsaPrivateKey::from_pkcs1_pem(pem).map_err(|e| Error::config(format!("{BAD_KEY} ({e})")))?
        } else if pem.starts_with("-----BEGIN PRIVATE KEY-----") {
            RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| Error::config(format!("{BAD_KEY} ({e})")))?
        } else {
            return Err(Error::config(BAD_KEY));
        };
        Ok(CloudFrontKey { key })
    }

    /// The RSA-SHA1 (PKCS#1 v1.5) signature of `data`, in CloudFront's base64 (`+=/` as `-_~`).
    pub fn sign(&self, data: &[u8]) -> Result<String> {
        let digest = Sha1::digest(data);
        // Blinded private-key operation; PKCS#1 v1.5 signatures are deterministic all the same.
        let signature = self
            .key
            .sign_with_rng(&mut rsa::rand_core::OsRng, Pkcs1v15Sign::new::<Sha1>(), &digest)
            .map_err(|e| Error::storage(format!("CloudFront signing failed: {e}")))?;
        Ok(cloudfront_base64(&signature))
    }

    /// `getSignedUrl({ url, keyPairId, privateKey, dateLessThan })` of `@aws-sdk/cloudfront-signer`
    /// with a canned policy, `date_less_than` in seconds since the epoch.
    pub fn signed_url(&self, url: &str, key_pair_id: &str, date_less_than: i64) -> Result<String> {
        let base = encode_url_path(url);
        check_scheme(&base)?;
        let policy = canned_policy(&base, date_less_than);
        let signature = self.sign(policy.as_bytes())?;
        let join = if base.contains('?') { '&' } else { '?' };
        Ok(format!(
            "{base}{join}Expires={date_less_than}&Key-Pair-Id={}&Signature={}",
            extended_encode_uri_component(key_pair_id),
            extended_encode_uri_component(&signature)
        ))
    }
}

/// The signer accepts http(s) and ws(s) URLs as they are (it rewrites rtmp URLs into stream
/// names, which no update check can use).
fn check_scheme(url: &str) -> Result<()> {
    let scheme = url.find("//").map(|i| &url[..i]).unwrap_or("");
    match scheme {
        "http:" | "https:" | "ws:" | "wss:" => Ok(()),
        "rtmp:" => Err(Error::storage("Storage plugin returned a local file path; runtime update checks require an HTTP(S) download URL.")),
        _ => Err(Error::storage("Invalid URI scheme. Scheme must be one of http, https, or rtmp")),
    }
}

/// The canned policy text the signer signs (`JSON.stringify` of its statement).
pub fn canned_policy(resource: &str, date_less_than: i64) -> String {
    let resource = serde_json::to_string(resource).unwrap_or_else(|_| "\"\"".into());
    format!(r#"{{"Statement":[{{"Resource":{resource},"Condition":{{"DateLessThan":{{"AWS:EpochTime":{date_less_than}}}}}}}]}}"#)
}

fn cloudfront_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(bytes)
        .chars()
        .map(|c| match c {
            '+' => '-',
            '=' => '_',
            '/' => '~',
            c => c,
        })
        .collect()
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

fn push_escaped(out: &mut String, b: u8) {
    out.push('%');
    out.push(HEX[usize::from(b >> 4)] as char);
    out.push(HEX[usize::from(b & 15)] as char);
}

/// JS `encodeURIComponent` (Rust strings hold no lone surrogates, so it never throws).
pub fn encode_uri_component(s: &str) -> String {
    const KEEP: &[u8] = b"-_.!~*'()";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || KEEP.contains(&b) {
            out.push(b as char);
        } else {
            push_escaped(&mut out, b);
        }
    }
    out
}

/// Smithy's `extendedEncodeURIComponent`: `encodeURIComponent` plus `!'()*` escaped.
pub fn extended_encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            push_escaped(&mut out, b);
        }
    }
    out
}

/// The signer's query-component encoding: `%XX` escapes kept (hex upper-cased) and `+` kept,
/// everything else through `encodeURIComponent` with `'` escaped as well.
fn encode_query_component(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut plain_start = 0;
    let mut i = 0;
    let flush = |out: &mut String, from: usize, to: usize| out.push_str(&encode_uri_component(&s[from..to]).replace('\'', "%27"));
    while i < b.len() {
        let escape = b[i] == b'%' && i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit();
        if escape || b[i] == b'+' {
            flush(&mut out, plain_start, i);
            if escape {
                out.push('%');
                out.push(b[i + 1].to_ascii_uppercase() as char);
                out.push(b[i + 2].to_ascii_uppercase() as char);
                i += 3;
            } else {
                out.push('+');
                i += 1;
            }
            plain_start = i;
        } else {
            i += 1;
        }
    }
    flush(&mut out, plain_start, b.len());
    out
}

/// The signer's `encodeUrlPath`: every path segment decoded and encoded again with
/// `encodeURIComponent` (encoded as it is when it does not decode), the query's pairs through
/// [`encode_query_component`] (always as `key=value`, empty pairs dropped).
pub fn encode_url_path(url: &str) -> String {
    let Some(protocol_end) = url.find("//") else { return url.to_string() };
    let authority_start = protocol_end + 2;
    let Some(path_start) = url[authority_start..].find('/').map(|p| authority_start + p) else { return url.to_string() };
    let (origin, rest) = url.split_at(path_start);
    let (raw_path, raw_query) = match rest.find('?') {
        Some(q) => (&rest[..q], &rest[q..]),
        None => (rest, ""),
    };
    let mut out = String::with_capacity(url.len() + 16);
    out.push_str(origin);
    for (i, segment) in raw_path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if !segment.is_empty() {
            match decode_uri_component(segment) {
                Some(decoded) => out.push_str(&encode_uri_component(&decoded)),
                None => out.push_str(&encode_uri_component(segment)),
            }
        }
    }
    if raw_query.len() > 1 {
        let pairs: Vec<String> = raw_query[1..]
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                format!("{}={}", encode_query_component(k), encode_query_component(v))
            })
            .collect();
        if !pairs.is_empty() {
            out.push('?');
            out.push_str(&pairs.join("&"));
        }
    }
    out
}

/// The URL upstream signs for `storage_uri` (`s3://bucket/key`): `public_base` with the URI's
/// path (as WHATWG URL parsing gives it) in place of its own, and no query.
pub fn resource_url(public_base: &url::Url, storage_uri: &url::Url) -> String {
    let mut url = public_base.clone();
    url.set_path(storage_uri.path());
    url.set_query(None);
    url.into()
}

/// `Math.round((nowMs + expiresSeconds * 1000) / 1000)`, as upstream's `dateLessThan` becomes.
pub fn expiry_epoch(now: SystemTime, expires_seconds: u64) -> i64 {
    let now_ms = now.duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let until_ms = now_ms + u128::from(expires_seconds) * 1000;
    i64::try_from((until_ms + 500) / 1000).unwrap_or(i64::MAX)
}

/// Parses a base URL as `new URL(...)` would, with upstream's error for one that does not parse.
fn parse_base(raw: &str) -> Result<url::Url> {
    if raw.is_empty() {
        return Err(Error::storage("CloudFront publicBaseUrl resolver returned an empty URL"));
    }
    url::Url::parse(raw).map_err(|_| Error::storage("Invalid URL"))
}

/// Where the private key comes from.
pub enum KeySource {
    /// A PEM known up front (tests, and callers that hold the key).
    Pem(String),
    /// The JS provider at `index` (`getPrivateKey`, or the SSM read), through the bridge.
    Js { index: u32, js: Arc<dyn JsCall> },
}

/// A storage whose `s3:` download URLs are CloudFront signed URLs.
pub struct CloudFrontStorage {
    inner: Arc<dyn Storage>,
    key_pair_id: String,
    /// `None`: resolved per request by JS.
    public_base: Option<url::Url>,
    expires_seconds: u64,
    key_source: KeySource,
    key: tokio::sync::OnceCell<Arc<CloudFrontKey>>,
    caches: StorageCaches,
}

impl CloudFrontStorage {
    pub fn new(inner: Arc<dyn Storage>, options: CloudFrontOptions, key_source: KeySource) -> Result<Self> {
        if options.key_pair_id.is_empty() {
            return Err(Error::config("withCloudFrontSignedUrl: `keyPairId` must be a non-empty string."));
        }
        let public_base = match options.public_base_url.as_deref() {
            None => None,
            Some(raw) => {
                let url = url::Url::parse(raw).map_err(|_| Error::config("withCloudFrontSignedUrl: `publicBaseUrl` must be an http(s) URL."))?;
                if url.scheme() != "http" && url.scheme() != "https" {
                    return Err(Error::config("withCloudFrontSignedUrl: `publicBaseUrl` must be an http(s) URL."));
                }
                Some(url)
            }
        };
        let key = tokio::sync::OnceCell::new();
        if let KeySource::Pem(pem) = &key_source {
            let _ = key.set(Arc::new(CloudFrontKey::from_pem(pem)?));
        }
        Ok(CloudFrontStorage {
            inner,
            key_pair_id: options.key_pair_id,
            public_base,
            expires_seconds: options.expires_seconds.unwrap_or(DEFAULT_EXPIRES_SECONDS),
            key_source,
            key,
            caches: StorageCaches::new(options.cache.unwrap_or(true)),
        })
    }

    async fn key(&self) -> Result<Arc<CloudFrontKey>> {
        let fetch = || async {
            match &self.key_source {
                KeySource::Pem(pem) => CloudFrontKey::from_pem(pem).map(Arc::new),
                KeySource::Js { index, js } => {
                    let value =
                        bridge::call(js.as_ref(), ErrorKind::Storage, "cloudfront.privateKey", Ctx::default(), index.to_string(), String::new()).await?;
                    let pem = value.as_str().ok_or_else(|| Error::storage("withCloudFrontSignedUrl: getPrivateKey() must resolve to a PEM string"))?;
                    CloudFrontKey::from_pem(pem).map(Arc::new).map_err(|e| Error::storage(e.message))
                }
            }
        };
        self.key.get_or_try_init(fetch).await.cloned()
    }

    async fn base_url(&self, ctx: Ctx) -> Result<url::Url> {
        if let Some(url) = &self.public_base {
            return Ok(url.clone());
        }
        let KeySource::Js { index, js } = &self.key_source else {
            return Err(Error::storage("CloudFront publicBaseUrl resolver returned an empty URL"));
        };
        let value = bridge::call(js.as_ref(), ErrorKind::Storage, "cloudfront.publicBaseUrl", ctx, index.to_string(), String::new()).await?;
        match value {
            serde_json::Value::String(s) => parse_base(&s),
            serde_json::Value::Null => parse_base(""),
            other => parse_base(&other.to_string()),
        }
    }

    /// The signed URL for an `s3:` URI with a known key and base URL.
    fn sign_now(&self, key: &CloudFrontKey, base: &url::Url, uri: &url::Url) -> Result<String> {
        let resource = resource_url(base, uri);
        key.signed_url(&resource, &self.key_pair_id, expiry_epoch(SystemTime::now(), self.expires_seconds))
    }

    fn lifetime(&self) -> Duration {
        Duration::from_secs(self.expires_seconds)
    }
}

/// The URI as WHATWG URL parsing reads it, when its protocol is `s3:` (the only one signed).
fn s3_uri(uri: &str) -> Result<Option<url::Url>> {
    let url = url::Url::parse(uri).map_err(|_| Error::storage("Invalid URL"))?;
    Ok((url.scheme() == "s3").then_some(url))
}

#[async_trait]
impl Storage for CloudFrontStorage {
    fn protocol(&self) -> &str {
        self.inner.protocol()
    }

    async fn get_download_url(&self, uri: &str, ctx: Ctx) -> Result<String> {
        let Some(parsed) = s3_uri(uri)? else { return self.inner.get_download_url(uri, ctx).await };
        let cacheable = self.public_base.is_some();
        if cacheable {
            if let Some(url) = self.caches.url(uri, Instant::now()) {
                return Ok(url);
            }
        }
        let (key, base) = futures::future::try_join(self.key(), self.base_url(ctx)).await?;
        let made_at = Instant::now();
        let url = self.sign_now(&key, &base, &parsed)?;
        if cacheable {
            self.caches.put_url(uri, &url, self.lifetime(), made_at);
        }
        Ok(url)
    }

    fn download_url_now(&self, uri: &str) -> Option<Result<String>> {
        let parsed = match s3_uri(uri) {
            Ok(Some(p)) => p,
            Ok(None) => return self.inner.download_url_now(uri),
            Err(e) => return Some(Err(e)),
        };
        let base = self.public_base.as_ref()?;
        if let Some(url) = self.caches.url(uri, Instant::now()) {
            return Some(Ok(url));
        }
        let key = self.key.get()?;
        let made_at = Instant::now();
        let result = self.sign_now(key, base, &parsed);
        if let Ok(url) = &result {
            self.caches.put_url(uri, url, self.lifetime(), made_at);
        }
        Some(result)
    }

    async fn read_text(&self, uri: &str, ctx: Ctx) -> Result<Option<String>> {
        self.inner.read_text(uri, ctx).await
    }

    fn js_index(&self) -> Option<u32> {
        None
    }
}

#[cfg(test)]
#[path = "cloudfront_tests.rs"]
mod tests;
