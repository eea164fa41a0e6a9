//! The class the JS wrapper drives: one napi crossing per request, primitives in and out.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures::FutureExt;

use napi::bindgen_prelude::{Either3, FnArgs, Function, Promise};
use napi::Status;
use napi_derive::napi;
use serde_json::Value;

use super::bridge::NapiBridge;
use super::options;
use crate::bridge::JsCall;
use crate::context::Ctx;
use crate::error::Error;
use crate::http::files::FileRoutes;
use crate::http::{self, Request, Routes};
use crate::service::HotUpdater;

/// The JS bridge function as the constructor receives it: `(op, ctxId, a, b) => Promise<string>`.
type BridgeJsFn<'a> = Function<'a, FnArgs<(String, u32, String, String)>, Promise<String>>;

/// A plain HTTP answer; the JS side turns it into a Web `Response`.
#[napi(object)]
pub struct NativeResponse {
    pub status: u16,
    /// JSON text.
    pub body: String,
    /// Set when the request failed unexpectedly; JS logs it as upstream does.
    pub error_message: Option<String>,
    /// The answer came from the last good snapshot while the database was unreachable.
    pub stale: bool,
    /// `Retry-After` seconds of a 503 answer (a write refused while the database is unreachable).
    pub retry_after: Option<u32>,
}

/// An error as JS sees it: `code\0message`, split again by the wrapper.
pub(crate) fn to_napi(err: Error) -> napi::Error {
    napi::Error::new(Status::GenericFailure, format!("{}\u{0}{}", err.kind.code(), err.message))
}

/// What a panic becomes for JS: an internal error with the panic's text. The sync entry points
/// use `#[napi(catch_unwind)]`; async ones run their future through [`contained`].
fn panic_error(payload: &(dyn std::any::Any + Send)) -> Error {
    let text = payload.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| payload.downcast_ref::<String>().cloned()).unwrap_or_default();
    Error::internal(format!("hot-updater-rs internal error (a bug; please report it): {text}"))
}

/// Runs an async entry point's future, turning a panic into an error instead of a rejection
/// with napi's generic text (and the request into a 500 answer instead of a thrown handler).
pub(crate) async fn contained<T>(fut: impl Future<Output = T>) -> Result<T, Error> {
    AssertUnwindSafe(fut).catch_unwind().await.map_err(|payload| panic_error(payload.as_ref()))
}

/// An update answer whose `fileUrl` the JS wrapper asks of a JS storage plugin itself.
#[napi(object)]
pub struct NativePendingUrl {
    pub storage_index: u32,
    pub storage_uri: String,
    /// JSON text with the placeholder where the URL goes.
    pub body: String,
}

/// A complete update answer of the synchronous path and the answer epoch it was computed in
/// (-1 when answers must not be kept: the snapshot is off, stale, or a probe is due).
#[napi(object)]
pub struct NativeAnswer {
    /// JSON text.
    pub body: String,
    pub epoch: f64,
    /// The metrics counter slot of this answer (when update checks are counted): the JS answer
    /// cache hands it back when it reuses the answer, so the reuse is counted the same.
    pub metric_slot: Option<u32>,
}

/// Strips what could carry a secret from a text for a log record (URL credentials and query
/// strings, `key=value` pairs naming a secret): the rule the native records follow.
#[napi(catch_unwind)]
pub fn redact_log_text(text: String) -> String {
    crate::ops::redact::redact(&text)
}

/// The native server behind `createHotUpdater`.
#[napi]
pub struct NativeHotUpdater {
    pub(crate) api: Arc<HotUpdater>,
    pub(crate) base_path: String,
    pub(crate) routes: Routes,
    adapter_name: String,
    pub(crate) file_routes: Option<FileRoutes>,
    /// What `listen` forwards `fileStorage`'s streaming routes to (see `napi::listener`).
    pub(crate) listen_forward: super::listener::ForwardSlot,
}

#[napi]
impl NativeHotUpdater {
    /// Builds a server from the wrapper's options JSON; `bridge` runs JS plugin operations.
    #[napi(constructor, catch_unwind)]
    pub fn new(options_json: String, bridge: Option<BridgeJsFn>) -> napi::Result<Self> {
        let js: Option<Arc<dyn JsCall>> = match bridge {
            Some(f) => {
                let tsfn = f
                    .build_threadsafe_function()
                    .callee_handled::<false>()
                    .weak::<true>()
                    .build()
                    .map_err(|e| to_napi(Error::internal(format!("Cannot create the JS plugin bridge: {}", e.reason))))?;
                Some(Arc::new(NapiBridge { tsfn }))
            }
            None => None,
        };
        let built = options::build(&options_json, js).map_err(to_napi)?;
        let adapter_name = built.db.adapter_name();
        Ok(NativeHotUpdater {
            api: Arc::new(HotUpdater::new(built.db, built.storages).with_ops(built.ops)),
            base_path: built.base_path,
            routes: built.routes,
            adapter_name,
            file_routes: built.file_routes,
            listen_forward: Default::default(),
        })
    }

    /// The normalised base path.
    #[napi(getter, catch_unwind)]
    pub fn base_path(&self) -> String {
        self.base_path.clone()
    }

