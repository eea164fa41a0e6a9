//! The napi binding: the only module that imports napi.

pub mod bridge;
pub mod constants;
pub mod files;
pub mod internals;
pub mod listener;
pub mod options;
pub mod schema;
pub mod server;
