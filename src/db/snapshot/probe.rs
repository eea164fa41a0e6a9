//! The probe: one at a time, spawned on the runtime, bounded by `probe_timeout`; it reads the
//! change marker, records outages and recoveries (logged once each, never under a lock), and
//! rebuilds the loaded partitions when the marker says so.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, PoisonError};
use std::time::Instant;

use futures::future::FutureExt;

use super::{log_line, probe_spacing, Core, ProbeFuture, ProbePhase, State, PROBE_VERDICT_MARGIN, REBUILD_TIMEOUT};
use crate::db::partition::Partition;
use crate::error::Error;

impl Core {
    /// Starts a probe unless one is in flight, and returns a future that ends with it.
    pub(super) fn start_probe(self: &Arc<Self>) -> ProbeFuture {
        let mut slot = self.probe.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(running) = slot.as_ref() {
            return running.clone();
        }
        let core = Arc::clone(self);
        // A panic must not escape the probe (nor leave the slot occupied: no probe would run again).
        let run = async move {
            let _ = AssertUnwindSafe(core.probe_once()).catch_unwind().await;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // Outside a runtime (never on the napi paths) the probe runs when awaited, and is
            // not recorded as in flight, since nothing may ever await it.
            return run.boxed().shared();
        };
        let core = Arc::clone(self);
        let task = runtime.spawn(async move {
            run.await;
            *core.probe.lock().unwrap_or_else(PoisonError::into_inner) = None;
        });
        let ends = async move {
            let _ = task.await;
        }
        .boxed()
        .shared();
        // Stored before the lock is released, so the task's own clearing always comes after.
        *slot = Some(ends.clone());
        ends
    }

    /// Before an update check: starts a due probe and waits for it (bounded), unless the
    /// database is already known to be unreachable (then the snapshot answers at once).
    /// Returns `true` when the probe did not end in time: the answer is then unverified, and
    /// marked stale like any answer given while the database does not answer.
    pub(super) async fn refresh(self: &Arc<Self>) -> bool {
        let phase = self.read().probe_phase();
        if phase != ProbePhase::Due {
            if phase == ProbePhase::Soon {
                // Ahead of time, in the background (the task runs whether or not it is awaited).
                drop(self.start_probe());
            }
            return false;
        }
        let probe = self.start_probe();
        if self.opts.timed_reload {
            // No marker to wait for: the reload runs in the background, the snapshot answers.
            return false;
        }
        if self.read().stale {
            return false;
        }
        // The probe gives up after `probe_timeout`; the margin lets its verdict arrive first.
        // A probe that is past its marker and still rebuilding has verified the database.
        tokio::time::timeout(self.opts.probe_timeout + PROBE_VERDICT_MARGIN, probe).await.is_err() && self.probe_due()
    }

    /// Records a failed probe or rebuild; returns the line to log.
    fn record_failure(&self, s: &mut State, err: &Error) -> Option<String> {
        s.failures += 1;
        let log = (!s.stale).then(|| format!("database unreachable ({}); answering update checks from the last snapshot", err.message));
        if !s.stale || s.down != err.unreachable {
            s.epoch += 1;
        }
        s.stale = true;
        s.down = err.unreachable;
        if s.healthy_at.elapsed() >= self.opts.serve_stale_for && !s.partitions.is_empty() {
            s.partitions.clear();
            s.epoch += 1;
        }
        log
    }

    async fn probe_once(&self) {
        let started = Instant::now();
        let marker = self.bounded(self.opts.probe_timeout, self.inner.change_marker()).await;
        let now = Instant::now();
        let mut log = None;
        let rebuild = {
            let mut s = self.write();
            s.checked_at = Some(now);
            match marker {
                Ok(m) if self.opts.timed_reload => {
                    // Without a marker the reload itself is the probe: the outcome is recorded
                    // when it ends (below).
                    let due = s.stale || s.rebuild_due || s.built_at.elapsed() >= self.opts.max_age;
                    s.marker = m;
                    due.then(|| (s.generation, s.partitions.keys().cloned().collect::<Vec<_>>()))
                }
                Ok(m) => {
                    s.spacing = probe_spacing(&self.opts, now - started);
                    s.last_probe = now - started;
                    let changed = s.stale || s.rebuild_due || s.built_at.elapsed() >= self.opts.max_age || s.marker != m;
                    if s.stale {
                        log = Some("database reachable again; update checks are fresh".to_string());
                        s.epoch += 1;
                    }
                    s.marker = m;
                    s.healthy_at = now;
                    s.stale = false;
                    s.down = false;
                    s.rebuild_due = false;
                    changed.then(|| (s.generation, s.partitions.keys().cloned().collect::<Vec<_>>()))
                }
                Err(e) => {
                    // An outage is watched at the plain interval.
                    s.spacing = self.opts.probe_interval;
                    log = self.record_failure(&mut s, &e);
                    None
                }
            }
        };
        if let Some(line) = log.take() {
            log_line(&line);
        }
        let Some((generation, keys)) = rebuild else { return };
        // Rebuild what is loaded while the old snapshot keeps answering, then swap.
        let mut fresh = HashMap::with_capacity(keys.len());
        for (platform, channel) in keys.iter().cloned() {
            match self.bounded(REBUILD_TIMEOUT, self.inner.snapshot_partition(&platform, &channel)).await {
                Ok(Some(rows)) => {
                    let partition = Arc::new(Partition::build(rows, &platform, &channel));
                    fresh.insert((platform, channel), partition);
                }
                // Not loaded now: the next request for it loads it.
                Ok(None) => {}
                Err(e) => {
                    // Keep the last good snapshot; the next successful probe tries again.
                    let log = {
                        let mut s = self.write();
                        s.rebuild_due = true;
                        self.record_failure(&mut s, &e)
                    };
                    if let Some(line) = log {
                        log_line(&line);
                    }
                    return;
                }
            }
        }
        let mut s = self.write();
        if self.opts.timed_reload {
            s.spacing = probe_spacing(&self.opts, started.elapsed());
            s.healthy_at = Instant::now();
            s.rebuild_due = false;
            if s.stale {
                log = Some("database plugin answering again; update checks are fresh".to_string());
                s.stale = false;
                s.down = false;
                s.epoch += 1;
            }
        }
        // A write through this process cleared the snapshot meanwhile: what was just read may
        // predate it, so keep the clearing.
        if s.generation == generation {
            // A partition first loaded while this rebuild ran is kept when its read began after
            // the rebuild's (it is as fresh); dropping it would make the next check load it again,
            // and with rebuilds slower than the checks' pace (a JS plugin on a slow database) a
            // partition could be loaded over and over and never kept.
            let state = &mut *s;
            for (key, partition) in &state.partitions {
                let read_after = state.read_from.get(key).is_some_and(|at| *at >= started);
                if read_after && !keys.contains(key) {
                    fresh.insert(key.clone(), Arc::clone(partition));
                }
            }
            state.read_from.retain(|key, _| fresh.contains_key(key));
            for key in fresh.keys() {
                if keys.contains(key) {
                    state.read_from.insert(key.clone(), started);
                }
            }
            s.partitions = fresh;
            s.rebuilds += 1;
            s.last_rebuild = Some(started.elapsed());
            s.built_at = now;
            s.epoch += 1;
        }
        drop(s);
        if let Some(line) = log {
            log_line(&line);
        }
    }

    /// Lets an in-flight probe finish (bounded), so that none reopens the pool after `close`.
    pub(super) async fn settle(&self) {
        let running = self.probe.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(probe) = running {
            let _ = tokio::time::timeout(self.opts.probe_timeout, probe).await;
        }
    }
}