    /// The database adapter's name.
    #[napi(getter, catch_unwind)]
    pub fn adapter_name(&self) -> String {
        self.adapter_name.clone()
    }

    /// Serves one request.
    #[napi]
    pub async fn handle(
        &self,
        method: String,
        url: String,
        sdk_version: Option<String>,
        body: Option<String>,
        ctx_id: u32,
        ctx_is_object: bool,
    ) -> NativeResponse {
        let req = Request { method: &method, url: &url, sdk_version: sdk_version.as_deref(), body: body.as_deref() };
        let ctx = Ctx { id: ctx_id, is_object: ctx_is_object };
        let resp = match contained(http::handle(&self.api, &self.base_path, self.routes, req, ctx)).await {
            Ok(resp) => resp,
            Err(err) => http::error_response(&err),
        };
        NativeResponse { status: resp.status, body: resp.body, error_message: resp.logged_error, stale: resp.stale, retry_after: resp.retry_after }
    }

    /// Serves a GET within the call when the answer needs no I/O (see `http::handle_now`), in the
    /// one crossing a warm update check makes. `kept_epoch` is the answer epoch of the answer the
    /// JS side kept for this request (-1: none). Returns `true` when that answer is still the one
    /// the native side would give (the snapshot's epoch is unchanged), else the JSON body of a 200
    /// answer with the epoch it was computed in (-1: not to be kept), or the answer still waiting
    /// for a JS storage plugin's URL. `null` means "call `handle`".
    #[napi(catch_unwind)]
    pub fn handle_sync(
        &self,
        url: String,
        sdk_version: Option<String>,
        kept_epoch: f64,
        kept_slot: Option<u32>,
    ) -> Option<Either3<bool, NativeAnswer, NativePendingUrl>> {
        // Read before answering, so an answer is never kept under an epoch newer than its data.
        let epoch = self.api.db.answers_epoch();
        // Epochs count events (writes, rebuilds); they stay far below 2^53.
        if kept_epoch >= 0.0 && epoch.is_some_and(|e| e as f64 == kept_epoch) {
            if let (Some(slot), Some(m)) = (kept_slot, &self.api.ops.metrics) {
                m.record_cached(slot);
            }
            http::handler::record_cached_adoption(&self.api, &self.base_path, self.routes, &url);
            return Some(Either3::A(true));
        }
        let req = Request { method: "GET", url: &url, sdk_version: sdk_version.as_deref(), body: None };
        let (resp, metric_slot) = http::handler::handle_now_counted(&self.api, &self.base_path, self.routes, &req, true)?;
        if resp.status != 200 || resp.stale || resp.logged_error.is_some() {
            return None;
        }
        Some(match resp.pending_file_url {
            None => Either3::B(NativeAnswer { body: resp.body, epoch: epoch.map_or(-1.0, |e| e as f64), metric_slot }),
            Some((storage_index, storage_uri)) => Either3::C(NativePendingUrl { storage_index, storage_uri, body: resp.body }),
        })
    }

    /// Runs one data method of the JS API (`getBundleById`, `getUpdateInfo`, ...) with JSON
    /// arguments and a JSON result. Errors reject with `code\0message`.
    #[napi]
    pub async fn call(&self, method: String, args_json: String, ctx_id: u32, ctx_is_object: bool) -> napi::Result<String> {
        let ctx = Ctx { id: ctx_id, is_object: ctx_is_object };
        let args: Value = serde_json::from_str(&args_json).map_err(|e| to_napi(Error::internal(e.to_string())))?;
        let result = contained(crate::service::methods::run(&self.api, &method, args, ctx)).await.and_then(|r| r).map_err(to_napi)?;
        Ok(result.to_string())
    }

    /// The Prometheus text of this instance's metrics (see `ops`).
    #[napi(catch_unwind)]
    pub fn metrics_text(&self) -> String {
        self.api.ops.render(self.api.db.snapshot_status())
    }

    /// The snapshot's state as JSON (`null` without a snapshot), for the JS logger's outage,
    /// recovery and rebuild records.
    #[napi(catch_unwind)]
    pub fn snapshot_status(&self) -> Option<String> {
        self.api.db.snapshot_status().map(|s| {
            serde_json::json!({
                "ageMs": s.age.as_secs_f64() * 1000.0,
                "stale": s.stale,
                "down": s.down,
                "partitions": s.partitions,
                "rebuilds": s.rebuilds,
                "loads": s.loads,
                "failures": s.failures,
                "lastRebuildMs": s.last_rebuild.map(|d| d.as_secs_f64() * 1000.0),
            })
            .to_string()
        })
    }

    /// The error records queued for the JS logger since the last call, as a JSON array (the last
    /// element is `{ "dropped": n }` when records were dropped meanwhile).
    #[napi(catch_unwind)]
    pub fn drain_events(&self) -> String {
        let (mut records, dropped) = self.api.ops.drain_events();
        if dropped > 0 {
            records.push(serde_json::json!({ "level": "warn", "event": "log.dropped", "dropped": dropped }));
        }
        Value::Array(records).to_string()
    }

    /// Releases database pools and connections.
    #[napi]
    pub async fn close(&self) -> napi::Result<()> {
        contained(self.api.db.close()).await.map_err(to_napi)
    }
}
