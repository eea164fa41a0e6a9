//! Upstream's Mongo migrator (SPEC §7.3): create the two data collections (an existing one is
//! fine), the `id` index and every schema index with upstream's names, then record the version.
//! Any recorded version other than the latest runs the same idempotent steps.

use mongodb::bson::{doc, Bson, Document};
use mongodb::options::IndexOptions;
use mongodb::IndexModel;

use super::database::Opened;
use super::errors::{map_err, server_code, Redactor};
use crate::db::shared::{SCHEMA_VERSION, SETTINGS_TABLE};
use crate::error::Result;

/// `(collection, index name, field)` in upstream's order; all single-field ascending.
const INDEXES: [(&str, &str, &str); 8] = [
    ("bundles", "bundles_id_idx", "id"),
    ("bundles", "bundles_target_app_version_idx", "target_app_version"),
    ("bundles", "bundles_fingerprint_hash_idx", "fingerprint_hash"),
    ("bundles", "bundles_channel_idx", "channel"),
    ("bundles", "bundles_platform_idx", "platform"),
    ("bundles", "bundles_rollout_idx", "rollout_cohort_count"),
    ("bundle_patches", "bundle_patches_bundle_id_idx", "bundle_id"),
    ("bundle_patches", "bundle_patches_base_bundle_id_idx", "base_bundle_id"),
];

const COLLECTIONS: [&str; 2] = ["bundles", "bundle_patches"];

/// MongoDB's `NamespaceExists`.
const NAMESPACE_EXISTS: i32 = 48;

/// Upstream's `getVersion`: the `version` row's value when it is a string.
pub async fn read_version(opened: &Opened, redactor: &Redactor) -> Result<Option<String>> {
    let row = opened.settings().find_one(doc! { "key": "version" }).await.map_err(|e| map_err(e, redactor))?;
    Ok(row.and_then(|d| match d.get("value") {
        Some(Bson::String(s)) => Some(s.clone()),
        _ => None,
    }))
}

/// What a migration does, one line per step (the CLI and `getSQL()` show these).
pub fn steps() -> Vec<String> {
    let mut out: Vec<String> = COLLECTIONS.iter().map(|c| format!("create collection {c}")).collect();
    out.extend(INDEXES.iter().map(|(c, name, field)| format!("create index {name} on {c}({field})")));
    out.push(format!("upsert {SETTINGS_TABLE} {{ key: \"version\" }} set value = \"{SCHEMA_VERSION}\""));
    out
}

/// The steps a migration would run now: none when the schema is current.
pub async fn pending(opened: &Opened, redactor: &Redactor) -> Result<Vec<String>> {
    Ok(if read_version(opened, redactor).await?.as_deref() == Some(SCHEMA_VERSION) { Vec::new() } else { steps() })
}

/// Runs every step (not in a transaction, like upstream) and returns them.
pub async fn migrate(opened: &Opened, redactor: &Redactor) -> Result<Vec<String>> {
    if read_version(opened, redactor).await?.as_deref() == Some(SCHEMA_VERSION) {
        return Ok(Vec::new());
    }
    for name in COLLECTIONS {
        if let Err(e) = opened.db.create_collection(name).await {
            if server_code(&e) != Some(NAMESPACE_EXISTS) {
                return Err(map_err(e, redactor));
            }
        }
    }
    for (collection, name, field) in INDEXES {
        let model = IndexModel::builder().keys(doc! { field: 1 }).options(IndexOptions::builder().name(name.to_string()).build()).build();
        opened.db.collection::<Document>(collection).create_index(model).await.map_err(|e| map_err(e, redactor))?;
    }
    opened
        .settings()
        .update_one(doc! { "key": "version" }, doc! { "$set": { "value": SCHEMA_VERSION } })
        .upsert(true)
        .await
        .map_err(|e| map_err(e, redactor))?;
    super::database::MongoDatabase::mark_ready(opened);
    Ok(steps())
}
