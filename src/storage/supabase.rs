//! Native Supabase Storage (`supabaseStorage`, protocol `supabase-storage`), behaving as the
//! runtime profile of upstream's `@hot-updater/supabase` (SPEC §6.3):
//!
//! - `getDownloadUrl(supabase-storage://bucket/key)`: a signed URL from Supabase's storage REST
//!   API (`POST /storage/v1/object/sign/<bucket>/<key>`, as supabase-js's `createSignedUrl`),
//!   prefixed with the storage URL and passed through JS `encodeURI`, as supabase-js does;
//! - `readText`: an authenticated download (`GET /storage/v1/object/<bucket>/<key>`), `None`
//!   when the object does not exist (upstream's plugin throws `Failed to read storage text: {}`
//!   there, as supabase-js reports a failed download without its message).
//!
//! Keys are percent-decoded and the URI's bucket must be the configured one, as in upstream's
//! current source. The published plugin (0.35.8) differs in two corner cases: it uses the key
//! undecoded (so a URI that escapes `&`, `+`, `=` or `;` yields a URL that does not download,
//! and error texts show the key escaped), and its `getDownloadUrl` signs `<other-bucket>/<key>`
//! in its own bucket instead of refusing the URI.
//!
//! Signed URLs are cached per storage URI for half their lifetime and texts by URI (see
//! `cache`), so a steady stream of update checks costs no request to Supabase at all. The
//! service key goes only into request headers, never into errors.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde::Deserialize;
use serde_json::Value;

use super::cache::StorageCaches;
use super::http::{host_of, Fetched, StorageHttp, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS};
use super::uri::parse_storage_uri;
use super::Storage;
use crate::context::Ctx;
use crate::core::jsnum::encode_uri;
use crate::error::{Error, Result};

pub const PROTOCOL: &str = "supabase-storage";
const DEFAULT_EXPIRES_IN: u64 = 3600;

/// Options of `supabaseStorage(...)` after the JS factory checked them.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupabaseOptions {
    pub supabase_url: String,
    /// The service-role key (or, as upstream accepts, the anon key).
    pub key: String,
    pub bucket_name: String,
    pub expires_in: Option<u64>,
    pub cache: Option<bool>,
    pub connect_timeout_ms: Option<u64>,
    pub request_timeout_ms: Option<u64>,
}

impl std::fmt::Debug for SupabaseOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupabaseOptions")
            .field("supabase_url", &self.supabase_url)
            .field("key", &"<redacted>")
            .field("bucket_name", &self.bucket_name)
            .finish_non_exhaustive()
    }
}

pub struct SupabaseStorage {
    /// `<supabaseUrl>/storage/v1`, resolved as supabase-js resolves it.
    storage_url: String,
    host: String,
    key: String,
    bucket: String,
    expires_in: u64,
    http: StorageHttp,
    caches: StorageCaches,
}

/// supabase-js: `new URL("storage/v1", ensureTrailingSlash(supabaseUrl)).href`.
fn storage_url(supabase_url: &str) -> Result<String> {
    let trimmed = supabase_url.trim();
    let with_slash = if trimmed.ends_with('/') { trimmed.to_string() } else { format!("{trimmed}/") };
    let base = url::Url::parse(&with_slash)
        .ok()
        .filter(|u| u.scheme() == "http" || u.scheme() == "https")
        .ok_or_else(|| Error::config("supabaseStorage: `supabaseUrl` must be an http(s) URL."))?;
    let joined = base.join("storage/v1").map_err(|_| Error::config("supabaseStorage: `supabaseUrl` must be an http(s) URL."))?;
    Ok(joined.as_str().to_string())
}

/// The message supabase-js's storage client gives an error body (`msg`, `message`,
/// `error_description`, `error`, else the JSON itself).
fn api_message(body: &Value) -> String {
    for field in ["msg", "message", "error_description", "error"] {
        match body.get(field) {
            Some(Value::String(s)) if !s.is_empty() => return s.clone(),
            Some(v) if !v.is_null() && !matches!(v, Value::String(_) | Value::Bool(false)) => return v.to_string(),
            _ => {}
        }
    }
    body.to_string()
}

/// What a failed response says: its JSON message, or the status when the body is not JSON.
fn failure_message(res: &Fetched, host: &str) -> (String, Option<Value>) {
    match serde_json::from_slice::<Value>(&res.body) {
        Ok(v) => (api_message(&v), Some(v)),
        Err(_) => (format!("HTTP {} from {host}", res.status), None),
    }
}

/// Whether an error answer means "no such object": HTTP 404, Supabase's `statusCode: "404"`
/// (it answers 400 with that body for missing objects), or a "not found" message.
fn is_not_found(status: u16, body: Option<&Value>, message: &str) -> bool {
    let code_404 = body.and_then(|b| b.get("statusCode")).is_some_and(|c| c.as_str() == Some("404") || c.as_u64() == Some(404));
    status == 404 || code_404 || message.to_ascii_lowercase().contains("not found")
}

