//! Server-free checks of the document mapping and the filters.

use mongodb::bson::{doc, Bson};
use serde_json::json;

use super::convert::{attach_patches, bundle_to_doc, doc_to_bundle, patch_docs, to_json};
use super::errors::{says_transactions_unsupported, Redactor};
use super::filter::bundle_where;
use super::migrate::steps;
use crate::core::bundle::Bundle;
use crate::db::query::{BundleWhere, IdFilter};

fn bundle() -> Bundle {
    serde_json::from_value(json!({
        "id": "0195a408-8f13-7d9b-8df4-123456789abc", "platform": "ios", "shouldForceUpdate": true, "enabled": true,
        "fileHash": "h", "gitCommitHash": null, "message": "m", "channel": "beta", "storageUri": "s3://b/k",
        "targetAppVersion": "1.x", "fingerprintHash": null, "metadata": { "app_version": "1.0", "n": 2.5 },
        "patches": [
            { "baseBundleId": "b2", "baseFileHash": "x2", "patchFileHash": "p2", "patchStorageUri": "s3://p/2" },
            { "baseBundleId": "b1", "baseFileHash": "x1", "patchFileHash": "p1", "patchStorageUri": "s3://p/1" }
        ],
        "targetCohorts": ["qa"]
    }))
    .unwrap()
}

#[test]
fn documents_have_upstreams_fields_and_types() {
    let d = bundle_to_doc(&bundle());
    let keys: Vec<&str> = d.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id",
            "platform",
            "should_force_update",
            "enabled",
            "file_hash",
            "git_commit_hash",
            "message",
            "channel",
            "storage_uri",
            "target_app_version",
            "fingerprint_hash",
            "metadata",
            "manifest_storage_uri",
            "manifest_file_hash",
            "asset_base_storage_uri",
            "rollout_cohort_count",
            "target_cohorts"
        ]
    );
    assert_eq!(d.get("should_force_update"), Some(&Bson::Boolean(true)));
    assert_eq!(d.get("git_commit_hash"), Some(&Bson::Null));
    assert_eq!(d.get("rollout_cohort_count"), Some(&Bson::Int32(1000)));
    assert_eq!(d.get("metadata"), Some(&Bson::Document(doc! { "app_version": "1.0", "n": 2.5 })));
    assert_eq!(d.get("target_cohorts"), Some(&Bson::Array(vec![Bson::String("qa".into())])));
    let patches = patch_docs(&bundle());
    assert_eq!(patches[0].get_str("id").unwrap(), "0195a408-8f13-7d9b-8df4-123456789abc:b2");
    assert_eq!(patches[1].get_i32("order_index").unwrap(), 1);
}

#[test]
fn documents_round_trip_and_loose_documents_read_like_upstream() {
    let original = bundle();
    let mut back = doc_to_bundle(&bundle_to_doc(&original));
    attach_patches(std::slice::from_mut(&mut back), &patch_docs(&original));
    assert_eq!(back.to_value(), original.to_value());
    // Another tool's document: numeric booleans, JSON-text metadata and cohorts, no rollout.
    let loose = doc! { "id": "a", "platform": "android", "should_force_update": 0, "enabled": 1, "file_hash": "h",
    "channel": "production", "storage_uri": "s", "metadata": "{\"k\":1}", "target_cohorts": "[\"x\",3]" };
    let b = doc_to_bundle(&loose);
    assert!(!b.should_force_update && b.enabled);
    assert_eq!(b.metadata, Some(json!({ "k": 1 })));
    assert_eq!(b.target_cohorts, Some(vec!["x".to_string()]));
    assert_eq!(b.rollout(), 1000.0);
    assert_eq!(to_json(&Bson::Double(3.0)), json!(3));
}

#[test]
fn patches_sort_by_order_index_then_base_id() {
    let mut b = bundle();
    b.patches.clear();
    let rows = vec![
        doc! { "bundle_id": &b.id, "base_bundle_id": "z", "base_file_hash": "", "patch_file_hash": "", "patch_storage_uri": "", "order_index": 0 },
        doc! { "bundle_id": &b.id, "base_bundle_id": "a", "base_file_hash": "", "patch_file_hash": "", "patch_storage_uri": "" },
        doc! { "bundle_id": &b.id, "base_bundle_id": "m", "base_file_hash": "", "patch_file_hash": "", "patch_storage_uri": "", "order_index": -1 },
    ];
    attach_patches(std::slice::from_mut(&mut b), &rows);
    let order: Vec<&str> = b.patches.iter().map(|p| p.base_bundle_id.as_str()).collect();
    assert_eq!(order, ["m", "a", "z"]);
}

