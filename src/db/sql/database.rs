//! [`SqlDatabase`]: one backend type for SQLite, PostgreSQL and MySQL/MariaDB.

use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::sqlite::SqliteConnection;
use sqlx::Connection;
use tokio::sync::OnceCell;

use super::conn::{Exec, Pools, Shared};
use super::dialect::Provider;
use super::errors::Redactor;
use super::migrate::{self, read_version, readiness_error, MigrationOutcome};
use super::pool::{self, SqlOptions, Target, MEMORY_PATH};
use super::schema::SCHEMA_VERSION;
use super::snapshot_queries;
use crate::error::Result;

/// An open pool and whether its schema was found current.
pub(super) struct Opened {
    pub pools: Pools,
    ready: AtomicBool,
    /// SQLite files: the connection that reads `PRAGMA data_version` (opened by the first probe),
    /// with its serial number, since its values mean nothing to another connection.
    marker_conn: tokio::sync::Mutex<Option<(u64, SqliteConnection)>>,
}

/// Keeps the lazily opened pool alive for the duration of one operation.
pub(super) struct Handle(Arc<Opened>);

impl Deref for Handle {
    type Target = Opened;
    fn deref(&self) -> &Opened {
        &self.0
    }
}

/// A native SQL database on upstream's schema (the tables `kyselyAdapter` uses), so a server can
/// switch between upstream and this crate on the same database.
///
/// Nothing connects until the first call; [`Database::close`](crate::db::Database::close)
/// releases the pool and a later call reopens it.
pub struct SqlDatabase {
    pub(super) provider: Provider,
    target: Target,
    options: SqlOptions,
    pub(super) shared: Shared,
    state: Mutex<Arc<OnceCell<Arc<Opened>>>>,
    /// Numbers the `data_version` connections.
    marker_serial: AtomicU64,
}

impl fmt::Debug for SqlDatabase {
    // Hand-written so that connect options (which hold the password) are never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlDatabase").field("provider", &self.provider).field("target", &self.target.description()).field("options", &self.options).finish()
    }
}

impl SqlDatabase {
    fn with_target(target: Target, options: SqlOptions, redactor: Redactor) -> Self {
        SqlDatabase {
            provider: target.provider(),
            target,
            options,
            shared: Shared { redactor, ..Shared::default() },
            state: Mutex::new(Arc::new(OnceCell::new())),
            marker_serial: AtomicU64::new(0),
        }
    }

    /// An SQLite database file at `path` (its directory is created if missing; WAL mode), or
    /// `":memory:"` for a private in-memory database held by a single shared connection (it is
    /// discarded by `close()`). Schema auto-migration defaults to on.
    pub fn sqlite(path: &str, options: SqlOptions) -> Result<Self> {
        Ok(Self::with_target(Target::Sqlite { path: path.to_string() }, options, Redactor::default()))
    }

    /// A PostgreSQL database, e.g. `postgres://user:pass@host:5432/db` (sqlx URL syntax, so
    /// `?options=-c%20search_path%3Dname` selects a schema). Auto-migration defaults to off.
    ///
    /// Ids live in `uuid` columns, as upstream's schema has them. A bundle looked up by an id
    /// that is not a UUID is simply not found, and an update check with such a `bundleId` or
    /// `minBundleId` is answered as on SQLite and MySQL (upstream's Kysely adapter answers 500);
    /// a cursor or a written id that is not a UUID fails with Postgres' `invalid input syntax
    /// for type uuid: "<value>"`, as upstream's does.
    pub fn postgres(url: &str, options: SqlOptions) -> Result<Self> {
        let redactor = Redactor::for_url(url);
        let target = Target::server(Provider::Postgres, url, &redactor)?;
        Ok(Self::with_target(target, options, redactor))
    }

    /// A MySQL or MariaDB database, e.g. `mysql://user:pass@host:3306/db`. Auto-migration
    /// defaults to off.
    pub fn mysql(url: &str, options: SqlOptions) -> Result<Self> {
        let redactor = Redactor::for_url(url);
        let target = Target::server(Provider::MySql, url, &redactor)?;
        Ok(Self::with_target(target, options, redactor))
    }

