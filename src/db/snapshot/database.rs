//! [`Database`] for [`SnapshotDatabase`]: update checks from the snapshot, management calls
//! passed through (bounded while the database is unreachable), writes keeping it current.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::super::partition::lookup;
use super::super::{BundleQuery, Database, Migrations, UpdateLookup};
use super::SnapshotDatabase;
use crate::context::Ctx;
use crate::core::bundle::{Bundle, UpdateArgs};
use crate::error::Result;

#[async_trait]
impl Database for SnapshotDatabase {
    fn adapter_name(&self) -> String {
        self.core.inner.adapter_name()
    }
    async fn ensure_ready(&self) -> Result<()> {
        self.core.guarded(false, self.core.inner.ensure_ready()).await
    }
    async fn get_bundle_by_id(&self, id: &str, ctx: Ctx) -> Result<Option<Bundle>> {
        self.core.guarded(false, self.core.inner.get_bundle_by_id(id, ctx)).await
    }
    async fn get_bundle_json(&self, id: &str, ctx: Ctx) -> Result<Option<Value>> {
        self.core.guarded(false, self.core.inner.get_bundle_json(id, ctx)).await
    }
    async fn get_bundles_json(&self, query: &BundleQuery, ctx: Ctx) -> Result<Value> {
        self.core.guarded(false, self.core.inner.get_bundles_json(query, ctx)).await
    }
    async fn get_channels(&self, ctx: Ctx) -> Result<Vec<String>> {
        self.core.guarded(false, self.core.inner.get_channels(ctx)).await
    }

    async fn get_update_info(&self, args: &UpdateArgs, ctx: Ctx) -> Result<UpdateLookup> {
        let unverified = self.core.refresh().await;
        let loaded = match self.core.partition(&args.platform, &args.channel).await {
            Err(_) if self.core.opts.fall_back_when_unloaded => None,
            other => other?,
        };
        match loaded {
            Some((partition, stale)) => Ok(lookup(&partition, args, stale || unverified)),
            None => self.core.guarded(false, self.core.inner.get_update_info(args, ctx)).await,
        }
    }

    fn update_info_now(&self, args: &UpdateArgs) -> Option<UpdateLookup> {
        let s = self.core.read();
        if !self.core.answers_now(&s) {
            return None;
        }
        let partition = Arc::clone(s.partitions.get(&(args.platform.clone(), args.channel.clone()))?);
        let stale = s.stale;
        drop(s);
        Some(lookup(&partition, args, stale))
    }

    fn answers_epoch(&self) -> Option<u64> {
        let s = self.core.read();
        let fresh = !s.stale && self.core.answers_now(&s);
        fresh.then_some(s.epoch)
    }

    async fn insert_bundle(&self, bundle: &Value, ctx: Ctx) -> Result<()> {
        self.core.write_through(self.core.inner.insert_bundle(bundle, ctx)).await
    }
    async fn update_bundle(&self, id: &str, patch: &Map<String, Value>, ctx: Ctx) -> Result<()> {
        self.core.write_through(self.core.inner.update_bundle(id, patch, ctx)).await
    }
    fn checks_updates(&self) -> bool {
        self.core.inner.checks_updates()
    }
    async fn delete_bundle(&self, id: &str, ctx: Ctx) -> Result<()> {
        self.core.write_through(self.core.inner.delete_bundle(id, ctx)).await
    }
    async fn snapshot_partition(&self, platform: &str, channel: &str) -> Result<Option<Vec<Bundle>>> {
        self.core.inner.snapshot_partition(platform, channel).await
    }
    async fn change_marker(&self) -> Result<Option<String>> {
        self.core.inner.change_marker().await
    }
    fn migrations(&self) -> Option<&dyn Migrations> {
        self.core.inner.migrations()
    }
    fn snapshot_status(&self) -> Option<crate::db::SnapshotStatus> {
        Some(self.core.status())
    }
    async fn close(&self) {
        self.core.settle().await;
        self.core.invalidate();
        self.core.inner.close().await
    }
}
