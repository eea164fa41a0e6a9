//! An in-memory snapshot of the update candidates, so that a steady-state update check reads no
//! database at all (the partitions themselves are in `partition`).
//!
//! Freshness:
//! - a successful write through this process clears the snapshot at once; a write that failed
//!   in a way that may have committed keeps it and makes the next probe rebuild it;
//! - at most once per `probe_interval`, a probe (one at a time, spawned on the runtime, bounded
//!   by `probe_timeout`) asks the database for its change marker; a different marker rebuilds
//!   the snapshot (writes by other processes, replicas or tools writing to the database
//!   directly, rows updated in place included: see `sql::snapshot_queries`). A request that
//!   comes shortly before the probe is due (within twice the last marker read plus 50 ms, at
//!   most half the interval) starts it in the background and is answered at once, so under
//!   steady traffic the probe ends before it is due and no request waits for it. A request that
//!   finds the probe due (after a quiet spell, or when a probe outlasts its lead) waits for it,
//!   at most `probe_timeout`, unless the database is already known to be unreachable. A marker
//!   slower than 50 ms to read spaces the probes out (at most a tenth of the time, at least once
//!   per five intervals);
//! - whatever the marker says, nothing older than `max_age` is served;
//! - a backend with no change marker (a JS database plugin without `changeMarker`) is reloaded
//!   in the background every `max_age` (`timed_reload`; see [`SnapshotOptions`]): requests never
//!   wait for that reload, and only a successful reload counts as reaching the database;
//! - when the database cannot be reached, the last good snapshot keeps answering for
//!   `serve_stale_for`, and answers say so (`UpdateLookup::stale`); writes are refused at once
//!   (`ErrorKind::Unavailable`) and reads get `probe_timeout`, until a probe reaches it again.

use std::collections::HashMap;
use std::future::Future;
use std::io::Write as _;
use std::sync::{Arc, Mutex, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use futures::future::{self, BoxFuture, Either, Shared};

use super::partition::Partition;
use super::Database;
use crate::error::{Error, ErrorKind, Result};

mod database;
mod probe;
#[cfg(test)]
mod tests;

/// How fresh the snapshot is kept.
#[derive(Debug, Clone, Copy)]
pub struct SnapshotOptions {
    /// How often the change marker is probed (at most once per interval).
    pub probe_interval: Duration,
    /// The snapshot is rebuilt after this long even if the marker did not change.
    pub max_age: Duration,
    /// How long the last good snapshot keeps answering while the database is unreachable.
    pub serve_stale_for: Duration,
    /// How long a probe waits for the database before calling it unreachable.
    pub probe_timeout: Duration,
    /// The backend has no change marker: the snapshot is reloaded every `max_age` (spaced to at
    /// least `PROBE_DUTY` times the reload's own duration) off the request path, and a probe is
    /// healthy only once its reload succeeded.
    pub timed_reload: bool,
    /// A partition that cannot be loaded leaves the update check to the backend itself (a JS
    /// plugin's own answer, its own error included) instead of failing it. The failure is
    /// logged, and the load is not tried again before a backoff (`probe_interval`, doubling up
    /// to 30 s or `max_age`, whichever is longer) has passed: meanwhile the
    /// backend answers those checks at its own cost.
    pub fall_back_when_unloaded: bool,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        SnapshotOptions {
            probe_interval: Duration::from_secs(1),
            max_age: Duration::from_secs(30),
            serve_stale_for: Duration::from_secs(300),
            probe_timeout: Duration::from_millis(1500),
            timed_reload: false,
            fall_back_when_unloaded: false,
        }
    }
}

