//! The migrator (SPEC §7.3) and schema readiness (SPEC §5.8).

use super::conn::{ColumnRead, Exec, Pools, Shared};
use super::ddl;
use super::dialect::Provider;
use super::errors::{is_missing_table, map_sqlx};
use super::schema::{self, SCHEMA_VERSION, SETTINGS_TABLE};
use super::stmt::raw;
pub use crate::db::shared::readiness_error;
use crate::error::Result;

/// Reads the `version` row; a missing settings table is `None` (upstream's `getVersion`).
///
/// Inside a Postgres transaction a failed statement aborts the whole transaction, so the read
/// runs under a savepoint there (`in_tx`).
pub async fn read_version(exec: &mut Exec<'_>, provider: Provider, in_tx: bool) -> Result<Option<String>> {
    let guarded = in_tx && provider == Provider::Postgres;
    if guarded {
        exec.execute_raw("savepoint hot_updater_version").await?;
    }
    let sql = format!("select value from {SETTINGS_TABLE} where {} = 'version'", provider.key_column());
    match exec.try_fetch_all(&raw(sql)).await {
        Ok(rows) => {
            if guarded {
                exec.execute_raw("release savepoint hot_updater_version").await?;
            }
            match rows.first() {
                Some(row) => row.opt_text("value"),
                None => Ok(None),
            }
        }
        Err(err) if is_missing_table(&err, SETTINGS_TABLE) => {
            if guarded {
                exec.execute_raw("rollback to savepoint hot_updater_version").await?;
            }
            Ok(None)
        }
        Err(err) => Err(map_sqlx(err, exec.redactor())),
    }
}

/// What a migration did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationOutcome {
    /// The version found before migrating (`None` = empty database).
    pub from: Option<String>,
    /// The statements executed, in order (empty when the schema was already current).
    pub statements: Vec<String>,
}

async fn run_statements(exec: &mut Exec<'_>, provider: Provider, in_tx: bool) -> Result<MigrationOutcome> {
    let from = read_version(exec, provider, in_tx).await?;
    let statements = ddl::migration_statements(provider, from.as_deref())?;
    for statement in &statements {
        exec.execute_raw(statement).await?;
    }
    Ok(MigrationOutcome { from, statements })
}

/// Brings the schema to the current version.
///
/// Unlike upstream (statements run one by one, outside any transaction), SQLite and Postgres
/// migrate inside one transaction, and concurrent migrators are serialised (SQLite's write
/// lock, a Postgres advisory lock, a MySQL named lock), re-reading the version once they hold
/// the lock, so two servers starting together cannot both try to create the same index.
pub async fn migrate(pools: &Pools, shared: &Shared, provider: Provider) -> Result<MigrationOutcome> {
    if provider.transactional_ddl() {
        let mut tx = pools.begin(shared).await?;
        let outcome = {
            let mut exec = tx.exec(shared);
            if provider == Provider::Postgres {
                // An arbitrary constant key ("hotupdat" in ASCII) shared by all our migrators.
                exec.execute_raw("select pg_advisory_xact_lock(7526466895424332916)").await?;
            }
            run_statements(&mut exec, provider, true).await?
        };
        tx.commit(shared).await?;
        return Ok(outcome);
    }
    let mut held = pools.acquire(shared).await?;
    let mut exec = held.exec(shared);
    exec.execute_raw("select get_lock(concat('hot_updater_migrate:', coalesce(database(), '')), 60)").await?;
    let outcome = run_statements(&mut exec, provider, false).await;
    let released = exec.execute_raw("select release_lock(concat('hot_updater_migrate:', coalesce(database(), '')))").await;
    let outcome = outcome?;
    released?;
    Ok(outcome)
}

/// Whether auto-migration should touch a schema at `version` (an unknown version is left for
/// the readiness check to report).
pub fn should_auto_migrate(version: Option<&str>) -> bool {
    version != Some(SCHEMA_VERSION) && schema::is_migratable(version)
}

#[cfg(test)]
#[path = "migrate_tests.rs"]
mod tests;
