//! [`Database`] for [`S3Database`]: upstream's blob-database reads (update checks, management
//! listing, channels) and its commit procedure, one change at a time.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use serde_json::{Map, Value};

use super::blob::LOAD_CONCURRENCY;
use super::database::{parse_bundle, S3Database, MARKER_KEY, S3_ADAPTER_NAME};
use super::layout::{normalize_target, sort_desc, target_versions_key, update_key, update_key_parts, Invalidations, TargetChanges};
use crate::context::Ctx;
use crate::core::bundle::{Bundle, Strategy, UpdateArgs};
use crate::core::collate::locale_compare;
use crate::core::constraints::check_bundle_json;
use crate::core::merge::merge_bundle_patch;
use crate::core::pagination::paged;
use crate::core::semver;
use crate::core::update::{decide, is_candidate};
use crate::db::paginate::{paginate, OffsetSource};
use crate::db::query::{BundlePage, BundleQuery, BundleWhere, Cursor};
use crate::db::{Database, UpdateLookup};
use crate::error::{Error, Result};

/// One change, as upstream's unit of work records it.
enum Change<'a> {
    Insert(&'a Value),
    Update(&'a str, &'a Map<String, Value>),
    Delete(&'a str),
}

fn field<'a>(b: &'a Value, name: &str) -> Option<&'a str> {
    b.get(name).and_then(Value::as_str)
}

fn truthy<'a>(b: &'a Value, name: &str) -> Option<&'a str> {
    field(b, name).filter(|s| !s.is_empty())
}

/// The pending changes of the `target-app-versions.json` of `b`'s channel and platform (its
/// index in `targets`, added on first use).
fn target_entry(targets: &mut Vec<((String, String), TargetChanges)>, b: &Value) -> usize {
    let k = (field(b, "channel").unwrap_or("undefined").to_string(), field(b, "platform").unwrap_or("undefined").to_string());
    match targets.iter().position(|(t, _)| *t == k) {
        Some(i) => i,
        None => {
            targets.push((k, TargetChanges::default()));
            targets.len() - 1
        }
    }
}

/// A cursor page (no `page` given) as upstream's blob database gives it (plugin-core
/// `paginateBundles`, the path of plugins with `supportsCursorPagination`): the filter first, then
/// the cursor over the sorted result, the page's position in it deciding the pagination.
fn cursor_page(rows: &[Bundle], query: &BundleQuery, cursor: &Cursor) -> BundlePage {
    let mut sorted: Vec<&Bundle> = rows.iter().filter(|b| query.filter.matches(b)).collect();
    sorted.sort_by(|a, b| if query.descending { locale_compare(&b.id, &a.id) } else { locale_compare(&a.id, &b.id) });
    let total = sorted.len();
    let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
    let past = |id: &str, c: &str, forward: bool| {
        let o = locale_compare(id, c);
        if query.descending == forward {
            o == Ordering::Less
        } else {
            o == Ordering::Greater
        }
    };
    let data: Vec<&Bundle> = if let Some(after) = &cursor.after {
        sorted.iter().copied().filter(|b| past(&b.id, after, true)).take(if limit > 0 { limit } else { usize::MAX }).collect()
    } else if let Some(before) = &cursor.before {
        let c: Vec<&Bundle> = sorted.iter().copied().filter(|b| past(&b.id, before, false)).collect();
        let skip = if limit > 0 { c.len().saturating_sub(limit) } else { 0 };
        c.into_iter().skip(skip).collect()
    } else {
        sorted.clone()
    };
    let start = match data.first() {
        Some(first) => sorted.iter().position(|b| b.id == first.id).unwrap_or(0),
        None if cursor.after.is_some() => total,
        None => 0,
    };
    let (total, start, len) = (total as u64, start as u64, data.len() as u64);
    let mut pagination = paged(total, query.limit, start, data.first().map(|b| b.id.as_str()), data.last().map(|b| b.id.as_str()), len);
    if data.is_empty() {
        if let Some(after) = &cursor.after {
            pagination.previous_cursor = Some(after.clone());
        } else if let Some(before) = &cursor.before {
            pagination.next_cursor = Some(before.clone());
        }
    }
    BundlePage { data: data.into_iter().cloned().collect(), pagination }
}

