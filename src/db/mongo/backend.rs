//! [`Database`], [`OffsetSource`] and [`Migrations`] for [`MongoDatabase`].

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::database::MongoDatabase;
use super::write::{commit_change, Change};
use super::{changes, migrate, queries, MONGO_ADAPTER_NAME};
use crate::context::Ctx;
use crate::core::bundle::{Bundle, UpdateArgs};
use crate::core::constraints::check_bundle_json;
use crate::core::merge::merge_bundle_patch;
use crate::db::paginate::{paginate, OffsetSource};
use crate::db::query::{BundleQuery, BundleWhere};
use crate::db::{Database, Migrations, UpdateLookup};
use crate::error::{Error, Result};

fn parse_bundle(value: Value) -> Result<Bundle> {
    serde_json::from_value(value).map_err(|e| Error::internal(format!("Invalid bundle: {e}")))
}

#[async_trait]
impl OffsetSource for MongoDatabase {
    async fn count(&self, filter: &BundleWhere) -> Result<u64> {
        queries::count(&*self.ready().await?, filter, &self.redactor).await
    }

    async fn list(&self, filter: &BundleWhere, descending: bool, limit: u64, offset: u64) -> Result<Vec<Bundle>> {
        queries::list(&*self.ready().await?, filter, descending, limit, offset, &self.redactor).await
    }
}

#[async_trait]
impl Database for MongoDatabase {
    fn adapter_name(&self) -> String {
        MONGO_ADAPTER_NAME.to_string()
    }

    async fn ensure_ready(&self) -> Result<()> {
        self.ready().await.map(drop)
    }

    async fn get_bundle_by_id(&self, id: &str, _ctx: Ctx) -> Result<Option<Bundle>> {
        queries::get_bundle(&*self.ready().await?, id, &self.redactor).await
    }

    async fn get_bundles_json(&self, query: &BundleQuery, _ctx: Ctx) -> Result<Value> {
        let page = paginate(self, query).await?;
        serde_json::to_value(page).map_err(|e| Error::internal(e.to_string()))
    }

    async fn get_channels(&self, _ctx: Ctx) -> Result<Vec<String>> {
        queries::channels(&*self.ready().await?, &self.redactor).await
    }

    async fn get_update_info(&self, args: &UpdateArgs, _ctx: Ctx) -> Result<UpdateLookup> {
        queries::update_info(&*self.ready().await?, args, &self.redactor).await
    }

    async fn insert_bundle(&self, bundle: &Value, _ctx: Ctx) -> Result<()> {
        let bundle = parse_bundle(bundle.clone())?;
        commit_change(&*self.ready().await?, Change::Upsert(&bundle), &self.redactor).await
    }

    /// Upstream's order: read the bundle, merge and check, then commit the write (the read is
    /// not part of the transaction there either).
    async fn update_bundle(&self, id: &str, patch: &Map<String, Value>, _ctx: Ctx) -> Result<()> {
        let opened = self.ready().await?;
        let Some(current) = queries::get_bundle(&opened, id, &self.redactor).await? else {
            return Err(Error::internal("targetBundleId not found"));
        };
        let mut merged = merge_bundle_patch(&current.to_value(), patch);
        check_bundle_json(&merged)?;
        // The document keeps its id whatever the patch says.
        if let Value::Object(fields) = &mut merged {
            fields.insert("id".into(), Value::String(current.id.clone()));
        }
        let bundle = parse_bundle(merged)?;
        commit_change(&opened, Change::Upsert(&bundle), &self.redactor).await
    }

    async fn delete_bundle(&self, id: &str, _ctx: Ctx) -> Result<()> {
        commit_change(&*self.ready().await?, Change::Delete(id), &self.redactor).await
    }

    async fn snapshot_partition(&self, platform: &str, channel: &str) -> Result<Option<Vec<Bundle>>> {
        changes::partition(&*self.ready().await?, platform, channel, &self.redactor).await.map(Some)
    }

    async fn change_marker(&self) -> Result<Option<String>> {
        let opened = self.ready().await?;
        self.watcher.marker(&opened, &self.redactor).await.map(Some)
    }

    fn migrations(&self) -> Option<&dyn Migrations> {
        Some(self)
    }

    async fn close(&self) {
        self.close_client().await;
    }
}

#[async_trait]
impl Migrations for MongoDatabase {
    async fn schema_version(&self) -> Result<Option<String>> {
        migrate::read_version(&*self.open().await?, &self.redactor).await
    }

    async fn pending_sql(&self) -> Result<Vec<String>> {
        migrate::pending(&*self.open().await?, &self.redactor).await
    }

    async fn migrate(&self) -> Result<Vec<String>> {
        migrate::migrate(&*self.open().await?, &self.redactor).await
    }
}
