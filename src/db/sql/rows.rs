//! Row mapping (SPEC §7.4): bundles to rows and back, and the patch rows.

use std::collections::HashMap;

use serde_json::Value;

use super::conn::{ColumnRead, DbRow};
use super::dialect::Provider;
use super::stmt::{SqlBuilder, Stmt};
use crate::core::bundle::{Bundle, BundlePatch, DEFAULT_ROLLOUT};
use crate::core::collate::locale_compare;
use crate::error::Result;

/// The `bundles` columns in schema order; `id` first.
pub const BUNDLE_COLUMNS: [&str; 17] = [
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
    "rollout_cohort_count",
    "target_cohorts",
    "manifest_storage_uri",
    "manifest_file_hash",
    "asset_base_storage_uri",
];

const PATCH_COLUMNS: [&str; 7] = ["id", "bundle_id", "base_bundle_id", "base_file_hash", "patch_file_hash", "patch_storage_uri", "order_index"];

/// The select list for `bundles`, reading `uuid`/`json` columns back as text.
pub fn bundle_select_list(provider: Provider) -> String {
    let items: Vec<String> = BUNDLE_COLUMNS
        .iter()
        .map(|c| match *c {
            "id" => format!("{} as id", provider.uuid_expr("bundles.id")),
            "metadata" | "target_cohorts" => format!("{} as {c}", provider.json_expr(c)),
            _ => (*c).to_string(),
        })
        .collect();
    items.join(", ")
}

/// `metadata` as upstream's `parseBundleMetadata` reads it: only a JSON object survives.
fn parse_metadata(text: Option<String>) -> Option<Value> {
    let text = text.filter(|t| !t.is_empty())?;
    serde_json::from_str::<Value>(&text).ok().filter(Value::is_object)
}

/// `target_cohorts` as upstream's `parseTargetCohorts` reads it: an array keeps its strings.
fn parse_cohorts(text: Option<String>) -> Option<Vec<String>> {
    let text = text.filter(|t| !t.is_empty())?;
    match serde_json::from_str::<Value>(&text).ok()? {
        Value::Array(items) => Some(items.into_iter().filter_map(|v| v.as_str().map(str::to_string)).collect()),
        _ => None,
    }
}

/// Decodes one `bundles` row (without patches).
pub fn row_to_bundle(row: &DbRow) -> Result<Bundle> {
    Ok(Bundle {
        git_commit_hash: row.opt_text("git_commit_hash")?,
        metadata: parse_metadata(row.opt_text("metadata")?),
        manifest_file_hash: row.opt_text("manifest_file_hash")?,
        asset_base_storage_uri: row.opt_text("asset_base_storage_uri")?,
        ..row_to_snapshot_bundle(row)?
    })
}

/// The columns an update-check snapshot needs (see `crate::db::snapshot`): no metadata, commit
/// hash, manifest hash or asset base, which only the full bundle carries.
pub fn snapshot_select_list(provider: Provider) -> String {
    format!(
        "{} as id, platform, channel, enabled, should_force_update, file_hash, message, storage_uri, \
         target_app_version, fingerprint_hash, manifest_storage_uri, rollout_cohort_count, {} as target_cohorts",
        provider.uuid_expr("bundles.id"),
        provider.json_expr("target_cohorts")
    )
}

/// Decodes a row of [`snapshot_select_list`] (or a full row); the columns the snapshot leaves
/// out stay empty.
pub fn row_to_snapshot_bundle(row: &dyn ColumnRead) -> Result<Bundle> {
    Ok(Bundle {
        id: row.text("id")?,
        platform: row.text("platform")?,
        should_force_update: row.boolean("should_force_update")?,
        enabled: row.boolean("enabled")?,
        file_hash: row.text("file_hash")?,
        git_commit_hash: None,
        message: row.opt_text("message")?,
        channel: row.text("channel")?,
        storage_uri: row.text("storage_uri")?,
        target_app_version: row.opt_text("target_app_version")?,
        fingerprint_hash: row.opt_text("fingerprint_hash")?,
        metadata: None,
        manifest_storage_uri: row.opt_text("manifest_storage_uri")?,
        manifest_file_hash: None,
        asset_base_storage_uri: None,
        patches: Vec::new(),
        rollout_cohort_count: Some(row.opt_int("rollout_cohort_count")?.map_or(DEFAULT_ROLLOUT, |n| n as f64)),
        target_cohorts: parse_cohorts(row.opt_text("target_cohorts")?),
    })
}

/// One decoded `bundle_patches` row.
pub struct PatchRow {
    pub bundle_id: String,
    pub order_index: i64,
    pub patch: BundlePatch,
}

/// Decodes one `bundle_patches` row.
pub fn row_to_patch(row: &DbRow) -> Result<PatchRow> {
    Ok(PatchRow {
        bundle_id: row.text("bundle_id")?,
        order_index: row.opt_int("order_index")?.unwrap_or(0),
        patch: BundlePatch {
            base_bundle_id: row.text("base_bundle_id")?,
            base_file_hash: row.text("base_file_hash")?,
            patch_file_hash: row.text("patch_file_hash")?,
            patch_storage_uri: row.text("patch_storage_uri")?,
        },
    })
}

