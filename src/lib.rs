//! hot-updater-rs: a native drop-in for `@hot-updater/server`.
//!
//! Layers, top to bottom: `napi` (the only module that touches napi), `http` (routes),
//! `service` (the data API), `core` (pure domain), `db` and `storage` (backends).

pub mod bridge;
pub mod context;
pub mod core;
pub mod db;
pub mod error;
#[cfg(any(test, feature = "fuzzing"))]
pub mod fuzzing;
pub mod http;
pub mod listener;
#[cfg(feature = "napi")]
pub mod napi;
pub mod ops;
pub mod service;
pub mod storage;
