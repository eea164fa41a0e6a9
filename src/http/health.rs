//! The health answer a load balancer can use: 200 when the database answers (or, with
//! `staleIsHealthy`, while the last snapshot still answers update checks), 503 otherwise.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::context::Ctx;
use crate::ops::redact::redact;
use crate::service::HotUpdater;

const DEFAULT_TIMEOUT: Duration = Duration::from_millis(2000);

/// `(status, body)` of `<basePath>/api/health`.
pub async fn health(api: &HotUpdater) -> (u16, Value) {
    let ops = &api.ops;
    let limit = ops.options.health_timeout_ms.map_or(DEFAULT_TIMEOUT, Duration::from_millis);
    let started = Instant::now();
    let ctx = Ctx::default();
    let probe = async {
        api.db.ensure_ready().await?;
        api.db.get_channels(ctx).await.map(|_| ())
    };
    let (reachable, error) = match tokio::time::timeout(limit, probe).await {
        Ok(Ok(())) => (true, None),
        Ok(Err(e)) => (false, Some(format!("{}: {}", e.kind.code(), redact(&e.message)))),
        Err(_) => (false, Some(format!("the database did not answer within {} ms", limit.as_millis()))),
    };
    let took_ms = started.elapsed().as_secs_f64() * 1000.0;
    let snapshot = api.db.snapshot_status();
    // The snapshot answers update checks from what it holds while the database is away.
    let serving_stale = snapshot.is_some_and(|s| s.partitions > 0);
    let healthy = reachable || (ops.options.stale_is_healthy && serving_stale);
    let serving_stale = !reachable && serving_stale;
    let status = if reachable {
        "ok"
    } else if serving_stale {
        "degraded"
    } else {
        "down"
    };
    let body = json!({
        "status": status,
        "database": { "reachable": reachable, "adapter": api.db.adapter_name(), "latencyMs": (took_ms * 10.0).round() / 10.0, "error": error },
        "snapshot": snapshot.map(|s| json!({
            "enabled": true,
            "ageSeconds": (s.age.as_secs_f64() * 10.0).round() / 10.0,
            "stale": s.stale,
            "partitions": s.partitions,
            "rebuilds": s.rebuilds,
        })).unwrap_or_else(|| json!({ "enabled": false })),
        "storages": { "configured": ops.storage_protocols.len(), "protocols": ops.storage_protocols },
    });
    (if healthy { 200 } else { 503 }, body)
}
