//! Storages: turn a bundle's `storageUri` into a download URL and read small text objects
//! (manifests). Several storages can be active; the URI's protocol picks one (SPEC §6.2).
//!
//! Backends (`file`, `gcs`, `js`, `s3`, `supabase`) import only the shared pieces (`backend`,
//! `uri`, `cache`, `http`, `url_signing`), never each other; `s3_client` is the S3 backend's AWS SDK
//! side, `file_store` the file backend's storage directory (for the listener's file routes);
//! `remote` reads plain http(s) URIs.

pub mod backend;
pub mod cache;
pub mod cloudfront;
pub mod file;
pub mod file_store;
pub mod gcs;
pub mod http;
pub mod js;
pub mod remote;
pub mod s3;
pub mod s3_client;
pub mod s3_config;
pub mod storages;
pub mod supabase;
pub mod uri;
pub mod url_signing;

pub use backend::Storage;
pub use storages::Storages;
pub use uri::uri_protocol;
