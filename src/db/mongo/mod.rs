//! Native MongoDB backend (the `mongodb` crate) on upstream's `mongoAdapter` layout (SPEC §7.5):
//! collections `bundles`, `bundle_patches` and `private_hot_updater_settings`, snake_case fields,
//! the same indexes and migrator, so upstream and this crate can share one database.

mod backend;
mod changes;
mod convert;
mod database;
mod dns;
mod errors;
mod filter;
mod migrate;
mod options;
mod queries;
mod signature;
mod srv;
mod write;

#[cfg(test)]
mod tests;

pub use database::MongoDatabase;
pub use database::MONGO_ADAPTER_NAME;
pub use options::MongoOptions;
