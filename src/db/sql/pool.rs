//! Connection targets, pool options and opening pools.

use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Executor};

use super::conn::Pools;
use super::dialect::Provider;
use super::errors::{map_sqlx, Redactor};
use crate::error::{Error, Result};

/// Options of the SQL backends. Every field is optional; `None` picks the documented default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqlOptions {
    /// Largest pool size. Default 10 for PostgreSQL/MySQL, 4 for an SQLite file; an SQLite
    /// `:memory:` database always uses exactly one connection, so every query sees it.
    pub max_connections: Option<u32>,
    /// Connections kept open while idle. Default 0.
    pub min_connections: Option<u32>,
    /// How long a query waits for a free connection, in milliseconds. Default 30 000.
    pub acquire_timeout_ms: Option<u64>,
    /// Idle connections are closed after this many milliseconds. Default 600 000.
    pub idle_timeout_ms: Option<u64>,
    /// SQLite only: how long a statement waits for a lock held by another connection or
    /// process, in milliseconds. Default 5 000.
    pub busy_timeout_ms: Option<u64>,
    /// Create or upgrade the schema on first use. Default `true` for SQLite (so a first request
    /// just works) and `false` for PostgreSQL/MySQL, where a missing or old schema gives
    /// upstream's readiness errors until `migrate()` runs.
    pub auto_migrate: Option<bool>,
}

/// Where a backend connects to.
#[derive(Clone)]
pub enum Target {
    /// An SQLite file path or [`MEMORY_PATH`].
    Sqlite {
        /// The file path as given.
        path: String,
    },
    /// A PostgreSQL server.
    Postgres {
        /// Parsed connect options (they hold the password: never print them).
        options: PgConnectOptions,
        /// `host:port/database`, for messages.
        description: String,
    },
    /// A MySQL/MariaDB server.
    MySql {
        /// Parsed connect options (they hold the password: never print them).
        options: MySqlConnectOptions,
        /// `host:port/database`, for messages.
        description: String,
    },
}

/// The SQLite path that means "a private in-memory database".
pub const MEMORY_PATH: &str = ":memory:";

impl Target {
    /// The engine of this target.
    pub fn provider(&self) -> Provider {
        match self {
            Target::Sqlite { .. } => Provider::Sqlite,
            Target::Postgres { .. } => Provider::Postgres,
            Target::MySql { .. } => Provider::MySql,
        }
    }

    /// What to call the target in messages: the SQLite path, or `host:port/database` (never
    /// the user name, password or query parameters of a URL).
    pub fn description(&self) -> &str {
        match self {
            Target::Sqlite { path } => path,
            Target::Postgres { description, .. } | Target::MySql { description, .. } => description,
        }
    }

    /// Parses a server URL for `provider` (PostgreSQL or MySQL).
    pub fn server(provider: Provider, url: &str, redactor: &Redactor) -> Result<Target> {
        let invalid = |detail: String| Error::config(format!("Invalid {} connection URL: {}", provider.display_name(), redactor.redact(&detail)));
        let parsed = url::Url::parse(url).map_err(|e| invalid(e.to_string()))?;
        let description = format!(
            "{}:{}{}",
            parsed.host_str().unwrap_or("localhost"),
            parsed.port().map_or_else(|| default_port(provider).to_string(), |p| p.to_string()),
            parsed.path()
        );
        match provider {
            Provider::Postgres => {
                let options = PgConnectOptions::from_str(url).map_err(|e| invalid(e.to_string()))?;
                Ok(Target::Postgres { options, description })
            }
            Provider::MySql => {
                let options = MySqlConnectOptions::from_str(url).map_err(|e| invalid(e.to_string()))?;
                Ok(Target::MySql { options, description })
            }
            Provider::Sqlite => Err(invalid("not a server database".into())),
        }
    }
}

fn default_port(provider: Provider) -> u16 {
    match provider {
        Provider::MySql => 3306,
        Provider::Postgres | Provider::Sqlite => 5432,
    }
}

