//! Options of the native MongoDB database, and the driver's client options built from them.

use std::time::Duration;

use mongodb::options::ClientOptions;

use super::errors::{map_err, Redactor};
use crate::error::{Error, Result};

/// Pool and migration options (all optional; the connection string's own options apply first,
/// these override them).
#[derive(Debug, Clone, Default)]
pub struct MongoOptions {
    /// `maxPoolSize` (the driver's default is 10).
    pub max_connections: Option<u32>,
    /// `minPoolSize`.
    pub min_connections: Option<u32>,
    /// `maxIdleTimeMS`.
    pub idle_timeout_ms: Option<u64>,
    /// `connectTimeoutMS`.
    pub connect_timeout_ms: Option<u64>,
    /// `serverSelectionTimeoutMS`: how long an operation waits for a usable server (the driver's
    /// default is 30 s; it is what a caller waits when the database is down).
    pub server_selection_timeout_ms: Option<u64>,
    /// Create the collections and indexes on first use when the schema is missing or older.
    pub auto_migrate: Option<bool>,
    /// The nameserver(s) for `mongodb+srv://` lookups (`host[:port]`, comma-separated); see
    /// `dns::nameservers` for the defaults.
    pub dns_server: Option<String>,
}

/// The name `client.db()` gives when the connection string names no database (the Node.js
/// driver's default, so a URL without one reaches the same database upstream uses).
const DEFAULT_DATABASE: &str = "test";

/// Parses `url` into client options (no I/O for `mongodb://`; a `mongodb+srv://` URL is first
/// resolved to its seed list, see `srv`) and returns them with the database name.
pub async fn client_options(url: &str, opts: &MongoOptions, redactor: &Redactor) -> Result<(ClientOptions, String)> {
    let resolved;
    let url = if url.starts_with("mongodb+srv://") {
        resolved = super::srv::resolve(url, opts.dns_server.as_deref()).await?;
        resolved.as_str()
    } else if url.starts_with("mongodb://") {
        url
    } else {
        return Err(Error::config("mongoDatabase: `url` must be a mongodb:// or mongodb+srv:// connection string"));
    };
    let mut options = ClientOptions::parse(url).await.map_err(|e| {
        let mut err = map_err(e, redactor);
        err.kind = crate::error::ErrorKind::Config;
        err
    })?;
    let ms = Duration::from_millis;
    if let Some(n) = opts.max_connections {
        options.max_pool_size = Some(n);
    }
    if let Some(n) = opts.min_connections {
        options.min_pool_size = Some(n);
    }
    if let Some(n) = opts.idle_timeout_ms {
        options.max_idle_time = Some(ms(n));
    }
    if let Some(n) = opts.connect_timeout_ms {
        options.connect_timeout = Some(ms(n));
    }
    if let Some(n) = opts.server_selection_timeout_ms {
        options.server_selection_timeout = Some(ms(n));
    }
    if options.app_name.is_none() {
        options.app_name = Some("hot-updater-rs".to_string());
    }
    let name = options.default_database.clone().filter(|d| !d.is_empty()).unwrap_or_else(|| DEFAULT_DATABASE.to_string());
    Ok((options, name))
}
