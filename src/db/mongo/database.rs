//! [`MongoDatabase`]: a lazily opened client on the database the connection string names.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use mongodb::bson::Document;
use mongodb::{Client, Collection};
use tokio::sync::OnceCell;

use super::changes::Watcher;
use super::errors::Redactor;
use super::migrate;
use super::options::{client_options, MongoOptions};
use crate::db::shared::{readiness_error, SCHEMA_VERSION, SETTINGS_TABLE};
use crate::error::Result;

/// `adapterName` of upstream's `mongoAdapter`, also the name in readiness messages.
pub const MONGO_ADAPTER_NAME: &str = "mongodb";

/// An open client and whether its schema was found current.
pub(super) struct Opened {
    pub client: Client,
    pub db: mongodb::Database,
    ready: AtomicBool,
    /// The deployment refused a transaction (a standalone MongoDB): writes run without one.
    pub no_transactions: AtomicBool,
}

impl Opened {
    pub fn bundles(&self) -> Collection<Document> {
        self.db.collection("bundles")
    }
    pub fn patches(&self) -> Collection<Document> {
        self.db.collection("bundle_patches")
    }
    pub fn settings(&self) -> Collection<Document> {
        self.db.collection(SETTINGS_TABLE)
    }
}

/// A native MongoDB database with upstream's `mongoAdapter` layout.
///
/// Nothing connects until the first call; [`Database::close`](crate::db::Database::close)
/// drops the client (and its change stream) and a later call opens a new one.
pub struct MongoDatabase {
    url: String,
    options: MongoOptions,
    pub(super) redactor: Redactor,
    state: Mutex<Arc<OnceCell<Arc<Opened>>>>,
    pub(super) watcher: Watcher,
}

impl fmt::Debug for MongoDatabase {
    // Hand-written: the URL may hold a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MongoDatabase").field("options", &self.options).finish_non_exhaustive()
    }
}

impl MongoDatabase {
    /// A database at `url` (`mongodb://user:pass@host:27017/dbname?replicaSet=rs0`, or
    /// `mongodb+srv://user:pass@cluster.example.com/dbname`). The URL is only checked for its
    /// scheme here; it is parsed (and an SRV URL resolved) when the first call opens the client.
    pub fn new(url: &str, options: MongoOptions) -> Result<Self> {
        if !url.starts_with("mongodb://") && !url.starts_with("mongodb+srv://") {
            return Err(crate::error::Error::config("mongoDatabase: `url` must be a mongodb:// or mongodb+srv:// connection string"));
        }
        Ok(MongoDatabase {
            url: url.to_string(),
            redactor: Redactor::for_url(url),
            options,
            state: Mutex::new(Arc::new(OnceCell::new())),
            watcher: Watcher::default(),
        })
    }

    async fn connect(&self) -> Result<Opened> {
        let (client_opts, name) = client_options(&self.url, &self.options, &self.redactor).await?;
        let client = Client::with_options(client_opts).map_err(|e| super::errors::map_err(e, &self.redactor))?;
        let db = client.database(&name);
        let opened = Opened { client, db, ready: AtomicBool::new(false), no_transactions: AtomicBool::new(false) };
        if self.options.auto_migrate == Some(true) {
            let version = migrate::read_version(&opened, &self.redactor).await?;
            if version.as_deref() != Some(SCHEMA_VERSION) {
                migrate::migrate(&opened, &self.redactor).await?;
            }
            opened.ready.store(true, Ordering::Release);
        }
        Ok(opened)
    }

    /// The client, opened on first use.
    pub(super) async fn open(&self) -> Result<Arc<Opened>> {
        let cell = self.state.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let opened = cell.get_or_try_init(|| async { self.connect().await.map(Arc::new) }).await?;
        Ok(Arc::clone(opened))
    }

    /// The client, after checking once that the schema is current (upstream's readiness check:
    /// success is remembered, failure is checked again next time).
    pub(super) async fn ready(&self) -> Result<Arc<Opened>> {
        let opened = self.open().await?;
        if opened.ready.load(Ordering::Acquire) {
            return Ok(opened);
        }
        let version = migrate::read_version(&opened, &self.redactor).await?;
        if version.as_deref() != Some(SCHEMA_VERSION) {
            return Err(readiness_error(MONGO_ADAPTER_NAME, version.as_deref()));
        }
        opened.ready.store(true, Ordering::Release);
        Ok(opened)
    }

    pub(super) fn mark_ready(opened: &Opened) {
        opened.ready.store(true, Ordering::Release);
    }

    /// Drops the client; the next call opens a new one.
    pub async fn close_client(&self) {
        self.watcher.stop().await;
        let old = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::replace(&mut *state, Arc::new(OnceCell::new()))
        };
        if let Some(opened) = old.get() {
            // Immediately: a request still holding the client must not hold up `close()`.
            opened.client.clone().shutdown().immediate(true).await;
        }
    }
}