    /// Which engine this is.
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// `"sqlite"`, `"postgresql"` or `"mysql"`: the name in readiness messages.
    pub fn adapter(&self) -> &'static str {
        self.provider.adapter_name()
    }

    fn auto_migrate(&self) -> bool {
        self.options.auto_migrate.unwrap_or(self.provider == Provider::Sqlite)
    }

    /// Statements executed so far (all connections); tests use it to bound query counts.
    pub fn statements_executed(&self) -> u64 {
        self.shared.statements.load(Ordering::Relaxed)
    }

    async fn connect(&self) -> Result<Opened> {
        let pools = pool::open(&self.target, &self.options, &self.shared.redactor).await?;
        let mut ready = false;
        if self.auto_migrate() {
            let version = {
                let mut held = pools.acquire(&self.shared).await?;
                read_version(&mut held.exec(&self.shared), self.provider, false).await?
            };
            if migrate::should_auto_migrate(version.as_deref()) {
                migrate::migrate(&pools, &self.shared, self.provider).await?;
                ready = true;
            }
        }
        Ok(Opened { pools, ready: AtomicBool::new(ready), marker_conn: tokio::sync::Mutex::new(None) })
    }

    /// The pool, opened (and auto-migrated) on first use.
    pub(super) async fn open(&self) -> Result<Handle> {
        let cell = self.state.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let opened = cell.get_or_try_init(|| async { self.connect().await.map(Arc::new) }).await?;
        Ok(Handle(Arc::clone(opened)))
    }

    /// The pool, after checking once that the schema is current (upstream's readiness check:
    /// success is remembered, failure is re-checked next time).
    pub(super) async fn ready(&self) -> Result<Handle> {
        let handle = self.open().await?;
        if handle.ready.load(Ordering::Acquire) {
            return Ok(handle);
        }
        let version = {
            let mut held = handle.pools.acquire(&self.shared).await?;
            read_version(&mut held.exec(&self.shared), self.provider, false).await?
        };
        if version.as_deref() != Some(SCHEMA_VERSION) {
            return Err(readiness_error(self.adapter(), version.as_deref()));
        }
        handle.ready.store(true, Ordering::Release);
        Ok(handle)
    }

    /// SQLite files: `PRAGMA data_version` on the connection kept for it, tagged with that
    /// connection's serial number (a reopened connection counts from its own start). `None` for
    /// other targets and for `:memory:`, which no other connection can write.
    pub(super) async fn data_version_marker(&self, handle: &Handle) -> Result<Option<String>> {
        let Target::Sqlite { path } = &self.target else { return Ok(None) };
        if path == MEMORY_PATH {
            return Ok(None);
        }
        let mut slot = handle.marker_conn.lock().await;
        if slot.is_none() {
            let conn = pool::open_sqlite_connection(path, &self.options, &self.shared.redactor).await?;
            *slot = Some((self.marker_serial.fetch_add(1, Ordering::Relaxed), conn));
        }
        let Some((serial, conn)) = slot.as_mut() else { return Ok(None) };
        let serial = *serial;
        match snapshot_queries::data_version(&mut Exec::sqlite(conn, &self.shared)).await {
            Ok(version) => Ok(Some(format!("{serial}.{version}"))),
            Err(err) => {
                // Reopened by the next probe.
                *slot = None;
                Err(err)
            }
        }
    }

    #[cfg(test)]
    pub(super) fn is_memory(&self) -> bool {
        matches!(&self.target, Target::Sqlite { path } if path == MEMORY_PATH)
    }

    /// Closes the pool; the next call opens a new one.
    pub async fn close_pool(&self) {
        let old = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::replace(&mut *state, Arc::new(OnceCell::new()))
        };
        if let Some(opened) = old.get() {
            if let Some((_, conn)) = opened.marker_conn.lock().await.take() {
                let _ = conn.close().await;
            }
            opened.pools.close().await;
        }
    }

    /// The schema tooling of this database.
    pub fn migrator(&self) -> Migrator<'_> {
        Migrator { db: self }
    }
}

/// Upstream's migrator for one database (`createMigrator()`): read the version, show the SQL,
/// run it.
pub struct Migrator<'a> {
    db: &'a SqlDatabase,
}

impl Migrator<'_> {
    /// The recorded schema version; `None` when the settings table does not exist.
    pub async fn version(&self) -> Result<Option<String>> {
        let handle = self.db.open().await?;
        let mut held = handle.pools.acquire(&self.db.shared).await?;
        read_version(&mut held.exec(&self.db.shared), self.db.provider, false).await
    }

    /// The statements [`Migrator::migrate`] would run now (empty when current); an unsupported
    /// version fails with `Unsupported Hot Updater schema version: <v>`. Render them with
    /// [`super::ddl::render_script`] for upstream's `getSQL()` text.
    pub async fn sql(&self) -> Result<Vec<String>> {
        let version = self.version().await?;
        super::ddl::migration_statements(self.db.provider, version.as_deref())
    }

    /// Migrates to the current schema (from nothing, 0.21.0 or 0.29.0).
    pub async fn migrate(&self) -> Result<MigrationOutcome> {
        let handle = self.db.open().await?;
        let outcome = migrate::migrate(&handle.pools, &self.db.shared, self.db.provider).await?;
        handle.ready.store(true, Ordering::Release);
        Ok(outcome)
    }
}
