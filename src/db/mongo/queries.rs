//! Reads: bundles with their patches, pages, channels, and update checks (SPEC §3.5: distinct
//! compatible target versions first, then only the rows that can be candidates).

use std::sync::Arc;

use futures::TryStreamExt;
use mongodb::bson::{doc, Bson, Document};
use mongodb::Collection;

use super::convert::{attach_patches, doc_to_bundle};
use super::database::Opened;
use super::errors::{map_err, Redactor};
use super::filter::{bundle_where, update_scope};
use crate::core::bundle::{Bundle, Strategy, UpdateArgs};
use crate::core::collate::locale_compare;
use crate::core::semver;
use crate::core::update::{decide, is_candidate};
use crate::db::query::BundleWhere;
use crate::db::UpdateLookup;
use crate::error::Result;

/// Runs `find(filter)` with `sort`, `skip`, `limit` and `projection` and collects the documents.
pub async fn find_all(
    coll: &Collection<Document>,
    filter: Document,
    sort: Option<Document>,
    skip: u64,
    limit: Option<i64>,
    projection: Option<Document>,
    redactor: &Redactor,
) -> Result<Vec<Document>> {
    let mut action = coll.find(filter);
    if let Some(sort) = sort {
        action = action.sort(sort);
    }
    if skip > 0 {
        action = action.skip(skip);
    }
    if let Some(limit) = limit {
        action = action.limit(limit);
    }
    if let Some(projection) = projection {
        action = action.projection(projection);
    }
    let cursor = action.await.map_err(|e| map_err(e, redactor))?;
    cursor.try_collect().await.map_err(|e| map_err(e, redactor))
}

/// Loads the patches of `bundles` (one query, none for an empty list).
pub async fn load_patches(o: &Opened, bundles: &mut [Bundle], r: &Redactor) -> Result<()> {
    if bundles.is_empty() {
        return Ok(());
    }
    let ids: Vec<Bson> = bundles.iter().map(|b| Bson::String(b.id.clone())).collect();
    let rows = find_all(&o.patches(), doc! { "bundle_id": { "$in": ids } }, Some(doc! { "order_index": 1 }), 0, None, None, r).await?;
    attach_patches(bundles, &rows);
    Ok(())
}

pub async fn get_bundle(o: &Opened, id: &str, r: &Redactor) -> Result<Option<Bundle>> {
    let Some(row) = o.bundles().find_one(doc! { "id": id }).await.map_err(|e| map_err(e, r))? else { return Ok(None) };
    let mut found = [doc_to_bundle(&row)];
    load_patches(o, &mut found, r).await?;
    let [bundle] = found;
    Ok(Some(bundle))
}

pub async fn count(o: &Opened, filter: &BundleWhere, r: &Redactor) -> Result<u64> {
    o.bundles().count_documents(bundle_where(filter)).await.map_err(|e| map_err(e, r))
}

pub async fn list(o: &Opened, filter: &BundleWhere, descending: bool, limit: u64, offset: u64, r: &Redactor) -> Result<Vec<Bundle>> {
    let sort = doc! { "id": if descending { -1 } else { 1 } };
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = find_all(&o.bundles(), bundle_where(filter), Some(sort), offset, Some(limit), None, r).await?;
    let mut bundles: Vec<Bundle> = rows.iter().map(doc_to_bundle).collect();
    load_patches(o, &mut bundles, r).await?;
    Ok(bundles)
}

/// Distinct channels, sorted with `localeCompare` like upstream's adapter.
pub async fn channels(o: &Opened, r: &Redactor) -> Result<Vec<String>> {
    let values = o.bundles().distinct("channel", Document::new()).await.map_err(|e| map_err(e, r))?;
    let mut out: Vec<String> = values.into_iter().filter_map(|v| if let Bson::String(s) = v { Some(s) } else { None }).collect();
    out.sort_by(|a, b| locale_compare(a, b));
    out.dedup();
    Ok(out)
}

/// The distinct non-empty target versions in scope that accept the client's app version.
async fn compatible_versions(o: &Opened, args: &UpdateArgs, r: &Redactor) -> Result<Vec<String>> {
    let mut filter = update_scope(args);
    filter.insert("target_app_version", doc! { "$exists": true, "$nin": [Bson::Null, ""] });
    let rows = find_all(&o.bundles(), filter, None, 0, None, Some(doc! { "_id": 0, "target_app_version": 1 }), r).await?;
    let mut out: Vec<String> = Vec::new();
    for row in &rows {
        let Some(Bson::String(version)) = row.get("target_app_version") else { continue };
        if !version.is_empty() && !out.contains(version) && semver::satisfies(version, &args.target) {
            out.push(version.clone());
        }
    }
    Ok(out)
}

/// The rows that may be candidates, newest first, without patches.
async fn candidate_rows(o: &Opened, args: &UpdateArgs, r: &Redactor) -> Result<Vec<Bundle>> {
    let mut filter = update_scope(args);
    match args.strategy {
        Strategy::AppVersion => {
            let versions = compatible_versions(o, args, r).await?;
            if versions.is_empty() {
                return Ok(Vec::new());
            }
            filter.insert("target_app_version", doc! { "$in": versions });
        }
        Strategy::Fingerprint => {
            filter.insert("fingerprint_hash", args.target.as_str());
        }
    }
    let rows = find_all(&o.bundles(), filter, Some(doc! { "id": -1 }), 0, None, None, r).await?;
    Ok(rows.iter().map(doc_to_bundle).collect())
}

/// Answers an update check: the decision plus the target and installed bundles (the target
/// with its patches when it has a manifest, which diff enrichment needs).
pub async fn update_info(o: &Opened, args: &UpdateArgs, r: &Redactor) -> Result<UpdateLookup> {
    let rows = candidate_rows(o, args, r).await?;
    let candidates: Vec<&Bundle> = rows.iter().filter(|b| is_candidate(b, args)).collect();
    let Some(info) = decide(&candidates, args) else {
        return Ok(UpdateLookup::default());
    };
    let pick = |id: &str| candidates.iter().find(|b| b.id == id).map(|b| (*b).clone());
    let mut target: Vec<Bundle> = pick(&info.id).into_iter().collect();
    let target_may_have_manifest = target.first().is_none_or(|t| t.manifest_storage_uri.is_some());
    if target_may_have_manifest {
        load_patches(o, &mut target, r).await?;
    }
    let target = target.pop().map(Arc::new);
    let current = pick(&args.bundle_id).map(Arc::new);
    let current_is_candidate = current.is_some();
    Ok(UpdateLookup { info: Some(info), target, current, seeded: true, current_is_candidate, target_may_have_manifest, stale: false })
}
