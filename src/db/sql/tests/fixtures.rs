//! Bundles and requests for the tests (UUID-shaped ids, which Postgres requires).

use serde_json::{json, Map, Value};

use crate::context::Ctx;
use crate::core::bundle::{Strategy, UpdateArgs, NIL_UUID};
use crate::db::query::{BundleQuery, BundleWhere};
use crate::db::Database;

/// The UUID-shaped id number `n` (`00000000-0000-0000-0000-00000000000a` for 10).
pub fn id(n: u64) -> String {
    format!("00000000-0000-0000-0000-{n:012x}")
}

/// A valid bundle `n` (iOS, production, `targetAppVersion` 1.0.0, enabled), with `overrides`.
pub fn bundle(n: u64, overrides: Value) -> Value {
    let mut base = json!({
        "id": id(n),
        "platform": "ios",
        "shouldForceUpdate": false,
        "enabled": true,
        "fileHash": format!("hash-{n}"),
        "gitCommitHash": null,
        "message": format!("bundle {n}"),
        "channel": "production",
        "storageUri": format!("s3://bucket/{n}.zip"),
        "targetAppVersion": "1.0.0",
        "fingerprintHash": null,
    });
    if let (Value::Object(b), Value::Object(o)) = (&mut base, overrides) {
        for (k, v) in o {
            b.insert(k, v);
        }
    }
    base
}

/// A patch entry against base bundle `base`.
pub fn patch(base: u64) -> Value {
    json!({
        "baseBundleId": id(base),
        "baseFileHash": format!("base-hash-{base}"),
        "patchFileHash": format!("patch-hash-{base}"),
        "patchStorageUri": format!("s3://bucket/patches/{base}.bsdiff"),
    })
}

pub async fn insert(db: &dyn Database, bundles: &[Value]) {
    for b in bundles {
        db.insert_bundle(b, Ctx::default()).await.unwrap_or_else(|e| panic!("insert {b}: {e}"));
    }
}

pub async fn get(db: &dyn Database, n: u64) -> Option<Value> {
    db.get_bundle_by_id(&id(n), Ctx::default()).await.expect("get").map(|b| b.to_value())
}

pub fn obj(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// `getBundles` as JSON.
pub async fn page(db: &dyn Database, query: BundleQuery) -> Value {
    db.get_bundles_json(&query, Ctx::default()).await.expect("get_bundles")
}

/// The ids (as numbers) of a page's `data`.
pub fn ids(page: &Value) -> Vec<u64> {
    page["data"].as_array().expect("data").iter().map(|b| u64::from_str_radix(&b["id"].as_str().unwrap()[24..], 16).unwrap()).collect()
}

pub fn query(filter: BundleWhere, limit: u64) -> BundleQuery {
    BundleQuery { filter, limit, ..BundleQuery::default() }
}

/// An app-version update request for installed bundle `current` (0 = nil).
pub fn app_args(version: &str, current: u64) -> UpdateArgs {
    UpdateArgs {
        strategy: Strategy::AppVersion,
        platform: "ios".into(),
        target: version.into(),
        bundle_id: if current == 0 { NIL_UUID.into() } else { id(current) },
        channel: "production".into(),
        min_bundle_id: NIL_UUID.into(),
        cohort: None,
    }
}

/// A fingerprint update request.
pub fn fp_args(hash: &str, current: u64) -> UpdateArgs {
    UpdateArgs { strategy: Strategy::Fingerprint, target: hash.into(), ..app_args("", current) }
}

/// `(status, id)` of an update check, or `None`.
pub async fn check(db: &dyn Database, args: &UpdateArgs) -> Option<(String, String)> {
    let lookup = db.get_update_info(args, Ctx::default()).await.expect("update check");
    lookup.info.map(|i| (i.status.as_str().to_string(), i.id))
}

pub fn update(n: u64) -> Option<(String, String)> {
    Some(("UPDATE".into(), id(n)))
}

pub fn rollback(n: u64) -> Option<(String, String)> {
    Some(("ROLLBACK".into(), if n == 0 { NIL_UUID.into() } else { id(n) }))
}
