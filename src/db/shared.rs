//! Small facts every native backend shares: the schema version upstream's adapters check, the
//! readiness error they raise, and the revision record that tells processes about each other's
//! writes.

use crate::error::Error;

/// The schema version this crate reads and writes.
pub const SCHEMA_VERSION: &str = "0.31.0";
/// The internal table (collection) that holds the `version` row.
pub const SETTINGS_TABLE: &str = "private_hot_updater_settings";
/// Key of the settings row that every write through hot-updater-rs changes. Upstream only reads
/// the `version` row, so the extra row is invisible to it.
pub const REVISION_KEY: &str = "hot-updater-rs.revision";

/// Upstream's `HotUpdaterSchemaMigrationRequiredError` message for `adapter` at `version`
/// (`None` = no schema at all).
pub fn readiness_error(adapter: &str, version: Option<&str>) -> Error {
    let message = match version {
        None => format!("Hot Updater database schema is not initialized for {adapter}. Run `hot-updater db migrate` before using this adapter."),
        Some(v) => {
            format!("Hot Updater database schema version {v} is not supported by {adapter}. Run `hot-updater db migrate` to upgrade to {SCHEMA_VERSION}.")
        }
    };
    Error::database(message)
}

/// A token unique enough to tell two writes apart: time plus a process-wide counter.
pub fn revision_token() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{nanos:x}-{:x}-{:x}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}
