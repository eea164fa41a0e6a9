//! Protocol constants defined once here and exported to the JS wrapper through napi
//! (`src/napi/constants.rs`), so the wrapper and the router cannot disagree.

/// Upstream's server version, also the body of `GET /version`.
pub const SERVER_VERSION: &str = "0.36.3";

/// Request bodies above this size are refused with 413 before parsing.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
