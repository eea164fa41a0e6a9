//! The AWS SDK side of the native S3 / R2 storage: one `aws_sdk_s3::Client` per storage, built on
//! first use from `aws-config`'s defaults, so that credentials, region, retries and timeouts come
//! from where AWS tooling looks for them (environment, shared config and credentials files with
//! profiles, SSO, `credential_process`, web identity, ECS container credentials, EC2 instance
//! metadata), unless the options give them explicitly.
//!
//! HTTP (S3 and the credential providers alike) goes through `aws-smithy-http-client`'s hyper
//! client with rustls on ring and the system's root certificates.
//!
//! The credentials provider is wrapped so that the expiry of every set of credentials the SDK
//! loads is known: a presigned URL signed with temporary credentials dies with them, and the URL
//! cache must not hand it out longer than that.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_config::identity::IdentityCache;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{future, ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;
use aws_sdk_s3::config::Region;
use aws_smithy_http_client::tls;

use crate::error::{Error, Result};

/// The SDK's message when no provider of the chain has credentials (upstream's JS SDK words it
/// like this too).
pub const NO_CREDENTIALS: &str = "Could not load credentials from any providers";
pub const R2_NEEDS_CREDENTIALS: &str = "r2Storage runtime profile requires R2 S3 credentials. Wrangler-based R2 access is only supported by the node profile.";

/// How long before their expiry the SDK stops using cached credentials and loads new ones (the
/// lazy identity cache's buffer, set explicitly so that the URL cache can use the same margin).
pub const CREDENTIALS_REFRESH_BUFFER: Duration = Duration::from_secs(10);
/// Access keys whose expiry is remembered (a few rotations' worth).
const KEYS_REMEMBERED: usize = 16;

/// The expiries of the credentials the SDK loaded, by access key id (newest last).
#[derive(Debug, Default)]
pub struct KeyExpiries {
    seen: Mutex<VecDeque<(String, Option<SystemTime>)>>,
}

impl KeyExpiries {
    fn record(&self, access_key_id: &str, expiry: Option<SystemTime>) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.retain(|(id, _)| id != access_key_id);
        if seen.len() >= KEYS_REMEMBERED {
            seen.pop_front();
        }
        seen.push_back((access_key_id.to_string(), expiry));
    }

    /// `None`: never seen; `Some(None)`: seen, without expiry (long-term keys).
    pub fn expiry(&self, access_key_id: &str) -> Option<Option<SystemTime>> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.iter().rev().find(|(id, _)| id == access_key_id).map(|(_, e)| *e)
    }
}

/// A credentials provider that reports what it hands out to a [`KeyExpiries`].
#[derive(Debug)]
struct Tracked {
    inner: SharedCredentialsProvider,
    keys: Arc<KeyExpiries>,
}

impl ProvideCredentials for Tracked {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let creds = self.inner.provide_credentials().await?;
            self.keys.record(creds.access_key_id(), creds.expiry());
            Ok(creds)
        })
    }

    fn fallback_on_interrupt(&self) -> Option<Credentials> {
        self.inner.fallback_on_interrupt()
    }
}

/// A built client and what the storage needs to know about it.
#[derive(Debug)]
pub struct S3Client {
    pub client: aws_sdk_s3::Client,
    /// The region requests are signed for, after the chain resolved it.
    pub region: Option<String>,
    pub keys: Arc<KeyExpiries>,
    /// The runtime the client was built on: the synchronous fast path enters it to poll a
    /// presign once (the SDK's timers need a runtime).
    pub runtime: tokio::runtime::Handle,
    /// The credentials provider the client signs with (the chain's, or the static keys), for
    /// other AWS calls made with the same identity (`s3Database`'s CloudFront invalidations).
    pub credentials: Option<SharedCredentialsProvider>,
}

/// What the client is built from (the storage's resolved options; `None`: the chain decides).
#[derive(Clone)]
pub struct ClientSettings {
    pub region: Option<String>,
    /// Access key id, secret, session token.
    pub credentials: Option<(String, String, Option<String>)>,
    /// R2 has no credential chain: without keys every call fails with upstream's message.
    pub use_chain: bool,
    /// `scheme://host[:port][/base]`; `None`: AWS's endpoints.
    pub endpoint: Option<String>,
    pub force_path_style: bool,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
}

/// Builds the client (explicit values win over the chain's). Must run on a tokio runtime; loads
/// the shared config files, and resolves the region through the chain when none is given.
pub async fn build(cfg: ClientSettings) -> Result<S3Client> {
    let http = aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring)).build_https();
    let timeouts = TimeoutConfig::builder().connect_timeout(cfg.connect_timeout).operation_timeout(cfg.request_timeout).build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard())
        .identity_cache(IdentityCache::lazy().buffer_time(CREDENTIALS_REFRESH_BUFFER).build());
    if let Some(region) = cfg.region {
        loader = loader.region(Region::new(region));
    }
    if let Some((id, secret, token)) = cfg.credentials {
        loader = loader.credentials_provider(Credentials::new(id, secret, token, None, "hot-updater-rs options"));
    } else if !cfg.use_chain {
        loader = loader.no_credentials();
    }
    let shared = loader.load().await;
    let keys = Arc::new(KeyExpiries::default());
    let mut s3 = aws_sdk_s3::config::Builder::from(&shared).force_path_style(cfg.force_path_style);
    let credentials = shared.credentials_provider();
    if let Some(provider) = credentials.clone() {
        s3 = s3.credentials_provider(Tracked { inner: provider, keys: keys.clone() });
    }
    if let Some(endpoint) = cfg.endpoint {
        s3 = s3.endpoint_url(endpoint);
    }
    let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::internal("the S3 client needs a tokio runtime"))?;
    Ok(S3Client { client: aws_sdk_s3::Client::from_conf(s3.build()), region: shared.region().map(|r| r.to_string()), keys, runtime, credentials })
}

/// The innermost cause of `e` (what happened: refused, reset, DNS), never a URL.
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text = c.to_string();
        cause = c.source();
    }
    text
}

/// The credentials error somewhere in `e`'s causes, as the storage reports it.
pub fn credentials_error(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if let Some(ce) = c.downcast_ref::<CredentialsError>() {
            return Some(match ce {
                CredentialsError::CredentialsNotLoaded(_) => NO_CREDENTIALS.to_string(),
                other => format!("Could not load credentials: {}", root_cause(other)),
            });
        }
        cause = c.source();
    }
    None
}

#[cfg(test)]
#[path = "s3_client_tests.rs"]
mod tests;
