use serde_json::json;

use super::blob::{archived_message, is_uuid_v7};
use super::cloudfront::{invalidation_batch, xml_tag};
use super::layout::*;

#[test]
fn targets_normalise_like_upstream() {
    assert_eq!(normalize_target(Some(">= 1.0.0  <  2.0.0")).as_deref(), Some(">=1.0.0 <2.0.0"));
    assert_eq!(normalize_target(Some("  1.x  ")).as_deref(), Some("1.x"));
    assert_eq!(normalize_target(Some("~ 1.2\t||  ^ 2")).as_deref(), Some("~1.2 || ^2"));
    assert_eq!(normalize_target(Some("1.0.0 - 2.0.0")).as_deref(), Some("1.0.0 - 2.0.0"));
    assert_eq!(normalize_target(Some("> x")).as_deref(), Some("> x"));
    assert_eq!(normalize_target(Some("")), None);
    assert_eq!(normalize_target(None), None);
    // All white space: not absent, but empty (upstream then fails with "target not found").
    assert_eq!(normalize_target(Some(" \u{feff} ")).as_deref(), Some(""));
}

#[test]
fn storage_target_prefers_the_version() {
    let both = json!({"channel": "production", "platform": "ios", "targetAppVersion": "1.0.x", "fingerprintHash": "abc"});
    assert_eq!(update_key(&both).unwrap(), "production/ios/1.0.x/update.json");
    let fp = json!({"channel": "beta", "platform": "android", "targetAppVersion": null, "fingerprintHash": "abc"});
    assert_eq!(update_key(&fp).unwrap(), "beta/android/abc/update.json");
    let neither = json!({"channel": "beta", "platform": "android", "targetAppVersion": null, "fingerprintHash": null});
    assert_eq!(update_key(&neither).unwrap_err().message, "target not found");
    let blank = json!({"channel": "beta", "platform": "android", "targetAppVersion": "  ", "fingerprintHash": "abc"});
    assert_eq!(update_key(&blank).unwrap_err().message, "target not found");
}

#[test]
fn keys_under_a_base_path() {
    let base = normalize_base_path(Some("//db/v1/"));
    assert_eq!(base, "db/v1");
    assert_eq!(storage_key(&base, "a/ios/1.0.0/update.json"), "db/v1/a/ios/1.0.0/update.json");
    assert_eq!(logical_key(&base, "db/v1/a/ios/1.0.0/update.json"), "a/ios/1.0.0/update.json");
    assert_eq!(storage_key("", "k"), "k");
    assert_eq!(logical_key("", "k"), "k");
    assert_eq!(normalize_base_path(None), "");
}

#[test]
fn update_keys_are_recognised() {
    assert_eq!(update_key_parts("production/ios/1.0.0/update.json"), Some(("production", "ios", "1.0.0")));
    assert_eq!(update_key_parts("production/web/1.0.0/update.json"), None);
    assert_eq!(update_key_parts("production/ios/update.json"), None);
    assert_eq!(update_key_parts("production/ios/1.0.0/x/update.json"), None);
    assert!(!is_update_key("production/ios/target-app-versions.json"));
}

#[test]
fn management_prefixes() {
    assert_eq!(management_prefix(Some("p"), Some("ios"), Some(">= 1.0")), "p/ios/>=1.0/");
    assert_eq!(management_prefix(Some("p"), Some("ios"), None), "p/ios/");
    assert_eq!(management_prefix(Some("p"), None, Some("1.0")), "p/");
    assert_eq!(management_prefix(None, Some("ios"), None), "");
}

