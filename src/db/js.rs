//! A database implemented by a JS plugin (upstream's `DatabasePlugin` objects and factories:
//! Kysely, Drizzle, Prisma, MongoDB adapters, blob databases, hand-written ones).
//!
//! The JS side runs each coarse operation with upstream's flow (a fresh mutation instance per
//! write, `appendBundle` + `commitBundle`, the readiness check through `createMigrator`); Rust
//! decides updates when the plugin has no `getUpdateInfo` of its own.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Map, Value};

use super::{BundleQuery, Database, UpdateLookup};
use crate::bridge::{self, JsCall};
use crate::context::Ctx;
use crate::core::bundle::{Bundle, Strategy, UpdateArgs, UpdateInfo, UpdateStatus, NIL_UUID};
use crate::core::collate::locale_compare;
use crate::core::update::{decide, is_candidate};
use crate::error::{Error, ErrorKind, Result};

/// What the JS side reported about the plugin when the server was built.
#[derive(Debug, Clone, Default)]
pub struct JsDatabaseInfo {
    pub adapter_name: String,
    pub has_update_info: bool,
    pub has_migrator: bool,
    /// The update-check snapshot loads its candidates through the plugin's `getBundles` (the
    /// plugin's own `getUpdateInfo`, if any, is then not asked).
    pub snapshot: bool,
    /// The plugin offers `changeMarker()`, a cheap value that changes with its bundles.
    pub has_change_marker: bool,
}

/// Bundles per `getBundles` page when the snapshot loads a partition. Under 999 on purpose:
/// upstream's `prismaAdapter` binds one parameter per bundle id of a page (reading its patches),
/// and Prisma refuses more than 999 on SQLite (P2029, "The query parameter limit supported by
/// your database is exceeded"), so pages of 1,000 never loaded a partition that large.
const SNAPSHOT_PAGE: u32 = 500;

/// A plugin that cannot list its bundles or read its marker is treated like an unreachable
/// database (the snapshot keeps answering, marked stale; writes wait for it to answer again).
fn as_unreachable(e: Error) -> Error {
    Error::unreachable(e.message)
}

pub struct JsDatabase {
    info: JsDatabaseInfo,
    js: Arc<dyn JsCall>,
    ready: AtomicBool,
}

impl JsDatabase {
    pub fn new(info: JsDatabaseInfo, js: Arc<dyn JsCall>) -> Self {
        JsDatabase { info, js, ready: AtomicBool::new(false) }
    }

    async fn call(&self, op: &str, ctx: Ctx, a: String, b: String) -> Result<Value> {
        bridge::call(self.js.as_ref(), ErrorKind::Database, op, ctx, a, b).await
    }

    async fn scan(&self, args: &UpdateArgs, ctx: Ctx) -> Result<Option<UpdateInfo>> {
        let mut filter = json!({
            "platform": args.platform,
            "channel": args.channel,
            "enabled": true,
            "id": { "gte": args.min_bundle_id },
        });
        if args.strategy == Strategy::Fingerprint {
            filter["fingerprintHash"] = json!(args.target);
        }
        let cur = args.bundle_id.as_str();
        let mut seen: Vec<Bundle> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut options = json!({ "where": filter, "limit": 100, "orderBy": { "field": "id", "direction": "desc" } });
            if let Some(a) = &after {
                options["cursor"] = json!({ "after": a });
            }
            let page = self.call("db.getBundles", ctx, options.to_string(), String::new()).await?;
            let data: Vec<Bundle> = serde_json::from_value(page.get("data").cloned().unwrap_or(Value::Null))
                .map_err(|e| Error::database(format!("Invalid bundle list from database plugin: {e}")))?;
            let mut data: Vec<Bundle> = data.into_iter().filter(|b| is_candidate(b, args)).collect();
            data.sort_by(|a, b| locale_compare(&b.id, &a.id));
            let last = page.get("data").and_then(Value::as_array).and_then(|d| d.last()).and_then(|b| b.get("id")).and_then(Value::as_str).map(str::to_string);
            // Walking from the highest id, the answer is fixed once an id at or below the
            // installed one is seen (or, from a fresh install, once anything is seen).
            seen.extend(data);
            let settled = if cur == NIL_UUID {
                decide(&seen.iter().collect::<Vec<_>>(), args).is_some()
            } else {
                seen.iter().any(|b| locale_compare(&b.id, cur) != std::cmp::Ordering::Greater)
            };
            let has_next = page.pointer("/pagination/hasNextPage").and_then(Value::as_bool).unwrap_or(false);
            if settled || !has_next || last.is_none() {
                break;
            }
            after = last;
        }
        let refs: Vec<&Bundle> = seen.iter().collect();
        Ok(decide(&refs, args))
    }
}