fn millis(value: Option<u64>, default: u64) -> Duration {
    Duration::from_millis(value.unwrap_or(default))
}

fn pool_options<DB: sqlx::Database>(options: &SqlOptions, default_max: u32) -> sqlx::pool::PoolOptions<DB> {
    let max = options.max_connections.unwrap_or(default_max).max(1);
    sqlx::pool::PoolOptions::<DB>::new()
        .max_connections(max)
        .min_connections(options.min_connections.unwrap_or(0).min(max))
        .acquire_timeout(millis(options.acquire_timeout_ms, 30_000))
        .idle_timeout(Some(millis(options.idle_timeout_ms, 600_000)))
}

fn open_failure(target: &Target, err: sqlx::Error, redactor: &Redactor) -> Error {
    let cause = map_sqlx(err, redactor);
    let message = cause.message;
    let mut out = match target {
        Target::Sqlite { path } => Error::database(format!("Cannot open SQLite database at {path}: {message}")),
        other => Error::database(format!("Cannot connect to {} at {}: {message}", other.provider().display_name(), other.description())),
    };
    out.unreachable = cause.unreachable;
    out
}

fn sqlite_file_options(path: &str, options: &SqlOptions) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(millis(options.busy_timeout_ms, 5_000))
}

/// One SQLite connection outside the pool, for `PRAGMA data_version`, which only reports
/// commits made by other connections: one that never writes and is never shared sees them all.
pub async fn open_sqlite_connection(path: &str, options: &SqlOptions, redactor: &Redactor) -> Result<SqliteConnection> {
    let target = Target::Sqlite { path: path.to_string() };
    sqlite_file_options(path, options).connect().await.map_err(|e| open_failure(&target, e, redactor))
}

/// Opens the pool for `target` (the first connection is made now, so failures surface here).
pub async fn open(target: &Target, options: &SqlOptions, redactor: &Redactor) -> Result<Pools> {
    let fail = |e| open_failure(target, e, redactor);
    match target {
        Target::Sqlite { path } if path == MEMORY_PATH => {
            // sqlx names each `:memory:` database uniquely; it lives as long as its single
            // connection, which the pool therefore never retires.
            let connect = SqliteConnectOptions::from_str("sqlite::memory:").map_err(fail)?.busy_timeout(millis(options.busy_timeout_ms, 5_000));
            let pool: SqlitePoolOptions = pool_options(options, 1).max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None);
            Ok(Pools::Sqlite(pool.connect_with(connect).await.map_err(fail)?))
        }
        Target::Sqlite { path } => {
            if let Some(parent) = std::path::Path::new(path).parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| Error::database(format!("Cannot create the directory of SQLite database {path}: {e}")))?;
            }
            let pool: SqlitePoolOptions = pool_options(options, 4);
            Ok(Pools::Sqlite(pool.connect_with(sqlite_file_options(path, options)).await.map_err(fail)?))
        }
        Target::Postgres { options: connect, .. } => {
            let pool: PgPoolOptions = pool_options(options, 10);
            Ok(Pools::Postgres(pool.connect_with(connect.clone()).await.map_err(fail)?))
        }
        Target::MySql { options: connect, .. } => {
            // InnoDB's default REPEATABLE READ takes gap locks for `delete … where bundle_id = ?`
            // even when no row matches, and two writers inserting patch rows into the same gap
            // then deadlock. READ COMMITTED takes no such gap locks; our transactions read only
            // rows they lock explicitly, so they need nothing stronger.
            let pool: MySqlPoolOptions = pool_options(options, 10).after_connect(|conn: &mut sqlx::MySqlConnection, _meta| {
                Box::pin(async move { conn.execute("set session transaction isolation level read committed").await.map(drop) })
            });
            Ok(Pools::MySql(pool.connect_with(connect.clone()).await.map_err(fail)?))
        }
    }
}
