//! The pieces of URL signing shared by Cloud Storage's V4 signing (`gcs`) and S3 object
//! addresses (`s3_config`): SigV4-style RFC 3986 URI encoding and the `YYYYMMDD` /
//! `YYYYMMDDTHHMMSSZ` timestamps. S3 itself signs through the AWS SDK (`s3_client`); the
//! hand-written AWS signer that lived in this file (then `sigv4.rs`) is gone.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::core::http_date::civil_from_days;

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

#[cfg(test)]
#[path = "url_signing_tests.rs"]
mod tests;