impl SupabaseStorage {
    pub fn from_options(o: SupabaseOptions) -> Result<SupabaseStorage> {
        if o.bucket_name.is_empty() {
            return Err(Error::config("supabaseStorage: `bucketName` must be a non-empty string."));
        }
        if o.key.is_empty() {
            return Err(Error::config("Supabase service role key is required. Set supabaseServiceRoleKey."));
        }
        let expires_in = o.expires_in.unwrap_or(DEFAULT_EXPIRES_IN);
        if expires_in == 0 {
            return Err(Error::config("supabaseStorage: `expiresIn` must be at least 1 second."));
        }
        let storage_url = storage_url(&o.supabase_url)?;
        let http = StorageHttp::new(
            "Supabase",
            Duration::from_millis(o.connect_timeout_ms.unwrap_or(DEFAULT_CONNECT_TIMEOUT_MS)),
            Duration::from_millis(o.request_timeout_ms.unwrap_or(DEFAULT_REQUEST_TIMEOUT_MS)),
        );
        Ok(SupabaseStorage {
            host: host_of(&storage_url),
            storage_url,
            key: o.key,
            bucket: o.bucket_name,
            expires_in,
            http,
            caches: StorageCaches::new(o.cache.unwrap_or(true)),
        })
    }

    /// The URI's key, after upstream's checks (protocol, bucket).
    fn key_of(&self, uri: &str) -> Result<String> {
        let (bucket, key) = parse_storage_uri(uri, PROTOCOL)?;
        if bucket != self.bucket {
            return Err(Error::storage(format!("Bucket name mismatch: expected \"{}\", but found \"{bucket}\".", self.bucket)));
        }
        Ok(key)
    }

    /// `<storage URL>/<route>/<bucket>/<key>`: the key as a path, which the storage API decodes
    /// with `decodeURI`. The URL parser escapes spaces and non-ASCII; `%`, `?` and `#` are
    /// escaped here so that they stay part of the key.
    fn object_url(&self, route: &str, key: &str) -> String {
        let key = key.trim_start_matches('/').replace('%', "%25").replace('?', "%3F").replace('#', "%23");
        format!("{}/{route}/{}/{key}", self.storage_url, self.bucket)
    }

    fn authed(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.header("apikey", &self.key).header("authorization", format!("Bearer {}", self.key))
    }

    async fn sign(&self, key: &str) -> std::result::Result<String, String> {
        let url = self.object_url("object/sign", key);
        let body = serde_json::json!({ "expiresIn": self.expires_in });
        let client = self.http.client().map_err(|e| e.message)?;
        let req = self.authed(client.post(url)).header("content-type", "application/json").body(body.to_string());
        let res = self.http.fetch(&self.host, req).await.map_err(|e| e.message)?;
        if !res.ok() {
            return Err(failure_message(&res, &self.host).0);
        }
        let data: Value = serde_json::from_slice(&res.body).map_err(|_| format!("Invalid JSON from {}", self.host))?;
        match data.get("signedURL").and_then(Value::as_str) {
            Some(signed) if !signed.is_empty() => Ok(encode_uri(&format!("{}{signed}", self.storage_url))),
            _ => Err("missing signed URL".into()),
        }
    }

    async fn download_url(&self, uri: &str) -> Result<String> {
        let key = self.key_of(uri)?;
        if let Some(url) = self.caches.url(uri, Instant::now()) {
            return Ok(url);
        }
        let made_at = Instant::now();
        let url = self.sign(&key).await.map_err(|message| Error::storage(format!("Failed to generate download URL for \"{key}\": {message}")))?;
        self.caches.put_url(uri, &url, Duration::from_secs(self.expires_in), made_at);
        Ok(url)
    }

    async fn text(&self, uri: &str) -> Result<Option<String>> {
        let key = self.key_of(uri)?;
        if let Some(text) = self.caches.text(uri) {
            return Ok(Some(text));
        }
        let url = self.object_url("object", &key);
        let req = self.authed(self.http.client()?.get(url));
        let res = self.http.fetch(&self.host, req).await.map_err(|e| Error::storage(format!("Failed to read storage text: {}", e.message)))?;
        if res.ok() {
            let text = res.text();
            self.caches.put_text(uri, &text);
            return Ok(Some(text));
        }
        let (message, body) = failure_message(&res, &self.host);
        if is_not_found(res.status, body.as_ref(), &message) {
            return Ok(None);
        }
        Err(Error::storage(format!("Failed to read storage text: {message}")))
    }
}

#[async_trait]
impl Storage for SupabaseStorage {
    fn protocol(&self) -> &str {
        PROTOCOL
    }

    async fn get_download_url(&self, uri: &str, _ctx: Ctx) -> Result<String> {
        self.download_url(uri).await
    }

    /// A cached signed URL (or an error the URI alone shows); `None` when Supabase must be asked.
    fn download_url_now(&self, uri: &str) -> Option<Result<String>> {
        if let Err(e) = self.key_of(uri) {
            return Some(Err(e));
        }
        self.caches.url(uri, Instant::now()).map(Ok)
    }

    async fn read_text(&self, uri: &str, _ctx: Ctx) -> Result<Option<String>> {
        self.text(uri).await
    }
}

#[cfg(test)]
#[path = "supabase_tests.rs"]
mod tests;
