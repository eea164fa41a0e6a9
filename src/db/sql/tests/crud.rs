//! Contract cases for bundle management (SPEC §5): any `Database` must pass them.

use serde_json::{json, Value};

use super::fixtures::*;
use crate::context::Ctx;
use crate::db::Database;
use crate::error::ErrorKind;

macro_rules! case {
    ($name:ident, |$db:ident| $body:block) => {
        pub fn $name($db: &dyn Database) -> futures::future::BoxFuture<'_, ()> {
            Box::pin(async move $body)
        }
    };
}

case!(insert_then_get_all_keys, |db| {
    insert(db, &[bundle(1, json!({}))]).await;
    let full = bundle(
        2,
        json!({
            "metadata": {"app_version": "1.0.0"},
            "targetCohorts": ["17", "qa-group"],
            "rolloutCohortCount": 500,
            "manifestStorageUri": "s3://bucket/2/manifest.json",
            "manifestFileHash": "mh",
            "assetBaseStorageUri": "s3://bucket/2/assets",
            "patches": [patch(1)],
            "gitCommitHash": "abc",
        }),
    );
    insert(db, &[full]).await;
    let expected = json!({
        "id": id(2), "platform": "ios", "shouldForceUpdate": false, "enabled": true, "fileHash": "hash-2",
        "gitCommitHash": "abc", "message": "bundle 2", "channel": "production", "storageUri": "s3://bucket/2.zip",
        "targetAppVersion": "1.0.0", "fingerprintHash": null, "metadata": {"app_version": "1.0.0"},
        "manifestStorageUri": "s3://bucket/2/manifest.json", "manifestFileHash": "mh",
        "assetBaseStorageUri": "s3://bucket/2/assets", "patches": [patch(1)], "patchBaseBundleId": id(1),
        "patchBaseFileHash": "base-hash-1", "patchFileHash": "patch-hash-1",
        "patchStorageUri": "s3://bucket/patches/1.bsdiff", "rolloutCohortCount": 500, "targetCohorts": ["17", "qa-group"],
    });
    let got = get(db, 2).await.expect("bundle 2");
    // Key order too: upstream's JSON is compared byte for byte by some clients.
    assert_eq!(serde_json::to_string(&got).unwrap(), serde_json::to_string(&expected).unwrap());
});

case!(defaults_when_absent, |db| {
    insert(db, &[bundle(1, json!({})), bundle(2, json!({"metadata": null, "targetCohorts": []}))]).await;
    insert(db, &[bundle(3, json!({"metadata": "not an object", "rolloutCohortCount": null}))]).await;
    let one = obj(get(db, 1).await.unwrap());
    assert_eq!(one["metadata"], json!({}));
    assert_eq!(one["rolloutCohortCount"], json!(1000));
    assert_eq!(one["targetCohorts"], Value::Null);
    assert_eq!(one["patches"], json!([]));
    assert_eq!(one["patchBaseBundleId"], Value::Null);
    assert_eq!(one["manifestStorageUri"], Value::Null);
    assert_eq!(one.len(), 22);
    let two = obj(get(db, 2).await.unwrap());
    assert_eq!((&two["metadata"], &two["targetCohorts"]), (&json!({}), &json!([])));
    let three = obj(get(db, 3).await.unwrap());
    assert!(!three.contains_key("metadata"), "non-object metadata is not shown: {three:?}");
    assert_eq!(three["rolloutCohortCount"], json!(1000));
});

case!(get_missing_is_none, |db| {
    assert_eq!(get(db, 77).await, None);
    insert(db, &[bundle(1, json!({}))]).await;
    assert_eq!(get(db, 77).await, None);
});

