//! [`Database`] and [`OffsetSource`] for [`SqlDatabase`].

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::database::SqlDatabase;
use super::dialect::{pg_accepts_uuid, Provider};
use super::errors::is_transient;
use super::queries;
use super::snapshot_queries;
use super::update_check;
use crate::context::Ctx;
use crate::core::bundle::{Bundle, UpdateArgs};
use crate::core::constraints::check_bundle_json;
use crate::core::merge::merge_bundle_patch;
use crate::db::paginate::{paginate, OffsetSource};
use crate::db::query::{BundleQuery, BundleWhere};
use crate::db::{Database, Migrations, UpdateLookup};
use crate::error::{Error, Result};

/// Runs `$body` (with `$exec` bound to the transaction's executor) in a write transaction,
/// retrying twice when the server aborts it as a deadlock victim. A `return` or `?` inside the
/// body ends that attempt with its result.
macro_rules! write_tx {
    ($self:ident, |$exec:ident| $body:block) => {{
        let mut attempt = 0;
        loop {
            let handle = $self.ready().await?;
            let outcome: Result<()> = async {
                let mut tx = handle.pools.begin(&$self.shared).await?;
                {
                    let mut $exec = tx.exec(&$self.shared);
                    $body
                }
                tx.commit(&$self.shared).await
            }
            .await;
            match outcome {
                Err(err) if attempt < 2 && is_transient(&err) => attempt += 1,
                other => break other,
            }
        }
    }};
}

fn parse_bundle(value: Value) -> Result<Bundle> {
    serde_json::from_value(value).map_err(|e| Error::internal(format!("Invalid bundle: {e}")))
}

#[async_trait]
impl OffsetSource for SqlDatabase {
    async fn count(&self, filter: &BundleWhere) -> Result<u64> {
        let handle = self.ready().await?;
        let mut held = handle.pools.acquire(&self.shared).await?;
        queries::count(&mut held.exec(&self.shared), self.provider, filter).await
    }

    async fn list(&self, filter: &BundleWhere, descending: bool, limit: u64, offset: u64) -> Result<Vec<Bundle>> {
        let handle = self.ready().await?;
        let mut held = handle.pools.acquire(&self.shared).await?;
        queries::list(&mut held.exec(&self.shared), self.provider, filter, descending, limit, offset).await
    }
}

#[async_trait]
impl Database for SqlDatabase {
    fn adapter_name(&self) -> String {
        self.adapter().to_string()
    }

    async fn ensure_ready(&self) -> Result<()> {
        self.ready().await.map(drop)
    }

    async fn get_bundle_by_id(&self, id: &str, _ctx: Ctx) -> Result<Option<Bundle>> {
        let handle = self.ready().await?;
        // Found nowhere, as on SQLite and MySQL (a device's malformed bundle id must not turn
        // its update check into an error).
        if self.provider == Provider::Postgres && !pg_accepts_uuid(id) {
            return Ok(None);
        }
        let mut held = handle.pools.acquire(&self.shared).await?;
        queries::get_bundle(&mut held.exec(&self.shared), self.provider, id, false).await
    }

    async fn get_bundles_json(&self, query: &BundleQuery, _ctx: Ctx) -> Result<Value> {
        let page = paginate(self, query).await?;
        serde_json::to_value(page).map_err(|e| Error::internal(e.to_string()))
    }

    async fn get_channels(&self, _ctx: Ctx) -> Result<Vec<String>> {
        let handle = self.ready().await?;
        let mut held = handle.pools.acquire(&self.shared).await?;
        queries::channels(&mut held.exec(&self.shared), self.provider).await
    }

    async fn get_update_info(&self, args: &UpdateArgs, _ctx: Ctx) -> Result<UpdateLookup> {
        let handle = self.ready().await?;
        let mut held = handle.pools.acquire(&self.shared).await?;
        update_check::get_update_info(&mut held.exec(&self.shared), self.provider, args).await
    }

    async fn insert_bundle(&self, bundle: &Value, _ctx: Ctx) -> Result<()> {
        let bundle = parse_bundle(bundle.clone())?;
        write_tx!(self, |exec| {
            queries::write_bundle(&mut exec, self.provider, &bundle).await?;
            snapshot_queries::bump_revision(&mut exec, self.provider).await?;
        })
    }

    async fn update_bundle(&self, id: &str, patch: &Map<String, Value>, _ctx: Ctx) -> Result<()> {
        write_tx!(self, |exec| {
            let Some(current) = queries::get_bundle(&mut exec, self.provider, id, true).await? else {
                return Err(Error::internal("targetBundleId not found"));
            };
            let mut merged = merge_bundle_patch(&current.to_value(), patch);
            check_bundle_json(&merged)?;
            // The row keeps its id whatever the patch says (the handler already rejects a
            // mismatching `id`; a direct caller must not be able to fork the row).
            if let Value::Object(fields) = &mut merged {
                fields.insert("id".into(), Value::String(current.id.clone()));
            }
            let bundle = parse_bundle(merged)?;
            queries::write_bundle(&mut exec, self.provider, &bundle).await?;
            snapshot_queries::bump_revision(&mut exec, self.provider).await?;
        })
    }

    async fn delete_bundle(&self, id: &str, _ctx: Ctx) -> Result<()> {
        write_tx!(self, |exec| {
            queries::delete_bundle(&mut exec, self.provider, id).await?;
            snapshot_queries::bump_revision(&mut exec, self.provider).await?;
        })
    }

    async fn snapshot_partition(&self, platform: &str, channel: &str) -> Result<Option<Vec<Bundle>>> {
        let handle = self.ready().await?;
        let mut held = handle.pools.acquire(&self.shared).await?;
        snapshot_queries::partition(&mut held.exec(&self.shared), self.provider, platform, channel).await.map(Some)
    }

    async fn change_marker(&self) -> Result<Option<String>> {
        let handle = self.ready().await?;
        if let Some(marker) = self.data_version_marker(&handle).await? {
            return Ok(Some(marker));
        }
        let mut held = handle.pools.acquire(&self.shared).await?;
        snapshot_queries::change_marker(&mut held.exec(&self.shared), self.provider).await.map(Some)
    }

    fn migrations(&self) -> Option<&dyn Migrations> {
        Some(self)
    }

    async fn close(&self) {
        self.close_pool().await;
    }
}

#[async_trait]
impl Migrations for SqlDatabase {
    async fn schema_version(&self) -> Result<Option<String>> {
        self.migrator().version().await
    }

    async fn pending_sql(&self) -> Result<Vec<String>> {
        self.migrator().sql().await
    }

    async fn migrate(&self) -> Result<Vec<String>> {
        Ok(self.migrator().migrate().await?.statements)
    }
}
