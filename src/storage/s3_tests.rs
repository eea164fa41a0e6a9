use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::storage::s3_config::CredentialsOption;

fn creds(id: &str, secret: &str, token: Option<&str>) -> CredentialsOption {
    CredentialsOption { access_key_id: id.into(), secret_access_key: secret.into(), session_token: token.map(str::to_string) }
}

fn storage(flavor: Flavor, o: S3Options) -> S3Storage {
    S3Storage::new(S3Config::from_options(flavor, o).unwrap())
}

fn s3(bucket: &str) -> S3Storage {
    storage(
        Flavor::S3,
        S3Options { bucket_name: bucket.into(), region: Some("us-east-1".into()), credentials: Some(creds("AKID", "SECRET", None)), ..Default::default() },
    )
}

const CTX: Ctx = Ctx { id: 0, is_object: false };

/// 2026-11-30T11:12:00Z.
fn fixed_time() -> SystemTime {
    std::time::UNIX_EPOCH + Duration::from_secs(1_796_037_120)
}

impl S3Storage {
    /// A presigned URL signed at `t` (tests only).
    async fn presign_at(&self, bucket: &str, key: &str, t: SystemTime) -> Result<String> {
        let client = self.client().await?;
        Ok(self.presign(client, bucket, key, t).await?.url)
    }
}

/// URLs printed by `getSignedUrl` of `@aws-sdk/s3-request-presigner` 3.1066.0 (what
/// `@hot-updater/aws` 0.36.3 uses) for credentials AKID / SECRET / TOK at 2026-11-30T11:12:00Z.
#[tokio::test]
async fn presigned_urls_equal_the_aws_sdk_byte_for_byte() {
    let t = fixed_time();
    let c = Some(creds("AKID", "SECRET", Some("TOK")));
    let tail = "X-Amz-SignedHeaders=host&x-amz-checksum-mode=ENABLED&x-id=GetObject";
    let q = |region: &str, sig: &str| {
        format!(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD&X-Amz-Credential=AKID%2F20261130%2F{region}%2Fs3%2Faws4_request\
             &X-Amz-Date=20261130T111200Z&X-Amz-Expires=3600&X-Amz-Security-Token=TOK&X-Amz-Signature={sig}&{tail}"
        )
    };
    let aws = storage(Flavor::S3, S3Options { bucket_name: "bucket".into(), region: Some("us-east-1".into()), credentials: c.clone(), ..Default::default() });
    assert_eq!(
        aws.presign_at("bucket", "a b/한글+x@2x.png", t).await.unwrap(),
        format!(
            "https://bucket.s3.us-east-1.amazonaws.com/a%20b/%ED%95%9C%EA%B8%80%2Bx%402x.png?{}",
            q("us-east-1", "17474cd53ac8c66de376bd3920b6d42cbb37825dc03f333ee407a9c62b915dbe")
        )
    );
    assert_eq!(
        aws.presign_at("my.bucket", "k!'()*~.txt", t).await.unwrap(),
        format!(
            "https://s3.us-east-1.amazonaws.com/my.bucket/k%21%27%28%29%2A~.txt?{}",
            q("us-east-1", "70aeaabb74b91660e683c8a22830e15fc8b4976fe69be6dd41222e9aa556e2ea")
        )
    );
    let local = S3Options { endpoint: Some("http://127.0.0.1:9000".into()), region: Some("eu-west-1".into()), ..aws.cfg_options() };
    assert_eq!(
        storage(Flavor::S3, local).presign_at("bucket", "/lead//dbl/", t).await.unwrap(),
        format!("http://127.0.0.1:9000/bucket//lead//dbl/?{}", q("eu-west-1", "3dd9c03f228d1f03316501b069ab2f7bd3a11d1f0dd1a4b72a53853d77199460"))
    );
    let r2 = S3Options { account_id: Some("acc".into()), region: None, ..aws.cfg_options() };
    assert_eq!(
        storage(Flavor::R2, r2).presign_at("bucket", "a b/한글+x@2x.png", t).await.unwrap(),
        format!(
            "https://acc.r2.cloudflarestorage.com/bucket/a%20b/%ED%95%9C%EA%B8%80%2Bx%402x.png?{}",
            q("auto", "5ade34f84762ffc32cb24415d27cbc66df40a4e2d8bdd0bfcd96c0336a1de36b")
        )
    );
}

