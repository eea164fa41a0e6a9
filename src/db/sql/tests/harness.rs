//! Isolated databases for tests: a temp SQLite file, `:memory:`, a fresh Postgres schema or a
//! fresh MySQL database per test, always dropped afterwards (also when the test panics).
//!
//! The servers default to `postgres://postgres@127.0.0.1:5432/test` and
//! `mysql://root@127.0.0.1:3306/test` (override with `HOT_UPDATER_TEST_PG_URL` /
//! `HOT_UPDATER_TEST_MYSQL_URL`). An unreachable server fails the test with a clear message:
//! these tests are never skipped silently.

use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::Connection;

use crate::db::sql::{SqlDatabase, SqlOptions};

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    SqliteFile,
    SqliteMemory,
    Postgres,
    MySql,
}

/// Where the database under test lives, for cleanup.
enum Place {
    Dir(PathBuf),
    Memory,
    PgSchema { admin: String, schema: String },
    MyDatabase { admin: String, name: String },
}

/// A database under test.
pub struct TestDb {
    pub db: Arc<SqlDatabase>,
    place: Place,
}

fn unique(prefix: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{prefix}_{}_{}_{nanos}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

fn pg_admin_urls() -> Vec<String> {
    match std::env::var("HOT_UPDATER_TEST_PG_URL") {
        Ok(url) => vec![url],
        Err(_) => vec!["postgres://postgres@127.0.0.1:5432/test".into(), "postgres://root@127.0.0.1:5432/test".into()],
    }
}

fn mysql_admin_url() -> String {
    std::env::var("HOT_UPDATER_TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into())
}

async fn pg_admin() -> (sqlx::PgConnection, String) {
    let mut errors = Vec::new();
    for url in pg_admin_urls() {
        match sqlx::PgConnection::connect(&url).await {
            Ok(conn) => return (conn, url),
            Err(e) => errors.push(format!("{url}: {e}")),
        }
    }
    panic!("PostgreSQL test server unreachable (CI must start it; set HOT_UPDATER_TEST_PG_URL to override): {}", errors.join("; "));
}

async fn mysql_admin() -> (sqlx::MySqlConnection, String) {
    let url = mysql_admin_url();
    match sqlx::MySqlConnection::connect(&url).await {
        Ok(conn) => (conn, url),
        Err(e) => panic!("MySQL/MariaDB test server unreachable at {url} (CI must start it; set HOT_UPDATER_TEST_MYSQL_URL to override): {e}"),
    }
}

fn with_path(admin: &str, database: &str) -> String {
    let mut url = url::Url::parse(admin).expect("admin url");
    url.set_path(&format!("/{database}"));
    url.to_string()
}

impl TestDb {
    /// A new empty database of `kind` opened with `options`.
    pub async fn create(kind: Kind, options: SqlOptions) -> TestDb {
        let (db, place) = match kind {
            Kind::SqliteFile => {
                let dir = std::env::temp_dir().join(unique("hot-updater-test"));
                // A nested path: the backend must create the missing directories itself.
                let path = dir.join("nested").join("hot-updater.sqlite");
                (SqlDatabase::sqlite(path.to_str().expect("utf-8 temp path"), options), Place::Dir(dir))
            }
            Kind::SqliteMemory => (SqlDatabase::sqlite(":memory:", options), Place::Memory),
            Kind::Postgres => {
                let (mut conn, admin) = pg_admin().await;
                let schema = unique("hu");
                sqlx::raw_sql(&format!("create schema {schema}")).execute(&mut conn).await.expect("create schema");
                conn.close().await.ok();
                let sep = if admin.contains('?') { '&' } else { '?' };
                let url = format!("{admin}{sep}options=-c%20search_path%3D{schema}");
                (SqlDatabase::postgres(&url, options), Place::PgSchema { admin, schema })
            }
            Kind::MySql => {
                let (mut conn, admin) = mysql_admin().await;
                let name = unique("hu");
                sqlx::raw_sql(&format!("create database {name}")).execute(&mut conn).await.expect("create database");
                conn.close().await.ok();
                let url = with_path(&admin, &name);
                (SqlDatabase::mysql(&url, options), Place::MyDatabase { admin, name })
            }
        };
        TestDb { db: Arc::new(db.expect("construct backend")), place }
    }

    /// Closes the pool and drops whatever the test created.
    pub async fn destroy(self) {
        crate::db::Database::close(&*self.db).await;
        match self.place {
            Place::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Place::Memory => {}
            Place::PgSchema { admin, schema } => {
                let mut conn = sqlx::PgConnection::connect(&admin).await.expect("reconnect for cleanup");
                sqlx::raw_sql(&format!("drop schema if exists {schema} cascade")).execute(&mut conn).await.expect("drop schema");
                conn.close().await.ok();
            }
            Place::MyDatabase { admin, name } => {
                let mut conn = sqlx::MySqlConnection::connect(&admin).await.expect("reconnect for cleanup");
                sqlx::raw_sql(&format!("drop database if exists {name}")).execute(&mut conn).await.expect("drop database");
                conn.close().await.ok();
            }
        }
    }
}

/// Runs `case` against a fresh database, cleaning up even when the case panics.
pub async fn run<F, Fut>(kind: Kind, options: SqlOptions, case: F)
where
    F: FnOnce(Arc<SqlDatabase>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let test_db = TestDb::create(kind, options).await;
    let db = test_db.db.clone();
    let outcome = tokio::spawn(async move { case(db).await }).await;
    test_db.destroy().await;
    if let Err(err) = outcome {
        if err.is_panic() {
            std::panic::resume_unwind(err.into_panic());
        }
        panic!("test task failed: {err}");
    }
}

/// Options for contract cases: auto-migration on for every backend.
pub fn migrated() -> SqlOptions {
    SqlOptions { auto_migrate: Some(true), ..SqlOptions::default() }
}

/// Options for schema tests: nothing happens until the test asks.
pub fn manual() -> SqlOptions {
    SqlOptions { auto_migrate: Some(false), ..SqlOptions::default() }
}

/// Runs raw SQL on the database under test (to build old schemas).
pub async fn exec_raw(db: &SqlDatabase, sql: &str) {
    let handle = db.open().await.expect("open");
    let mut held = handle.pools.acquire(&db.shared).await.expect("acquire");
    held.exec(&db.shared).execute_raw(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}
