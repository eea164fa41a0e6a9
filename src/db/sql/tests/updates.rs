//! Contract cases for update checks (SPEC §3), both strategies.

use serde_json::{json, Value};

use super::fixtures::*;
use crate::context::Ctx;
use crate::core::bundle::NIL_UUID;
use crate::db::Database;

macro_rules! case {
    ($name:ident, |$db:ident| $body:block) => {
        pub fn $name($db: &dyn Database) -> futures::future::BoxFuture<'_, ()> {
            Box::pin(async move $body)
        }
    };
}

case!(app_version_updates_to_newest, |db| {
    insert(db, &[bundle(1, json!({})), bundle(2, json!({"shouldForceUpdate": true})), bundle(3, json!({}))]).await;
    assert_eq!(check(db, &app_args("1.0.0", 0)).await, update(3));
    assert_eq!(check(db, &app_args("1.0.0", 1)).await, update(3));
    assert_eq!(check(db, &app_args("1.0.0", 3)).await, None);
    let info = db.get_update_info(&app_args("1.0.0", 1), Ctx::default()).await.unwrap().info.unwrap();
    assert_eq!((info.message.as_deref(), info.storage_uri.as_deref()), (Some("bundle 3"), Some("s3://bucket/3.zip")));
    assert_eq!((info.file_hash.as_deref(), info.should_force_update), (Some("hash-3"), false));
});

case!(app_version_mismatch, |db| {
    insert(db, &[bundle(1, json!({"targetAppVersion": "2.0.0"}))]).await;
    assert_eq!(check(db, &app_args("1.0.0", 0)).await, None);
    // Installed bundle unknown to the server and nothing compatible: back to the built-in one.
    assert_eq!(check(db, &app_args("1.0.0", 5)).await, rollback(0));
    assert_eq!(check(db, &app_args("2.0.0", 0)).await, update(1));
});

case!(disabled_bundles, |db| {
    insert(db, &[bundle(1, json!({})), bundle(2, json!({"enabled": false}))]).await;
    assert_eq!(check(db, &app_args("1.0.0", 0)).await, update(1));
    // The installed bundle was disabled: roll back to the newest older enabled one.
    assert_eq!(check(db, &app_args("1.0.0", 2)).await, rollback(1));
    let info = db.get_update_info(&app_args("1.0.0", 2), Ctx::default()).await.unwrap().info.unwrap();
    assert!(info.should_force_update, "rollbacks are forced");
    assert_eq!(check(db, &app_args("1.0.0", 1)).await, None);
});

case!(init_rollback, |db| {
    assert_eq!(check(db, &app_args("1.0.0", 0)).await, None);
    assert_eq!(check(db, &app_args("1.0.0", 3)).await, rollback(0));
    insert(db, &[bundle(5, json!({"enabled": false}))]).await;
    assert_eq!(check(db, &app_args("1.0.0", 5)).await, rollback(0));
    let lookup = db.get_update_info(&app_args("1.0.0", 5), Ctx::default()).await.unwrap();
    let info = lookup.info.unwrap();
    assert_eq!((info.id.as_str(), info.storage_uri, info.file_hash), (NIL_UUID, None, None));
    assert!(lookup.target.is_none() && lookup.current.is_none());
});

case!(min_bundle_id_bounds, |db| {
    insert(db, &[bundle(1, json!({})), bundle(2, json!({})), bundle(3, json!({}))]).await;
    let with_min = |current: u64, min: u64| {
        let mut a = app_args("1.0.0", current);
        a.min_bundle_id = id(min);
        a
    };
    assert_eq!(check(db, &with_min(0, 2)).await, update(3));
    // Bundles below minBundleId are invisible: installed 2 (= min) with only 1 below.
    db.delete_bundle(&id(3), Ctx::default()).await.unwrap();
    db.delete_bundle(&id(2), Ctx::default()).await.unwrap();
    assert_eq!(check(db, &with_min(2, 2)).await, None);
    assert_eq!(check(db, &with_min(1, 2)).await, None);
    assert_eq!(check(db, &with_min(3, 2)).await, rollback(0));
    assert_eq!(check(db, &with_min(3, 1)).await, rollback(1));
});