/// The select list of `bundle_patches` columns, readable on every engine.
pub fn patch_select_list(provider: Provider) -> String {
    let list: Vec<String> = PATCH_COLUMNS
        .iter()
        .map(|c| match *c {
            "bundle_id" | "base_bundle_id" => format!("{} as {c}", provider.uuid_expr(c)),
            _ => (*c).to_string(),
        })
        .collect();
    list.join(", ")
}

/// `select … from bundle_patches where bundle_id in (…)`; `ids` must not be empty.
pub fn select_patches(provider: Provider, ids: &[String]) -> Stmt {
    let mut b = SqlBuilder::new(provider);
    b.push(&format!("select {} from bundle_patches where bundle_id in ", patch_select_list(provider)));
    b.list(ids, true);
    b.push(" order by order_index asc");
    b.finish()
}

/// Attaches patch rows to their bundles, ordered like upstream's `rowToBundle`: by
/// `order_index`, then by base bundle id (`localeCompare`).
pub fn attach_patches(bundles: &mut [Bundle], rows: Vec<PatchRow>) {
    let mut by_bundle: HashMap<String, Vec<PatchRow>> = HashMap::new();
    for row in rows {
        by_bundle.entry(row.bundle_id.clone()).or_default().push(row);
    }
    for bundle in bundles.iter_mut() {
        let Some(mut rows) = by_bundle.remove(&bundle.id) else { continue };
        rows.sort_by(|a, b| a.order_index.cmp(&b.order_index).then_with(|| locale_compare(&a.patch.base_bundle_id, &b.patch.base_bundle_id)));
        bundle.patches = rows.into_iter().map(|r| r.patch).collect();
    }
}

fn json_text(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_string())
}

/// The upsert of every column of `bundle` (`bundleToRow`: metadata `{}` when absent or null,
/// rollout 1000 when absent, cohorts `null` when absent).
pub fn upsert_bundle(provider: Provider, bundle: &Bundle) -> Stmt {
    let mut b = SqlBuilder::new(provider);
    b.push(&format!("insert into bundles ({}) values (", BUNDLE_COLUMNS.join(", ")));
    let metadata = match &bundle.metadata {
        None | Some(Value::Null) => "{}".to_string(),
        Some(value) => json_text(value),
    };
    let cohorts = bundle.target_cohorts.as_ref().map(|c| json_text(&Value::from(c.clone())));
    b.uuid(&bundle.id).push(", ");
    b.text(Some(&bundle.platform)).push(", ");
    b.boolean(bundle.should_force_update).push(", ");
    b.boolean(bundle.enabled).push(", ");
    b.text(Some(&bundle.file_hash)).push(", ");
    b.text(bundle.git_commit_hash.as_deref()).push(", ");
    b.text(bundle.message.as_deref()).push(", ");
    b.text(Some(&bundle.channel)).push(", ");
    b.text(Some(&bundle.storage_uri)).push(", ");
    b.text(bundle.target_app_version.as_deref()).push(", ");
    b.text(bundle.fingerprint_hash.as_deref()).push(", ");
    b.json(Some(metadata)).push(", ");
    b.int(bundle.rollout().round() as i64).push(", ");
    b.json(cohorts).push(", ");
    b.text(bundle.manifest_storage_uri.as_deref()).push(", ");
    b.text(bundle.manifest_file_hash.as_deref()).push(", ");
    b.text(bundle.asset_base_storage_uri.as_deref()).push(")");
    b.push(&provider.upsert_clause("id", &BUNDLE_COLUMNS[1..]));
    b.finish()
}

/// `insert into bundle_patches …` for every patch of `bundle` (`None` when it has none), with
/// `id = "<bundleId>:<baseBundleId>"` and `order_index` = position.
pub fn insert_patches(provider: Provider, bundle: &Bundle) -> Option<Stmt> {
    if bundle.patches.is_empty() {
        return None;
    }
    let mut b = SqlBuilder::new(provider);
    b.push(&format!("insert into bundle_patches ({}) values ", PATCH_COLUMNS.join(", ")));
    for (index, patch) in bundle.patches.iter().enumerate() {
        if index > 0 {
            b.push(", ");
        }
        b.push("(");
        b.text(Some(&format!("{}:{}", bundle.id, patch.base_bundle_id))).push(", ");
        b.uuid(&bundle.id).push(", ");
        b.uuid(&patch.base_bundle_id).push(", ");
        b.text(Some(&patch.base_file_hash)).push(", ");
        b.text(Some(&patch.patch_file_hash)).push(", ");
        b.text(Some(&patch.patch_storage_uri)).push(", ");
        b.int(index as i64).push(")");
    }
    Some(b.finish())
}

/// `delete from bundle_patches where <column> = ?`.
pub fn delete_patches_by(provider: Provider, column: &str, id: &str) -> Stmt {
    let mut b = SqlBuilder::new(provider);
    b.push(&format!("delete from bundle_patches where {column} = ")).uuid(id);
    b.finish()
}
