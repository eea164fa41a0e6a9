//! The server's data API (upstream's `HotUpdaterAPI`): what both the HTTP routes and the JS
//! methods of the returned object call.

pub mod api;
pub mod enrich;
pub mod methods;

pub use api::{AppUpdate, HotUpdater, FILE_URL_PLACEHOLDER};