/// A rebuild reads whole partitions, which may take a while at large history sizes; it is
/// bounded all the same, so that a database that vanishes mid-rebuild cannot hold the probe.
const REBUILD_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest wait before a partition whose load failed is tried again (see
/// [`SnapshotOptions::fall_back_when_unloaded`]).
const LOAD_BACKOFF_MAX: Duration = Duration::from_secs(30);

/// How much longer than a probe's own timeout a request waits for the probe's verdict.
const PROBE_VERDICT_MARGIN: Duration = Duration::from_millis(250);

/// The least head start of a probe begun before it is due (see [`State::probe_soon`]).
const PROBE_LEAD_MIN: Duration = Duration::from_millis(50);

/// A marker that took `d` (at least `SLOW_MARKER`) to read is read at most once per
/// `PROBE_DUTY × d`, so that the probe keeps one database connection busy at most a tenth of the
/// time (a MySQL checksum over a very large history takes a few hundred milliseconds)...
const PROBE_DUTY: u32 = 10;

/// ...but never less often than once per this many probe intervals. A marker quicker than
/// `SLOW_MARKER` (every marker at ordinary history sizes) is read once per interval, as set.
const PROBE_SPACING_LIMIT: u32 = 5;
const SLOW_MARKER: Duration = Duration::from_millis(50);

/// When the probe after one whose marker took `took` is due.
fn probe_spacing(opts: &SnapshotOptions, took: Duration) -> Duration {
    if took < SLOW_MARKER {
        return opts.probe_interval;
    }
    took.saturating_mul(PROBE_DUTY).clamp(opts.probe_interval, opts.probe_interval.saturating_mul(PROBE_SPACING_LIMIT))
}

/// A partition whose load failed (kept only with `fall_back_when_unloaded`).
struct FailedLoad {
    retry_at: Instant,
    backoff: Duration,
    attempts: u64,
}

struct State {
    partitions: HashMap<(String, String), Arc<Partition>>,
    /// When the read behind each partition began: a partition first loaded while a rebuild ran
    /// is kept by it only if its read began after the rebuild's (see `probe_once`).
    read_from: HashMap<(String, String), Instant>,
    /// Partitions whose last load failed, and when to try each again.
    failed_loads: HashMap<(String, String), FailedLoad>,
    marker: Option<String>,
    checked_at: Option<Instant>,
    /// How long after `checked_at` the next probe is due: `probe_interval`, or more when the
    /// marker is slow to read (see [`probe_spacing`]).
    spacing: Duration,
    /// How long the last marker read took.
    last_probe: Duration,
    built_at: Instant,
    healthy_at: Instant,
    /// The last probe failed: answers come from a snapshot that could not be checked.
    stale: bool,
    /// The last probe could not reach the database at all: writes are refused meanwhile.
    down: bool,
    /// The next successful probe rebuilds whatever the marker says (a write's outcome is
    /// unknown, or a rebuild failed after the marker was taken).
    rebuild_due: bool,
    /// Counted for metrics: rebuilds swapped in, partitions loaded on demand, failed probes.
    rebuilds: u64,
    loads: u64,
    failures: u64,
    last_rebuild: Option<Duration>,
    /// Bumped by every invalidation, so that loads begun before it are not kept.
    generation: u64,
    /// Bumped whenever an answer given from the snapshot could change: invalidation, a rebuild
    /// swapped in, entering or leaving the stale state. Answers cached under one epoch (see
    /// [`Database::answers_epoch`]) are reused only while it lasts.
    epoch: u64,
}

/// Where the next probe stands, read off one clock reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProbePhase {
    NotYet,
    /// Due within its lead (twice the last marker read plus 50 ms, at most half the spacing): it
    /// is started in the background while the snapshot still answers, so that it ends before it
    /// is due.
    Soon,
    /// Answers wait for a probe first: the snapshot was last verified `spacing` ago or more.
    Due,
}

impl State {
    fn probe_phase(&self) -> ProbePhase {
        let Some(checked) = self.checked_at else { return ProbePhase::Due };
        let elapsed = checked.elapsed();
        let lead = (self.last_probe.saturating_mul(2) + PROBE_LEAD_MIN).min(self.spacing / 2);
        if elapsed >= self.spacing {
            ProbePhase::Due
        } else if elapsed + lead >= self.spacing {
            ProbePhase::Soon
        } else {
            ProbePhase::NotYet
        }
    }

    fn probe_due(&self) -> bool {
        self.probe_phase() == ProbePhase::Due
    }
}

type ProbeFuture = Shared<BoxFuture<'static, ()>>;

/// A database wrapper answering update checks from the snapshot; everything else passes
/// through, bounded while the database is unreachable.
pub struct SnapshotDatabase {
    core: Arc<Core>,
}

struct Core {
    inner: Arc<dyn Database>,
    opts: SnapshotOptions,
    state: RwLock<State>,
    loading: tokio::sync::Mutex<()>,
    /// The probe in flight, if any (single-flight); cleared by the probe task when it ends.
    probe: Mutex<Option<ProbeFuture>>,
}

