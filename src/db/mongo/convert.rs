//! Documents and bundles (SPEC §7.4 for Mongo): what upstream's `bundleToRow` writes and how its
//! `rowToBundle` reads any document, including ones other tools wrote with looser types.

use std::collections::HashMap;

use mongodb::bson::{doc, Bson, Document};
use serde_json::{Number, Value};

use crate::core::bundle::{js_number_value, Bundle, BundlePatch, DEFAULT_ROLLOUT};
use crate::core::collate::locale_compare;

/// JS `Boolean(x)` of a stored value (`should_force_update`, `enabled`).
fn truthy(value: Option<&Bson>) -> bool {
    match value {
        None | Some(Bson::Null) | Some(Bson::Undefined) => false,
        Some(Bson::Boolean(b)) => *b,
        Some(Bson::Int32(n)) => *n != 0,
        Some(Bson::Int64(n)) => *n != 0,
        Some(Bson::Double(n)) => *n != 0.0 && !n.is_nan(),
        Some(Bson::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

fn text(d: &Document, key: &str) -> String {
    match d.get(key) {
        Some(Bson::String(s)) => s.clone(),
        Some(Bson::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn opt_text(d: &Document, key: &str) -> Option<String> {
    match d.get(key) {
        Some(Bson::String(s)) => Some(s.clone()),
        _ => None,
    }
}

fn number(value: Option<&Bson>) -> Option<f64> {
    match value {
        Some(Bson::Int32(n)) => Some(f64::from(*n)),
        Some(Bson::Int64(n)) => Some(*n as f64),
        Some(Bson::Double(n)) => Some(*n),
        _ => None,
    }
}

/// A stored value as the JSON the Node.js driver would hand to upstream (numbers as JS numbers).
pub fn to_json(value: &Bson) -> Value {
    match value {
        Bson::Null | Bson::Undefined => Value::Null,
        Bson::Boolean(b) => Value::Bool(*b),
        Bson::Int32(n) => Value::from(*n),
        Bson::Int64(n) => Value::from(*n),
        Bson::Double(n) => js_number_value(*n),
        Bson::String(s) => Value::String(s.clone()),
        Bson::Array(items) => Value::Array(items.iter().map(to_json).collect()),
        Bson::Document(d) => Value::Object(d.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        other => other.clone().into_relaxed_extjson(),
    }
}

/// JSON as stored by the Node.js driver: integral numbers that fit 32 bits as `int`, others as
/// `double` (JS numbers), unless they only fit 64 bits as integers.
pub fn to_bson(value: &Value) -> Bson {
    match value {
        Value::Null => Bson::Null,
        Value::Bool(b) => Bson::Boolean(*b),
        Value::Number(n) => number_to_bson(n),
        Value::String(s) => Bson::String(s.clone()),
        Value::Array(items) => Bson::Array(items.iter().map(to_bson).collect()),
        Value::Object(map) => Bson::Document(map.iter().map(|(k, v)| (k.clone(), to_bson(v))).collect()),
    }
}

fn number_to_bson(n: &Number) -> Bson {
    if let Some(i) = n.as_i64() {
        return i32::try_from(i).map(Bson::Int32).unwrap_or(Bson::Double(i as f64));
    }
    let f = n.as_f64().unwrap_or(0.0);
    if f.fract() == 0.0 && f >= f64::from(i32::MIN) && f <= f64::from(i32::MAX) {
        return Bson::Int32(f as i32);
    }
    Bson::Double(f)
}

/// `metadata` as upstream's `parseBundleMetadata` reads it: an object, or a string holding one.
fn metadata(value: Option<&Bson>) -> Option<Value> {
    match value? {
        Bson::Document(_) => Some(to_json(value?)),
        Bson::String(s) if !s.is_empty() => serde_json::from_str::<Value>(s).ok().filter(Value::is_object),
        _ => None,
    }
}

/// `target_cohorts` as upstream's `parseTargetCohorts` reads it.
fn cohorts(value: Option<&Bson>) -> Option<Vec<String>> {
    match value? {
        Bson::Array(items) => Some(items.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()),
        Bson::String(s) if !s.is_empty() => match serde_json::from_str::<Value>(s).ok()? {
            Value::Array(items) => Some(items.into_iter().filter_map(|v| v.as_str().map(str::to_string)).collect()),
            _ => None,
        },
        _ => None,
    }
}

/// Decodes one `bundles` document (without patches).
pub fn doc_to_bundle(d: &Document) -> Bundle {
    Bundle {
        id: text(d, "id"),
        platform: text(d, "platform"),
        should_force_update: truthy(d.get("should_force_update")),
        enabled: truthy(d.get("enabled")),
        file_hash: text(d, "file_hash"),
        git_commit_hash: opt_text(d, "git_commit_hash"),
        message: opt_text(d, "message"),
        channel: text(d, "channel"),
        storage_uri: text(d, "storage_uri"),
        target_app_version: opt_text(d, "target_app_version"),
        fingerprint_hash: opt_text(d, "fingerprint_hash"),
        metadata: metadata(d.get("metadata")),
        manifest_storage_uri: opt_text(d, "manifest_storage_uri"),
        manifest_file_hash: opt_text(d, "manifest_file_hash"),
        asset_base_storage_uri: opt_text(d, "asset_base_storage_uri"),
        patches: Vec::new(),
        rollout_cohort_count: Some(number(d.get("rollout_cohort_count")).unwrap_or(DEFAULT_ROLLOUT)),
        target_cohorts: cohorts(d.get("target_cohorts")),
    }
}

/// The fields the update-check snapshot reads (see `crate::db::snapshot`).
pub fn snapshot_projection() -> Document {
    doc! {
        "_id": 0, "id": 1, "platform": 1, "channel": 1, "enabled": 1, "should_force_update": 1, "file_hash": 1, "message": 1,
        "storage_uri": 1, "target_app_version": 1, "fingerprint_hash": 1, "manifest_storage_uri": 1, "rollout_cohort_count": 1,
        "target_cohorts": 1,
    }
}

fn opt(value: Option<&String>) -> Bson {
    value.map_or(Bson::Null, |s| Bson::String(s.clone()))
}

/// The `$set` document of upstream's `bundleToRow` (every field but `_id`).
pub fn bundle_to_doc(b: &Bundle) -> Document {
    let metadata = match &b.metadata {
        None | Some(Value::Null) => Bson::Document(Document::new()),
        Some(value) => to_bson(value),
    };
    let rollout = b.rollout_cohort_count.map_or(Bson::Int32(1000), |n| to_bson(&js_number_value(n)));
    doc! {
        "id": &b.id,
        "platform": &b.platform,
        "should_force_update": b.should_force_update,
        "enabled": b.enabled,
        "file_hash": &b.file_hash,
        "git_commit_hash": opt(b.git_commit_hash.as_ref()),
        "message": opt(b.message.as_ref()),
        "channel": &b.channel,
        "storage_uri": &b.storage_uri,
        "target_app_version": opt(b.target_app_version.as_ref()),
        "fingerprint_hash": opt(b.fingerprint_hash.as_ref()),
        "metadata": metadata,
        "manifest_storage_uri": opt(b.manifest_storage_uri.as_ref()),
        "manifest_file_hash": opt(b.manifest_file_hash.as_ref()),
        "asset_base_storage_uri": opt(b.asset_base_storage_uri.as_ref()),
        "rollout_cohort_count": rollout,
        "target_cohorts": b.target_cohorts.as_ref().map_or(Bson::Null, |c| Bson::Array(c.iter().cloned().map(Bson::String).collect())),
    }
}

/// Upstream's `bundleToPatchRows`: `id = "<bundleId>:<baseBundleId>"`, `order_index` = position.
pub fn patch_docs(b: &Bundle) -> Vec<Document> {
    b.patches
        .iter()
        .enumerate()
        .map(|(index, p)| {
            doc! {
                "id": format!("{}:{}", b.id, p.base_bundle_id),
                "bundle_id": &b.id,
                "base_bundle_id": &p.base_bundle_id,
                "base_file_hash": &p.base_file_hash,
                "patch_file_hash": &p.patch_file_hash,
                "patch_storage_uri": &p.patch_storage_uri,
                "order_index": index as i32,
            }
        })
        .collect()
}

/// Attaches patch documents to their bundles, ordered like upstream's `rowToBundle`: by
/// `order_index` (missing = 0), then by base bundle id (`localeCompare`).
pub fn attach_patches(bundles: &mut [Bundle], rows: &[Document]) {
    let mut by_bundle: HashMap<String, Vec<(f64, BundlePatch)>> = HashMap::new();
    for row in rows {
        let patch = BundlePatch {
            base_bundle_id: text(row, "base_bundle_id"),
            base_file_hash: text(row, "base_file_hash"),
            patch_file_hash: text(row, "patch_file_hash"),
            patch_storage_uri: text(row, "patch_storage_uri"),
        };
        by_bundle.entry(text(row, "bundle_id")).or_default().push((number(row.get("order_index")).unwrap_or(0.0), patch));
    }
    for bundle in bundles.iter_mut() {
        let Some(mut rows) = by_bundle.remove(&bundle.id) else { continue };
        rows.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| locale_compare(&a.1.base_bundle_id, &b.1.base_bundle_id)));
        bundle.patches = rows.into_iter().map(|(_, p)| p).collect();
    }
}
