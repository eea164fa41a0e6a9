//! The server's data API (upstream's `HotUpdaterAPI`): the update decision with `fileUrl` and
//! manifest enrichment, and the bundle methods, over one database and its storages.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::enrich;
use crate::context::Ctx;
use crate::core::bundle::{UpdateArgs, UpdateInfo, NIL_UUID};
use crate::core::constraints::check_bundle_json;
use crate::db::sql::dialect::pg_accepts_uuid;
use crate::db::{BundleQuery, Database, UpdateLookup};
use crate::error::{Error, Result};
use crate::ops::{Ops, OpsOptions};
use crate::storage::Storages;

/// An update answer and whether it was served from a stale snapshot.
pub struct AppUpdate {
    pub body: Option<Value>,
    pub stale: bool,
    /// Set when the body's `fileUrl` is [`FILE_URL_PLACEHOLDER`] and still has to come from the
    /// JS storage plugin at this index (for the given storage URI).
    pub pending_file_url: Option<(u32, String)>,
}

/// Stands in for `fileUrl` in an answer whose URL the JS wrapper gets from a JS plugin itself
/// (saving the round trip through the bridge); it cannot be produced by bundle data in that
/// position, since it only replaces the value of the real `fileUrl` key.
pub const FILE_URL_PLACEHOLDER: &str = "\u{0}hot-updater-rs:fileUrl\u{0}";

/// One configured server: a database and its storages.
pub struct HotUpdater {
    pub db: Arc<dyn Database>,
    pub storages: Storages,
    /// Metrics, adoption counts and the operate routes' settings (all off by default).
    pub ops: Ops,
}

impl HotUpdater {
    pub fn new(db: Arc<dyn Database>, storages: Storages) -> Self {
        HotUpdater { db, storages, ops: Ops::new(OpsOptions::default(), Vec::new()) }
    }

    /// The same server with operate features `ops`.
    pub fn with_ops(mut self, ops: Ops) -> Self {
        self.ops = ops;
        self
    }

    pub async fn get_bundle_by_id(&self, id: &str, ctx: Ctx) -> Result<Option<Value>> {
        self.db.ensure_ready().await?;
        self.db.get_bundle_json(id, ctx).await
    }

    pub async fn get_update_info(&self, args: &UpdateArgs, ctx: Ctx) -> Result<Option<UpdateInfo>> {
        self.db.ensure_ready().await?;
        Ok(self.db.get_update_info(args, ctx).await?.info)
    }

    /// `getAppUpdateInfo`: the decision with `fileUrl` instead of `storageUri`, enriched with
    /// manifest data when the target bundle has it. Keys in upstream's order.
    pub async fn get_app_update_info(&self, args: &UpdateArgs, ctx: Ctx) -> Result<Option<Value>> {
        Ok(self.app_update(args, ctx).await?.body)
    }

    /// [`Self::get_app_update_info`], also telling whether the answer came from a stale snapshot.
    pub async fn app_update(&self, args: &UpdateArgs, ctx: Ctx) -> Result<AppUpdate> {
        self.db.ensure_ready().await?;
        let lookup = self.db.get_update_info(args, ctx).await?;
        let stale = lookup.stale;
        let body = self.enrich(lookup, args, ctx).await?;
        Ok(AppUpdate { body, stale, pending_file_url: None })
    }

    /// [`Self::app_update`] without waiting on anything, when the answer is in memory: a warm
    /// snapshot, no manifest to read, a storage that signs without I/O. `None`: go async.
    pub fn app_update_now(&self, args: &UpdateArgs) -> Option<Result<AppUpdate>> {
        let lookup = self.db.update_info_now(args)?;
        let stale = lookup.stale;
        let Some(info) = lookup.info else { return Some(Ok(AppUpdate { body: None, stale, pending_file_url: None })) };
        if !info.is_init() && lookup.target_may_have_manifest {
            return None;
        }
        let uri = info.storage_uri.as_deref();
        let (file_url, pending_file_url) = match self.storages.resolve_file_url_now(uri) {
            Some(Ok(url)) => (url, None),
            Some(Err(e)) => return Some(Err(e)),
            None => {
                let uri = uri?;
                let index = self.storages.js_index_for(uri)?;
                (Some(FILE_URL_PLACEHOLDER.to_string()), Some((index, uri.to_string())))
            }
        };
        Some(Ok(AppUpdate { body: Some(response_json(&info, file_url, None)), stale, pending_file_url }))
    }