case!(channel_and_platform_isolation, |db| {
    insert(db, &[bundle(1, json!({"channel": "beta"})), bundle(2, json!({"platform": "android"}))]).await;
    assert_eq!(check(db, &app_args("1.0.0", 0)).await, None);
    let mut beta = app_args("1.0.0", 0);
    beta.channel = "beta".into();
    assert_eq!(check(db, &beta).await, update(1));
    let mut android = app_args("1.0.0", 0);
    android.platform = "android".into();
    assert_eq!(check(db, &android).await, update(2));
});

case!(fingerprint_strategy, |db| {
    let fp = |n: u64, hash: &str, extra: Value| {
        let mut b = bundle(n, json!({"targetAppVersion": null, "fingerprintHash": hash}));
        for (k, v) in obj(extra) {
            b[k] = v;
        }
        b
    };
    insert(db, &[fp(1, "a", json!({})), fp(2, "b", json!({})), fp(3, "a", json!({"enabled": false}))]).await;
    assert_eq!(check(db, &fp_args("a", 0)).await, update(1));
    assert_eq!(check(db, &fp_args("a", 3)).await, rollback(1));
    assert_eq!(check(db, &fp_args("b", 1)).await, update(2));
    assert_eq!(check(db, &fp_args("A", 0)).await, None, "fingerprints match case-sensitively");
    assert_eq!(check(db, &fp_args("c", 0)).await, None);
    // A bundle with both a target version and a fingerprint serves both strategies.
    insert(db, &[bundle(4, json!({"fingerprintHash": "a"}))]).await;
    assert_eq!(check(db, &fp_args("a", 0)).await, update(4));
    assert_eq!(check(db, &app_args("1.0.0", 0)).await, update(4));
});

case!(empty_and_many_target_versions, |db| {
    insert(db, &[bundle(1, json!({"targetAppVersion": "", "fingerprintHash": "x"}))]).await;
    assert_eq!(check(db, &app_args("", 0)).await, None, "an empty target version never matches");
    let many: Vec<Value> = (10..40).map(|n| bundle(n, json!({"targetAppVersion": format!("1.0.{n}")}))).collect();
    insert(db, &many).await;
    assert_eq!(check(db, &app_args("1.0.17", 0)).await, update(17));
    assert_eq!(check(db, &app_args("1.0.17", 30)).await, rollback(17));
});

case!(semver_ranges, |db| {
    // Needs the real `core::semver` (the stub only matches equal strings).
    insert(
        db,
        &[
            bundle(1, json!({"targetAppVersion": "1.x.x"})),
            bundle(2, json!({"targetAppVersion": ">=1.2.0 <2.0.0"})),
            bundle(3, json!({"targetAppVersion": "~2.1.0"})),
            bundle(4, json!({"targetAppVersion": "*"})),
        ],
    )
    .await;
    assert_eq!(check(db, &app_args("1.1.0", 0)).await, update(4));
    db.delete_bundle(&id(4), Ctx::default()).await.unwrap();
    assert_eq!(check(db, &app_args("1.1.0", 0)).await, update(1));
    assert_eq!(check(db, &app_args("1.5.0", 0)).await, update(2));
    assert_eq!(check(db, &app_args("2.1.9", 0)).await, update(3));
    assert_eq!(check(db, &app_args("2.2.0", 0)).await, None);
});

