//! Configuration of the native S3 / R2 storage: the options JS hands over, the resolved config,
//! and where an object lives (endpoint, path style or virtual-hosted style).
//!
//! Upstream's own environment fallbacks (`AWS_ENDPOINT_URL`, `AWS_S3_FORCE_PATH_STYLE`) are
//! applied by the JS factory, as upstream reads `process.env` there. Credentials and a region
//! left out here come from the AWS SDK's chains (see `s3_client`).

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use super::url_signing::uri_encode;
use crate::error::{Error, Result};

pub const DEFAULT_EXPIRES_IN: u64 = 3600;
/// SigV4 presigned URLs cannot live longer than a week.
pub const MAX_EXPIRES_IN: u64 = 604_800;
const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 5_000;
const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 15_000;

/// `s3Storage` (protocol `s3`) or `r2Storage` (protocol `r2`): one implementation, two sets of
/// defaults and upstream's two slightly different behaviours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    S3,
    R2,
}

impl Flavor {
    pub fn protocol(self) -> &'static str {
        match self {
            Flavor::S3 => "s3",
            Flavor::R2 => "r2",
        }
    }
}

/// An access key pair given in the options. `Debug` never shows the secret or the session token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.access_key_id.chars().take(4).collect();
        f.debug_struct("Credentials")
            .field("access_key_id", &format!("{shown}…"))
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Credentials as JS sends them. `Debug` redacts.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CredentialsOption {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl fmt::Debug for CredentialsOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.clone().into_credentials(), f)
    }
}

impl CredentialsOption {
    fn into_credentials(self) -> Credentials {
        Credentials {
            access_key_id: self.access_key_id,
            secret_access_key: self.secret_access_key,
            session_token: self.session_token.filter(|t| !t.is_empty()),
        }
    }
}

/// Options of `s3Storage(...)` / `r2Storage(...)` after the JS factory checked and completed them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct S3Options {
    pub bucket_name: String,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    pub force_path_style: Option<bool>,
    pub credentials: Option<CredentialsOption>,
    /// R2 only: builds the endpoint `https://<accountId>.r2.cloudflarestorage.com`.
    pub account_id: Option<String>,
    pub expires_in: Option<u64>,
    pub public_base_url: Option<String>,
    pub cache: Option<bool>,
    pub connect_timeout_ms: Option<u64>,
    pub request_timeout_ms: Option<u64>,
}

/// Where requests go: scheme, host, port and a path prefix without a trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub scheme: String,
    pub host: String,
    pub port: Option<u16>,
    pub base_path: String,
}

impl Endpoint {
    pub fn parse(raw: &str) -> Result<Endpoint> {
        let url = url::Url::parse(raw.trim()).map_err(|_| Error::config(format!("Invalid S3 endpoint URL: {raw}")))?;
        if url.scheme() != "http" && url.scheme() != "https" {
            return Err(Error::config(format!("Invalid S3 endpoint URL: {raw} (expected http or https)")));
        }
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| Error::config(format!("Invalid S3 endpoint URL: {raw}")))?;
        Ok(Endpoint { scheme: url.scheme().to_string(), host: host.to_string(), port: url.port(), base_path: url.path().trim_end_matches('/').to_string() })
    }

    /// AWS's own regional endpoint.
    fn aws(region: &str) -> Result<Endpoint> {
        if region.is_empty() || !region.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(Error::storage(format!("Invalid region in client config: {region}")));
        }
        let suffix = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
        Ok(Endpoint { scheme: "https".into(), host: format!("s3.{region}.{suffix}"), port: None, base_path: String::new() })
    }

    /// The endpoint as a URL for the SDK (`scheme://host[:port][/base]`).
    pub fn url(&self) -> String {
        match self.port {
            Some(port) => format!("{}://{}:{port}{}", self.scheme, self.host, self.base_path),
            None => format!("{}://{}{}", self.scheme, self.host, self.base_path),
        }
    }

    fn host_is_ip(&self) -> bool {
        self.host.starts_with('[') || self.host.parse::<std::net::Ipv4Addr>().is_ok()
    }
}

/// The address of one object: what to request and what to sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectAddress {
    pub scheme: String,
    /// The `Host` header value (with a port when not the default).
    pub host: String,
    /// The encoded path, which is also SigV4's canonical path (S3 does not double-encode).
    pub path: String,
}

impl ObjectAddress {
    pub fn url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.host, self.path)
    }
}

/// `key` encoded per `/`-separated segment (empty segments kept, as S3 keys may contain them).
pub fn encode_key(key: &str) -> String {
    key.split('/').map(|seg| uri_encode(seg, false)).collect::<Vec<_>>().join("/")
}

/// Whether `bucket` can be a host label: lower-case letters, digits and `-`, 3 to 63 long.
/// Dotted names go path-style, as TLS wildcard certificates do not cover them.
fn virtual_hostable(bucket: &str) -> bool {
    let b = bucket.as_bytes();
    (3..=63).contains(&b.len()) && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-') && b[0] != b'-' && b[b.len() - 1] != b'-'
}

