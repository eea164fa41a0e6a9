//! Databases: one trait, several backends (native SQL, and JS plugins through the bridge), and the
//! snapshot that wraps any of them.

mod database;
pub mod js;
pub mod mongo;
pub mod paginate;
mod partition;
pub mod query;
pub mod s3;
pub mod shared;
pub mod snapshot;
pub mod sql;

pub use database::{Database, Migrations, SnapshotStatus, UpdateLookup};
pub use query::{BundlePage, BundleQuery, BundleWhere, Cursor, IdFilter};
