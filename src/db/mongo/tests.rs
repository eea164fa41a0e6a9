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