/// Logging must not fail a request: a closed stderr is ignored (never `eprintln!`, which
/// panics then). Callers never hold a lock while logging.
fn log_line(line: &str) {
    let _ = writeln!(std::io::stderr(), "hot-updater-rs: {line}");
}

impl SnapshotDatabase {
    pub fn new(inner: Arc<dyn Database>, opts: SnapshotOptions) -> Self {
        let now = Instant::now();
        let state = State {
            partitions: HashMap::new(),
            read_from: HashMap::new(),
            failed_loads: HashMap::new(),
            marker: None,
            checked_at: None,
            spacing: opts.probe_interval,
            last_probe: Duration::ZERO,
            built_at: now,
            healthy_at: now,
            stale: false,
            down: false,
            rebuild_due: false,
            rebuilds: 0,
            loads: 0,
            failures: 0,
            last_rebuild: None,
            generation: 0,
            epoch: 0,
        };
        let core = Core { inner, opts, state: RwLock::new(state), loading: tokio::sync::Mutex::new(()), probe: Mutex::new(None) };
        SnapshotDatabase { core: Arc::new(core) }
    }

    /// Forgets everything (after a write through this process).
    pub fn invalidate(&self) {
        self.core.invalidate();
    }
}

impl Core {
    // A panic while a lock was held cannot leave the state half-updated in a way that matters
    // (every field is valid on its own), so a poisoned lock is simply used again.
    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn invalidate(&self) {
        let mut s = self.write();
        s.partitions.clear();
        s.marker = None;
        s.checked_at = None;
        s.generation += 1;
        s.epoch += 1;
    }

    /// A write failed in a way that may have committed: keep answering from the snapshot, but
    /// probe at the next request and rebuild once the database answers.
    fn write_outcome_unknown(&self) {
        let mut s = self.write();
        s.checked_at = None;
        s.rebuild_due = true;
        s.epoch += 1;
    }

    fn probe_due(&self) -> bool {
        self.read().probe_due()
    }

    fn probe_running(&self) -> bool {
        self.probe.lock().unwrap_or_else(PoisonError::into_inner).is_some()
    }

    /// Whether answers may come from the snapshot without a call that can start a probe: the
    /// probe is neither due nor about to be without one already running.
    fn answers_now(&self, s: &State) -> bool {
        match s.probe_phase() {
            ProbePhase::NotYet => true,
            ProbePhase::Soon => self.probe_running(),
            ProbePhase::Due => false,
        }
    }

    pub(super) fn status(&self) -> crate::db::SnapshotStatus {
        let s = self.read();
        let verified = s.checked_at.filter(|_| !s.stale).map_or(s.built_at, |c| c.max(s.built_at));
        crate::db::SnapshotStatus {
            age: if s.stale { s.healthy_at.elapsed() } else { verified.elapsed() },
            stale: s.stale,
            down: s.down,
            partitions: s.partitions.len(),
            rebuilds: s.rebuilds,
            loads: s.loads,
            failures: s.failures,
            last_rebuild: s.last_rebuild,
        }
    }

    fn is_down(&self) -> bool {
        self.read().down
    }

    fn retry_after_secs(&self) -> u32 {
        let wait = self.opts.probe_interval + self.opts.probe_timeout;
        u32::try_from(wait.as_millis().div_ceil(1000)).unwrap_or(u32::MAX).max(1)
    }

    fn unavailable(&self, message: &str) -> Error {
        Error::new(ErrorKind::Unavailable { retry_after: self.retry_after_secs() }, message)
    }

    fn timed_out(&self, limit: Duration) -> Error {
        Error::unreachable(format!("The database did not answer within {} ms", limit.as_millis()))
    }

    /// `op`, failing as unreachable after `limit`.
    async fn bounded<T>(&self, limit: Duration, op: impl Future<Output = Result<T>>) -> Result<T> {
        tokio::time::timeout(limit, op).await.unwrap_or_else(|_| Err(self.timed_out(limit)))
    }