impl JsDatabase {
    /// Every enabled bundle of one platform and channel, page by page through `getBundles`.
    async fn load_partition(&self, platform: &str, channel: &str) -> Result<Vec<Bundle>> {
        let filter = json!({ "platform": platform, "channel": channel, "enabled": true });
        let mut all: Vec<Bundle> = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let mut options = json!({ "where": filter, "limit": SNAPSHOT_PAGE, "orderBy": { "field": "id", "direction": "desc" } });
            if let Some(a) = &after {
                options["cursor"] = json!({ "after": a });
            }
            let page = self.call("db.getBundles", Ctx::default(), options.to_string(), String::new()).await?;
            let data: Vec<Bundle> = serde_json::from_value(page.get("data").cloned().unwrap_or(Value::Null))
                .map_err(|e| Error::database(format!("Invalid bundle list from database plugin: {e}")))?;
            let has_next = page.pointer("/pagination/hasNextPage").and_then(Value::as_bool).unwrap_or(false);
            // The cursor is the last id of the page as the plugin ordered it (as its paging expects).
            let last = data.last().map(|b| b.id.clone());
            all.extend(data);
            match last {
                // A plugin whose cursor does not move would loop forever: stop there.
                Some(l) if has_next && after.as_deref() != Some(l.as_str()) => after = Some(l),
                _ => break,
            }
        }
        Ok(all)
    }
}

/// `GetBundlesArgs` as upstream passes it to a plugin's `getUpdateInfo`.
pub fn update_args_json(args: &UpdateArgs) -> Value {
    let mut v = Map::new();
    let (strategy, key) = match args.strategy {
        Strategy::AppVersion => ("appVersion", "appVersion"),
        Strategy::Fingerprint => ("fingerprint", "fingerprintHash"),
    };
    v.insert("_updateStrategy".into(), json!(strategy));
    v.insert("platform".into(), json!(args.platform));
    v.insert(key.into(), json!(args.target));
    v.insert("channel".into(), json!(args.channel));
    v.insert("minBundleId".into(), json!(args.min_bundle_id));
    v.insert("bundleId".into(), json!(args.bundle_id));
    if let Some(c) = &args.cohort {
        v.insert("cohort".into(), json!(c));
    }
    Value::Object(v)
}

