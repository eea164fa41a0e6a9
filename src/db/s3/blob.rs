//! The S3 side of the blob database: JSON objects read, written, deleted and listed on one
//! bucket through `aws-sdk-s3` (the client `s3Storage` uses, see `storage::s3_client`), with
//! `@hot-updater/aws`'s request shapes: `PutObject` with the key's content type and
//! `CacheControl: max-age=31536000`, `GetObject` where a missing key reads as nothing, and the
//! delimiter walk that finds `update.json` keys.

use std::collections::HashSet;
use std::io::Write as _;
use std::sync::Arc;

use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};
use serde_json::Value;

use super::layout::{logical_key, storage_key, UPDATE_JSON};
use crate::error::{Error, Result};
use crate::storage::s3_client::{credentials_error, root_cause, S3Client};

/// `CacheControl` of every object written (upstream's value).
pub const CACHE_CONTROL: &str = "max-age=31536000";
/// Objects loaded at once (upstream's storage concurrency).
pub const LOAD_CONCURRENCY: usize = 8;
/// Listings at once during the delimiter walk (upstream's list concurrency).
const LIST_CONCURRENCY: usize = 4;

/// What upstream's error for an archived object says (it then treats the object as missing).
pub fn archived_message(bucket: &str, key: &str, storage_class: Option<&str>) -> String {
    format!(
        "S3 object \"{key}\" in bucket \"{bucket}\" is archived ({}) and cannot be read. Restore the object in S3 or exclude Hot Updater metadata from lifecycle archival: \"**/target-app-versions.json\" and \"**/update.json\".",
        storage_class.unwrap_or("archived storage")
    )
}

/// The content type upstream's `mime.getType(key)` gives the keys this layout writes (all end
/// in `.json`: `update.json`, `target-app-versions.json`, our marker).
pub const CONTENT_TYPE: &str = "application/json";

fn log_line(line: &str) {
    let _ = writeln!(std::io::stderr(), "hot-updater-rs: {line}");
}

/// One bucket and base path, over a built client.
pub struct Blob<'a> {
    pub client: Arc<S3Client>,
    pub bucket: &'a str,
    pub base: &'a str,
}

/// An S3 failure as a database error: transport failures are `unreachable` (the snapshot then
/// answers from its last copy), S3's own error answers carry their code and message.
fn sdk_error<E: std::error::Error + ProvideErrorMetadata + 'static, R: std::fmt::Debug + 'static>(op: &str, key: &str, e: &SdkError<E, R>) -> Error {
    if let Some(message) = credentials_error(e) {
        return Error::database(message);
    }
    match e {
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("error");
            match se.err().message().filter(|m| !m.is_empty()) {
                Some(m) => Error::database(format!("S3 {op} \"{key}\" failed: {code}: {m}")),
                None => Error::database(format!("S3 {op} \"{key}\" failed: {code}")),
            }
        }
        SdkError::TimeoutError(_) => Error::unreachable(format!("S3 {op} \"{key}\" timed out")),
        SdkError::DispatchFailure(_) => Error::unreachable(format!("S3 {op} \"{key}\" could not connect ({})", root_cause(e))),
        _ => Error::unreachable(format!("S3 {op} \"{key}\" failed ({})", root_cause(e))),
    }
}

