//! Engine-level cases: migrations, readiness, query budget. Each starts from an empty database
//! opened without auto-migration.

use std::sync::Arc;

use serde_json::json;

use super::fixtures::*;
use super::harness::exec_raw;
use crate::context::Ctx;
use crate::db::sql::ddl::{create_statements, migration_statements};
use crate::db::sql::{Provider, SqlDatabase};
use crate::db::Database;

fn not_initialized(adapter: &str) -> String {
    format!("Hot Updater database schema is not initialized for {adapter}. Run `hot-updater db migrate` before using this adapter.")
}

fn unsupported(adapter: &str, version: &str) -> String {
    format!("Hot Updater database schema version {version} is not supported by {adapter}. Run `hot-updater db migrate` to upgrade to 0.31.0.")
}

/// The old schema `version`, built with its own DDL, plus one bundle row written the old way.
async fn build_old_schema(db: &SqlDatabase, version: &str) {
    for statement in create_statements(db.provider(), version).unwrap() {
        exec_raw(db, &statement).await;
    }
    let (yes, no) = if db.provider() == Provider::Postgres { ("true", "false") } else { ("1", "0") };
    let extra_cols = if version == "0.29.0" { ", rollout_cohort_count, target_cohorts" } else { "" };
    let extra_vals = if version == "0.29.0" { ", 250, '[\"qa\",7]'" } else { "" };
    exec_raw(
        db,
        &format!(
            "insert into bundles (id, platform, should_force_update, enabled, file_hash, git_commit_hash, message, channel, storage_uri, target_app_version, fingerprint_hash, metadata{extra_cols}) \
             values ('{}', 'ios', {yes}, {no}, 'old-hash', null, 'old', 'production', 's3://old.zip', '1.0.0', null, '{{\"app_version\":\"1.0.0\"}}'{extra_vals})",
            id(1)
        ),
    )
    .await;
}

pub async fn readiness_then_migrate_from_empty(db: Arc<SqlDatabase>) {
    let adapter = db.adapter();
    assert_eq!(db.migrator().version().await.unwrap(), None);
    assert_eq!(db.ensure_ready().await.unwrap_err().message, not_initialized(adapter));
    assert_eq!(db.get_channels(Ctx::default()).await.unwrap_err().message, not_initialized(adapter));
    let planned = db.migrator().sql().await.unwrap();
    assert_eq!(planned, migration_statements(db.provider(), None).unwrap());
    let outcome = db.migrator().migrate().await.unwrap();
    assert_eq!((outcome.from, outcome.statements), (None, planned));
    assert_eq!(db.migrator().version().await.unwrap().as_deref(), Some("0.31.0"));
    db.ensure_ready().await.unwrap();
    insert(&*db, &[bundle(1, json!({}))]).await;
    assert!(get(&*db, 1).await.is_some());
    let again = db.migrator().migrate().await.unwrap();
    assert!(again.statements.is_empty(), "a current schema needs nothing");
    assert!(db.migrator().sql().await.unwrap().is_empty());
}

async fn migrate_old(db: Arc<SqlDatabase>, version: &str) {
    build_old_schema(&db, version).await;
    let adapter = db.adapter();
    assert_eq!(db.migrator().version().await.unwrap().as_deref(), Some(version));
    assert_eq!(db.ensure_ready().await.unwrap_err().message, unsupported(adapter, version));
    let outcome = db.migrator().migrate().await.unwrap();
    assert_eq!(outcome.from.as_deref(), Some(version));
    assert_eq!(outcome.statements, migration_statements(db.provider(), Some(version)).unwrap());
    db.ensure_ready().await.unwrap();
    let row = get(&*db, 1).await.expect("the old row survives");
    assert_eq!((&row["shouldForceUpdate"], &row["enabled"]), (&json!(true), &json!(false)));
    assert_eq!(row["metadata"], json!({"app_version": "1.0.0"}));
    assert_eq!(row["patches"], json!([]));
    let (rollout, cohorts) = if version == "0.29.0" { (json!(250), json!(["qa"])) } else { (json!(1000), json!(null)) };
    assert_eq!((&row["rolloutCohortCount"], &row["targetCohorts"]), (&rollout, &cohorts));
    // The new table works, including its foreign keys.
    insert(&*db, &[bundle(2, json!({"patches": [patch(1)]}))]).await;
    assert_eq!(get(&*db, 2).await.unwrap()["patches"], json!([patch(1)]));
}

pub async fn migrate_from_0_21_0(db: Arc<SqlDatabase>) {
    migrate_old(db, "0.21.0").await;
}

pub async fn migrate_from_0_29_0(db: Arc<SqlDatabase>) {
    migrate_old(db, "0.29.0").await;
}

