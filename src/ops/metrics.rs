//! Update-check counters and latency histograms kept with relaxed atomics, and their Prometheus
//! text exposition. Label sets are bounded: two strategies, three platform values, the first
//! [`MAX_CHANNELS`] channels seen (later ones count as `other`), five outcomes.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{PoisonError, RwLock};
use std::time::Duration;

use crate::core::bundle::Strategy;
use crate::error::ErrorKind;

/// Channels with their own label; later channels are counted under `other`.
pub const MAX_CHANNELS: usize = 50;
const CHANNEL_SLOTS: usize = MAX_CHANNELS + 1;
const STRATEGIES: [&str; 2] = ["appVersion", "fingerprint"];
const PLATFORMS: [&str; 3] = ["ios", "android", "other"];
/// The update-check outcomes: the answer's `status`, `null`, or an error answer.
pub const OUTCOMES: [&str; 5] = ["UPDATE", "ROLLBACK", "UP_TO_DATE", "null", "error"];
const PER_CHANNEL: usize = STRATEGIES.len() * PLATFORMS.len() * OUTCOMES.len();
/// Histogram bucket upper bounds, in microseconds.
const BUCKETS_US: [u64; 14] = [50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000, 5_000_000];
/// Where an answer was computed: within the napi call (in-memory snapshot) or asynchronously.
pub const PATHS: [&str; 2] = ["sync", "async"];
const ERROR_KINDS: [&str; 6] = ["database", "storage", "plugin", "unavailable", "internal", "bad_request"];

/// One update check's outcome, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Update = 0,
    Rollback = 1,
    UpToDate = 2,
    Null = 3,
    Error = 4,
}

#[derive(Default)]
struct Histogram {
    buckets: [AtomicU64; BUCKETS_US.len() + 1],
    sum_us: AtomicU64,
}

impl Histogram {
    fn observe(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let i = BUCKETS_US.iter().position(|&b| us <= b).unwrap_or(BUCKETS_US.len());
        self.buckets[i].fetch_add(1, Relaxed);
        self.sum_us.fetch_add(us, Relaxed);
    }
}

/// The counters of one server instance.
pub struct Metrics {
    channels: RwLock<Vec<Box<str>>>,
    checks: Box<[AtomicU64]>,
    latency: [[Histogram; 2]; 2],
    answer_cache_hits: AtomicU64,
    errors: [AtomicU64; ERROR_KINDS.len()],
    requests: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            channels: RwLock::new(Vec::new()),
            checks: (0..CHANNEL_SLOTS * PER_CHANNEL).map(|_| AtomicU64::new(0)).collect(),
            latency: Default::default(),
            answer_cache_hits: AtomicU64::new(0),
            errors: Default::default(),
            requests: AtomicU64::new(0),
        }
    }
}

fn strategy_index(s: Strategy) -> usize {
    match s {
        Strategy::AppVersion => 0,
        Strategy::Fingerprint => 1,
    }
}

/// Escapes a label value for the text format.
pub fn escape_label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

impl Metrics {
    fn channel_index(&self, channel: &str) -> usize {
        {
            let list = self.channels.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(i) = list.iter().position(|c| &**c == channel) {
                return i;
            }
            if list.len() >= MAX_CHANNELS {
                return MAX_CHANNELS;
            }
        }
        let mut list = self.channels.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(i) = list.iter().position(|c| &**c == channel) {
            return i;
        }
        if list.len() >= MAX_CHANNELS {
            return MAX_CHANNELS;
        }
        list.push(channel.into());
        list.len() - 1
    }

    /// The counter slot of one label set (stable for the life of the instance).
    pub fn slot(&self, strategy: Strategy, platform: &str, channel: &str, outcome: Outcome) -> u32 {
        let p = match platform {
            "ios" => 0,
            "android" => 1,
            _ => 2,
        };
        let c = self.channel_index(channel);
        (((c * STRATEGIES.len() + strategy_index(strategy)) * PLATFORMS.len() + p) * OUTCOMES.len() + outcome as usize) as u32
    }

    /// Counts one update check answered natively (`sync`: within the napi call).
    pub fn record_check(&self, strategy: Strategy, platform: &str, channel: &str, outcome: Outcome, took: Duration, sync: bool) -> u32 {
        let slot = self.slot(strategy, platform, channel, outcome);
        self.checks[slot as usize].fetch_add(1, Relaxed);
        self.latency[strategy_index(strategy)][usize::from(!sync)].observe(took);
        slot
    }

    /// Counts one update check answered by the JS answer cache (same answer as slot `slot`).
    pub fn record_cached(&self, slot: u32) {
        if let Some(c) = self.checks.get(slot as usize) {
            c.fetch_add(1, Relaxed);
            self.answer_cache_hits.fetch_add(1, Relaxed);
        }
    }

