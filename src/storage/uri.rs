//! Storage URIs as upstream reads them: the protocol that picks a storage, the bucket and key a
//! backend addresses, and the checks on a download URL a storage hands back. Shared by every
//! backend, so no backend imports another for them.

use crate::core::jsnum::decode_uri_component;
use crate::error::{Error, Result};

/// The protocol of a storage URI as WHATWG URL parsing reports it (lowercased, without `:`).
pub fn uri_protocol(uri: &str) -> Result<String> {
    url::Url::parse(uri).map(|u| u.scheme().to_string()).map_err(|_| Error::storage("Invalid URL"))
}

pub fn is_http_url(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| u.scheme() == "http" || u.scheme() == "https")
}

/// Upstream's checks on what a storage returned as a download URL.
pub fn checked_url(url: String) -> Result<String> {
    if url.is_empty() {
        return Err(Error::storage("Storage plugin returned empty fileUrl"));
    }
    if !is_http_url(&url) {
        return Err(Error::storage("Storage plugin returned a local file path; runtime update checks require an HTTP(S) download URL."));
    }
    Ok(url)
}

/// `parseStorageUri(uri, protocol)`: the URL's host as the bucket, its path without the leading
/// `/` as the key, percent-decoded (kept raw when it does not decode).
pub fn parse_storage_uri(uri: &str, protocol: &str) -> Result<(String, String)> {
    let url = url::Url::parse(uri).map_err(|_| Error::storage(format!("Invalid storage URI format: {uri}")))?;
    if url.scheme() != protocol {
        return Err(Error::storage(format!("Invalid storage URI protocol. Expected {protocol}, got {}", url.scheme())));
    }
    let bucket = url.host_str().unwrap_or("").to_string();
    let raw_key = url.path().strip_prefix('/').unwrap_or("");
    let key = decode_uri_component(raw_key).unwrap_or_else(|| raw_key.to_string());
    Ok((bucket, key))
}
