//! hot-updater-rs: a native drop-in for `@hot-updater/server`.

pub mod core;
pub mod db;
pub mod error;