    /// Counts one request answered with an error of `kind`.
    pub fn record_error(&self, kind: ErrorKind) {
        let i = match kind {
            ErrorKind::Database => 0,
            ErrorKind::Storage => 1,
            ErrorKind::Plugin => 2,
            ErrorKind::Unavailable { .. } => 3,
            ErrorKind::BadRequest | ErrorKind::NotFound => 5,
            _ => 4,
        };
        self.errors[i].fetch_add(1, Relaxed);
    }

    /// Counts one request through the router.
    pub fn record_request(&self) {
        self.requests.fetch_add(1, Relaxed);
    }

    /// Appends the counters in the Prometheus text format.
    pub fn render(&self, out: &mut String) {
        // (slot index, label): the named channels, then `other` at its fixed slot.
        let channels: Vec<(usize, String)> = {
            let list = self.channels.read().unwrap_or_else(PoisonError::into_inner);
            list.iter().map(|c| escape_label(c)).enumerate().chain(std::iter::once((MAX_CHANNELS, "other".to_string()))).collect()
        };
        out.push_str("# HELP hot_updater_update_checks_total Update checks answered, by strategy, platform, channel (first 50, then \"other\") and outcome.\n");
        out.push_str("# TYPE hot_updater_update_checks_total counter\n");
        for (c, channel) in channels.iter().map(|(c, l)| (*c, l)) {
            for (s, strategy) in STRATEGIES.iter().enumerate() {
                for (p, platform) in PLATFORMS.iter().enumerate() {
                    for (o, outcome) in OUTCOMES.iter().enumerate() {
                        let slot = ((c * STRATEGIES.len() + s) * PLATFORMS.len() + p) * OUTCOMES.len() + o;
                        let n = self.checks[slot].load(Relaxed);
                        if n > 0 {
                            let _ = writeln!(
                                out,
                                "hot_updater_update_checks_total{{strategy=\"{strategy}\",platform=\"{platform}\",channel=\"{channel}\",status=\"{outcome}\"}} {n}"
                            );
                        }
                    }
                }
            }
        }
        out.push_str("# HELP hot_updater_update_check_duration_seconds Time to compute an update-check answer natively (path=\"sync\": within the call, from the in-memory snapshot).\n");
        out.push_str("# TYPE hot_updater_update_check_duration_seconds histogram\n");
        for (s, strategy) in STRATEGIES.iter().enumerate() {
            for (p, path) in PATHS.iter().enumerate() {
                let h = &self.latency[s][p];
                let mut cumulative = 0;
                for (i, le) in BUCKETS_US.iter().enumerate() {
                    cumulative += h.buckets[i].load(Relaxed);
                    let _ = writeln!(
                        out,
                        "hot_updater_update_check_duration_seconds_bucket{{strategy=\"{strategy}\",path=\"{path}\",le=\"{}\"}} {cumulative}",
                        *le as f64 / 1e6
                    );
                }
                cumulative += h.buckets[BUCKETS_US.len()].load(Relaxed);
                let _ = writeln!(out, "hot_updater_update_check_duration_seconds_bucket{{strategy=\"{strategy}\",path=\"{path}\",le=\"+Inf\"}} {cumulative}");
                let _ = writeln!(
                    out,
                    "hot_updater_update_check_duration_seconds_sum{{strategy=\"{strategy}\",path=\"{path}\"}} {}",
                    h.sum_us.load(Relaxed) as f64 / 1e6
                );
                let _ = writeln!(out, "hot_updater_update_check_duration_seconds_count{{strategy=\"{strategy}\",path=\"{path}\"}} {cumulative}");
            }
        }
        counter(
            out,
            "hot_updater_answer_cache_hits_total",
            "Update checks answered by the JS answer cache (also counted in hot_updater_update_checks_total).",
            self.answer_cache_hits.load(Relaxed),
        );
        counter(
            out,
            "hot_updater_requests_total",
            "Requests through the native router (update checks the JS answer cache answered included).",
            self.requests.load(Relaxed) + self.answer_cache_hits.load(Relaxed),
        );
        out.push_str("# HELP hot_updater_errors_total Requests answered with an error, by kind (database, storage, plugin, unavailable = refused during an outage, internal, bad_request = 4xx).\n");
        out.push_str("# TYPE hot_updater_errors_total counter\n");
        for (i, kind) in ERROR_KINDS.iter().enumerate() {
            let _ = writeln!(out, "hot_updater_errors_total{{kind=\"{kind}\"}} {}", self.errors[i].load(Relaxed));
        }
    }
}

/// Appends one unlabelled counter.
pub fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n");
}

/// Appends one unlabelled gauge.
pub fn gauge(out: &mut String, name: &str, help: &str, value: f64) {
    let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}\n");
}
