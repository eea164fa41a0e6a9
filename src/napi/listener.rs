//! `listen()` for JS: starts a `listener::Listener` for a `NativeHotUpdater`. The wrapper
//! (lib/listen.js) gives the forward function that runs a request through its `handler`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use napi::bindgen_prelude::{Buffer, FnArgs, Function, Promise};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;
use napi_derive::napi;

use super::server::{contained, to_napi, NativeHotUpdater};
use crate::error::{Error, Result};
use crate::listener::{App, BearerAuth, Forward, ForwardRequest, ForwardResponse, Limits, Listener};
use crate::storage::file_store::FileStore;

type ForwardArgs = FnArgs<(String, String, String, Buffer)>;
/// `(method, url, headersJson, body) => Promise<Buffer>`: the answer framed as one line of JSON
/// `{ status, headers: [[name, value], ...] }`, a `\n`, then the body bytes.
type ForwardJsFn<'a> = Function<'a, ForwardArgs, Promise<Buffer>>;
type ForwardTsfn = ThreadsafeFunction<ForwardArgs, Promise<Buffer>, ForwardArgs, Status, false, true>;

struct NapiForward {
    tsfn: ForwardTsfn,
}

#[derive(serde::Deserialize)]
struct ForwardHead {
    status: u16,
    headers: Vec<(String, String)>,
}

#[async_trait]
impl Forward for NapiForward {
    async fn forward(&self, req: ForwardRequest) -> Result<ForwardResponse> {
        let headers = serde_json::to_string(&req.headers).map_err(|e| Error::internal(e.to_string()))?;
        let promise = self
            .tsfn
            .call_async_catch((req.method, req.url, headers, Buffer::from(req.body)).into())
            .await
            .map_err(|e| Error::plugin(format!("The JS handler failed: {}", e.reason)))?;
        let framed = promise.await.map_err(|e| Error::plugin(format!("The JS handler failed: {}", e.reason)))?;
        let bytes: &[u8] = &framed;
        let at = bytes.iter().position(|b| *b == b'\n').ok_or_else(|| Error::internal("The JS handler's answer is not framed"))?;
        let head: ForwardHead = serde_json::from_slice(&bytes[..at]).map_err(|e| Error::internal(format!("The JS handler's answer is not framed: {e}")))?;
        Ok(ForwardResponse { status: head.status, headers: head.headers, body: bytes[at + 1..].to_vec() })
    }
}

/// `listen()`'s options, checked by the wrapper.
#[napi(object)]
pub struct NativeListenOptions {
    pub port: u32,
    pub host: String,
    /// `auth.bearerToken`, checked natively.
    pub bearer_token: Option<String>,
    /// `auth.exempt`: operate routes open without the token (`"health"`, `"metrics"`).
    pub auth_exempt: Option<Vec<String>>,
    /// Body limit of forwarded routes (`fileStorage` uploads where they are forwarded).
    pub forward_body_bytes: Option<f64>,
    /// `fileStorage`'s `maxUploadBytes`, for uploads received natively.
    pub max_upload_bytes: Option<f64>,
    pub headers_timeout_ms: Option<u32>,
    pub request_timeout_ms: Option<u32>,
    pub max_headers: Option<u32>,
    pub max_header_bytes: Option<u32>,
}

/// A running listener.
#[napi]
pub struct NativeListener {
    inner: Arc<Listener>,
}

#[napi]
impl NativeListener {
    /// The bound port.
    #[napi(getter, catch_unwind)]
    pub fn port(&self) -> u32 {
        u32::from(self.inner.local_addr().port())
    }

    /// The bound address.
    #[napi(getter, catch_unwind)]
    pub fn address(&self) -> String {
        self.inner.local_addr().ip().to_string()
    }

    /// Stops accepting and resolves once in-flight requests are answered and connections closed.
    #[napi]
    pub async fn close(&self) -> napi::Result<()> {
        contained(self.inner.close()).await.map_err(to_napi)
    }
}

#[napi]
impl NativeHotUpdater {
    /// Sets the function `listen` forwards `fileStorage`'s streaming routes to (once).
    #[napi(catch_unwind)]
    pub fn set_listen_forward(&self, forward: ForwardJsFn) -> napi::Result<()> {
        let tsfn = forward
            .build_threadsafe_function()
            .callee_handled::<false>()
            .weak::<true>()
            .build()
            .map_err(|e| to_napi(Error::internal(format!("Cannot create the listener's forward function: {}", e.reason))))?;
        let mut slot = self.listen_forward.lock().map_err(|_| to_napi(Error::internal("listener state poisoned")))?;
        *slot = Some(Arc::new(NapiForward { tsfn }));
        Ok(())
    }

    /// Starts an HTTP/1.1 server for this instance.
    #[napi]
    pub async fn listen(&self, options: NativeListenOptions) -> napi::Result<NativeListener> {
        let forward = self.listen_forward.lock().map_err(|_| to_napi(Error::internal("listener state poisoned")))?.clone();
        let mut limits = Limits::default();
        if let Some(n) = options.forward_body_bytes {
            limits.forward_body_bytes = n.clamp(0.0, usize::MAX as f64) as usize;
        }
        if let Some(ms) = options.headers_timeout_ms {
            limits.headers_timeout = Duration::from_millis(u64::from(ms));
        }
        if let Some(ms) = options.request_timeout_ms {
            limits.body_timeout = Duration::from_millis(u64::from(ms));
        }
        if let Some(n) = options.max_headers {
            limits.max_headers = n as usize;
        }
        if let Some(n) = options.max_header_bytes {
            limits.max_head_bytes = n as usize;
        }
        let app = Arc::new(App {
            api: self.api.clone(),
            base_path: self.base_path.clone(),
            routes: self.routes,
            file_routes: self.file_routes.clone(),
            // The store's ETag records name inodes, which Rust reads on Unix only.
            file_store: self.file_routes.as_ref().filter(|_| cfg!(unix)).map(|cfg| FileStore::new(cfg.dir.clone())),
            max_upload_bytes: options.max_upload_bytes.filter(|n| n.is_finite() && *n > 0.0).map(|n| n as u64),
            forward,
            auth: options.bearer_token.as_deref().map(|t| BearerAuth::new(t).with_exempt(options.auth_exempt.as_deref().unwrap_or_default())),
            limits,
        });
        let port = u16::try_from(options.port).map_err(|_| to_napi(Error::bad_request(format!("listen: invalid port {}", options.port))))?;
        let host = options.host;
        let bound = contained(async move { Listener::bind(app, &host, port).await }).await.map_err(to_napi)?;
        let listener = bound.map_err(|e| to_napi(Error::internal(format!("listen: cannot listen: {e}"))))?;
        Ok(NativeListener { inner: Arc::new(listener) })
    }
}

/// The forward function slot of a `NativeHotUpdater`.
pub(crate) type ForwardSlot = Mutex<Option<Arc<dyn Forward>>>;