case!(upsert_replaces_columns_and_patches, |db| {
    insert(db, &[bundle(1, json!({})), bundle(2, json!({}))]).await;
    insert(db, &[bundle(3, json!({"patches": [patch(2), patch(1), patch(2)], "message": "first"}))]).await;
    let first = get(db, 3).await.unwrap();
    // Duplicates by base id are dropped and the given order is kept.
    assert_eq!(first["patches"], json!([patch(2), patch(1)]));
    insert(db, &[bundle(3, json!({"patches": [patch(1)], "message": "second", "enabled": false}))]).await;
    let second = get(db, 3).await.unwrap();
    assert_eq!(second["patches"], json!([patch(1)]));
    assert_eq!((&second["message"], &second["enabled"]), (&json!("second"), &json!(false)));
    insert(db, &[bundle(3, json!({}))]).await;
    assert_eq!(get(db, 3).await.unwrap()["patches"], json!([]));
    let page = page(db, query(Default::default(), 10)).await;
    assert_eq!(page["pagination"]["total"], json!(3));
});

case!(update_merges_like_upstream, |db| {
    insert(db, &[bundle(1, json!({})), bundle(2, json!({"metadata": {"app_version": "1.0.0"}, "targetCohorts": ["a"]}))]).await;
    let patch_body = obj(json!({"metadata": {"x": 1}, "message": "new", "targetCohorts": null, "patches": [patch(1)]}));
    db.update_bundle(&id(2), &patch_body, Ctx::default()).await.expect("update");
    let got = get(db, 2).await.unwrap();
    assert_eq!(got["metadata"], json!({"app_version": "1.0.0", "x": 1}));
    assert_eq!((&got["message"], &got["targetCohorts"]), (&json!("new"), &Value::Null));
    assert_eq!(got["patches"], json!([patch(1)]));
    assert_eq!(got["fileHash"], json!("hash-2"));
    db.update_bundle(&id(2), &obj(json!({"metadata": null, "patches": []})), Ctx::default()).await.expect("update");
    let got = get(db, 2).await.unwrap();
    assert_eq!((&got["metadata"], &got["patches"]), (&json!({}), &json!([])));
    // An `id` inside the patch cannot move the row.
    db.update_bundle(&id(2), &obj(json!({"id": id(9), "message": "kept"})), Ctx::default()).await.expect("update");
    assert_eq!(get(db, 9).await, None);
    assert_eq!(get(db, 2).await.unwrap()["message"], json!("kept"));
});

case!(update_missing_fails, |db| {
    let err = db.update_bundle(&id(5), &obj(json!({"message": "x"})), Ctx::default()).await.unwrap_err();
    assert_eq!(err.message, "targetBundleId not found");
    assert_eq!(get(db, 5).await, None);
});

case!(update_constraint_errors_do_not_write, |db| {
    insert(db, &[bundle(1, json!({}))]).await;
    let before = get(db, 1).await;
    let err = db.update_bundle(&id(1), &obj(json!({"targetAppVersion": null, "message": "x"})), Ctx::default()).await.unwrap_err();
    assert_eq!(err.message, "Bundle must define either targetAppVersion or fingerprintHash.");
    let err = db.update_bundle(&id(1), &obj(json!({"rolloutCohortCount": 1001})), Ctx::default()).await.unwrap_err();
    assert_eq!(err.message, "rolloutCohortCount must be an integer between 0 and 1000.");
    assert_eq!(get(db, 1).await, before);
    // Moving from a target version to a fingerprint is fine.
    let body = obj(json!({"targetAppVersion": null, "fingerprintHash": "fp"}));
    db.update_bundle(&id(1), &body, Ctx::default()).await.expect("update");
    assert_eq!(get(db, 1).await.unwrap()["fingerprintHash"], json!("fp"));
});

case!(database_checks_reject_invalid_rows, |db| {
    let neither = bundle(1, json!({"targetAppVersion": null, "fingerprintHash": null}));
    let err = db.insert_bundle(&neither, Ctx::default()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Database, "{err:?}");
    assert!(err.message.contains("check_version_or_fingerprint") || err.message.to_lowercase().contains("check"), "{err:?}");
    let err = db.insert_bundle(&bundle(2, json!({"rolloutCohortCount": 2000})), Ctx::default()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Database, "{err:?}");
    assert_eq!((get(db, 1).await, get(db, 2).await), (None, None));
    let err = db.insert_bundle(&json!({"id": id(3)}), Ctx::default()).await.unwrap_err();
    assert!(err.message.contains("platform"), "names the missing field: {err:?}");
});