#[test]
fn filters_follow_upstreams_mongo_where() {
    assert_eq!(bundle_where(&BundleWhere::default()), doc! {});
    let w = BundleWhere { channel: Some("beta".into()), id: Some(IdFilter { lt: Some("x".into()), ..Default::default() }), ..Default::default() };
    assert_eq!(bundle_where(&w), doc! { "channel": "beta", "id": { "$lt": "x" } });
    let w = BundleWhere { platform: Some("ios".into()), target_app_version: Some(None), target_app_version_not_null: Some(true), ..Default::default() };
    assert_eq!(
        bundle_where(&w),
        doc! { "$and": [
            { "platform": "ios" },
            { "target_app_version": { "$in": [Bson::Null, ""] } },
            { "target_app_version": { "$exists": true, "$nin": [Bson::Null, ""] } },
        ] }
    );
}

#[test]
fn migration_steps_name_upstreams_indexes() {
    let s = steps();
    assert_eq!(s.first().map(String::as_str), Some("create collection bundles"));
    assert!(s.contains(&"create index bundles_platform_idx on bundles(platform)".to_string()));
    assert!(s.contains(&"create index bundle_patches_base_bundle_id_idx on bundle_patches(base_bundle_id)".to_string()));
    assert_eq!(s.len(), 11);
}

#[test]
fn redactor_hides_passwords() {
    let r = Redactor::for_url("mongodb://user:p%40ss@h:27017/db");
    assert_eq!(r.clean("auth failed for p%40ss and p@ss"), "auth failed for **** and ****");
}

#[test]
fn transaction_refusals_are_recognised() {
    // MongoDB standalone's answer as the Rust driver prints it, and the driver's own refusal.
    assert!(says_transactions_unsupported(
        "Kind: Command failed: Error code 20 (IllegalOperation): Transaction numbers are only allowed on a replica set member or mongos, labels: {}"
    ));
    assert!(says_transactions_unsupported("Kind: Transactions are not supported by this deployment, labels: {}"));
    assert!(!says_transactions_unsupported("Kind: Command failed: Error code 11000 (DuplicateKey): E11000 duplicate key error, labels: {}"));
}

// ---- the content signature (standalone servers) ----

#[test]
fn signature_ignores_order_and_sees_any_byte() {
    use super::signature::Digest;
    let docs = [doc! { "id": "a", "enabled": true }, doc! { "id": "b", "enabled": true, "rollout_cohort_count": 1000 }];
    let bytes: Vec<Vec<u8>> = docs.iter().map(|d| mongodb::bson::to_vec(d).unwrap()).collect();
    let (mut forward, mut backward) = (Digest::default(), Digest::default());
    bytes.iter().for_each(|b| forward.add(b));
    bytes.iter().rev().for_each(|b| backward.add(b));
    assert_eq!(forward, backward);
    // A flag flipped in place (same length, same count) changes it.
    let mut flipped = Digest::default();
    flipped.add(&mongodb::bson::to_vec(&doc! { "id": "a", "enabled": false }).unwrap());
    flipped.add(&bytes[1]);
    assert_ne!(flipped.text(), forward.text());
    // So does a rollout change of the other document.
    let mut rollout = Digest::default();
    rollout.add(&bytes[0]);
    rollout.add(&mongodb::bson::to_vec(&doc! { "id": "b", "enabled": true, "rollout_cohort_count": 1001 }).unwrap());
    assert_ne!(rollout.text(), forward.text());
}

#[test]
fn scans_are_spaced_by_their_cost() {
    use super::signature::{scan_gap, MAX_GAP, MIN_GAP};
    use std::time::Duration;
    assert_eq!(scan_gap(Duration::from_millis(3)), MIN_GAP);
    assert_eq!(scan_gap(Duration::from_millis(100)), Duration::from_millis(900));
    assert_eq!(scan_gap(Duration::from_secs(7)), MAX_GAP);
}

