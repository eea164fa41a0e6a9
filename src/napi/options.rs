//! Server options as the JS wrapper hands them over: one JSON document, converted once.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::bridge::JsCall;
use crate::db::js::{JsDatabase, JsDatabaseInfo};
use crate::db::mongo::{MongoDatabase, MongoOptions};
use crate::db::s3::{S3Database, S3DatabaseOptions};
use crate::db::snapshot::{SnapshotDatabase, SnapshotOptions};
use crate::db::sql::{SqlDatabase, SqlOptions};
use crate::db::Database;
use crate::error::{Error, Result};
use crate::http::files::FileRoutes;
use crate::http::route::normalize_base_path;
use crate::http::Routes;
use crate::storage::cloudfront::{CloudFrontOptions, CloudFrontStorage, KeySource};
use crate::storage::gcs::{GcsOptions, GcsStorage};
use crate::storage::js::JsStorage;
use crate::storage::s3::S3Storage;
use crate::storage::s3_config::{Flavor, S3Config, S3Options};
use crate::storage::supabase::{SupabaseOptions, SupabaseStorage};
use crate::storage::{Storage, Storages};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RoutesOption {
    update_check: Option<bool>,
    bundles: Option<bool>,
}

/// No `Debug`: connection strings carry passwords.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum DatabaseOption {
    #[serde(rename_all = "camelCase")]
    Js {
        adapter_name: String,
        has_update_info: bool,
        has_migrator: bool,
        /// Resolved by the JS side: absent or `false` for no snapshot.
        #[serde(default)]
        snapshot: Option<SnapshotOption>,
        #[serde(default)]
        has_change_marker: bool,
    },
    #[serde(rename_all = "camelCase")]
    Sqlite {
        path: String,
        #[serde(flatten)]
        pool: PoolOption,
    },
    #[serde(rename_all = "camelCase")]
    Postgres {
        connection_string: String,
        #[serde(flatten)]
        pool: PoolOption,
    },
    #[serde(rename_all = "camelCase")]
    Mysql {
        connection_string: String,
        #[serde(flatten)]
        pool: PoolOption,
    },
    #[serde(rename_all = "camelCase")]
    Mongo {
        url: String,
        #[serde(flatten)]
        pool: PoolOption,
        connect_timeout_ms: Option<u64>,
        server_selection_timeout_ms: Option<u64>,
        dns_server: Option<String>,
    },
    /// `s3Database(...)`: upstream's blob layout on an S3 bucket.
    #[serde(rename_all = "camelCase")]
    S3Database {
        #[serde(flatten)]
        options: Box<S3DatabaseOptions>,
        #[serde(default)]
        snapshot: Option<SnapshotOption>,
    },
}

/// Pool and migration options shared by the SQL backends (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PoolOption {
    max_connections: Option<u32>,
    min_connections: Option<u32>,
    acquire_timeout_ms: Option<u64>,
    idle_timeout_ms: Option<u64>,
    busy_timeout_ms: Option<u64>,
    auto_migrate: Option<bool>,
    /// `false` turns the update-check snapshot off; an object tunes it.
    snapshot: Option<SnapshotOption>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SnapshotOption {
    Enabled(bool),
    #[serde(rename_all = "camelCase")]
    Tuned {
        probe_interval_ms: Option<u64>,
        max_age_ms: Option<u64>,
        serve_stale_for_ms: Option<u64>,
        probe_timeout_ms: Option<u64>,
    },
}

/// A JS plugin without `changeMarker()` is reloaded every this long (the default `maxAgeMs`),
/// probed twice as often: with the reload's own time, a change is seen within about 2 s.
const JS_RELOAD_INTERVAL: Duration = Duration::from_millis(1500);
const JS_PROBE_INTERVAL: Duration = Duration::from_millis(500);

/// The snapshot defaults for a JS plugin: with a marker, the native ones; without, a timed reload.
fn js_snapshot_defaults(has_change_marker: bool) -> SnapshotOptions {
    let native = SnapshotOptions { fall_back_when_unloaded: true, ..SnapshotOptions::default() };
    if has_change_marker {
        return native;
    }
    SnapshotOptions { probe_interval: JS_PROBE_INTERVAL, max_age: JS_RELOAD_INTERVAL, timed_reload: true, ..native }
}

/// Wraps a native database in the snapshot unless the options turn it off.
fn with_snapshot<D: Database + 'static>(db: D, option: Option<&SnapshotOption>) -> Arc<dyn Database> {
    with_snapshot_from(db, option, SnapshotOptions::default())
}

