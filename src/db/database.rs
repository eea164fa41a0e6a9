//! The `Database` trait every backend implements (native SQL, the JS bridge, the snapshot that
//! wraps them), and what an update lookup returns.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::query::BundleQuery;
use crate::context::Ctx;
use crate::core::bundle::{Bundle, UpdateArgs, UpdateInfo};
use crate::error::Result;

/// What an update lookup found: the decision, and the bundles it already loaded (the target and,
/// if it was among the candidates, the installed one) so enrichment need not read them again.
#[derive(Debug, Clone, Default)]
pub struct UpdateLookup {
    pub info: Option<UpdateInfo>,
    pub target: Option<Arc<Bundle>>,
    pub current: Option<Arc<Bundle>>,
    /// Whether the candidates were seen: then `current_is_candidate` is known.
    pub seeded: bool,
    /// The installed bundle is among the candidates (meaningful when `seeded`).
    pub current_is_candidate: bool,
    /// Whether the target may carry manifest data; `false` spares enrichment and its reads.
    pub target_may_have_manifest: bool,
    /// The answer came from a snapshot while the database was unreachable.
    pub stale: bool,
}

/// The in-memory snapshot's state, for metrics and the health answer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SnapshotStatus {
    /// Since the snapshot was last built or verified by a successful probe.
    pub age: std::time::Duration,
    /// Answers come from a snapshot the last probe could not verify.
    pub stale: bool,
    /// The last probe could not reach the database at all.
    pub down: bool,
    pub partitions: usize,
    /// Rebuilds swapped in after a probe.
    pub rebuilds: u64,
    /// Partitions loaded on demand.
    pub loads: u64,
    /// Failed probes and rebuilds.
    pub failures: u64,
    pub last_rebuild: Option<std::time::Duration>,
}

/// A database backend. Native backends implement every method; the JS bridge forwards to the
/// user's plugin object.
#[async_trait]
pub trait Database: Send + Sync {
    /// `adapterName` as upstream reports it.
    fn adapter_name(&self) -> String;
    /// Fails with upstream's readiness error when the schema is missing or outdated.
    async fn ensure_ready(&self) -> Result<()>;
    async fn get_bundle_by_id(&self, id: &str, ctx: Ctx) -> Result<Option<Bundle>>;
    /// The bundle as raw JSON (JS plugins may return extra keys, which upstream shows).
    async fn get_bundle_json(&self, id: &str, ctx: Ctx) -> Result<Option<Value>> {
        Ok(self.get_bundle_by_id(id, ctx).await?.map(|b| b.to_value()))
    }
    /// A page of bundles, serialised as upstream's `{ data, pagination }` JSON.
    async fn get_bundles_json(&self, query: &BundleQuery, ctx: Ctx) -> Result<Value>;
    async fn get_channels(&self, ctx: Ctx) -> Result<Vec<String>>;
    async fn get_update_info(&self, args: &UpdateArgs, ctx: Ctx) -> Result<UpdateLookup>;
    /// Inserts (upserts) one bundle given as JSON; constraints were already checked.
    async fn insert_bundle(&self, bundle: &Value, ctx: Ctx) -> Result<()>;
    /// Applies a PATCH (`patch` without `id`) to bundle `id`: upstream's load, merge, check, write.
    /// A backend whose [`Database::checks_updates`] is `false` leaves load, merge and check to
    /// the caller (the service) and only writes.
    async fn update_bundle(&self, id: &str, patch: &Map<String, Value>, ctx: Ctx) -> Result<()>;
    /// Whether [`Database::update_bundle`] checks the merged bundle itself (native backends do,
    /// inside their write transaction). `false`: the service loads the bundle, merges the patch and
    /// checks it before the write, so a JS plugin's update never calls back into Rust midway.
    fn checks_updates(&self) -> bool {
        true
    }
    /// Deletes a bundle and the patches that reference it; a missing id is not an error.
    async fn delete_bundle(&self, id: &str, ctx: Ctx) -> Result<()>;
    /// Every enabled bundle of one platform and channel, with patches, for the in-memory
    /// snapshot. `None`: this backend does not support snapshots.
    async fn snapshot_partition(&self, _platform: &str, _channel: &str) -> Result<Option<Vec<Bundle>>> {
        Ok(None)
    }
    /// A cheap value that changes when bundles change (see `snapshot`). `None`: no marker.
    async fn change_marker(&self) -> Result<Option<String>> {
        Ok(None)
    }
    /// The update lookup when it can be answered without waiting on I/O (a warm snapshot).
    /// `None`: use [`Database::get_update_info`].
    fn update_info_now(&self, _args: &UpdateArgs) -> Option<UpdateLookup> {
        None
    }
    /// While update-check answers come from an in-memory snapshot that is fresh (probed within
    /// its interval, not stale): a number that changes whenever any such answer could change.
    /// `None`: answers must be computed (no snapshot, a probe is due, or the data is stale).
    fn answers_epoch(&self) -> Option<u64> {
        None
    }
    /// The snapshot's state, for backends wrapped in one.
    fn snapshot_status(&self) -> Option<SnapshotStatus> {
        None
    }
    /// Schema migrations, for backends that manage their own schema.
    fn migrations(&self) -> Option<&dyn Migrations> {
        None
    }
    /// Releases pools and connections. Later calls may reopen lazily.
    async fn close(&self) {}
}

/// Schema management of a native backend.
#[async_trait]
pub trait Migrations: Send + Sync {
    /// The schema version recorded in the database (`None`: not initialised).
    async fn schema_version(&self) -> Result<Option<String>>;
    /// The statements a migration to the latest schema would run (empty when current).
    async fn pending_sql(&self) -> Result<Vec<String>>;
    /// Migrates to the latest schema and returns the statements it ran.
    async fn migrate(&self) -> Result<Vec<String>>;
}