// ---- mongodb+srv:// ----

#[test]
fn srv_urls_name_one_host_without_a_port() {
    use super::srv::parse;
    let p = parse("mongodb+srv://u:p%40ss@Cluster0.Example.com/app?retryWrites=true&srvMaxHosts=2").unwrap();
    assert_eq!(p.userinfo, "u:p%40ss@");
    assert_eq!(p.host, "cluster0.example.com");
    assert_eq!(p.path, "/app");
    assert_eq!(p.options, vec![("retryWrites", "true"), ("srvMaxHosts", "2")]);
    for bad in ["mongodb+srv://a.example.com:27017/db", "mongodb+srv://a.example.com,b.example.com/db", "mongodb+srv:///db"] {
        let err = parse(bad).unwrap_err();
        assert_eq!(err.kind, crate::error::ErrorKind::Config, "{bad}");
    }
}

#[test]
fn srv_answers_must_share_the_parent_domain() {
    use super::srv::in_domain;
    assert!(in_domain("cluster0.example.com", "shard-00.example.com"));
    assert!(in_domain("cluster0.example.com", "a.b.example.com"));
    assert!(!in_domain("cluster0.example.com", "evil.com"));
    assert!(!in_domain("cluster0.example.com", "notexample.com"));
    // One or two labels: the answers must lie below the host itself.
    assert!(in_domain("example.com", "db1.example.com"));
    assert!(!in_domain("example.com", "example.com"));
    assert!(!in_domain("localhost", "db.other"));
}

#[test]
fn srv_txt_records_may_only_set_three_options() {
    use super::srv::txt_options;
    assert_eq!(txt_options(&[]).unwrap(), vec![]);
    assert_eq!(
        txt_options(&["replicaSet=rs0&authSource=admin".to_string()]).unwrap(),
        vec![("replicaSet".to_string(), "rs0".to_string()), ("authSource".to_string(), "admin".to_string())]
    );
    assert!(txt_options(&["w=majority".to_string()]).is_err());
    assert!(txt_options(&["replicaSet=a".to_string(), "authSource=b".to_string()]).is_err());
}

#[test]
fn dns_messages_round_trip() {
    use super::dns::{encode_query, parse_answer, parse_servers, parse_srv, parse_txt, resolv_conf_servers, Srv};
    let q = encode_query(0x1234, "_mongodb._tcp.c.example.com", 33).unwrap();
    assert_eq!(&q[..2], &[0x12, 0x34]);
    assert!(encode_query(1, "a..b", 33).is_err());
    // An answer: the question, then one SRV record whose target is compressed against it and
    // one TXT record of two strings (a different type: kept apart).
    let mut msg = q.clone();
    msg[2] = 0x81;
    msg[3] = 0x80;
    msg[7] = 2;
    msg.extend_from_slice(&[0xC0, 12, 0, 33, 0, 1, 0, 0, 0, 60]);
    let rdata: Vec<u8> = [&[0u8, 0, 0, 0, 0x69, 0x89, 3, b'd', b'b', b'1'][..], &[0xC0, 12 + 14]].concat();
    msg.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    msg.extend_from_slice(&rdata);
    msg.extend_from_slice(&[0xC0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 6, 2, b'a', b'=', 2, b'1', b'&']);
    let srv = parse_answer(&msg, 0x1234, 33).unwrap().unwrap();
    assert_eq!(parse_srv(&msg, srv[0]).unwrap(), Srv { target: "db1.c.example.com".into(), port: 27017 });
    let txt = parse_answer(&msg, 0x1234, 16).unwrap().unwrap();
    assert_eq!(parse_txt(&msg, txt[0]).unwrap(), "a=1&");
    assert!(parse_answer(&msg, 0x9999, 33).is_err());
    msg[3] = 0x83;
    assert_eq!(parse_answer(&msg, 0x1234, 33).unwrap(), None);
    assert_eq!(parse_servers("127.0.0.1:5353, [::1]:53,10.0.0.1").unwrap().len(), 3);
    assert!(parse_servers("dns.example.com").is_err());
    assert_eq!(resolv_conf_servers("# c\nnameserver 10.0.0.2\nsearch x\nnameserver fe80::1%eth0\n").len(), 1);
}
