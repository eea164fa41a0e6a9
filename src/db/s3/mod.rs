//! Native blob database on S3 (`s3Database`), in the layout of upstream's `@hot-updater/aws`
//! `s3Database` (plugin-core `createBlobDatabasePlugin`, SPEC §7.6), so that upstream's plugin
//! and this crate can share one bucket: `<channel>/<platform>/<target>/update.json` holds the
//! bundles of one target (app version or fingerprint), `<channel>/<platform>/target-app-versions.json`
//! lists the app-version targets, all under an optional `basePath`.
//!
//! Update checks are answered from the snapshot (`db::snapshot`): writes through this crate
//! also rewrite a small marker object that the probe reads; writes by other tools (upstream's
//! plugin, the CLI) are seen at the latest when the snapshot's `max_age` expires.

mod backend;
pub mod blob;
pub mod cloudfront;
mod database;
pub mod layout;

#[cfg(test)]
mod tests;

pub use database::{S3Database, S3DatabaseOptions, MARKER_KEY, S3_ADAPTER_NAME, SNAPSHOT_MAX_AGE};
