//! Schema tooling for `hot-updater-rs/db`: migrations of a server's native database and the DDL
//! of any schema version, for teams that run their own migrations.

use napi_derive::napi;

use super::server::{contained, to_napi, NativeHotUpdater};
use crate::db::sql::ddl::{create_statements, migration_statements, render_script};
use crate::db::sql::Provider;
use crate::error::Error;

fn provider(name: &str) -> napi::Result<Provider> {
    match name {
        "sqlite" => Ok(Provider::Sqlite),
        "postgresql" | "postgres" | "cockroachdb" => Ok(Provider::Postgres),
        "mysql" | "mariadb" => Ok(Provider::MySql),
        other => Err(to_napi(Error::config(format!("Unsupported SQL provider: {other}")))),
    }
}

/// The statements creating schema `version` (`latest`, `0.21.0`, `0.29.0`, `0.31.0`) from nothing,
/// as one script (statements end with `;`, separated by blank lines).
#[napi(catch_unwind)]
pub fn schema_sql(provider_name: String, version: String) -> napi::Result<String> {
    let version = if version == "latest" { crate::db::sql::SCHEMA_VERSION.to_string() } else { version };
    let statements = create_statements(provider(&provider_name)?, &version).map_err(to_napi)?;
    Ok(render_script(&statements))
}

/// The statements upgrading a database at `from` (`null` = empty) to the latest schema.
#[napi(catch_unwind)]
pub fn migration_sql(provider_name: String, from: Option<String>) -> napi::Result<String> {
    let statements = migration_statements(provider(&provider_name)?, from.as_deref()).map_err(to_napi)?;
    Ok(render_script(&statements))
}

fn no_migrations() -> napi::Error {
    to_napi(Error::config("createMigrator is only available for Kysely/MongoDB database adapters."))
}

#[napi]
impl NativeHotUpdater {
    /// The schema version recorded in the native database (`null`: not initialised).
    #[napi]
    pub async fn schema_version(&self) -> napi::Result<Option<String>> {
        let m = self.api.db.migrations().ok_or_else(no_migrations)?;
        contained(m.schema_version()).await.and_then(|r| r).map_err(to_napi)
    }

    /// The statements a migration would run now (empty when current).
    #[napi]
    pub async fn pending_sql(&self) -> napi::Result<Vec<String>> {
        let m = self.api.db.migrations().ok_or_else(no_migrations)?;
        contained(m.pending_sql()).await.and_then(|r| r).map_err(to_napi)
    }

    /// Migrates the native database to the latest schema; returns the statements it ran.
    #[napi]
    pub async fn migrate(&self) -> napi::Result<Vec<String>> {
        let m = self.api.db.migrations().ok_or_else(no_migrations)?;
        contained(m.migrate()).await.and_then(|r| r).map_err(to_napi)
    }

    /// Whether the database is native (and so has `schemaVersion`/`migrate`).
    #[napi(getter, catch_unwind)]
    pub fn has_native_migrations(&self) -> bool {
        self.api.db.migrations().is_some()
    }
}