/// The bundles of one management listing, paginated in memory.
struct Loaded(Vec<Bundle>);

#[async_trait]
impl OffsetSource for Loaded {
    async fn count(&self, filter: &BundleWhere) -> Result<u64> {
        Ok(self.0.iter().filter(|b| filter.matches(b)).count() as u64)
    }

    async fn list(&self, filter: &BundleWhere, descending: bool, limit: u64, offset: u64) -> Result<Vec<Bundle>> {
        let mut rows: Vec<&Bundle> = self.0.iter().filter(|b| filter.matches(b)).collect();
        rows.sort_by(|a, b| if descending { b.id.cmp(&a.id) } else { a.id.cmp(&b.id) });
        Ok(rows.into_iter().skip(usize::try_from(offset).unwrap_or(usize::MAX)).take(usize::try_from(limit).unwrap_or(usize::MAX)).cloned().collect())
    }
}

impl S3Database {
    /// The candidates upstream loads for an update check: the app-version targets of the
    /// channel/platform that the app version satisfies (each target's `update.json`), or the
    /// fingerprint's own `update.json`.
    async fn lookup_rows(&self, args: &UpdateArgs) -> Result<Vec<Bundle>> {
        let blob = self.blob().await?;
        let (channel, platform) = (&args.channel, &args.platform);
        let keys: Vec<String> = match args.strategy {
            Strategy::Fingerprint => vec![format!("{channel}/{platform}/{}/update.json", args.target)],
            Strategy::AppVersion => {
                let targets = blob.get_strings(&target_versions_key(channel, platform)).await?;
                targets
                    .iter()
                    .filter(|t| semver::satisfies(t, &args.target))
                    .map(|t| format!("{channel}/{platform}/{}/update.json", normalize_target(Some(t)).unwrap_or_else(|| t.clone())))
                    .collect()
            }
        };
        let blob = &blob;
        let loaded: Vec<Vec<Value>> =
            futures::stream::iter(keys.into_iter().map(|k| async move { blob.get_bundles(&k).await })).buffered(LOAD_CONCURRENCY).try_collect().await?;
        loaded.iter().flatten().map(parse_bundle).collect()
    }

    /// Rewrites the marker object the snapshot's probe reads.
    async fn touch_marker(&self) -> Result<()> {
        let blob = self.blob().await?;
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let marker = serde_json::json!({ "changedAt": nanos.to_string(), "nonce": format!("{:016x}", rand_u64()) });
        blob.put_json(MARKER_KEY, &marker).await
    }