#[test]
fn target_index_changes() {
    let mut c = TargetChanges::default();
    c.add(&json!({"targetAppVersion": "2.0.0"}));
    c.remove(&json!({"targetAppVersion": "1.0.0"}));
    c.remove(&json!({"targetAppVersion": "2.0.0"}));
    let old = vec![json!("1.0.0"), json!("2.0.0"), json!("3.0.0")];
    assert_eq!(c.apply(&old), vec![json!("2.0.0"), json!("3.0.0")]);
    let mut d = TargetChanges::default();
    d.add(&json!({"targetAppVersion": "4.0.0"}));
    d.add(&json!({"targetAppVersion": null}));
    assert_eq!(d.apply(&old), vec![json!("1.0.0"), json!("2.0.0"), json!("3.0.0"), json!("4.0.0")]);
}

#[test]
fn invalidation_paths_follow_upstream() {
    let mut p = Invalidations::new(DEFAULT_API_BASE_PATH);
    p.add_lookup("production", "ios", Some("1.0.0"), None);
    p.add_lookup("production", "ios", Some("2.1.0"), None);
    p.add_lookup("production", "ios", Some("1.2.3"), None);
    p.add_lookup("production", "android", Some(">= 1.0 < 2"), None);
    p.add_lookup("beta", "ios", Some("1.0.0"), Some("fp 1"));
    p.add_lookup("beta", "ios", None, None);
    assert_eq!(
        p.encoded(),
        vec![
            "/api/check-update/app-version/ios/1.0.0/production/*",
            "/api/check-update/app-version/ios/1.0/production/*",
            "/api/check-update/app-version/ios/1/production/*",
            "/api/check-update/app-version/ios/2.1.0/production/*",
            "/api/check-update/app-version/ios/2.1/production/*",
            "/api/check-update/app-version/ios/1.2.3/production/*",
            "/api/check-update/app-version/android/*",
            "/api/check-update/fingerprint/ios/fp%201/beta/*",
        ]
    );
}

#[test]
fn encode_uri_matches_js() {
    assert_eq!(encode_uri("/a b/ü/%/[x]/*?#&=;,+$@:!~'()"), "/a%20b/%C3%BC/%25/%5Bx%5D/*?#&=;,+$@:!~'()");
}

#[test]
fn bundles_sort_by_id_descending() {
    let mut v = vec![json!({"id": "a"}), json!({"id": "c"}), json!({"id": "b"})];
    sort_desc(&mut v);
    assert_eq!(v, vec![json!({"id": "c"}), json!({"id": "b"}), json!({"id": "a"})]);
}

#[test]
fn uuid_v7_folders() {
    assert!(is_uuid_v7("0195715d-42db-7475-9204-31819efc2f1d"));
    assert!(is_uuid_v7("0195715D-42DB-7475-B204-31819EFC2F1D"));
    assert!(!is_uuid_v7("0195715d-42db-4475-9204-31819efc2f1d"));
    assert!(!is_uuid_v7("0195715d-42db-7475-c204-31819efc2f1d"));
    assert!(!is_uuid_v7("production"));
}

#[test]
fn archived_objects_are_explained() {
    let m = archived_message("b", "x/ios/1.0.0/update.json", Some("GLACIER"));
    assert!(m.starts_with("S3 object \"x/ios/1.0.0/update.json\" in bucket \"b\" is archived (GLACIER)"), "{m}");
    assert!(m.contains("\"**/target-app-versions.json\" and \"**/update.json\""));
    assert!(archived_message("b", "k", None).contains("(archived storage)"));
}

#[test]
fn cloudfront_bodies() {
    let body = invalidation_batch(&["/a/*".to_string(), "/b&c/*".to_string()], "invalidation-1");
    assert!(body.contains("<Paths><Quantity>2</Quantity><Items><Path>/a/*</Path><Path>/b&amp;c/*</Path></Items></Paths>"), "{body}");
    assert!(body.contains("<CallerReference>invalidation-1</CallerReference>"));
    assert_eq!(xml_tag("<Invalidation><Id>I1</Id><Status>InProgress</Status></Invalidation>", "Status").as_deref(), Some("InProgress"));
    assert_eq!(xml_tag("<x/>", "Id"), None);
}