    async fn enrich(&self, lookup: UpdateLookup, args: &UpdateArgs, ctx: Ctx) -> Result<Option<Value>> {
        let Some(info) = lookup.info else { return Ok(None) };
        let file_url = self.storages.resolve_file_url(info.storage_uri.as_deref(), ctx);
        if info.is_init() || !lookup.target_may_have_manifest {
            return Ok(Some(response_json(&info, file_url.await?, None)));
        }
        let target = async {
            match lookup.target.clone().filter(|t| t.id == info.id) {
                Some(t) => Ok(Some(t)),
                None => self.db.get_bundle_by_id(&info.id, ctx).await.map(|b| b.map(Arc::new)),
            }
        };
        // Upstream without a request context object (nothing seeds its request-scoped bundle
        // map) loads the installed bundle alongside the target whatever the target holds, so a
        // plugin that refuses the id (a `uuid` column on PostgreSQL) fails the check there. A
        // plugin's own lookup (no snapshot) does the same here.
        let probe_current = !lookup.seeded && !ctx.is_object && args.bundle_id != NIL_UUID && lookup.current.is_none();
        let probed = async {
            if probe_current {
                self.db.get_bundle_by_id(&args.bundle_id, ctx).await.map(|b| Some(b.map(Arc::new)))
            } else {
                Ok(None)
            }
        };
        let (file_url, target, probed) = futures::future::try_join3(file_url, target, probed).await?;
        let mut extra = None;
        if let Some(target) = target.filter(|t| t.manifest_storage_uri.is_some()) {
            let current = if args.bundle_id == NIL_UUID {
                None
            } else if lookup.current.is_some() {
                lookup.current.clone()
            } else if let Some(current) = probed {
                current
            } else if lookup.seeded && ctx.is_object && !lookup.current_is_candidate {
                // Upstream's request-scoped identity map: a context object sees only the
                // bundles the lookup loaded.
                None
            } else {
                match self.db.get_bundle_by_id(&args.bundle_id, ctx).await {
                    Ok(current) => current.map(Arc::new),
                    // Answered from a snapshot, the answer is the native one: an installed id no
                    // `uuid` column can hold is an unknown bundle (a JS plugin on PostgreSQL
                    // refuses to look it up, where native PostgreSQL finds nothing).
                    Err(_) if lookup.seeded && !pg_accepts_uuid(&args.bundle_id) => None,
                    Err(e) => return Err(e),
                }
            };
            extra = enrich::manifest_artifacts(&self.storages, &target, current.as_deref(), ctx).await?;
        }
        Ok(Some(response_json(&info, file_url, extra)))
    }

    pub async fn get_channels(&self, ctx: Ctx) -> Result<Vec<String>> {
        self.db.ensure_ready().await?;
        self.db.get_channels(ctx).await
    }

    pub async fn get_bundles(&self, query: &BundleQuery, ctx: Ctx) -> Result<Value> {
        self.db.ensure_ready().await?;
        self.db.get_bundles_json(query, ctx).await
    }

    pub async fn insert_bundle(&self, bundle: &Value, ctx: Ctx) -> Result<()> {
        self.db.ensure_ready().await?;
        if !bundle.is_object() {
            let shown = if bundle.is_null() { "null".to_string() } else { bundle.to_string() };
            return Err(Error::internal(format!("Invalid bundle payload: expected an object, got {shown}")));
        }
        check_bundle_json(bundle)?;
        self.db.insert_bundle(bundle, ctx).await
    }

    /// Upstream's load, merge (`{ ...current, ...patch }`), check, write. Native backends do all
    /// four in their write transaction; for the others (the JS bridge) the first three happen
    /// here, so the bridged write runs the plugin's update without calling back into Rust. The
    /// errors are what the plugin path gave before: database errors (500) with upstream's texts.
    pub async fn update_bundle_by_id(&self, id: &str, patch: &Map<String, Value>, ctx: Ctx) -> Result<()> {
        self.db.ensure_ready().await?;
        if !self.db.checks_updates() {
            let Some(Value::Object(mut merged)) = self.db.get_bundle_json(id, ctx).await? else {
                return Err(Error::database("targetBundleId not found"));
            };
            merged.extend(patch.iter().map(|(k, v)| (k.clone(), v.clone())));
            check_bundle_json(&Value::Object(merged)).map_err(|e| Error::database(e.message))?;
        }
        self.db.update_bundle(id, patch, ctx).await
    }

    pub async fn delete_bundle_by_id(&self, id: &str, ctx: Ctx) -> Result<()> {
        self.db.ensure_ready().await?;
        self.db.delete_bundle(id, ctx).await
    }
}

/// `{ ...info without storageUri, fileUrl, ...enrichment }` in upstream's key order.
fn response_json(info: &UpdateInfo, file_url: Option<String>, extra: Option<Map<String, Value>>) -> Value {
    let mut m = info.to_json(false);
    m.insert("fileUrl".into(), Value::from(file_url));
    if let Some(extra) = extra {
        m.extend(extra);
    }
    Value::Object(m)
}
