//! The JS side of the plugin bridge: one weak threadsafe function that the JS wrapper provides.
//! It is weak so a server that is merely constructed never keeps Node or Bun from exiting, and it
//! is called with `call_async_catch` so that even a throwing bridge cannot abort the process.

use async_trait::async_trait;
use napi::bindgen_prelude::{FnArgs, Promise};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;

use crate::bridge::JsCall;
use crate::context::Ctx;
use crate::error::{Error, Result};

/// `(op, ctxId, a, b) => Promise<string>` as a threadsafe function.
pub type BridgeFn = ThreadsafeFunction<FnArgs<(String, u32, String, String)>, Promise<String>, FnArgs<(String, u32, String, String)>, Status, false, true>;

pub struct NapiBridge {
    pub tsfn: BridgeFn,
}

#[async_trait]
impl JsCall for NapiBridge {
    async fn call_raw(&self, op: &str, ctx: Ctx, a: String, b: String) -> Result<String> {
        crate::ops::BRIDGE_CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let out = self.call_js(op, ctx, a, b).await;
        if out.is_err() {
            crate::ops::BRIDGE_ERRORS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        out
    }
}

impl NapiBridge {
    async fn call_js(&self, op: &str, ctx: Ctx, a: String, b: String) -> Result<String> {
        let promise = self
            .tsfn
            .call_async_catch((op.to_string(), ctx.id, a, b).into())
            .await
            .map_err(|e| Error::plugin(format!("JS plugin call {op} failed: {}", e.reason)))?;
        promise.await.map_err(|e| Error::plugin(format!("JS plugin call {op} failed: {}", e.reason)))
    }
}