    /// Runs a management operation against the database. While it is known to be unreachable,
    /// a write is refused at once and a read gets `probe_timeout` (and a probe is started, so
    /// recovery is noticed). Otherwise the operation runs; each time it has run another
    /// `probe_timeout`, a probe decides whether to keep waiting for it.
    async fn guarded<T>(self: &Arc<Self>, write: bool, op: impl Future<Output = Result<T>>) -> Result<T> {
        if self.is_down() {
            if self.probe_due() {
                drop(self.start_probe());
            }
            if write {
                return Err(self.unavailable("The database is unreachable; the change was not attempted. Try again later."));
            }
            return self.bounded(self.opts.probe_timeout, op).await;
        }
        let mut op = std::pin::pin!(op);
        loop {
            if let Ok(out) = tokio::time::timeout(self.opts.probe_timeout, &mut op).await {
                return out;
            }
            let probe = self.start_probe();
            match future::select(&mut op, probe).await {
                Either::Left((out, _)) => return out,
                // Slow, but the database answers: keep waiting, and ask again later.
                Either::Right(_) if !self.is_down() => {}
                Either::Right(_) if write => {
                    self.write_outcome_unknown();
                    return Err(self.unavailable("The database became unreachable during the change, which may or may not have been applied. Try again later."));
                }
                Either::Right(_) => return Err(self.timed_out(self.opts.probe_timeout)),
            }
        }
    }

    /// A write through this process: on success the snapshot is cleared; when the outcome is
    /// unknown (the database failed, so it may have committed) it is kept and re-checked.
    async fn write_through(self: &Arc<Self>, op: impl Future<Output = Result<()>>) -> Result<()> {
        let out = self.guarded(true, op).await;
        match &out {
            Ok(()) => self.invalidate(),
            Err(e) if e.kind == ErrorKind::Database => self.write_outcome_unknown(),
            Err(_) => {}
        }
        out
    }

    async fn partition(self: &Arc<Self>, platform: &str, channel: &str) -> Result<Option<(Arc<Partition>, bool)>> {
        let key = (platform.to_string(), channel.to_string());
        {
            let s = self.read();
            if let Some(p) = s.partitions.get(&key) {
                return Ok(Some((p.clone(), s.stale)));
            }
        }
        let _guard = self.loading.lock().await;
        let generation = {
            let s = self.read();
            if let Some(p) = s.partitions.get(&key) {
                return Ok(Some((p.clone(), s.stale)));
            }
            if s.failed_loads.get(&key).is_some_and(|f| Instant::now() < f.retry_at) {
                // Still backing off: the backend answers (see `fall_back_when_unloaded`).
                return Ok(None);
            }
            s.generation
        };
        let read_from = Instant::now();
        let rows = match self.guarded(false, self.inner.snapshot_partition(platform, channel)).await {
            Ok(Some(rows)) => rows,
            Ok(None) => return Ok(None),
            Err(e) => {
                if self.opts.fall_back_when_unloaded {
                    self.load_failed(key, &e);
                }
                return Err(e);
            }
        };
        let partition = Arc::new(Partition::build(rows, platform, channel));
        let recovered = {
            let mut s = self.write();
            let failed = s.failed_loads.remove(&key);
            if s.generation == generation {
                s.loads += 1;
                if s.partitions.is_empty() {
                    s.built_at = Instant::now();
                }
                s.read_from.insert(key.clone(), read_from);
                s.partitions.insert(key, partition.clone());
            }
            failed
        };
        if let Some(failed) = recovered {
            log_line(&format!("update-check snapshot of {platform}/{channel} loaded after {} failed attempt(s)", failed.attempts));
        }
        Ok(Some((partition, false)))
    }

    /// Records (and logs) a failed partition load, and when to try it again.
    fn load_failed(&self, key: (String, String), err: &Error) {
        let line = {
            let mut s = self.write();
            let (backoff, attempts) = match s.failed_loads.get(&key) {
                Some(f) => ((f.backoff * 2).min(self.opts.max_age.max(LOAD_BACKOFF_MAX)), f.attempts + 1),
                None => (self.opts.probe_interval, 1),
            };
            let line = format!(
                "could not load the update-check snapshot of {}/{} ({}); the database plugin answers these checks itself, next attempt in {} ms",
                key.0,
                key.1,
                err.message,
                backoff.as_millis()
            );
            s.failed_loads.insert(key, FailedLoad { retry_at: Instant::now() + backoff, backoff, attempts });
            line
        };
        log_line(&line);
    }
}
