//! CloudFront invalidation after a change, as `@hot-updater/aws`'s `s3Database` does it: one
//! `CreateInvalidation` of the changed lookups' paths (only when `cloudfrontDistributionId` is
//! set), failures logged and ignored unless `shouldWaitForInvalidation`, which polls
//! `GetInvalidation` until `Completed` and reports failures and the timeout.
//!
//! The two calls are plain REST requests signed with SigV4 (`aws-sigv4`, the signer the S3
//! client already links) with the S3 client's own credentials, rather than through
//! `aws-sdk-cloudfront`: two XML requests do not need a second generated SDK. The endpoint is
//! configurable (`cloudfrontEndpoint`), which is also how tests point it at a loopback stand-in.

use std::io::Write as _;
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use crate::error::{Error, Result};
use crate::storage::s3_client::{root_cause, S3Client};

pub const DEFAULT_ENDPOINT: &str = "https://cloudfront.amazonaws.com";
/// CloudFront's API version in request paths, and its XML namespace.
const API_VERSION: &str = "2020-05-31";
/// CloudFront is a global service, signed for us-east-1.
const SIGNING_REGION: &str = "us-east-1";
const POLL_INTERVAL: Duration = Duration::from_secs(2);
const WAIT_TIMEOUT: Duration = Duration::from_secs(300);

/// Where and how invalidations are sent.
#[derive(Debug, Clone)]
pub struct CloudFront {
    pub distribution_id: String,
    /// `scheme://host[:port]` without a trailing `/`.
    pub endpoint: String,
    pub wait: bool,
    pub poll_interval: Duration,
    pub timeout: Duration,
    pub request_timeout: Duration,
}

impl CloudFront {
    pub fn new(distribution_id: String, endpoint: Option<String>, wait: bool, request_timeout: Duration) -> Result<Self> {
        let endpoint = endpoint.filter(|e| !e.trim().is_empty()).unwrap_or_else(|| DEFAULT_ENDPOINT.to_string());
        let parsed = url::Url::parse(endpoint.trim()).map_err(|_| Error::config(format!("s3Database: invalid `cloudfrontEndpoint` URL: {endpoint}")))?;
        if parsed.scheme() != "http" && parsed.scheme() != "https" {
            return Err(Error::config(format!("s3Database: `cloudfrontEndpoint` must be an http(s) URL: {endpoint}")));
        }
        Ok(CloudFront {
            distribution_id,
            endpoint: endpoint.trim().trim_end_matches('/').to_string(),
            wait,
            poll_interval: POLL_INTERVAL,
            timeout: WAIT_TIMEOUT,
            request_timeout,
        })
    }

    fn distribution_url(&self) -> String {
        format!("{}/{API_VERSION}/distribution/{}/invalidation", self.endpoint, utf8_percent_encode(&self.distribution_id, NON_ALPHANUMERIC))
    }

    /// Invalidates `paths` (already `encodeURI`-d). Without `wait`, a failure is logged and the
    /// change stands; with it, failures and the timeout are errors.
    pub async fn invalidate(&self, s3: &S3Client, paths: &[String]) -> Result<()> {
        if paths.is_empty() {
            return Ok(());
        }
        match self.create_and_wait(s3, paths).await {
            Ok(()) => Ok(()),
            Err(e) if self.wait => Err(e),
            Err(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "hot-updater-rs: CloudFront invalidation failed for distribution {}; continuing without cache invalidation. ({}; paths: {})",
                    self.distribution_id,
                    e.message,
                    paths.join(", ")
                );
                Ok(())
            }
        }
    }

    async fn create_and_wait(&self, s3: &S3Client, paths: &[String]) -> Result<()> {
        let http = reqwest::Client::builder().timeout(self.request_timeout).build().map_err(|e| Error::internal(e.to_string()))?;
        let caller_reference = format!("invalidation-{}", SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0));
        let body = invalidation_batch(paths, &caller_reference);
        let (status, text) = self.send(s3, &http, "POST", &self.distribution_url(), body).await?;
        if !(200..300).contains(&status) {
            return Err(api_error("CreateInvalidation", status, &text));
        }
        if !self.wait {
            return Ok(());
        }
        let id = xml_tag(&text, "Id").ok_or_else(|| Error::storage("CloudFront invalidation response is missing Invalidation.Id"))?;
        if xml_tag(&text, "Status").as_deref() == Some("Completed") {
            return Ok(());
        }
        let deadline = Instant::now() + self.timeout;
        let url = format!("{}/{}", self.distribution_url(), utf8_percent_encode(&id, NON_ALPHANUMERIC));
        while Instant::now() < deadline {
            tokio::time::sleep(self.poll_interval).await;
            let (status, text) = self.send(s3, &http, "GET", &url, String::new()).await?;
            if !(200..300).contains(&status) {
                return Err(api_error("GetInvalidation", status, &text));
            }
            if xml_tag(&text, "Status").as_deref() == Some("Completed") {
                return Ok(());
            }
        }
        Err(Error::storage(format!("Timed out waiting for CloudFront invalidation {id} to complete after {}ms", self.timeout.as_millis())))
    }

    /// One SigV4-signed request with the S3 client's credentials.
    async fn send(&self, s3: &S3Client, http: &reqwest::Client, method: &str, url: &str, body: String) -> Result<(u16, String)> {
        let provider = s3.credentials.as_ref().ok_or_else(|| Error::storage("CloudFront invalidation: no AWS credentials"))?;
        let creds = provider.provide_credentials().await.map_err(|e| Error::storage(format!("Could not load credentials: {}", root_cause(&e))))?;
        let identity = creds.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(SIGNING_REGION)
            .name("cloudfront")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| Error::internal(e.to_string()))?
            .into();
        let content_type = [("content-type", "application/xml")];
        let headers: &[(&str, &str)] = if body.is_empty() { &[] } else { &content_type };
        let signable =
            SignableRequest::new(method, url, headers.iter().copied(), SignableBody::Bytes(body.as_bytes())).map_err(|e| Error::internal(e.to_string()))?;
        let (instructions, _) = sign(signable, &params).map_err(|e| Error::internal(e.to_string()))?.into_parts();
        let method = reqwest::Method::from_bytes(method.as_bytes()).map_err(|e| Error::internal(e.to_string()))?;
        let mut req = http.request(method, url);
        for (name, value) in headers.iter().copied().chain(instructions.headers()) {
            req = req.header(name, value);
        }
        if !body.is_empty() {
            req = req.body(body);
        }
        let res = req.send().await.map_err(|e| Error::storage(format!("CloudFront request failed ({})", root_cause(&e))))?;
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        Ok((status, text))
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The `CreateInvalidation` request body.
pub fn invalidation_batch(paths: &[String], caller_reference: &str) -> String {
    let items: String = paths.iter().map(|p| format!("<Path>{}</Path>", xml_escape(p))).collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><InvalidationBatch xmlns=\"http://cloudfront.amazonaws.com/doc/{API_VERSION}/\"><Paths><Quantity>{}</Quantity><Items>{items}</Items></Paths><CallerReference>{}</CallerReference></InvalidationBatch>",
        paths.len(),
        xml_escape(caller_reference)
    )
}

/// The text of the first `<tag>` element.
pub fn xml_tag(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(xml[start..end].replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
}

fn api_error(op: &str, status: u16, text: &str) -> Error {
    let code = xml_tag(text, "Code").unwrap_or_else(|| format!("HTTP {status}"));
    match xml_tag(text, "Message") {
        Some(m) => Error::storage(format!("CloudFront {op} failed: {code}: {m}")),
        None => Error::storage(format!("CloudFront {op} failed: {code}")),
    }
}
