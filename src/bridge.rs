//! Calls into JS plugins, abstracted so that only `napi/` touches napi types.
//!
//! Every call names an operation, carries the request context handle and two string arguments,
//! and answers a JSON envelope: `{"ok": <value>}` or `{"err": "<message>"}`. The JS side catches
//! what a plugin throws, so a throwing plugin becomes an `Err` here and never reaches the process.

use async_trait::async_trait;
use serde_json::Value;

use crate::context::Ctx;
use crate::error::{Error, ErrorKind, Result};

/// Something that can run a JS plugin operation and await its Promise.
#[async_trait]
pub trait JsCall: Send + Sync {
    /// Runs `op` and returns the raw envelope text.
    async fn call_raw(&self, op: &str, ctx: Ctx, a: String, b: String) -> Result<String>;
}

/// Runs `op` and unwraps the envelope; a plugin error becomes an error of `kind`.
pub async fn call(js: &dyn JsCall, kind: ErrorKind, op: &str, ctx: Ctx, a: String, b: String) -> Result<Value> {
    let raw = js.call_raw(op, ctx, a, b).await?;
    let mut envelope: Value = serde_json::from_str(&raw).map_err(|e| Error::new(kind, format!("JS plugin bridge returned invalid JSON: {e}")))?;
    if let Some(err) = envelope.get("err") {
        let message = err.as_str().map(str::to_string).unwrap_or_else(|| err.to_string());
        return Err(Error::new(kind, message));
    }
    Ok(envelope.get_mut("ok").map(Value::take).unwrap_or(Value::Null))
}
