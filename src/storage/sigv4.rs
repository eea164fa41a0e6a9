//! AWS Signature Version 4 for S3, written here on `hmac` + `sha2` instead of pulling in
//! `aws-sdk-s3` / `aws-sigv4`: the server only ever presigns GETs and signs one GET per manifest,
//! and the SDK crates would add minutes of compile time and megabytes to the addon for that.
//!
//! Two forms are produced: query-string presigning (a download URL anyone can use until it
//! expires) and header signing (the `Authorization` header of our own GetObject calls). Both are
//! checked against AWS's published example and, in the JS suite, against a server that verifies
//! signatures.

use std::fmt;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The payload hash presigned URLs use: the body is not known when the URL is made.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// SHA-256 of the empty body, the payload hash of a GET.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// An access key pair. `Debug` never shows the secret or the session token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &redact_key_id(&self.access_key_id))
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The first four characters of an access key id (enough to tell keys apart in a log).
fn redact_key_id(id: &str) -> String {
    let shown: String = id.chars().take(4).collect();
    format!("{shown}…")
}

/// A UTC instant in the two forms SigV4 uses: `YYYYMMDD` and `YYYYMMDDTHHMMSSZ`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmzTime {
    pub date: String,
    pub stamp: String,
}

impl AmzTime {
    pub fn now() -> Self {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Self::from_unix(secs)
    }

    pub fn from_unix(secs: u64) -> Self {
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        let (y, m, d) = civil_from_days(days);
        let date = format!("{y:04}{m:02}{d:02}");
        let stamp = format!("{date}T{:02}{:02}{:02}Z", rem / 3600, (rem % 3600) / 60, rem % 60);
        AmzTime { date, stamp }
    }
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's `civil_from_days`);
/// a dozen lines instead of a date-time crate for one timestamp format.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// SigV4 URI encoding: RFC 3986 unreserved characters stay, every other byte becomes `%XX`
/// (upper-case hex). `/` stays only when `keep_slash` (object key paths).
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0').to_ascii_uppercase());
            out.push(char::from_digit(u32::from(b & 15), 16).unwrap_or('0').to_ascii_uppercase());
        }
    }
    out
}

/// `k=v&…` with keys and values encoded and pairs sorted, as the canonical request wants them.
fn canonical_query(params: &[(&str, &str)]) -> String {
    let mut encoded: Vec<(String, String)> = params.iter().map(|(k, v)| (uri_encode(k, false), uri_encode(v, false))).collect();
    encoded.sort();
    let parts: Vec<String> = encoded.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    parts.join("&")
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail; no request can reach a
    // panic here.
    #[allow(clippy::expect_used)]
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Signs for one set of credentials in one region. The derived signing key depends only on the
/// date (plus the fixed secret, region and service), so it is kept for the day it was made for.
pub struct Signer {
    creds: Credentials,
    region: String,
    key: Mutex<Option<(String, [u8; 32])>>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer").field("creds", &self.creds).field("region", &self.region).finish_non_exhaustive()
    }
}

impl Signer {
    pub fn new(creds: Credentials, region: impl Into<String>) -> Self {
        Signer { creds, region: region.into(), key: Mutex::new(None) }
    }

    fn scope(&self, date: &str) -> String {
        format!("{date}/{}/s3/aws4_request", self.region)
    }

    fn signing_key(&self, date: &str) -> [u8; 32] {
        let mut cached = self.key.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((day, key)) = cached.as_ref() {
            if day == date {
                return *key;
            }
        }
        let k_date = hmac(format!("AWS4{}", self.creds.secret_access_key).as_bytes(), date.as_bytes());
        let k_region = hmac(&k_date, self.region.as_bytes());
        let k_service = hmac(&k_region, b"s3");
        let key = hmac(&k_service, b"aws4_request");
        *cached = Some((date.to_string(), key));
        key
    }

    fn signature(&self, t: &AmzTime, canonical_request: &str) -> String {
        let string_to_sign = format!("{ALGORITHM}\n{}\n{}\n{}", t.stamp, self.scope(&t.date), sha256_hex(canonical_request.as_bytes()));
        hex::encode(hmac(&self.signing_key(&t.date), string_to_sign.as_bytes()))
    }

    /// The query string of a presigned request (signature included, all pairs sorted).
    /// `path` is the canonical, already encoded path; `extra` are further (unencoded) parameters
    /// that are signed along, such as the SDK's `x-id=GetObject`.
    pub fn presign_query(&self, method: &str, host: &str, path: &str, extra: &[(&str, &str)], expires: u64, t: &AmzTime) -> String {
        let credential = format!("{}/{}", self.creds.access_key_id, self.scope(&t.date));
        let expires = expires.to_string();
        let mut params: Vec<(&str, &str)> = vec![
            ("X-Amz-Algorithm", ALGORITHM),
            ("X-Amz-Credential", &credential),
            ("X-Amz-Date", &t.stamp),
            ("X-Amz-Expires", &expires),
            ("X-Amz-SignedHeaders", "host"),
        ];
        if let Some(token) = &self.creds.session_token {
            params.push(("X-Amz-Security-Token", token));
        }
        params.extend_from_slice(extra);
        let query = canonical_query(&params);
        let canonical_request = format!("{method}\n{path}\n{query}\nhost:{host}\n\nhost\n{UNSIGNED_PAYLOAD}");
        let signature = self.signature(t, &canonical_request);
        params.push(("X-Amz-Signature", &signature));
        canonical_query(&params)
    }

    /// The headers that authenticate a request in the `Authorization` header. `query` is the
    /// canonical query string (empty for a plain GetObject).
    pub fn sign_headers(&self, method: &str, host: &str, path: &str, query: &str, payload_hash: &str, t: &AmzTime) -> Vec<(&'static str, String)> {
        let mut headers: Vec<(&'static str, String)> =
            vec![("host", host.to_string()), ("x-amz-content-sha256", payload_hash.to_string()), ("x-amz-date", t.stamp.clone())];
        if let Some(token) = &self.creds.session_token {
            headers.push(("x-amz-security-token", token.clone()));
        }
        let canonical_headers: String = headers.iter().map(|(k, v)| format!("{k}:{}\n", v.trim())).collect();
        let signed_headers: Vec<&str> = headers.iter().map(|(k, _)| *k).collect();
        let signed_headers = signed_headers.join(";");
        let canonical_request = format!("{method}\n{path}\n{query}\n{canonical_headers}\n{signed_headers}\n{payload_hash}");
        let signature = self.signature(t, &canonical_request);
        let authorization =
            format!("{ALGORITHM} Credential={}/{}, SignedHeaders={signed_headers}, Signature={signature}", self.creds.access_key_id, self.scope(&t.date));
        headers.retain(|(k, _)| *k != "host");
        headers.push(("authorization", authorization));
        headers
    }
}

#[cfg(test)]
#[path = "sigv4_tests.rs"]
mod tests;
