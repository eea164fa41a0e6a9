//! Cloud Storage signing checked against `@google-cloud/storage` 7.22: the expected URLs below
//! are what its `getSignedUrl` produced for the same key (a throwaway 2048-bit test key made for
//! these tests), object, expiry and instant.

use super::*;

const TEST_KEY: &str = include_str!("testdata/gcs-test-key.pem");
const EMAIL: &str = "hot-updater@test-project.iam.gserviceaccount.com";
const KEY_NAME: &str = "bundles/a b/ü(x)*!'.zip";
const NOW: u64 = 1_796_050_000;

fn storage(endpoint: Option<&str>, version: Option<SigningVersion>) -> GcsStorage {
    GcsStorage::from_options(GcsOptions {
        storage_bucket: "test-bucket.appspot.com".into(),
        client_email: EMAIL.into(),
        private_key: TEST_KEY.into(),
        api_endpoint: endpoint.map(str::to_string),
        signed_url_version: version,
        expires_in: None,
        cache: None,
        connect_timeout_ms: None,
        request_timeout_ms: None,
    })
    .unwrap()
}

#[test]
fn v4_urls_match_google_cloud_storage() {
    let expected = "https://storage.googleapis.com/test-bucket.appspot.com/bundles/a%20b/%C3%BC%28x%29%2A%21%27.zip?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=hot-updater%40test-project.iam.gserviceaccount.com%2F20261130%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20261130T144640Z&X-Goog-Expires=3600&X-Goog-SignedHeaders=host&X-Goog-Signature=879607dba01d881d9736383bc8827bb43df081de6a5d2feaa4f3fdcd88ee6b4acad00fa0af88c9241a079b5a250463e46488353591e6819b0b64db48a0265b8b7fb73c4d038cca209bde6f5eed87d0797f149efb78986486700e9e21fc27f668a62ab7011d4cf2560b0189d4f132ac5cf37048d3edaeeee7e4a9de95f829d40d1ae2d4ae0271a20e6da26d2862e2e491c920541e163b81503053346e73104f4c27d398d7da0a21904a4409ce9743f1ebab956b41fd900cc460198a3c1c1b1b5351405d0aa5c73e1726c8939150f26854abbd41861fb40381db3d87b470a22fdb89f62c446bf7419e1df04cdf10126891946f532da0baaacca08dda4413285a31";
    assert_eq!(storage(None, None).signed_url(KEY_NAME, SigningVersion::V4, NOW).unwrap(), expected);
}

#[test]
fn v2_urls_match_upstream_default_signing() {
    let expected = "https://storage.googleapis.com/test-bucket.appspot.com/bundles/a%20b/%C3%BC%28x%29%2A%21%27.zip?GoogleAccessId=hot-updater%40test-project.iam.gserviceaccount.com&Expires=1796053600&Signature=e%2FQikBRvo8h%2FyM%2B3tiqaDPpZWyrc0CcEpgSbZy3Clt68cBoDTE8WDrZ5BJemitMBfL4ZbOR9d%2FLYvJXejeoSRAJVuMeQfkXiqYHGU7%2FDJ8Ez5vOzBOufBRlFzuveQ5hOgnktmNPLBSPireE3WPTxlxIuZJcHLpeJgn%2FVnbtdA3sZ951bBW5UAUIfbjfjNs218u969zsQEPaSGHkwc9Myy36VW9rqLnRZXWZkIViOn%2F3FfdoiywTqiNqlGzgNqNXliyFKfmiTYhR%2Bx%2BqdPg%2FwzBwqXjJetrUSdelygoSsfTcpAmTnkOIFsvtcmRmT0coRm41Bdz8o3ZmwBQCEK7M5Bg%3D%3D";
    assert_eq!(storage(None, None).signed_url(KEY_NAME, SigningVersion::V2, NOW).unwrap(), expected);
}

#[test]
fn an_endpoint_with_a_port_keeps_it_in_the_url_but_signs_the_host_name() {
    let with_port = storage(Some("http://127.0.0.1:4443/ignored/path"), None).signed_url("k", SigningVersion::V4, NOW).unwrap();
    assert!(with_port.starts_with("http://127.0.0.1:4443/test-bucket.appspot.com/k?X-Goog-Algorithm="), "{with_port}");
    // The same signature as for the same host name on another port: only the name is signed.
    let other_port = storage(Some("http://127.0.0.1:9/"), None).signed_url("k", SigningVersion::V4, NOW).unwrap();
    let sig = |u: &str| u.split("X-Goog-Signature=").nth(1).unwrap().to_string();
    assert_eq!(sig(&with_port), sig(&other_port));
}

#[test]
fn download_urls_check_the_uri_and_are_cached() {
    let s = storage(None, None);
    let a = s.download_url("gs://any-bucket/bundles/x.zip").unwrap();
    assert!(a.contains("/test-bucket.appspot.com/bundles/x.zip?"), "signs the configured bucket: {a}");
    assert_eq!(s.download_url("gs://any-bucket/bundles/x.zip").unwrap(), a);
    assert_eq!(s.download_url("gs://b").unwrap_err().message, "Invalid Firebase storage URI: missing key");
    assert!(s.download_url("s3://b/k").unwrap_err().message.contains("Expected gs"));
}

#[test]
fn configuration_errors_are_clear_and_never_show_the_key() {
    let bad = GcsOptions {
        storage_bucket: "b".into(),
        client_email: EMAIL.into(),
        private_key: "-----BEGIN PRIVATE KEY-----\nnot-base64-secret\n-----END PRIVATE KEY-----".into(),
        api_endpoint: None,
        signed_url_version: None,
        expires_in: None,
        cache: None,
        connect_timeout_ms: None,
        request_timeout_ms: None,
    };
    let err = GcsStorage::from_options(bad.clone()).err().unwrap();
    assert!(err.message.contains("not an RSA private key"), "{}", err.message);
    assert!(!err.message.contains("secret"));
    assert!(!format!("{bad:?}").contains("secret"));
    let long = GcsOptions { private_key: TEST_KEY.into(), expires_in: Some(604_801), ..bad.clone() };
    assert!(GcsStorage::from_options(long).err().unwrap().message.contains("expiresIn"));
    let endpoint = GcsOptions { private_key: TEST_KEY.into(), api_endpoint: Some("ftp://x".into()), ..bad };
    assert!(GcsStorage::from_options(endpoint).err().unwrap().message.contains("apiEndpoint"));
}

#[test]
fn escaped_newlines_in_the_key_are_accepted() {
    let escaped = TEST_KEY.replace('\n', "\\n");
    assert!(pem_der(&escaped).is_some());
}