    /// Applies one change with upstream's commit procedure: removals first (an emptied
    /// `update.json` is deleted, and only then its target leaves `target-app-versions.json`),
    /// then additions and in-place replacements, then the target-version index, then the
    /// marker, then CloudFront.
    async fn commit(&self, change: Change<'_>) -> Result<()> {
        let _guard = self.write_lock.lock().await;
        let blob = self.blob().await?;
        let mut paths = Invalidations::new(&self.api_base_path);
        let mut targets: Vec<((String, String), TargetChanges)> = Vec::new();
        let mut removals: Vec<(String, String, Value)> = Vec::new();
        let mut additions: Vec<(String, Value)> = Vec::new();
        let mut target_adds: Vec<Value> = Vec::new();
        match change {
            Change::Insert(data) => {
                let key = update_key(data)?;
                additions.push((key, data.clone()));
                target_adds.push(data.clone());
                paths.add_bundle(data);
            }
            Change::Delete(id) => {
                let Some((key, bundle)) = self.find(id).await? else { return Ok(()) };
                paths.add_bundle(&bundle);
                removals.push((key, id.to_string(), bundle));
            }
            Change::Update(id, patch) => {
                let Some((key, current)) = self.find(id).await? else { return Err(Error::internal("targetBundleId not found")) };
                let mut merged = merge_bundle_patch(&current, patch);
                check_bundle_json(&merged)?;
                if let Value::Object(fields) = &mut merged {
                    fields.insert("id".into(), Value::String(id.to_string()));
                }
                let new_key = update_key(&merged)?;
                let old_tav = truthy(&current, "targetAppVersion");
                let tav_changed = old_tav.is_some() && old_tav != field(&merged, "targetAppVersion");
                if new_key != key {
                    if field(&current, "channel") != field(&merged, "channel") {
                        paths.add_bundle(&current);
                        if old_tav.is_some() && truthy(&current, "fingerprintHash").is_none() {
                            let mut moved = current.clone();
                            moved["channel"] = merged.get("channel").cloned().unwrap_or(Value::Null);
                            paths.add_bundle(&moved);
                        }
                    }
                    removals.push((key, id.to_string(), current.clone()));
                    target_adds.push(merged.clone());
                    paths.add_bundle(&merged);
                    additions.push((new_key, merged));
                } else {
                    paths.add_bundle(&merged);
                    target_adds.push(merged.clone());
                    additions.push((key, merged));
                }
                if tav_changed {
                    paths.add_bundle(&current);
                }
            }
        }
        for b in &target_adds {
            let i = target_entry(&mut targets, b);
            targets[i].1.add(b);
        }
        for (key, id, bundle) in &removals {
            let mut list = blob.get_bundles(key).await?;
            list.retain(|b| field(b, "id") != Some(id.as_str()));
            sort_desc(&mut list);
            if list.is_empty() {
                blob.delete(key).await?;
                let i = target_entry(&mut targets, bundle);
                targets[i].1.remove(bundle);
            } else {
                blob.put_json(key, &Value::Array(list)).await?;
            }
        }
        for (key, bundle) in &additions {
            let mut list = blob.get_bundles(key).await?;
            match list.iter().position(|b| field(b, "id") == field(bundle, "id")) {
                Some(i) => list[i] = bundle.clone(),
                None => list.push(bundle.clone()),
            }
            sort_desc(&mut list);
            blob.put_json(key, &Value::Array(list)).await?;
        }
        for ((channel, platform), changes) in &targets {
            let key = target_versions_key(channel, platform);
            let old = match blob.get_json(&key).await? {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            };
            let new = changes.apply(&old);
            if new != old {
                blob.put_json(&key, &Value::Array(new)).await?;
            }
        }
        self.touch_marker().await?;
        if let Some(cf) = &self.cloudfront {
            cf.invalidate(&blob.client, &paths.encoded()).await?;
        }
        Ok(())
    }

    /// Every bundle of one channel and platform as the update-check snapshot needs it: a
    /// bundle in a folder listed in `target-app-versions.json` answers app-version checks only
    /// (its fingerprint is dropped: upstream stores a bundle with both a target app version and
    /// a fingerprint under the version folder, where fingerprint checks never look); a bundle
    /// elsewhere answers fingerprint checks for the folder it is in only.
    async fn partition_rows(&self, platform: &str, channel: &str) -> Result<Vec<Bundle>> {
        let blob = self.blob().await?;
        let listed: Vec<String> =
            blob.get_strings(&target_versions_key(channel, platform)).await?.into_iter().map(|t| normalize_target(Some(&t)).unwrap_or(t)).collect();
        let keys = blob.list_update_keys(&format!("{channel}/{platform}/")).await?;
        let blob = &blob;
        let loaded: Vec<(String, Vec<Value>)> = futures::stream::iter(keys.into_iter().map(|k| async move { blob.get_bundles(&k).await.map(|b| (k, b)) }))
            .buffered(LOAD_CONCURRENCY)
            .try_collect()
            .await?;
        let mut rows = Vec::new();
        for (key, bundles) in loaded {
            let Some((_, _, folder)) = update_key_parts(&key) else { continue };
            let by_version = listed.iter().any(|t| t == folder);
            for value in &bundles {
                let mut b = parse_bundle(value)?;
                if by_version {
                    b.fingerprint_hash = None;
                } else {
                    b.target_app_version = None;
                    if b.fingerprint_hash.as_deref() != Some(folder) {
                        continue;
                    }
                }
                rows.push(b);
            }
        }
        Ok(rows)
    }
}

/// A random value for the marker (no crate needed: the std hasher is randomly keyed).
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.finish()
}

/// Channel names in JS `sort()` order (UTF-16 code units).
fn js_sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    v.dedup();
    v
}

#[async_trait]
impl Database for S3Database {
    fn adapter_name(&self) -> String {
        S3_ADAPTER_NAME.to_string()
    }

    /// No schema: the layout needs no migration.
    async fn ensure_ready(&self) -> Result<()> {
        Ok(())
    }