impl Blob<'_> {
    fn physical(&self, key: &str) -> String {
        storage_key(self.base, key)
    }

    /// The bytes of an object; `None` when the key does not exist (or is archived, which upstream
    /// also reads as missing, after saying so).
    pub async fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let physical = self.physical(key);
        let out = self.client.client.get_object().bucket(self.bucket).key(&physical).send().await;
        let out = match out {
            Ok(o) => o,
            Err(SdkError::ServiceError(se))
                if se.err().is_no_such_key() || se.raw().status().as_u16() == 404 && se.err().code().is_none_or(|c| c == "NoSuchKey" || c == "NotFound") =>
            {
                return Ok(None);
            }
            Err(SdkError::ServiceError(se)) if se.err().code() == Some("InvalidObjectState") => {
                let class = se.err().meta().extra("StorageClass").map(str::to_string);
                log_line(&archived_message(self.bucket, &physical, class.as_deref()));
                return Ok(None);
            }
            Err(e) => return Err(sdk_error("GetObject", &physical, &e)),
        };
        let body =
            out.body.collect().await.map_err(|e| Error::unreachable(format!("S3 GetObject \"{physical}\" failed while reading ({})", root_cause(&e))))?;
        Ok(Some(body.into_bytes().to_vec()))
    }

    /// An object parsed as JSON; `None` when missing.
    pub async fn get_json(&self, key: &str) -> Result<Option<Value>> {
        let Some(bytes) = self.get_bytes(key).await? else { return Ok(None) };
        serde_json::from_slice(&bytes).map(Some).map_err(|e| Error::database(format!("S3 object \"{}\" is not valid JSON: {e}", self.physical(key))))
    }

    /// A JSON array of bundles (`[]` when missing; `null` reads as missing, as upstream's `?? []`).
    pub async fn get_bundles(&self, key: &str) -> Result<Vec<Value>> {
        match self.get_json(key).await? {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items),
            Some(_) => Err(Error::database(format!("S3 object \"{}\" is not a JSON array", self.physical(key)))),
        }
    }

    /// `target-app-versions.json` (`[]` when missing); entries that are not strings are skipped.
    pub async fn get_strings(&self, key: &str) -> Result<Vec<String>> {
        Ok(self.get_bundles(key).await?.into_iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
    }

    /// Writes `value` as compact JSON (what `JSON.stringify` gives).
    pub async fn put_json(&self, key: &str, value: &Value) -> Result<()> {
        let body = serde_json::to_vec(value).map_err(|e| Error::internal(e.to_string()))?;
        self.put_bytes(key, body).await
    }

    pub async fn put_bytes(&self, key: &str, body: Vec<u8>) -> Result<()> {
        let physical = self.physical(key);
        self.client
            .client
            .put_object()
            .bucket(self.bucket)
            .key(&physical)
            .body(ByteStream::from(body))
            .content_type(CONTENT_TYPE)
            .cache_control(CACHE_CONTROL)
            .send()
            .await
            .map_err(|e| sdk_error("PutObject", &physical, &e))?;
        Ok(())
    }

    pub async fn delete(&self, key: &str) -> Result<()> {
        let physical = self.physical(key);
        self.client.client.delete_object().bucket(self.bucket).key(&physical).send().await.map_err(|e| sdk_error("DeleteObject", &physical, &e))?;
        Ok(())
    }

    /// Keys and common prefixes under a physical prefix (all pages); no delimiter: a flat scan.
    async fn list_prefix(&self, prefix: &str, delimited: bool) -> Result<(Vec<String>, Vec<String>)> {
        let mut keys = Vec::new();
        let mut prefixes: Vec<String> = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut req = self.client.client.list_objects_v2().bucket(self.bucket).prefix(prefix);
            if delimited {
                req = req.delimiter("/");
            }
            if let Some(t) = token.take() {
                req = req.continuation_token(t);
            }
            let out = req.send().await.map_err(|e| sdk_error("ListObjectsV2", prefix, &e))?;
            keys.extend(out.contents().iter().filter_map(|o| o.key().map(str::to_string)));
            for p in out.common_prefixes() {
                if let Some(p) = p.prefix() {
                    if !prefixes.iter().any(|q| q == p) {
                        prefixes.push(p.to_string());
                    }
                }
            }
            match out.next_continuation_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok((keys, prefixes))
    }

    /// The logical `update.json` keys under a logical prefix, found as upstream's `s3Database`
    /// finds them: a delimiter walk from the prefix that skips root folders named like UUIDv7
    /// (legacy bundle folders) but still finds UUIDv7-named channels by a flat scan of their
    /// first character, descends only `ios`/`android` at depth 1, and at depth 2 and below
    /// takes `update.json` keys plus `<sub-prefix>update.json` for every sub-prefix (not checked
    /// to exist).
    pub async fn list_update_keys(&self, prefix: &str) -> Result<Vec<String>> {
        let root = directory_prefix(&storage_key(self.base, ""));
        let start = directory_prefix(&self.physical(prefix));
        let found = self.collect(start, root.clone()).await?;
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for k in found {
            if seen.insert(k.clone()) {
                out.push(logical_key(self.base, &k).to_string());
            }
        }
        Ok(out)
    }

    fn collect(&self, prefix: String, root: String) -> BoxFuture<'_, Result<Vec<String>>> {
        async move {
            let (keys, prefixes) = self.list_prefix(&prefix, true).await?;
            let depth = relative(&prefix, &root).split('/').filter(|s| !s.is_empty()).count();
            if depth >= 2 {
                let mut out: Vec<String> = keys.into_iter().filter(|k| k.ends_with(&format!("/{UPDATE_JSON}"))).collect();
                out.extend(prefixes.iter().map(|p| format!("{p}{UPDATE_JSON}")));
                return Ok(out);
            }
            let (uuid_prefixes, next): (Vec<String>, Vec<String>) = match depth {
                0 => prefixes.into_iter().partition(|p| is_uuid_v7(last_segment(p))),
                _ => (Vec::new(), prefixes.into_iter().filter(|p| matches!(last_segment(p), "ios" | "android")).collect()),
            };
            let nested: Vec<Vec<String>> =
                futures::stream::iter(next.into_iter().map(|p| self.collect(p, root.clone()))).buffered(LIST_CONCURRENCY).try_collect().await?;
            let mut out: Vec<String> = nested.into_iter().flatten().collect();
            let channels: Vec<String> = uuid_prefixes.iter().map(|p| last_segment(p).to_string()).collect();
            let mut scans: Vec<String> = Vec::new();
            for c in &channels {
                let scan = format!("{root}{}", c.chars().next().map(String::from).unwrap_or_default());
                if !scans.contains(&scan) {
                    scans.push(scan);
                }
            }
            let flat: Vec<(Vec<String>, Vec<String>)> = futures::stream::iter(scans.into_iter().map(|s| async move { self.list_prefix(&s, false).await }))
                .buffered(LIST_CONCURRENCY)
                .try_collect()
                .await?;
            for (keys, _) in flat {
                out.extend(keys.into_iter().filter(|k| is_uuid_channel_update_key(relative(k, &root), &channels)));
            }
            Ok(out)
        }
        .boxed()
    }
}

