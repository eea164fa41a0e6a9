use std::sync::OnceLock;

use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, LineEnding};
use rsa::RsaPublicKey;

use super::*;

/// One 2048-bit key for all tests (generated once; no key is committed).
fn test_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap())
}

fn pkcs8_pem() -> String {
    test_key().to_pkcs8_pem(LineEnding::LF).unwrap().to_string()
}

/// Checks `signature` (CloudFront base64) over `data` with the public half of the test key.
fn verifies(data: &str, signature: &str) -> bool {
    let b64: String = signature
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '=',
            '~' => '/',
            c => c,
        })
        .collect();
    let raw = base64::engine::general_purpose::STANDARD.decode(b64).unwrap();
    let public = RsaPublicKey::from(test_key());
    public.verify(Pkcs1v15Sign::new::<Sha1>(), &Sha1::digest(data.as_bytes()), &raw).is_ok()
}

fn query_value<'a>(url: &'a str, name: &str) -> &'a str {
    let query = url.split_once('?').unwrap().1;
    query.split('&').find_map(|p| p.strip_prefix(&format!("{name}="))).unwrap()
}

#[test]
fn url_paths_are_reencoded_segment_by_segment() {
    assert_eq!(encode_url_path("https://d.net/releases/logo%402x.png"), "https://d.net/releases/logo%402x.png");
    assert_eq!(encode_url_path("https://d.net/releases/logo@2x.png"), "https://d.net/releases/logo%402x.png");
    assert_eq!(encode_url_path("https://d.net/a b/c+d/(x)!*'~"), "https://d.net/a%20b/c%2Bd/(x)!*'~");
    assert_eq!(encode_url_path("https://d.net/%E0%A4%A/x"), "https://d.net/%25E0%25A4%25A/x");
    assert_eq!(encode_url_path("https://d.net/%ED%A0%80"), "https://d.net/%25ED%25A0%2580");
    assert_eq!(encode_url_path("https://d.net/a//b/"), "https://d.net/a//b/");
    assert_eq!(encode_url_path("https://d.net/%ED%95%9C%EA%B8%80.zip"), "https://d.net/%ED%95%9C%EA%B8%80.zip");
    assert_eq!(encode_url_path("https://d.net/한글.zip"), "https://d.net/%ED%95%9C%EA%B8%80.zip");
    assert_eq!(encode_url_path("https://d.net"), "https://d.net");
    assert_eq!(encode_url_path("no-protocol/a b"), "no-protocol/a b");
}

#[test]
fn query_pairs_keep_escapes_and_plus() {
    assert_eq!(encode_url_path("https://d.net/p?a=1&b&&c=x y&d=%2f+q"), "https://d.net/p?a=1&b=&c=x%20y&d=%2F+q");
    assert_eq!(encode_url_path("https://d.net/p?it's=a%zz"), "https://d.net/p?it%27s=a%25zz");
    assert_eq!(encode_url_path("https://d.net/p?&&"), "https://d.net/p");
    assert_eq!(encode_url_path("https://d.net/p?k=a=b"), "https://d.net/p?k=a%3Db");
}

#[test]
fn component_encodings_match_js() {
    assert_eq!(encode_uri_component("a b/ü!*'()~"), "a%20b%2F%C3%BC!*'()~");
    assert_eq!(extended_encode_uri_component("K1!'()*~ x"), "K1%21%27%28%29%2A~%20x");
    assert_eq!(cloudfront_base64(&[0xfb, 0xff, 0xfe]), "-~~-");
    assert_eq!(cloudfront_base64(&[0xff]), "~w__");
}

#[test]
fn canned_policy_is_json_stringify_of_the_statement() {
    assert_eq!(
        canned_policy("https://d.net/a\"b", 1_700_000_000),
        r#"{"Statement":[{"Resource":"https://d.net/a\"b","Condition":{"DateLessThan":{"AWS:EpochTime":1700000000}}}]}"#
    );
}

#[test]
fn expiry_rounds_like_math_round() {
    let at = |ms: u64| UNIX_EPOCH + Duration::from_millis(ms);
    assert_eq!(expiry_epoch(at(1_000_499), 10), 1010);
    assert_eq!(expiry_epoch(at(1_000_500), 10), 1011);
    assert_eq!(expiry_epoch(at(1_000_000), 0), 1000);
    assert_eq!(expiry_epoch(at(1_000_000), DEFAULT_EXPIRES_SECONDS), 1000 + 31_536_000);
}

#[test]
fn signed_urls_carry_a_verifiable_canned_policy_signature() {
    let key = CloudFrontKey::from_pem(&pkcs8_pem()).unwrap();
    let url = key.signed_url("https://d.net/dir/a b.zip", "K2ABC", 1_800_000_000).unwrap();
    assert!(url.starts_with("https://d.net/dir/a%20b.zip?Expires=1800000000&Key-Pair-Id=K2ABC&Signature="), "{url}");
    let policy = canned_policy("https://d.net/dir/a%20b.zip", 1_800_000_000);
    assert!(verifies(&policy, query_value(&url, "Signature")));
    assert!(!verifies(&canned_policy("https://d.net/dir/a%20b.zip", 1_800_000_001), query_value(&url, "Signature")));
    // A URL with a query gets the parameters after `&`.
    let url = key.signed_url("https://d.net/x?v=1", "K", 5).unwrap();
    assert!(url.starts_with("https://d.net/x?v=1&Expires=5&Key-Pair-Id=K&Signature="), "{url}");
}

