//! Native SQL backends (sqlx) on upstream's schema: SQLite, PostgreSQL and MySQL/MariaDB.

mod backend;
mod conn;
mod database;
pub mod ddl;
pub mod dialect;
mod errors;
mod filter;
pub mod migrate;
pub mod pool;
mod queries;
mod rows;
pub mod schema;
mod snapshot_queries;
mod sqlite_raw;
mod stmt;
mod update_check;

#[cfg(test)]
mod tests;

pub use database::{Migrator, SqlDatabase};
pub use dialect::{Provider, MYSQL_ADAPTER_NAME, POSTGRES_ADAPTER_NAME, SQLITE_ADAPTER_NAME};
pub use errors::{strip_url_credentials, Redactor};
pub use migrate::MigrationOutcome;
pub use pool::{SqlOptions, MEMORY_PATH};
pub use schema::SCHEMA_VERSION;