fn with_snapshot_from<D: Database + 'static>(db: D, option: Option<&SnapshotOption>, defaults: SnapshotOptions) -> Arc<dyn Database> {
    let ms = |v: Option<u64>, d: Duration| v.map(Duration::from_millis).unwrap_or(d);
    let opts = match option {
        Some(SnapshotOption::Enabled(false)) => return Arc::new(db),
        None | Some(SnapshotOption::Enabled(true)) => defaults,
        Some(SnapshotOption::Tuned { probe_interval_ms, max_age_ms, serve_stale_for_ms, probe_timeout_ms }) => SnapshotOptions {
            probe_interval: ms(*probe_interval_ms, defaults.probe_interval),
            max_age: ms(*max_age_ms, defaults.max_age),
            serve_stale_for: ms(*serve_stale_for_ms, defaults.serve_stale_for),
            // At least 50 ms: a probe needs a round trip to the database.
            probe_timeout: ms(*probe_timeout_ms, defaults.probe_timeout).max(Duration::from_millis(50)),
            ..defaults
        },
    };
    Arc::new(SnapshotDatabase::new(Arc::new(db), opts))
}

impl PoolOption {
    fn to_sql(&self) -> SqlOptions {
        SqlOptions {
            max_connections: self.max_connections,
            min_connections: self.min_connections,
            acquire_timeout_ms: self.acquire_timeout_ms,
            idle_timeout_ms: self.idle_timeout_ms,
            busy_timeout_ms: self.busy_timeout_ms,
            auto_migrate: self.auto_migrate,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum StorageOption {
    Js {
        protocol: String,
        index: u32,
    },
    /// `s3Storage(...)` / `r2Storage(...)`: native S3 and R2 (S3 API).
    S3(S3Options),
    R2(S3Options),
    #[serde(rename_all = "camelCase")]
    File {
        dir: String,
        public_base_url: Option<String>,
        #[serde(default)]
        trusted_hosts: Option<Vec<String>>,
    },
    /// `supabaseStorage(...)`: Supabase Storage's REST API.
    Supabase(SupabaseOptions),
    /// `firebaseStorage(...)`: Cloud Storage signed URLs from a service-account key.
    Gcs(GcsOptions),
    /// `withCloudFrontSignedUrl(...)` / `s3LambdaEdgeStorage(...)`: CloudFront signed URLs over
    /// the wrapped storage.
    CloudFront {
        base: Box<StorageOption>,
        signing: CloudFrontOptions,
    },
}

/// No `Debug`: the database option carries a password.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ServerOptions {
    base_path: Option<String>,
    routes: Option<RoutesOption>,
    database: DatabaseOption,
    #[serde(default)]
    storages: Vec<StorageOption>,
    /// Metrics, health, adoption and explain (see `ops`); all off when absent.
    #[serde(default)]
    operate: crate::ops::OpsOptions,
}

/// Everything a server instance needs, built from the options.
pub struct Built {
    pub base_path: String,
    pub routes: Routes,
    pub db: Arc<dyn Database>,
    pub storages: Storages,
    /// The first `fileStorage`, whose routes this server answers.
    pub file_routes: Option<FileRoutes>,
    /// Metrics, health, adoption and explain, with the storages' protocols for the health answer.
    pub ops: crate::ops::Ops,
}

pub fn build(json: &str, bridge: Option<Arc<dyn JsCall>>) -> Result<Built> {
    let opts: ServerOptions = serde_json::from_str(json).map_err(|e| Error::config(format!("Invalid hot-updater-rs options: {e}")))?;
    let need_bridge = || bridge.clone().ok_or_else(|| Error::config("A JS plugin was given but no bridge function"));
    let db: Arc<dyn Database> = match opts.database {
        DatabaseOption::Js { adapter_name, has_update_info, has_migrator, snapshot, has_change_marker } => {
            let enabled = matches!(snapshot, Some(SnapshotOption::Enabled(true)) | Some(SnapshotOption::Tuned { .. }));
            let info = JsDatabaseInfo { adapter_name, has_update_info, has_migrator, snapshot: enabled, has_change_marker };
            let db = JsDatabase::new(info, need_bridge()?);
            if enabled {
                with_snapshot_from(db, snapshot.as_ref(), js_snapshot_defaults(has_change_marker))
            } else {
                Arc::new(db)
            }
        }
        DatabaseOption::Sqlite { path, pool } => with_snapshot(SqlDatabase::sqlite(&path, pool.to_sql())?, pool.snapshot.as_ref()),
        DatabaseOption::Postgres { connection_string, pool } => {
            with_snapshot(SqlDatabase::postgres(&connection_string, pool.to_sql())?, pool.snapshot.as_ref())
        }
        DatabaseOption::Mysql { connection_string, pool } => with_snapshot(SqlDatabase::mysql(&connection_string, pool.to_sql())?, pool.snapshot.as_ref()),
        DatabaseOption::Mongo { url, pool, connect_timeout_ms, server_selection_timeout_ms, dns_server } => {
            let options = MongoOptions {
                max_connections: pool.max_connections,
                min_connections: pool.min_connections,
                idle_timeout_ms: pool.idle_timeout_ms,
                connect_timeout_ms,
                server_selection_timeout_ms,
                auto_migrate: pool.auto_migrate,
                dns_server,
            };
            with_snapshot(MongoDatabase::new(&url, options)?, pool.snapshot.as_ref())
        }
        DatabaseOption::S3Database { options, snapshot } => {
            let defaults = SnapshotOptions { max_age: crate::db::s3::SNAPSHOT_MAX_AGE, ..SnapshotOptions::default() };
            with_snapshot_from(S3Database::new(*options)?, snapshot.as_ref(), defaults)
        }
    };
    let mut list: Vec<Arc<dyn Storage>> = Vec::new();
    let mut file_routes = None;
    for s in opts.storages {
        match s {
            StorageOption::Js { protocol, index } => list.push(Arc::new(JsStorage { protocol, index, js: need_bridge()? })),
            StorageOption::S3(o) => list.push(Arc::new(S3Storage::from_options(Flavor::S3, o)?)),
            StorageOption::R2(o) => list.push(Arc::new(S3Storage::from_options(Flavor::R2, o)?)),
            StorageOption::File { dir, public_base_url, trusted_hosts } => {
                let public_base_url = public_base_url.filter(|u| !u.is_empty());
                if file_routes.is_none() {
                    file_routes = Some(FileRoutes { dir: dir.clone().into(), public_base_url: public_base_url.clone(), trusted_hosts: trusted_hosts.clone() });
                }
                list.push(Arc::new(crate::storage::file::FileStorage::new(dir, public_base_url).with_trusted_hosts(trusted_hosts)))
            }
            StorageOption::Supabase(o) => list.push(Arc::new(SupabaseStorage::from_options(o)?)),
            StorageOption::Gcs(o) => list.push(Arc::new(GcsStorage::from_options(o)?)),
            StorageOption::CloudFront { base, signing } => {
                let js = need_bridge()?;
                let inner = cloudfront_base(*base, &js)?;
                let key = KeySource::Js { index: signing.key_index, js };
                list.push(Arc::new(CloudFrontStorage::new(inner, signing, key)?));
            }
        }
    }
    let routes = match opts.routes {
        None => Routes { update_check: true, bundles: false },
        Some(r) => Routes { update_check: r.update_check.unwrap_or(true), bundles: r.bundles.unwrap_or(false) },
    };
    let ops = crate::ops::Ops::new(opts.operate, list.iter().map(|s| s.protocol().to_string()).collect());
    Ok(Built { base_path: normalize_base_path(opts.base_path.as_deref()), routes, db, storages: Storages::new(list), file_routes, ops })
}

/// The storage `withCloudFrontSignedUrl` wraps: a JS plugin or a native network storage.
fn cloudfront_base(base: StorageOption, js: &Arc<dyn JsCall>) -> Result<Arc<dyn Storage>> {
    Ok(match base {
        StorageOption::Js { protocol, index } => Arc::new(JsStorage { protocol, index, js: js.clone() }),
        StorageOption::S3(o) => Arc::new(S3Storage::from_options(Flavor::S3, o)?),
        StorageOption::R2(o) => Arc::new(S3Storage::from_options(Flavor::R2, o)?),
        StorageOption::Supabase(o) => Arc::new(SupabaseStorage::from_options(o)?),
        StorageOption::Gcs(o) => Arc::new(GcsStorage::from_options(o)?),
        StorageOption::File { .. } | StorageOption::CloudFront { .. } => {
            return Err(Error::config("withCloudFrontSignedUrl: wrap s3Storage(...) or a storage plugin, not fileStorage or another CloudFront storage."))
        }
    })
}

/// Checks the options of `s3Storage(...)` / `r2Storage(...)` when the factory is called, so a
/// broken config throws there (as upstream's does) while the checks live once, in `S3Config`.
#[napi_derive::napi(catch_unwind)]
pub fn check_s3_storage_option(option_json: String) -> napi::Result<()> {
    let option: StorageOption =
        serde_json::from_str(&option_json).map_err(|e| super::server::to_napi(Error::config(format!("Invalid storage options: {e}"))))?;
    let result = match option {
        StorageOption::S3(o) => S3Config::from_options(Flavor::S3, o).map(drop),
        StorageOption::R2(o) => S3Config::from_options(Flavor::R2, o).map(drop),
        _ => Err(Error::config("checkS3StorageOption: not an s3 or r2 option")),
    };
    result.map_err(super::server::to_napi)
}