impl S3Storage {
    /// The options that rebuild this storage's bucket and credentials (tests only).
    fn cfg_options(&self) -> S3Options {
        let c = self.cfg.credentials.clone().unwrap();
        S3Options {
            bucket_name: self.cfg.bucket.clone(),
            region: self.cfg.region.clone(),
            credentials: Some(CredentialsOption { access_key_id: c.access_key_id, secret_access_key: c.secret_access_key, session_token: c.session_token }),
            ..Default::default()
        }
    }
}

#[test]
fn storage_uris_parse_like_upstream() {
    let p = |u: &str| parse_storage_uri(u, "s3");
    assert_eq!(p("s3://bucket/a%20b/%ED%95%9C.png").unwrap(), ("bucket".into(), "a b/한.png".into()));
    assert_eq!(p("s3://bucket/a b/한.png?x=1#f").unwrap(), ("bucket".into(), "a b/한.png".into()));
    assert_eq!(p("s3://bucket/bad%E0%A4%A").unwrap().1, "bad%E0%A4%A");
    assert_eq!(p("s3://bucket/x%2Fy").unwrap().1, "x/y");
    assert_eq!(p("s3://bucket").unwrap(), ("bucket".into(), "".into()));
    assert_eq!(p("r2://bucket/k").unwrap_err().message, "Invalid storage URI protocol. Expected s3, got r2");
    assert_eq!(p("not a uri").unwrap_err().message, "Invalid storage URI format: not a uri");
}

#[tokio::test]
async fn download_url_errors_match_upstream() {
    let s = s3("bucket");
    for uri in ["s3://bucket", "s3://bucket/", "s3:///key"] {
        assert_eq!(s.get_download_url(uri, CTX).await.unwrap_err().message, "Invalid S3 storage URI: missing bucket or key", "{uri}");
    }
    // Without credentials or a region the chains decide (the environment, files, instance
    // metadata): __test__/storage-s3-credentials.test.mjs covers that in child processes.
    // S3 presigns for the URI's bucket; R2 insists on the configured one.
    assert!(s.get_download_url("s3://other/k", CTX).await.unwrap().starts_with("https://other.s3.us-east-1.amazonaws.com/k?"));
    let r2 = storage(
        Flavor::R2,
        S3Options { bucket_name: "b".into(), account_id: Some("acc".into()), credentials: Some(creds("A", "S", None)), ..Default::default() },
    );
    assert_eq!(r2.get_download_url("r2://x/k", CTX).await.unwrap_err().message, "Bucket name mismatch: expected \"b\", but found \"x\".");
    assert!(r2.get_download_url("r2://b/k", CTX).await.unwrap().starts_with("https://acc.r2.cloudflarestorage.com/b/k?X-Amz-Algorithm="));
    let wrangler = storage(Flavor::R2, S3Options { bucket_name: "b".into(), account_id: Some("acc".into()), ..Default::default() });
    assert_eq!(wrangler.get_download_url("r2://b/k", CTX).await.unwrap_err().message, R2_NEEDS_CREDENTIALS);
    assert_eq!(wrangler.read_text("r2://b/k", CTX).await.unwrap_err().message, R2_NEEDS_CREDENTIALS);
}

#[tokio::test]
async fn read_text_checks_the_bucket_and_credentials_first() {
    let s = s3("bucket");
    assert_eq!(s.read_text("s3://other/k", CTX).await.unwrap_err().message, "Bucket name mismatch: expected \"bucket\", but found \"other\".");
    assert_eq!(s.read_text("s3://bucket", CTX).await.unwrap_err().message, "Empty value provided for input HTTP label: Key.");
}

