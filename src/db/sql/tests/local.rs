//! Tests that need no shared contract: the DDL against upstream's own output, SQLite specifics,
//! connection failures and their messages.

use std::sync::Arc;

use serde_json::{json, Value};

use super::fixtures::*;
use super::harness::{self, Kind};
use crate::context::Ctx;
use crate::db::sql::conn::ColumnRead;
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

/// The snapshot's partition rows read through SQLite's C API (`Exec::fetch_map`) and through
/// sqlx (`fetch_all`, then the same decoder) are the same bundles, NULLs, empty and non-ASCII
/// text included; values of the wrong storage class fail on both; SQL errors carry SQLite's
/// message. Run on a file and in memory, on both runtime flavors (the raw read moves off a
/// multi-thread runtime's worker, and runs in place on a current-thread one).
async fn raw_reader_matches_sqlx(db: Arc<SqlDatabase>) {
    use crate::db::sql::rows::{row_to_snapshot_bundle, snapshot_select_list};
    use crate::db::sql::stmt::SqlBuilder;
    insert(
        &*db,
        &[
            bundle(1, json!({})),
            bundle(2, json!({"message": null, "targetAppVersion": null, "fingerprintHash": "fp-2", "shouldForceUpdate": true})),
            bundle(3, json!({"message": "", "targetAppVersion": "^1.2 || >=3 <4", "rolloutCohortCount": 250, "targetCohorts": ["qa", "번들"]})),
            bundle(4, json!({"message": "éclair 🚀 \u{0} nul", "manifestStorageUri": "s3://bucket/4/manifest.json", "rolloutCohortCount": 0})),
            bundle(5, json!({"enabled": false})),
            bundle(6, json!({"channel": "beta"})),
        ],
    )
    .await;
    let handle = db.open().await.unwrap();
    let mut held = handle.pools.acquire(&db.shared).await.unwrap();
    let mut exec = held.exec(&db.shared);
    let select = |extra: &str| {
        let mut b = SqlBuilder::new(Provider::Sqlite);
        b.push(&format!("select {} from bundles where enabled = ", snapshot_select_list(Provider::Sqlite))).boolean(true);
        b.push(" and platform = ").text(Some("ios"));
        b.push(" and channel = ").text(Some("production"));
        b.push(extra);
        b.finish()
    };
    let stmt = select(" order by id");
    let raw_read = exec.fetch_map(&stmt, row_to_snapshot_bundle).await.unwrap();
    let sqlx_read: Vec<_> = exec.fetch_all(&stmt).await.unwrap().iter().map(|r| row_to_snapshot_bundle(r).unwrap()).collect();
    assert_eq!(raw_read, sqlx_read);
    assert_eq!(raw_read.iter().map(|b| b.id.clone()).collect::<Vec<_>>(), vec![id(1), id(2), id(3), id(4)]);
    assert_eq!(raw_read[3].message.as_deref(), Some("éclair 🚀 \u{0} nul"));
    assert_eq!(raw_read[2].message.as_deref(), Some(""));
    assert_eq!(raw_read[1].message, None);
    assert!(raw_read[1].should_force_update);
    assert_eq!(raw_read[2].target_cohorts, Some(vec!["qa".to_string(), "번들".to_string()]));
    assert_eq!(raw_read[3].rollout_cohort_count, Some(0.0));

    // Values of another storage class than the column's: numbers in a text column read as
    // their text, anything but an integer in an integer column is refused, by both readers.
    let cases = [
        ("message = 42", Some("42")),
        ("message = 4.5", Some("4.5")),
        ("message = x'6869'", None),
        ("message = 'm', should_force_update = 'yes'", None),
        ("message = 'm', should_force_update = 1.5", None),
        ("message = 'm', should_force_update = x'01'", None),
        ("message = 'm', should_force_update = '2.0'", Some("m")), // stored as the integer 2
    ];
    for (set, expected) in cases {
        exec.execute_raw(&format!("update bundles set {set} where id = '{}'", id(1))).await.unwrap();
        let through_sqlx: Result<Vec<_>, _> = exec.fetch_all(&stmt).await.unwrap().iter().map(|r| row_to_snapshot_bundle(r)).collect();
        let raw_read = exec.fetch_map(&stmt, row_to_snapshot_bundle).await;
        match expected {
            Some(message) => {
                let (through_sqlx, raw_read) = (through_sqlx.unwrap(), raw_read.unwrap());
                assert_eq!(raw_read, through_sqlx, "{set}");
                assert_eq!(raw_read[0].message.as_deref(), Some(message), "{set}");
            }
            None => {
                assert!(through_sqlx.is_err(), "{set}: sqlx read it");
                let err = raw_read.unwrap_err();
                assert!(err.message.starts_with("Cannot read column ") && err.message.contains("mismatched types"), "{set}: {}", err.message);
            }
        }
    }
    // SQL errors: SQLite's own message, for a bad statement and for a missing table.
    let err = exec.fetch_map(&select(" order by no_such_column"), row_to_snapshot_bundle).await.unwrap_err();
    assert_eq!(err.message, "no such column: no_such_column");
    let err = exec.fetch_map(&raw("select 1 as id from no_such_table"), row_to_snapshot_bundle).await.unwrap_err();
    assert_eq!(err.message, "no such table: no_such_table");
    // The connection is whole afterwards, for sqlx as for the raw reader.
    assert_eq!(exec.fetch_all(&raw("select 7 as v")).await.unwrap()[0].opt_int("v").unwrap(), Some(7));
    exec.execute_raw(&format!("update bundles set should_force_update = 0 where id = '{}'", id(1))).await.unwrap();
    assert_eq!(exec.fetch_map(&stmt, row_to_snapshot_bundle).await.unwrap().len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_raw_reader_matches_sqlx_file_multi_thread() {
    harness::run(Kind::SqliteFile, harness::migrated(), raw_reader_matches_sqlx).await;
}

#[tokio::test]
async fn sqlite_raw_reader_matches_sqlx_memory_current_thread() {
    harness::run(Kind::SqliteMemory, harness::migrated(), raw_reader_matches_sqlx).await;
}

/// `fetch_map` on every engine: the same bundles as `fetch_all` with the same decoder, and a
/// decoding error part-way through a result (the server rows stream in) leaves the connection
/// usable for the next statement.
async fn fetch_map_matches_fetch_all(db: Arc<SqlDatabase>) {
    use crate::db::sql::rows::{row_to_snapshot_bundle, snapshot_select_list};
    let many: Vec<Value> = (1..=300).map(|n| bundle(n, json!({"message": if n % 3 == 0 { Value::Null } else { json!(format!("m{n} ✓")) }}))).collect();
    insert(&*db, &many).await;
    let handle = db.open().await.unwrap();
    let mut held = handle.pools.acquire(&db.shared).await.unwrap();
    let mut exec = held.exec(&db.shared);
    let provider = db.provider();
    let stmt = raw(format!("select {} from bundles order by id", snapshot_select_list(provider)));
    let mapped = exec.fetch_map(&stmt, row_to_snapshot_bundle).await.unwrap();
    let all: Vec<_> = exec.fetch_all(&stmt).await.unwrap().iter().map(|r| row_to_snapshot_bundle(r).unwrap()).collect();
    assert_eq!(mapped.len(), 300);
    assert_eq!(mapped, all);
    let failing = |row: &dyn ColumnRead| -> crate::error::Result<String> {
        let id = row.text("id")?;
        if id.ends_with("002") {
            return Err(crate::error::Error::database("stop at the second row"));
        }
        Ok(id)
    };
    assert_eq!(exec.fetch_map(&stmt, failing).await.unwrap_err().message, "stop at the second row");
    assert_eq!(exec.fetch_all(&raw("select 7 as v")).await.unwrap()[0].opt_int("v").unwrap(), Some(7));
    assert_eq!(exec.fetch_map(&stmt, row_to_snapshot_bundle).await.unwrap(), all);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fetch_map_matches_fetch_all_on_every_engine() {
    for kind in [Kind::SqliteFile, Kind::SqliteMemory, Kind::Postgres, Kind::MySql] {
        harness::run(kind, harness::migrated(), fetch_map_matches_fetch_all).await;
    }
}
