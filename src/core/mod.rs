//! The pure domain: no I/O, no napi, no database or storage crates.

pub mod bundle;
pub mod collate;
pub mod constraints;
pub mod http_date;
pub mod jsnum;
pub mod merge;
pub mod pagination;
pub mod rollout;
pub mod semver;
pub mod update;
