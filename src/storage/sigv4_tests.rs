use super::*;

fn example_signer() -> Signer {
    Signer::new(
        Credentials { access_key_id: "AKIAIOSFODNN7EXAMPLE".into(), secret_access_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(), session_token: None },
        "us-east-1",
    )
}

fn example_time() -> AmzTime {
    // 2013-05-24T00:00:00Z
    AmzTime::from_unix(1_369_353_600)
}

#[test]
fn timestamps() {
    assert_eq!(example_time(), AmzTime { date: "20130524".into(), stamp: "20130524T000000Z".into() });
    assert_eq!(AmzTime::from_unix(0).stamp, "19700101T000000Z");
    assert_eq!(AmzTime::from_unix(951_782_400).date, "20000229");
    assert_eq!(AmzTime::from_unix(4_102_444_799).stamp, "20991231T235959Z");
    assert_eq!(AmzTime::from_unix(1_700_000_000 + 3723).stamp, "20231114T231523Z");
}

#[test]
fn uri_encoding() {
    assert_eq!(uri_encode("a b/한+x@2x.png", true), "a%20b/%ED%95%9C%2Bx%402x.png");
    assert_eq!(uri_encode("k!'()*~.-_", false), "k%21%27%28%29%2A~.-_");
    assert_eq!(uri_encode("a/b", false), "a%2Fb");
}

/// AWS's documented query-string example: GET examplebucket/test.txt, valid 86400 s.
#[test]
fn aws_documented_presign_example() {
    let q = example_signer().presign_query("GET", "examplebucket.s3.amazonaws.com", "/test.txt", &[], 86_400, &example_time());
    assert_eq!(
        q,
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
         &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400\
         &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404&X-Amz-SignedHeaders=host"
    );
}

/// AWS's documented header-signed examples without a body ("GET Bucket Lifecycle", "Get Bucket").
#[test]
fn aws_documented_header_examples() {
    let s = example_signer();
    let h = s.sign_headers("GET", "examplebucket.s3.amazonaws.com", "/", "lifecycle=", EMPTY_SHA256, &example_time());
    let auth = &h.iter().find(|(k, _)| *k == "authorization").unwrap().1;
    assert_eq!(
        auth,
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
         SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"
    );
    let h = s.sign_headers("GET", "examplebucket.s3.amazonaws.com", "/", "max-keys=2&prefix=J", EMPTY_SHA256, &example_time());
    let auth = &h.iter().find(|(k, _)| *k == "authorization").unwrap().1;
    assert!(auth.ends_with("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"), "{auth}");
    assert!(h.iter().any(|(k, v)| *k == "x-amz-date" && v == "20130524T000000Z"));
    assert!(!h.iter().any(|(k, _)| *k == "host"), "reqwest sets Host itself");
}

#[test]
fn session_token_is_signed_and_sorted() {
    let mut creds = example_signer().creds.clone();
    creds.session_token = Some("TOKEN/x".into());
    let s = Signer::new(creds, "us-east-1");
    let q = s.presign_query("GET", "h", "/k", &[("x-id", "GetObject"), ("X-Amz-Content-Sha256", UNSIGNED_PAYLOAD)], 60, &example_time());
    let keys: Vec<&str> = q.split('&').map(|p| p.split('=').next().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "X-Amz-Algorithm",
            "X-Amz-Content-Sha256",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-Security-Token",
            "X-Amz-Signature",
            "X-Amz-SignedHeaders",
            "x-id"
        ]
    );
    assert!(q.contains("X-Amz-Security-Token=TOKEN%2Fx"));
    let h = s.sign_headers("GET", "h", "/k", "", EMPTY_SHA256, &example_time());
    assert!(h.iter().any(|(k, v)| *k == "x-amz-security-token" && v == "TOKEN/x"));
    assert!(h.last().unwrap().1.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"));
}

#[test]
fn signing_key_is_kept_per_day() {
    let s = example_signer();
    let a = s.signing_key("20130524");
    assert_eq!(s.key.lock().unwrap().as_ref().map(|(d, _)| d.clone()), Some("20130524".into()));
    let b = s.signing_key("20130525");
    assert_ne!(a, b);
    assert_eq!(s.signing_key("20130524"), a);
}

#[test]
fn debug_redacts_secrets() {
    let mut creds = example_signer().creds.clone();
    creds.session_token = Some("SESSIONSECRET".into());
    let shown = format!("{:?}", Signer::new(creds, "eu-west-1"));
    assert!(!shown.contains("wJalr") && !shown.contains("SESSIONSECRET") && !shown.contains("AKIAIOSFODNN7EXAMPLE"), "{shown}");
    assert!(shown.contains("AKIA…") && shown.contains("eu-west-1"));
}