#[tokio::test]
async fn public_base_url_needs_no_signing() {
    let o = S3Options { bucket_name: "b".into(), public_base_url: Some("https://cdn.example.com/".into()), ..Default::default() };
    let s = storage(Flavor::S3, o);
    assert_eq!(s.get_download_url("s3://b/dir/x%20y.zip", CTX).await.unwrap(), "https://cdn.example.com/dir/x%20y.zip");
}

#[tokio::test]
async fn presigned_urls_are_cached_per_uri() {
    let s = s3("bucket");
    let a = s.get_download_url("s3://bucket/k", CTX).await.unwrap();
    assert_eq!(s.caches.url("s3://bucket/k", Instant::now()).as_deref(), Some(a.as_str()));
    assert_eq!(s.get_download_url("s3://bucket/k", CTX).await.unwrap(), a);
    let off = storage(Flavor::S3, S3Options { cache: Some(false), ..s.cfg_options() });
    off.get_download_url("s3://bucket/k", CTX).await.unwrap();
    assert_eq!(off.caches.url("s3://bucket/k", Instant::now()), None);
}

/// A one-connection-at-a-time HTTP server answering by path, counting requests and recording
/// the last request head.
async fn fake_s3() -> (String, Arc<AtomicUsize>, Arc<std::sync::Mutex<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let last = Arc::new(std::sync::Mutex::new(String::new()));
    let (h, l) = (hits.clone(), last.clone());
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let mut buf = vec![0u8; 8192];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            let head = String::from_utf8_lossy(&buf[..n]).to_string();
            h.fetch_add(1, Ordering::SeqCst);
            *l.lock().unwrap() = head.clone();
            // The SDK adds `?x-id=GetObject` to the path; the fake answers by path alone.
            let path = head.split(' ').nth(1).unwrap_or("").split('?').next().unwrap_or("");
            let err =
                |status: &str, code: &str| format!("{status}\n<?xml version=\"1.0\"?><Error><Code>{code}</Code><Message>M &amp; {code}</Message></Error>");
            let (status, body) = match path {
                "/bucket/ok.json" => ("200 OK".to_string(), "{\"a\":\"é\"}".to_string()),
                "/bucket/missing" => split(err("404 Not Found", "NoSuchKey")),
                "/bucket/nobucket" => split(err("404 Not Found", "NoSuchBucket")),
                "/bucket/denied" => split(err("403 Forbidden", "AccessDenied")),
                "/bucket/bare404" => ("404 Not Found".to_string(), String::new()),
                _ => ("500 Internal Server Error".to_string(), String::new()),
            };
            let res = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
            let _ = sock.write_all(res.as_bytes()).await;
        }
    });
    (endpoint, hits, last)
}

fn split(s: String) -> (String, String) {
    let (a, b) = s.split_once('\n').unwrap();
    (a.to_string(), b.to_string())
}

#[tokio::test]
async fn get_object_maps_statuses_and_caches_texts() {
    let (endpoint, hits, last) = fake_s3().await;
    let s = storage(Flavor::S3, S3Options { endpoint: Some(endpoint.clone()), ..s3("bucket").cfg_options() });
    assert_eq!(s.read_text("s3://bucket/ok.json", CTX).await.unwrap().as_deref(), Some("{\"a\":\"é\"}"));
    let head = last.lock().unwrap().to_lowercase();
    assert!(head.contains("authorization: aws4-hmac-sha256 credential=akid/") && head.contains("x-amz-content-sha256: e3b0c442"), "{head}");
    // Served from the cache: no second request.
    assert_eq!(s.read_text("s3://bucket/ok.json", CTX).await.unwrap().as_deref(), Some("{\"a\":\"é\"}"));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_eq!(s.read_text("s3://bucket/missing", CTX).await.unwrap(), None);
    assert_eq!(s.read_text("s3://bucket/bare404", CTX).await.unwrap(), None);
    let host = endpoint.trim_start_matches("http://");
    let e = s.read_text("s3://bucket/nobucket", CTX).await.unwrap_err().message;
    assert_eq!(e, format!("M & NoSuchBucket (S3 GetObject on {host}: HTTP 404 NoSuchBucket)"));
    let e = s.read_text("s3://bucket/denied", CTX).await.unwrap_err().message;
    assert_eq!(e, format!("M & AccessDenied (S3 GetObject on {host}: HTTP 403 AccessDenied)"));
    assert_eq!(s.read_text("s3://bucket/other", CTX).await.unwrap_err().message, format!("S3 GetObject on {host} failed: HTTP 500"));
    // Missing objects are not cached: they may appear later.
    let before = hits.load(Ordering::SeqCst);
    s.read_text("s3://bucket/missing", CTX).await.unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), before + 1);
    // R2 treats every 404 as "not found".
    let r2 = storage(Flavor::R2, S3Options { endpoint: Some(endpoint), ..s3("bucket").cfg_options() });
    assert_eq!(r2.read_text("r2://bucket/nobucket", CTX).await.unwrap(), None);
}