pub async fn unsupported_version_is_refused(db: Arc<SqlDatabase>) {
    build_old_schema(&db, "0.29.0").await;
    let key = db.provider().key_column();
    exec_raw(&db, &format!("update private_hot_updater_settings set value = '0.40.0' where {key} = 'version'")).await;
    let err = db.migrator().migrate().await.unwrap_err();
    assert_eq!(err.message, "Unsupported Hot Updater schema version: 0.40.0");
    assert_eq!(db.ensure_ready().await.unwrap_err().message, unsupported(db.adapter(), "0.40.0"));
}

/// Run with `SqlOptions::default()`: SQLite migrates on first use, the servers do not.
pub async fn default_options(db: Arc<SqlDatabase>) {
    let result = db.get_channels(Ctx::default()).await;
    if db.provider() == Provider::Sqlite {
        assert_eq!(result.unwrap(), Vec::<String>::new());
        assert_eq!(db.migrator().version().await.unwrap().as_deref(), Some("0.31.0"));
    } else {
        assert_eq!(result.unwrap_err().message, not_initialized(db.adapter()));
        assert_eq!(db.migrator().version().await.unwrap(), None);
    }
}

pub async fn update_check_query_budget(db: Arc<SqlDatabase>) {
    db.migrator().migrate().await.unwrap();
    insert(&*db, &[bundle(1, json!({})), bundle(2, json!({"patches": [patch(1)]})), bundle(3, json!({"targetAppVersion": "9.9.9"}))]).await;
    db.ensure_ready().await.unwrap();
    let measure = |args| {
        let db = db.clone();
        async move {
            let before = db.statements_executed();
            let lookup = db.get_update_info(&args, Ctx::default()).await.unwrap();
            (db.statements_executed() - before, lookup.info.map(|i| i.id))
        }
    };
    assert_eq!(measure(app_args("1.0.0", 1)).await, (2, Some(id(2))), "distinct, rows (no manifest: no patch query)");
    assert_eq!(measure(app_args("1.0.0", 2)).await, (2, None), "no update: no patch query");
    assert_eq!(measure(app_args("5.0.0", 0)).await, (1, None), "nothing compatible: one query");
    let fp = |n: u64| bundle(n, json!({"targetAppVersion": null, "fingerprintHash": "f"}));
    insert(&*db, &[fp(4)]).await;
    assert_eq!(measure(fp_args("f", 0)).await, (1, Some(id(4))), "rows");
    let manifest = json!({"targetAppVersion": "7.0.0", "manifestStorageUri": "s3://b/m.json", "manifestFileHash": "x", "assetBaseStorageUri": "s3://b/a", "patches": [patch(1)]});
    insert(&*db, &[bundle(5, manifest)]).await;
    assert_eq!(measure(app_args("7.0.0", 0)).await, (3, Some(id(5))), "distinct, rows, the target's patches for diff enrichment");
}

pub async fn ids_that_are_not_uuids(db: Arc<SqlDatabase>) {
    db.migrator().migrate().await.unwrap();
    // Not found on every engine (upstream's Kysely adapter fails on PostgreSQL, where Postgres
    // refuses the literal; a device's malformed id must not fail its update check).
    for id in ["not-a-uuid", "", "0190-", "{01900000-0000-7000-8000-000000000001", "01900000-0000-7000-8000-00000000000g"] {
        assert_eq!(db.get_bundle_by_id(id, Ctx::default()).await.unwrap(), None, "{id}");
    }
    // Every spelling Postgres accepts still reaches the database (and finds nothing here).
    for id in ["{01900000-0000-7000-8000-000000000001}", "0190000000007000800000000000000A", "0190-0000-0000-7000-8000-0000-0000-0001"] {
        assert_eq!(db.get_bundle_by_id(id, Ctx::default()).await.unwrap(), None, "{id}");
    }
    if db.provider() == Provider::Postgres {
        // A write names its own id: Postgres refuses the literal, as with upstream.
        let err = db.delete_bundle("not-a-uuid", Ctx::default()).await.unwrap_err();
        assert_eq!(err.message, "invalid input syntax for type uuid: \"not-a-uuid\"");
    }
}

pub async fn change_marker_sees_in_place_updates(db: Arc<SqlDatabase>) {
    db.migrator().migrate().await.unwrap();
    insert(&*db, &[bundle(1, json!({})), bundle(2, json!({}))]).await;
    let mut last = db.change_marker().await.unwrap();
    assert_eq!(db.change_marker().await.unwrap(), last, "nothing changed");
    if db.is_memory() {
        // Nothing but this process can write a private in-memory database.
        return;
    }
    // In place, by "another tool": the count and the highest id stay, no revision is written.
    for sql in [
        "update bundles set rollout_cohort_count = 10",
        "update bundles set message = 'changed'",
        "update bundles set target_app_version = '2.x'",
        "update bundles set fingerprint_hash = 'f'",
        "update bundles set storage_uri = 's3://b/other.zip'",
    ] {
        exec_raw(&db, sql).await;
        let next = db.change_marker().await.unwrap();
        assert_ne!(next, last, "{sql}");
        assert_eq!(db.change_marker().await.unwrap(), next, "{sql}: stable afterwards");
        last = next;
    }
}