#[test]
fn signing_is_deterministic_across_key_encodings() {
    let pkcs1 = test_key().to_pkcs1_pem(LineEnding::LF).unwrap().to_string();
    let a = CloudFrontKey::from_pem(&pkcs8_pem()).unwrap().signed_url("https://d.net/k", "K", 7).unwrap();
    let b = CloudFrontKey::from_pem(&pkcs1).unwrap().signed_url("https://d.net/k", "K", 7).unwrap();
    let c = CloudFrontKey::from_pem(&pkcs1.replace('\n', "\\n")).unwrap().signed_url("https://d.net/k", "K", 7).unwrap();
    assert_eq!(a, b);
    assert_eq!(a, c);
}

#[test]
fn bad_keys_and_schemes_are_clear_errors() {
    for pem in
        ["", "not a key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----"]
    {
        let err = CloudFrontKey::from_pem(pem).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.message.contains("not an RSA private key"), "{}", err.message);
        assert!(!err.message.contains("AAAA"));
    }
    let key = CloudFrontKey::from_pem(&pkcs8_pem()).unwrap();
    assert_eq!(key.signed_url("ftp://d.net/x", "K", 1).unwrap_err().message, "Invalid URI scheme. Scheme must be one of http, https, or rtmp");
    assert!(key.signed_url("wss://d.net/x", "K", 1).is_ok());
    assert!(format!("{key:?}").contains("redacted"));
}

#[test]
fn resource_urls_take_the_uri_path_and_drop_the_query() {
    let base = url::Url::parse("https://cdn.example.com/prefix/?x=1").unwrap();
    let uri = url::Url::parse("s3://bucket/dir/a%20b.zip").unwrap();
    assert_eq!(resource_url(&base, &uri), "https://cdn.example.com/dir/a%20b.zip");
    let uri = url::Url::parse("s3://bucket/dir/a b.zip").unwrap();
    assert_eq!(resource_url(&base, &uri), "https://cdn.example.com/dir/a%20b.zip");
    let base = url::Url::parse("https://u:p@cdn.example.com:8443").unwrap();
    let uri = url::Url::parse("s3://bucket/k.zip").unwrap();
    assert_eq!(resource_url(&base, &uri), "https://u:p@cdn.example.com:8443/k.zip");
}

/// The storage being wrapped: answers `file-storage://` URIs with a URL under `base` (a backend of
/// its own here, since backends do not import each other).
struct Inner {
    base: Option<&'static str>,
}

#[async_trait::async_trait]
impl Storage for Inner {
    fn protocol(&self) -> &str {
        "file-storage"
    }
    async fn get_download_url(&self, uri: &str, _ctx: Ctx) -> Result<String> {
        let parsed = url::Url::parse(uri).map_err(|e| crate::error::Error::bad_request(format!("Invalid storage URI: {e}")))?;
        Ok(format!("{}{}", self.base.unwrap_or(""), parsed.path()))
    }
    async fn read_text(&self, _uri: &str, _ctx: Ctx) -> Result<Option<String>> {
        Ok(None)
    }
}

fn options(base: Option<&str>) -> CloudFrontOptions {
    CloudFrontOptions { key_pair_id: "KID".into(), public_base_url: base.map(str::to_string), expires_seconds: Some(60), key_index: 0, cache: None }
}

#[tokio::test]
async fn storage_signs_s3_uris_and_passes_the_rest_on() {
    let inner: Arc<dyn Storage> = Arc::new(Inner { base: Some("https://files.example/ota") });
    let storage = CloudFrontStorage::new(inner, options(Some("https://d1.cloudfront.net")), KeySource::Pem(pkcs8_pem())).unwrap();
    assert_eq!(storage.protocol(), "file-storage");
    let ctx = Ctx::default();
    let before = expiry_epoch(SystemTime::now(), 60);
    let url = storage.get_download_url("s3://bucket/releases/b 1.zip", ctx).await.unwrap();
    let after = expiry_epoch(SystemTime::now(), 60);
    assert!(url.starts_with("https://d1.cloudfront.net/releases/b%201.zip?Expires="), "{url}");
    let expires: i64 = query_value(&url, "Expires").parse().unwrap();
    assert!((before..=after).contains(&expires));
    assert!(verifies(&canned_policy("https://d1.cloudfront.net/releases/b%201.zip", expires), query_value(&url, "Signature")));
    // The synchronous path hands out the cached URL.
    assert_eq!(storage.download_url_now("s3://bucket/releases/b 1.zip").unwrap().unwrap(), url);
    // Other protocols go to the wrapped storage.
    let other = storage.get_download_url("file-storage://local/a/b.zip", ctx).await.unwrap();
    assert_eq!(other, "https://files.example/ota/a/b.zip");
    assert!(storage.get_download_url("::bad", ctx).await.is_err());
}

#[test]
fn options_are_checked() {
    let inner: Arc<dyn Storage> = Arc::new(Inner { base: None });
    let make = |o: CloudFrontOptions| CloudFrontStorage::new(inner.clone(), o, KeySource::Pem(pkcs8_pem())).err().map(|e| e.message);
    assert!(make(options(Some("ftp://x"))).unwrap().contains("publicBaseUrl"));
    assert!(make(options(Some("not a url"))).unwrap().contains("publicBaseUrl"));
    assert!(make(CloudFrontOptions { key_pair_id: String::new(), ..options(Some("https://x")) }).unwrap().contains("keyPairId"));
    assert!(make(options(Some("https://x"))).is_none());
    let bad_key = CloudFrontStorage::new(inner.clone(), options(Some("https://x")), KeySource::Pem("nope".into()));
    assert!(bad_key.is_err());
}
