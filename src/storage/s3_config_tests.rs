use super::*;

impl S3Config {
    /// The address for the configured region (tests only).
    fn addr(&self, bucket: &str, key: &str) -> Result<ObjectAddress> {
        self.address(bucket, key, self.region.as_deref())
    }
}

fn opts(bucket: &str) -> S3Options {
    S3Options { bucket_name: bucket.into(), region: Some("us-east-1".into()), ..Default::default() }
}

#[test]
fn aws_default_endpoint_virtual_hosted() {
    let c = S3Config::from_options(Flavor::S3, opts("bucket")).unwrap();
    assert!(!c.force_path_style);
    let a = c.addr("bucket", "a b/한글+x@2x.png").unwrap();
    assert_eq!(a.url(), "https://bucket.s3.us-east-1.amazonaws.com/a%20b/%ED%95%9C%EA%B8%80%2Bx%402x.png");
    // Dotted buckets cannot be virtual-hosted over TLS: path style, as the SDK does.
    let a = c.addr("my.bucket", "k!'()*~.txt").unwrap();
    assert_eq!(a.url(), "https://s3.us-east-1.amazonaws.com/my.bucket/k%21%27%28%29%2A~.txt");
    assert_eq!(c.addr("bucket", "/lead//dbl/").unwrap().path, "//lead//dbl/");
    let c = S3Config::from_options(Flavor::S3, S3Options { region: Some("cn-north-1".into()), ..opts("b12") }).unwrap();
    assert_eq!(c.addr("b12", "k").unwrap().host, "b12.s3.cn-north-1.amazonaws.com.cn");
}

#[test]
fn missing_region_is_a_request_time_error() {
    let c = S3Config::from_options(Flavor::S3, S3Options { region: None, ..opts("bucket") }).unwrap();
    assert_eq!(c.addr("bucket", "k").unwrap_err().message, "Region is missing");
}

#[test]
fn custom_endpoint_defaults_to_path_style() {
    let o = S3Options { endpoint: Some("http://127.0.0.1:9000/".into()), ..opts("bucket") };
    let c = S3Config::from_options(Flavor::S3, o.clone()).unwrap();
    assert!(c.force_path_style);
    let a = c.addr("bucket", "dir/x.zip").unwrap();
    assert_eq!((a.host.as_str(), a.path.as_str()), ("127.0.0.1:9000", "/bucket/dir/x.zip"));
    // Explicit `false` on a named host: virtual-hosted, keeping the endpoint's port and prefix.
    let o = S3Options { endpoint: Some("https://minio.example.com:8443/s3".into()), force_path_style: Some(false), ..opts("bucket") };
    let a = S3Config::from_options(Flavor::S3, o).unwrap().addr("bucket", "k").unwrap();
    assert_eq!(a.url(), "https://bucket.minio.example.com:8443/s3/k");
    // An IP endpoint is never virtual-hosted.
    let o = S3Options { endpoint: Some("http://10.0.0.1".into()), force_path_style: Some(false), ..opts("bucket") };
    assert_eq!(S3Config::from_options(Flavor::S3, o).unwrap().addr("bucket", "k").unwrap().url(), "http://10.0.0.1/bucket/k");
}

#[test]
fn r2_defaults() {
    let o = S3Options { account_id: Some("acc".into()), region: None, ..opts("bucket") };
    let c = S3Config::from_options(Flavor::R2, o).unwrap();
    assert_eq!(c.region.as_deref(), Some("auto"));
    assert!(c.force_path_style);
    assert_eq!(c.addr("bucket", "a/b").unwrap().url(), "https://acc.r2.cloudflarestorage.com/bucket/a/b");
    let err = S3Config::from_options(Flavor::R2, S3Options { region: None, ..opts("bucket") }).unwrap_err();
    assert_eq!(err.message, "r2Storage: `accountId` or `endpoint` is required.");
}

#[test]
fn option_checks() {
    assert_eq!(S3Config::from_options(Flavor::S3, opts("")).unwrap_err().message, "s3Storage: `bucketName` must be a non-empty string.");
    let e = S3Config::from_options(Flavor::S3, S3Options { expires_in: Some(604_801), ..opts("b") }).unwrap_err();
    assert!(e.message.contains("`expiresIn`"));
    let e = S3Config::from_options(Flavor::S3, S3Options { endpoint: Some("ftp://x".into()), ..opts("b") }).unwrap_err();
    assert!(e.message.starts_with("Invalid S3 endpoint URL"));
    let e = S3Config::from_options(Flavor::S3, S3Options { public_base_url: Some("cdn".into()), ..opts("b") }).unwrap_err();
    assert_eq!(e.message, "s3Storage: `publicBaseUrl` must be an http(s) URL.");
    let c = S3Config::from_options(Flavor::S3, opts("b")).unwrap();
    assert_eq!((c.expires_in, c.cache, c.connect_timeout.as_millis(), c.request_timeout.as_millis()), (3600, true, 5000, 15000));
}

#[test]
fn public_urls() {
    let o = S3Options { public_base_url: Some("https://cdn.example.com/root/".into()), ..opts("b") };
    let c = S3Config::from_options(Flavor::S3, o).unwrap();
    assert_eq!(c.public_url("x y/한.png").unwrap(), "https://cdn.example.com/root/x%20y/%ED%95%9C.png");
}

#[test]
fn debug_has_no_secrets() {
    let o = S3Options {
        credentials: Some(CredentialsOption {
            access_key_id: "AKIAEXAMPLEKEYID".into(),
            secret_access_key: "TOPSECRETVALUE".into(),
            session_token: Some("SESSIONTOKENVALUE".into()),
        }),
        ..opts("b")
    };
    let shown = format!("{o:?} {:?}", S3Config::from_options(Flavor::S3, o.clone()).unwrap());
    for secret in ["TOPSECRETVALUE", "SESSIONTOKENVALUE", "AKIAEXAMPLEKEYID"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}