case!(lookup_carries_target_and_current, |db| {
    // Patch rows only serve diff enrichment, which needs the target's manifest.
    let manifest = json!({"patches": [patch(1)], "manifestStorageUri": "s3://b/m.json", "manifestFileHash": "h", "assetBaseStorageUri": "s3://b/a"});
    insert(db, &[bundle(1, json!({})), bundle(2, manifest)]).await;
    let lookup = db.get_update_info(&app_args("1.0.0", 1), Ctx::default()).await.unwrap();
    assert!(lookup.seeded);
    let target = lookup.target.expect("target");
    assert_eq!((target.id.as_str(), target.patches.len()), (id(2).as_str(), 1));
    assert_eq!(target.patches[0].base_bundle_id, id(1));
    assert_eq!(lookup.current.expect("current").id, id(1));
    // The installed bundle is disabled, so it is not a candidate and not returned.
    insert(db, &[bundle(3, json!({"enabled": false}))]).await;
    let lookup = db.get_update_info(&app_args("1.0.0", 3), Ctx::default()).await.unwrap();
    assert_eq!(lookup.info.unwrap().id, id(2));
    assert!(lookup.current.is_none());
    assert!(lookup.target_may_have_manifest);
    assert_eq!(lookup.target.unwrap().patches.len(), 1);
    // Without a manifest the lookup says so and spends no query on patches.
    insert(db, &[bundle(4, json!({"patches": [patch(1)]}))]).await;
    let lookup = db.get_update_info(&app_args("1.0.0", 1), Ctx::default()).await.unwrap();
    assert_eq!(lookup.info.unwrap().id, id(4));
    assert!(!lookup.target_may_have_manifest);
    assert!(lookup.target.unwrap().patches.is_empty());
});

case!(rollout_cohorts, |db| {
    // Needs the real `core::rollout` (the stub calls every cohort eligible).
    insert(db, &[bundle(1, json!({})), bundle(2, json!({"rolloutCohortCount": 0})), bundle(3, json!({"rolloutCohortCount": 0, "targetCohorts": ["qa"]}))])
        .await;
    let with_cohort = |c: &str, current: u64| {
        let mut a = app_args("1.0.0", current);
        a.cohort = Some(c.into());
        a
    };
    assert_eq!(check(db, &with_cohort("qa", 0)).await, update(3));
    assert_eq!(check(db, &with_cohort("5", 0)).await, update(1));
    assert_eq!(check(db, &with_cohort("other-team", 0)).await, None);
    // The installed bundle is no longer eligible: rollback regardless of the target's rollout.
    assert_eq!(check(db, &with_cohort("5", 2)).await, rollback(1));
});

case!(matches_reference_resolver, |db| {
    // Case variants and near-misses, so that database collations (MySQL compares text
    // case-insensitively) and `distinct` cannot change an answer: the backend must agree with
    // the in-memory reference `resolve()` over all bundles, whatever semver matcher is in place.
    let tav = |n: u64, v: &str, extra: Value| {
        let mut b = bundle(n, json!({"targetAppVersion": v}));
        for (k, val) in obj(extra) {
            b[k] = val;
        }
        b
    };
    insert(
        db,
        &[
            tav(1, "1.X.X", json!({})),
            tav(2, "1.x.x", json!({})),
            tav(3, "1.0.0-RC", json!({})),
            tav(4, "1.0.0-rc", json!({})),
            tav(5, "1.x.x", json!({"channel": "Production"})),
            tav(6, "9.9.9", json!({"fingerprintHash": "ABC"})),
            tav(7, "1.0.0", json!({"fingerprintHash": "abc"})),
            tav(8, "1.x.x", json!({"enabled": false})),
            tav(9, "*", json!({"platform": "android"})),
            tav(10, "1.0.0", json!({"platform": "IOS"})),
        ],
    )
    .await;
    let all: Vec<crate::core::bundle::Bundle> =
        page(db, query(Default::default(), 100)).await["data"].as_array().unwrap().iter().map(|b| serde_json::from_value(b.clone()).unwrap()).collect();
    assert_eq!(all.len(), 10);
    let mut requests = Vec::new();
    for current in [0, 2, 5, 8, 99] {
        for channel in ["production", "Production"] {
            for version in ["1.x.x", "1.X.X", "1.0.0-rc", "1.0.0-RC", "1.0.0", "2.0.0", "*"] {
                requests.push(crate::core::bundle::UpdateArgs { channel: channel.into(), ..app_args(version, current) });
            }
            for hash in ["abc", "ABC", "Abc"] {
                requests.push(crate::core::bundle::UpdateArgs { channel: channel.into(), ..fp_args(hash, current) });
            }
        }
    }
    for args in &requests {
        let expected = crate::core::update::resolve(&all, args).map(|i| (i.status.as_str().to_string(), i.id));
        assert_eq!(check(db, args).await, expected, "{args:?}");
    }
});
