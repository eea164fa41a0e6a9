//! The framework-agnostic HTTP layer: a plain request in, a plain JSON response out.

pub mod explain;
pub mod files;
pub mod handler;
pub mod health;
pub mod limits;
pub mod multipart;
pub mod ops_route;
pub mod query;
pub mod response;
pub mod route;

pub use handler::{handle, handle_now};
pub use limits::{MAX_BODY_BYTES, SERVER_VERSION};
pub use response::{error_response, Request, Response, Routes};