/// Reads a plugin's `UpdateInfo` answer, keeping unknown keys for the response.
pub fn update_info_from_json(value: Value) -> Result<Option<UpdateInfo>> {
    let Value::Object(mut map) = value else { return Ok(None) };
    let text = |m: &mut Map<String, Value>, k: &str| match m.remove(k) {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let id = text(&mut map, "id").ok_or_else(|| Error::database("Database plugin returned an update without an id"))?;
    let message = text(&mut map, "message");
    let should_force_update = map.remove("shouldForceUpdate").and_then(|v| v.as_bool()).unwrap_or(false);
    let status = match map.remove("status").as_ref().and_then(Value::as_str) {
        Some("ROLLBACK") => UpdateStatus::Rollback,
        _ => UpdateStatus::Update,
    };
    let storage_uri = text(&mut map, "storageUri");
    let file_hash = text(&mut map, "fileHash");
    Ok(Some(UpdateInfo { id, message, should_force_update, status, storage_uri, file_hash, extra: (!map.is_empty()).then_some(map) }))
}

#[async_trait]
impl Database for JsDatabase {
    fn adapter_name(&self) -> String {
        self.info.adapter_name.clone()
    }

    async fn ensure_ready(&self) -> Result<()> {
        if !self.info.has_migrator || self.ready.load(Ordering::Acquire) {
            return Ok(());
        }
        self.call("db.ready", Ctx::default(), String::new(), String::new()).await?;
        self.ready.store(true, Ordering::Release);
        Ok(())
    }

    async fn get_bundle_by_id(&self, id: &str, ctx: Ctx) -> Result<Option<Bundle>> {
        match self.get_bundle_json(id, ctx).await? {
            None => Ok(None),
            Some(v) => serde_json::from_value(v).map(Some).map_err(|e| Error::database(format!("Invalid bundle from database plugin: {e}"))),
        }
    }

    async fn get_bundle_json(&self, id: &str, ctx: Ctx) -> Result<Option<Value>> {
        let v = self.call("db.getBundleById", ctx, id.to_string(), String::new()).await?;
        Ok(if v.is_null() { None } else { Some(v) })
    }

    async fn get_bundles_json(&self, query: &BundleQuery, ctx: Ctx) -> Result<Value> {
        // The plugin gets the order asked for (newest first unless told otherwise) and its page
        // is returned as it comes, in the database's order: upstream's getBundles does not
        // re-sort (only its update scan sorts, with `localeCompare`), so neither do we.
        let mut options = serde_json::to_value(query).map_err(|e| Error::internal(e.to_string()))?;
        options["orderBy"] = json!({ "field": "id", "direction": if query.descending { "desc" } else { "asc" } });
        self.call("db.getBundles", ctx, options.to_string(), String::new()).await
    }

    async fn get_channels(&self, ctx: Ctx) -> Result<Vec<String>> {
        let v = self.call("db.getChannels", ctx, String::new(), String::new()).await?;
        serde_json::from_value(v).map_err(|e| Error::database(format!("Invalid channel list from database plugin: {e}")))
    }

    async fn get_update_info(&self, args: &UpdateArgs, ctx: Ctx) -> Result<UpdateLookup> {
        let info = if self.info.has_update_info {
            let v = self.call("db.getUpdateInfo", ctx, update_args_json(args).to_string(), String::new()).await?;
            update_info_from_json(v)?
        } else {
            self.scan(args, ctx).await?
        };
        Ok(UpdateLookup { info, target_may_have_manifest: true, ..UpdateLookup::default() })
    }

    async fn insert_bundle(&self, bundle: &Value, ctx: Ctx) -> Result<()> {
        self.call("db.insert", ctx, bundle.to_string(), String::new()).await.map(|_| ())
    }

    /// The service checks the merged bundle before `db.update` runs (see `Database::checks_updates`).
    fn checks_updates(&self) -> bool {
        false
    }

    async fn update_bundle(&self, id: &str, patch: &Map<String, Value>, ctx: Ctx) -> Result<()> {
        let patch = Value::Object(patch.clone()).to_string();
        self.call("db.update", ctx, id.to_string(), patch).await.map(|_| ())
    }

    async fn delete_bundle(&self, id: &str, ctx: Ctx) -> Result<()> {
        self.call("db.delete", ctx, id.to_string(), String::new()).await.map(|_| ())
    }

    async fn snapshot_partition(&self, platform: &str, channel: &str) -> Result<Option<Vec<Bundle>>> {
        if !self.info.snapshot {
            return Ok(None);
        }
        self.load_partition(platform, channel).await.map(Some).map_err(as_unreachable)
    }

    async fn change_marker(&self) -> Result<Option<String>> {
        if !self.info.snapshot || !self.info.has_change_marker {
            return Ok(None);
        }
        let v = self.call("db.changeMarker", Ctx::default(), String::new(), String::new()).await.map_err(as_unreachable)?;
        Ok(Some(match v {
            Value::String(s) => s,
            other => other.to_string(),
        }))
    }
}