/// `prefix` with a trailing `/` (empty stays empty).
fn directory_prefix(prefix: &str) -> String {
    if prefix.is_empty() || prefix.ends_with('/') {
        prefix.to_string()
    } else {
        format!("{prefix}/")
    }
}

fn relative<'a>(key: &'a str, root: &str) -> &'a str {
    key.strip_prefix(root).unwrap_or(key)
}

fn last_segment(prefix: &str) -> &str {
    prefix.split('/').rfind(|s| !s.is_empty()).unwrap_or("")
}

/// `xxxxxxxx-xxxx-7xxx-[89ab]xxx-xxxxxxxxxxxx` (hex, either case).
pub fn is_uuid_v7(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 36 {
        return false;
    }
    b.iter().enumerate().all(|(i, &c)| match i {
        8 | 13 | 18 | 23 => c == b'-',
        14 => c == b'7',
        19 => matches!(c.to_ascii_lowercase(), b'8' | b'9' | b'a' | b'b'),
        _ => c.is_ascii_hexdigit(),
    })
}

fn is_uuid_channel_update_key(relative_key: &str, channels: &[String]) -> bool {
    let parts: Vec<&str> = relative_key.split('/').collect();
    parts.len() == 4 && channels.iter().any(|c| c == parts[0]) && matches!(parts[1], "ios" | "android") && !parts[2].is_empty() && parts[3] == UPDATE_JSON
}
