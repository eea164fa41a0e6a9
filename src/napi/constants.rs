//! Constants the JS wrapper needs, exported from their one Rust definition so that the wrapper
//! (`lib/*.js`, `node.js`, `db.js`) never repeats a value the router or the schema owns.

use napi_derive::napi;

/// Upstream's server version (`GET /version`), also `HOT_UPDATER_SERVER_VERSION`.
#[napi]
pub const SERVER_VERSION: &str = crate::http::SERVER_VERSION;

/// Request bodies above this many bytes are answered with 413 before they are read.
#[napi]
pub const MAX_BODY_BYTES: u32 = crate::http::MAX_BODY_BYTES as u32;

/// The SQL schema version this server reads and writes (upstream's latest migration).
#[napi]
pub const SCHEMA_VERSION: &str = crate::db::sql::SCHEMA_VERSION;

/// Every schema version the DDL tooling knows, oldest first.
#[napi(catch_unwind)]
pub fn schema_versions() -> Vec<String> {
    crate::db::sql::schema::SCHEMA_VERSIONS.iter().map(|v| v.to_string()).collect()
}

/// Stands in for `fileUrl` in an update answer that still needs a JS storage plugin's URL.
#[napi]
pub const FILE_URL_PLACEHOLDER: &str = crate::service::FILE_URL_PLACEHOLDER;
