//! The operate state one server holds: its options, counters, adoption window and log queue.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Mutex, PoisonError};

use serde::Deserialize;
use serde_json::{json, Value};

use super::redact;
use crate::error::{Error, ErrorKind};

use super::adoption::Adoption;
use super::metrics::{counter, escape_label, gauge, Metrics};

/// JS plugin bridge calls and failures, process-wide (the bridge function is shared by every
/// call a JS plugin serves).
pub static BRIDGE_CALLS: AtomicU64 = AtomicU64::new(0);
pub static BRIDGE_ERRORS: AtomicU64 = AtomicU64::new(0);

/// What the JS wrapper hands over under `operate` (all off by default).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OpsOptions {
    /// `routes.explain`: `<basePath>/api/explain/...`.
    pub explain: bool,
    /// `routes.metrics`: `<basePath>/api/metrics`.
    pub metrics: bool,
    /// `routes.health`: `<basePath>/api/health`.
    pub health: bool,
    /// `routes.adoption`: `<basePath>/api/adoption`.
    pub adoption: bool,
    /// Count update checks (on when `metrics` is, or when the JS side asked for `metrics()`).
    pub count: bool,
    /// Export adoption counts as metrics with a `bundle_id` label (opt-in: one series per
    /// installed bundle id seen in the window).
    pub adoption_labels: bool,
    pub adoption_window_minutes: Option<u32>,
    pub adoption_max_keys: Option<usize>,
    /// How long the health check waits for the database.
    pub health_timeout_ms: Option<u64>,
    /// Answer 200 while the database is unreachable but the last snapshot still answers.
    pub stale_is_healthy: bool,
    /// Queue error records for the JS `logger` (drained by the wrapper).
    pub log: bool,
}

/// Error records waiting for the JS `logger`; at most this many are kept between drains.
const MAX_EVENTS: usize = 1000;

/// The operating state of one server instance.
pub struct Ops {
    pub options: OpsOptions,
    pub metrics: Option<Metrics>,
    pub adoption: Option<Adoption>,
    /// The configured storages' protocols (for the health answer).
    pub storage_protocols: Vec<String>,
    started: std::time::Instant,
    events: Mutex<(VecDeque<Value>, u64)>,
}

impl Ops {
    pub fn new(options: OpsOptions, storage_protocols: Vec<String>) -> Self {
        let metrics = (options.count || options.metrics).then(Metrics::default);
        let adoption = (options.adoption || options.adoption_labels)
            .then(|| Adoption::new(options.adoption_window_minutes.unwrap_or(60), options.adoption_max_keys.unwrap_or(10_000)));
        Ops { options, metrics, adoption, storage_protocols, started: std::time::Instant::now(), events: Mutex::new((VecDeque::new(), 0)) }
    }

    /// Queues a record of a failed request for the logger (server-side failures only: database,
    /// storage, JS plugin, internal; refusals during an outage). Messages are redacted.
    pub fn log_error(&self, err: &Error) {
        if !self.options.log || matches!(err.kind, ErrorKind::BadRequest | ErrorKind::NotFound | ErrorKind::Config) {
            return;
        }
        let source = match err.kind {
            ErrorKind::Database | ErrorKind::Unavailable { .. } => "database",
            ErrorKind::Storage => "storage",
            ErrorKind::Plugin => "bridge",
            _ => "internal",
        };
        let record = json!({
            "level": "error",
            "event": format!("{source}.error"),
            "code": err.kind.code(),
            "message": redact::redact(&err.message),
        });
        let mut q = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        if q.0.len() >= MAX_EVENTS {
            q.0.pop_front();
            q.1 += 1;
        }
        q.0.push_back(record);
    }

    /// Takes the queued records (and how many were dropped since the last drain).
    pub fn drain_events(&self) -> (Vec<Value>, u64) {
        let mut q = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        let dropped = std::mem::take(&mut q.1);
        (q.0.drain(..).collect(), dropped)
    }

    /// Whether any operate route is mounted (the router then looks at `/api/...` paths).
    pub fn any_route(&self) -> bool {
        self.options.explain || self.options.metrics || self.options.health || self.options.adoption
    }

    /// The whole Prometheus text: the counters, plus the snapshot's state from `db`.
    pub fn render(&self, snapshot: Option<crate::db::SnapshotStatus>) -> String {
        let mut out = String::with_capacity(16 * 1024);
        match &self.metrics {
            Some(m) => m.render(&mut out),
            None => out.push_str(
                "# hot-updater-rs: update checks are not counted (enable routes.metrics or call metrics() after createHotUpdater({ metrics: true }))\n",
            ),
        }
        if let Some(s) = snapshot {
            gauge(
                &mut out,
                "hot_updater_snapshot_age_seconds",
                "Seconds since the in-memory snapshot was last built or verified against the database.",
                s.age.as_secs_f64(),
            );
            gauge(
                &mut out,
                "hot_updater_snapshot_stale",
                "1 while update checks are answered from a snapshot that could not be verified.",
                if s.stale { 1.0 } else { 0.0 },
            );
            gauge(&mut out, "hot_updater_database_reachable", "0 while the last probe could not reach the database.", if s.down { 0.0 } else { 1.0 });
            gauge(&mut out, "hot_updater_snapshot_partitions", "Loaded (platform, channel) partitions.", s.partitions as f64);
            counter(&mut out, "hot_updater_snapshot_rebuilds_total", "Snapshot rebuilds swapped in after a probe.", s.rebuilds);
            counter(&mut out, "hot_updater_snapshot_loads_total", "Partitions loaded on demand.", s.loads);
            counter(&mut out, "hot_updater_snapshot_probe_failures_total", "Probes or rebuilds that failed to reach the database.", s.failures);
            gauge(&mut out, "hot_updater_snapshot_last_rebuild_seconds", "Duration of the last rebuild.", s.last_rebuild.map_or(0.0, |d| d.as_secs_f64()));
        }
        counter(&mut out, "hot_updater_bridge_calls_total", "Calls into JS plugins through the bridge (process-wide).", BRIDGE_CALLS.load(Relaxed));
        counter(&mut out, "hot_updater_bridge_errors_total", "Failed calls into JS plugins through the bridge (process-wide).", BRIDGE_ERRORS.load(Relaxed));
        gauge(&mut out, "hot_updater_uptime_seconds", "Seconds since this server instance was created.", self.started.elapsed().as_secs_f64());
        if let (true, Some(a)) = (self.options.adoption_labels, &self.adoption) {
            out.push_str("# HELP hot_updater_adoption_checks Update checks in the adoption window by platform, channel and installed bundle id (checks, not devices; this replica only).\n");
            out.push_str("# TYPE hot_updater_adoption_checks gauge\n");
            for (p, c, b, n) in a.totals().0 {
                let _ = writeln!(
                    out,
                    "hot_updater_adoption_checks{{platform=\"{}\",channel=\"{}\",bundle_id=\"{}\"}} {n}",
                    escape_label(&p),
                    escape_label(&c),
                    escape_label(&b)
                );
            }
        }
        out
    }
}