case!(delete_cascades_patches_by_base, |db| {
    insert(db, &[bundle(1, json!({})), bundle(2, json!({"patches": [patch(1)]}))]).await;
    insert(db, &[bundle(3, json!({"patches": [patch(1), patch(2)]}))]).await;
    db.delete_bundle(&id(1), Ctx::default()).await.expect("delete");
    assert_eq!(get(db, 1).await, None);
    assert_eq!(get(db, 2).await.unwrap()["patches"], json!([]));
    assert_eq!(get(db, 3).await.unwrap()["patches"], json!([patch(2)]));
    db.delete_bundle(&id(99), Ctx::default()).await.expect("missing id is fine");
    db.delete_bundle(&id(3), Ctx::default()).await.expect("delete");
    assert_eq!(page(db, query(Default::default(), 10)).await["pagination"]["total"], json!(1));
});

case!(channels_sorted_unique, |db| {
    assert_eq!(db.get_channels(Ctx::default()).await.unwrap(), Vec::<String>::new());
    insert(
        db,
        &[
            bundle(1, json!({"channel": "production"})),
            bundle(2, json!({"channel": "beta"})),
            bundle(3, json!({"channel": "alpha", "enabled": false})),
            bundle(4, json!({"channel": "beta", "platform": "android"})),
        ],
    )
    .await;
    assert_eq!(db.get_channels(Ctx::default()).await.unwrap(), vec!["alpha", "beta", "production"]);
});

case!(concurrent_writes_and_reads, |db| {
    use futures::future::join_all;
    let inserts = (1..=16).map(|n| async move { db.insert_bundle(&bundle(n, json!({})), Ctx::default()).await });
    join_all(inserts).await.into_iter().for_each(|r| r.expect("insert"));
    // Overlapping writes to the same rows (upserts with patch rows, merges) and reads.
    let same_row = (0..8).map(|i| async move {
        let b = bundle(16, json!({"message": format!("upsert {i}"), "patches": [patch(1 + i % 3)]}));
        db.insert_bundle(&b, Ctx::default()).await
    });
    let merges = (1..=15).map(|n| async move { db.update_bundle(&id(n), &obj(json!({"message": format!("m{n}")})), Ctx::default()).await });
    let reads = (0..8).map(|_| async move { db.get_bundles_json(&query(Default::default(), 50), Ctx::default()).await });
    let (a, b, c) = futures::join!(join_all(same_row), join_all(merges), join_all(reads));
    a.into_iter().for_each(|r| r.expect("upsert"));
    b.into_iter().for_each(|r| r.expect("merge"));
    c.into_iter().for_each(|r| assert!(r.expect("read")["data"].as_array().unwrap().len() == 16));
    for n in 1..=15 {
        assert_eq!(get(db, n).await.unwrap()["message"], json!(format!("m{n}")));
    }
    assert_eq!(get(db, 16).await.unwrap()["patches"].as_array().unwrap().len(), 1);
});

case!(stress_patch_writes, |db| {
    use futures::future::join_all;
    insert(db, &[bundle(1, json!({})), bundle(2, json!({})), bundle(3, json!({}))]).await;
    for round in 0..5u64 {
        let writes = (0..24u64).map(|i| async move {
            let n = 10 + (i + round * 7) % 30;
            db.insert_bundle(&bundle(n, json!({"patches": [patch(1 + i % 3), patch(1 + (i + 1) % 3)]})), Ctx::default()).await
        });
        for r in join_all(writes).await {
            r.expect("write");
        }
        let deletes = (0..6u64).map(|i| async move { db.delete_bundle(&id(10 + (i * 5 + round) % 30), Ctx::default()).await });
        for r in join_all(deletes).await {
            r.expect("delete");
        }
    }
});
