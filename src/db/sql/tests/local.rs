//! Tests that need no shared contract: the DDL against upstream's own output, SQLite specifics,
//! connection failures and their messages.

use std::sync::Arc;

use serde_json::{json, Value};

use super::fixtures::*;
use super::harness::{self, Kind};
use crate::context::Ctx;
use crate::db::sql::ddl::{migration_statements, render_script};
use crate::db::sql::stmt::raw;
use crate::db::sql::{Provider, SqlDatabase, SqlOptions};
use crate::db::Database;

/// `upstream_sql.json` is the output of upstream 0.36.3's own generators (`createTableSql`,
/// `createV029AlterSql`, `createV031AlterSql`, `getSettingsInsertSql`) for each provider,
/// produced by running the installed package under Node.
#[test]
fn ddl_matches_upstream_output() {
    let golden: Value = serde_json::from_str(include_str!("upstream_sql.json")).unwrap();
    for (name, provider) in [("sqlite", Provider::Sqlite), ("postgresql", Provider::Postgres), ("mysql", Provider::MySql)] {
        for (key, from) in [("fresh", None), ("from021", Some("0.21.0")), ("from029", Some("0.29.0"))] {
            let expected: Vec<String> = serde_json::from_value(golden[name][key].clone()).unwrap();
            assert_eq!(migration_statements(provider, from).unwrap(), expected, "{name} {key}");
        }
        assert!(migration_statements(provider, Some("0.31.0")).unwrap().is_empty());
        assert_eq!(migration_statements(provider, Some("0.30.0")).unwrap_err().message, "Unsupported Hot Updater schema version: 0.30.0");
    }
    let script = render_script(&["a".to_string(), "b".to_string()]);
    assert_eq!(script, "a;\n\nb;");
}

async fn scalar(db: &SqlDatabase, sql: &str) -> String {
    let handle = db.open().await.unwrap();
    let mut held = handle.pools.acquire(&db.shared).await.unwrap();
    let rows = held.exec(&db.shared).fetch_all(&raw(sql)).await.unwrap();
    rows[0].opt_text("v").unwrap().unwrap_or_default()
}

#[tokio::test]
async fn sqlite_file_uses_wal_and_integer_booleans() {
    harness::run(Kind::SqliteFile, SqlOptions::default(), |db: Arc<SqlDatabase>| async move {
        insert(&*db, &[bundle(1, json!({"shouldForceUpdate": true}))]).await;
        assert_eq!(scalar(&db, "select journal_mode as v from pragma_journal_mode()").await.to_lowercase(), "wal".to_string());
        let sql = "select typeof(enabled) || ':' || enabled || ':' || should_force_update as v from bundles";
        assert_eq!(scalar(&db, sql).await, "integer:1:1");
        let filter = crate::db::query::BundleWhere { enabled: Some(true), ..Default::default() };
        assert_eq!(ids(&page(&*db, query(filter, 10)).await), vec![1]);
    })
    .await;
}

#[tokio::test]
async fn sqlite_file_survives_close_and_reopen() {
    harness::run(Kind::SqliteFile, SqlOptions::default(), |db: Arc<SqlDatabase>| async move {
        insert(&*db, &[bundle(1, json!({}))]).await;
        db.close().await;
        assert!(get(&*db, 1).await.is_some(), "reopened lazily with the data");
    })
    .await;
}

#[tokio::test]
async fn sqlite_memory_is_one_shared_database() {
    harness::run(Kind::SqliteMemory, SqlOptions { max_connections: Some(8), ..SqlOptions::default() }, |db| async move {
        insert(&*db, &[bundle(1, json!({})), bundle(2, json!({}))]).await;
        let reads = (0..16).map(|i| {
            let db = db.clone();
            async move { db.get_bundle_by_id(&id(1 + i % 2), Ctx::default()).await.unwrap().is_some() }
        });
        assert!(futures::future::join_all(reads).await.into_iter().all(|found| found));
        // Closing discards a memory database; the next call starts a new, migrated one.
        db.close().await;
        assert_eq!(get(&*db, 1).await, None);
    })
    .await;
}

#[tokio::test]
async fn sqlite_open_failure_names_the_path() {
    let dir = std::env::temp_dir().join(format!("hot-updater-dir-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.to_str().unwrap().to_string();
    // A directory is not a database file.
    let db = SqlDatabase::sqlite(&path, SqlOptions::default()).unwrap();
    let err = db.get_channels(Ctx::default()).await.unwrap_err();
    assert!(err.message.starts_with(&format!("Cannot open SQLite database at {path}: ")), "{}", err.message);
    // A file in the way of the directory to create.
    let blocker = dir.join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let nested = blocker.join("sub").join("db.sqlite");
    let db = SqlDatabase::sqlite(nested.to_str().unwrap(), SqlOptions::default()).unwrap();
    let err = db.ensure_ready().await.unwrap_err();
    assert!(err.message.contains(nested.to_str().unwrap()), "{}", err.message);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn unreachable_servers_fail_without_secrets() {
    let options = SqlOptions { acquire_timeout_ms: Some(3_000), ..SqlOptions::default() };
    let pg = SqlDatabase::postgres("postgres://alice:supersecret@127.0.0.1:9/hu?sslmode=disable", options.clone()).unwrap();
    let err = pg.ensure_ready().await.unwrap_err();
    assert!(err.message.starts_with("Cannot connect to PostgreSQL at 127.0.0.1:9/hu: "), "{}", err.message);
    assert!(!err.message.contains("supersecret") && !format!("{pg:?}").contains("supersecret"));
    let my = SqlDatabase::mysql("mysql://root:supersecret@127.0.0.1:9/hu", options).unwrap();
    let err = my.get_channels(Ctx::default()).await.unwrap_err();
    assert!(err.message.starts_with("Cannot connect to MySQL at 127.0.0.1:9/hu: "), "{}", err.message);
    assert!(!err.message.contains("supersecret"));
    let bad = SqlDatabase::postgres("postgres://alice:supersecret@host:notaport/db", SqlOptions::default()).unwrap_err();
    assert!(bad.message.starts_with("Invalid PostgreSQL connection URL") && !bad.message.contains("supersecret"), "{}", bad.message);
}
