//! `hotUpdater.listen()`: a built-in HTTP/1.1 server (hyper) on the addon's tokio runtime that
//! serves the router (`http::handle_now` / `http::handle`) without entering JavaScript.
//!
//! What needs JavaScript still gets it: a JS database or storage plugin is reached through the
//! plugin bridge as from `handler()`. `fileStorage`'s routes are served here from the storage
//! directory (`file_routes.rs`, `upload.rs`) on Unix; elsewhere they are handed whole to the
//! wrapper's `handler` through [`Forward`]. Limits: request bodies (the router's [`MAX_BODY_BYTES`](crate::http::MAX_BODY_BYTES),
//! the upload limit for forwarded routes), header count and size, a deadline for the request head
//! (which also ends idle keep-alive connections) and one for the body. `close()` stops accepting,
//! lets in-flight requests finish and closes idle connections.

pub mod auth;
mod body;
mod file_routes;
mod serve;
mod server;
mod upload;

pub use auth::BearerAuth;
pub use server::{App, Forward, ForwardRequest, ForwardResponse, Limits, Listener};