#[tokio::test]
async fn unreachable_endpoints_fail_fast_without_secrets() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let o = S3Options { endpoint: Some(format!("http://127.0.0.1:{port}")), ..s3("bucket").cfg_options() };
    let e = storage(Flavor::S3, o).read_text("s3://bucket/k", CTX).await.unwrap_err().message;
    assert!(e.starts_with(&format!("S3 request to 127.0.0.1:{port} failed: could not connect")), "{e}");
    assert!(!e.contains("SECRET") && !e.contains("AKID") && !e.contains("X-Amz"), "{e}");

    // A server that accepts and never answers: the request timeout ends the wait.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = silent.accept().await {
            held.push(sock);
        }
    });
    let o = S3Options { endpoint: Some(format!("http://{addr}")), request_timeout_ms: Some(300), ..s3("bucket").cfg_options() };
    let e = storage(Flavor::S3, o).read_text("s3://bucket/k", CTX).await.unwrap_err().message;
    assert_eq!(e, format!("S3 request to {addr} failed: timed out after 300 ms"));
}

#[test]
fn query_helpers() {
    let url = "https://h/k?x-id=GetObject&X-Amz-Credential=AK%2F2026&X-Amz-Algorithm=A&x-amz-checksum-mode=ENABLED&X-Amz-Date=D";
    assert_eq!(query_value(url, "X-Amz-Credential"), Some("AK%2F2026"));
    assert_eq!(query_value(url, "X-Amz-Missing"), None);
    assert_eq!(js_query_order(url), "https://h/k?X-Amz-Algorithm=A&X-Amz-Credential=AK%2F2026&X-Amz-Date=D&x-amz-checksum-mode=ENABLED&x-id=GetObject");
    assert_eq!(js_query_order("https://h/k"), "https://h/k");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn presigns_without_waiting_once_the_client_is_built() {
    let s = storage(Flavor::S3, S3Options { cache: Some(false), ..s3("bucket").cfg_options() });
    // No client yet: the caller takes the asynchronous path, which builds it.
    assert!(s.download_url_now("s3://bucket/k").is_none());
    s.get_download_url("s3://bucket/k", CTX).await.unwrap();
    // From a thread outside the runtime, as a napi call runs.
    let now = std::thread::scope(|sc| sc.spawn(|| s.download_url_now("s3://bucket/other")).join().unwrap());
    let url = now.expect("ready without waiting").unwrap();
    assert!(url.starts_with("https://bucket.s3.us-east-1.amazonaws.com/other?X-Amz-Algorithm=AWS4-HMAC-SHA256&"), "{url}");
    assert_eq!(s.download_url_now("s3://bucket").unwrap().unwrap_err().message, "Invalid S3 storage URI: missing bucket or key");
}

#[tokio::test]
async fn long_term_keys_keep_urls_for_half_their_lifetime() {
    let s = s3("bucket");
    let client = s.client().await.unwrap();
    let now = SystemTime::now();
    let p = s.presign(client, "bucket", "k", now).await.unwrap();
    assert_eq!(p.reuse_for, Duration::from_secs(1800));
    // A URL with keys the provider never reported is not kept at all.
    assert_eq!(s.reuse_for(client, "https://h/k?X-Amz-Credential=OTHER%2Fx", Duration::from_secs(3600), now), Duration::ZERO);
}