    async fn close(&self) {
        self.drop_client();
    }

    async fn get_bundle_by_id(&self, id: &str, _ctx: Ctx) -> Result<Option<Bundle>> {
        self.find(id).await?.map(|(_, b)| parse_bundle(&b)).transpose()
    }

    /// The stored object as it is (extra keys included, as upstream returns it).
    async fn get_bundle_json(&self, id: &str, _ctx: Ctx) -> Result<Option<Value>> {
        Ok(self.find(id).await?.map(|(_, b)| b))
    }

    async fn get_bundles_json(&self, query: &BundleQuery, _ctx: Ctx) -> Result<Value> {
        let f = &query.filter;
        let tav = match &f.target_app_version {
            Some(Some(t)) => Some(t.as_str()),
            _ => None,
        };
        let prefix = super::layout::management_prefix(f.channel.as_deref(), f.platform.as_deref(), tav);
        let loaded = self.load_all(&prefix).await?;
        let rows: Vec<Bundle> = loaded.iter().map(|(_, b)| parse_bundle(b)).collect::<Result<_>>()?;
        let page = match query.cursor.as_ref().filter(|c| query.page.is_none() && (c.after.is_some() || c.before.is_some())) {
            Some(cursor) => cursor_page(&rows, query, cursor),
            None => paginate(&Loaded(rows), query).await?,
        };
        // The stored objects themselves (extra keys included), as upstream's listing returns them.
        let raw: HashMap<&str, &Value> = loaded.iter().filter_map(|(_, b)| Some((b.get("id")?.as_str()?, b))).collect();
        let data: Vec<Value> = page.data.iter().map(|b| raw.get(b.id.as_str()).map_or_else(|| b.to_value(), |v| (*v).clone())).collect();
        let pagination = serde_json::to_value(&page.pagination).map_err(|e| Error::internal(e.to_string()))?;
        Ok(serde_json::json!({ "data": data, "pagination": pagination }))
    }

    async fn get_channels(&self, _ctx: Ctx) -> Result<Vec<String>> {
        let keys = self.blob().await?.list_update_keys("").await?;
        Ok(js_sorted(keys.iter().filter_map(|k| update_key_parts(k).map(|(c, _, _)| c.to_string())).collect()))
    }

    async fn get_update_info(&self, args: &UpdateArgs, _ctx: Ctx) -> Result<UpdateLookup> {
        let rows = self.lookup_rows(args).await?;
        let candidates: Vec<&Bundle> = rows.iter().filter(|b| is_candidate(b, args)).collect();
        let Some(info) = decide(&candidates, args) else { return Ok(UpdateLookup::default()) };
        let pick = |id: &str| candidates.iter().find(|b| b.id == id).map(|b| Arc::new((*b).clone()));
        let target = pick(&info.id);
        let current = pick(&args.bundle_id);
        let target_may_have_manifest = target.as_ref().is_none_or(|t| t.manifest_storage_uri.is_some());
        Ok(UpdateLookup { info: Some(info), target, current_is_candidate: current.is_some(), current, seeded: true, target_may_have_manifest, stale: false })
    }

    async fn insert_bundle(&self, bundle: &Value, _ctx: Ctx) -> Result<()> {
        self.commit(Change::Insert(bundle)).await
    }

    async fn update_bundle(&self, id: &str, patch: &Map<String, Value>, _ctx: Ctx) -> Result<()> {
        self.commit(Change::Update(id, patch)).await
    }

    async fn delete_bundle(&self, id: &str, _ctx: Ctx) -> Result<()> {
        self.commit(Change::Delete(id)).await
    }

    async fn snapshot_partition(&self, platform: &str, channel: &str) -> Result<Option<Vec<Bundle>>> {
        self.partition_rows(platform, channel).await.map(Some)
    }

    /// The marker object's content ("absent" before any write through this crate): one small
    /// `GetObject`. Writes by other tools do not change it; the snapshot's `max_age` bounds how
    /// long they stay unseen.
    async fn change_marker(&self) -> Result<Option<String>> {
        let bytes = self.blob().await?.get_bytes(MARKER_KEY).await?;
        Ok(Some(bytes.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_else(|| "absent".to_string())))
    }
}