/// A resolved configuration. `Debug` shows no secrets (credentials redact themselves).
#[derive(Debug, Clone)]
pub struct S3Config {
    pub flavor: Flavor,
    pub bucket: String,
    pub region: Option<String>,
    /// `None`: AWS's regional endpoint for `region`.
    pub endpoint: Option<Endpoint>,
    pub force_path_style: bool,
    pub credentials: Option<Credentials>,
    pub expires_in: u64,
    pub public_base_url: Option<String>,
    pub cache: bool,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
}

impl S3Config {
    pub fn from_options(flavor: Flavor, o: S3Options) -> Result<S3Config> {
        let name = match flavor {
            Flavor::S3 => "s3Storage",
            Flavor::R2 => "r2Storage",
        };
        if o.bucket_name.is_empty() {
            return Err(Error::config(format!("{name}: `bucketName` must be a non-empty string.")));
        }
        let endpoint = match (flavor, o.endpoint.filter(|e| !e.trim().is_empty()), o.account_id.filter(|a| !a.is_empty())) {
            (_, Some(e), _) => Some(Endpoint::parse(&e)?),
            (Flavor::R2, None, Some(account)) => Some(Endpoint::parse(&format!("https://{account}.r2.cloudflarestorage.com"))?),
            (Flavor::R2, None, None) => return Err(Error::config("r2Storage: `accountId` or `endpoint` is required.")),
            (Flavor::S3, None, _) => None,
        };
        let force_path_style = o.force_path_style.unwrap_or(match flavor {
            Flavor::S3 => endpoint.is_some(),
            Flavor::R2 => true,
        });
        let region = match flavor {
            Flavor::S3 => o.region.filter(|r| !r.is_empty()),
            Flavor::R2 => Some(o.region.filter(|r| !r.is_empty()).unwrap_or_else(|| "auto".into())),
        };
        let expires_in = o.expires_in.unwrap_or(DEFAULT_EXPIRES_IN);
        if expires_in == 0 || expires_in > MAX_EXPIRES_IN {
            return Err(Error::config(format!("{name}: `expiresIn` must be between 1 and {MAX_EXPIRES_IN} seconds.")));
        }
        let public_base_url = match o.public_base_url.filter(|u| !u.is_empty()) {
            Some(u) => {
                if !matches!(url::Url::parse(&u), Ok(p) if p.scheme() == "http" || p.scheme() == "https") {
                    return Err(Error::config(format!("{name}: `publicBaseUrl` must be an http(s) URL.")));
                }
                Some(u.trim_end_matches('/').to_string())
            }
            None => None,
        };
        Ok(S3Config {
            flavor,
            bucket: o.bucket_name,
            region,
            endpoint,
            force_path_style,
            credentials: o.credentials.map(CredentialsOption::into_credentials),
            expires_in,
            public_base_url,
            cache: o.cache.unwrap_or(true),
            connect_timeout: Duration::from_millis(o.connect_timeout_ms.unwrap_or(DEFAULT_CONNECT_TIMEOUT_MS)),
            request_timeout: Duration::from_millis(o.request_timeout_ms.unwrap_or(DEFAULT_REQUEST_TIMEOUT_MS)),
        })
    }

    /// Where `bucket/key` lives for requests signed for `region` (the configured one or the
    /// chain's): virtual-hosted style when allowed, else path style. The SDK makes the requests;
    /// this names the host in error texts and is what the SDK's endpoint rules give for the
    /// endpoints upstream's users configure.
    pub fn address(&self, bucket: &str, key: &str, region: Option<&str>) -> Result<ObjectAddress> {
        let aws;
        let endpoint = match &self.endpoint {
            Some(e) => e,
            None => {
                aws = Endpoint::aws(region.ok_or_else(|| Error::storage("Region is missing"))?)?;
                &aws
            }
        };
        let virtual_host = !self.force_path_style && virtual_hostable(bucket) && !endpoint.host_is_ip();
        let mut host = if virtual_host { format!("{bucket}.{}", endpoint.host) } else { endpoint.host.clone() };
        if let Some(port) = endpoint.port {
            host = format!("{host}:{port}");
        }
        let key = encode_key(key);
        let path = if virtual_host { format!("{}/{key}", endpoint.base_path) } else { format!("{}/{}/{key}", endpoint.base_path, uri_encode(bucket, false)) };
        Ok(ObjectAddress { scheme: endpoint.scheme.clone(), host, path })
    }

    /// `publicBaseUrl/<key encoded per segment>`, if a public base URL is set.
    pub fn public_url(&self, key: &str) -> Option<String> {
        self.public_base_url.as_ref().map(|base| format!("{base}/{}", encode_key(key)))
    }
}

#[cfg(test)]
#[path = "s3_config_tests.rs"]
mod tests;
