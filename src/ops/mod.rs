//! Operating the server: update-check metrics, a health answer, adoption counts from traffic and
//! explanations of update decisions, each behind its own route (served by `http::ops_route`, `http::explain`, `http::health`) under `<basePath>/api/` and off
//! unless enabled (an upstream-configured server answers exactly as before).

pub mod adoption;
pub mod metrics;
pub mod redact;
mod state;

pub use state::{Ops, OpsOptions, BRIDGE_CALLS, BRIDGE_ERRORS};
