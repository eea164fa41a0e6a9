//! The content signature of `bundles` for deployments without change streams (a standalone
//! server): a background scan reads every document with the fields the snapshot keeps (the
//! ones update answers depend on: `enabled`, `rollout_cohort_count`, `target_cohorts`,
//! `should_force_update`, `target_app_version`, `fingerprint_hash`, `message`, `storage_uri`,
//! ...) and hashes each document's raw BSON bytes, so any change to one of those fields, an
//! in-place edit by another tool included, changes the signature. No server-side expression is
//! evaluated (MongoDB has no portable hash operator, and per-document expressions cost far more
//! than the scan on some servers), nothing is written, upstream's schema is untouched.
//!
//! The scan runs off the request path and off the snapshot's probe: the probe reads the latest
//! signature, never waits for a scan. Scans are spaced by their cost: after a scan that took
//! `d`, the next starts `clamp(9 × d, MIN_GAP, MAX_GAP)` later, so scanning keeps the server
//! busy at most a tenth of the time until the gap reaches its cap. Nobody asking for the
//! marker for `IDLE` stops the scans; the next marker request starts them again.

use std::hash::Hasher;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use mongodb::bson::{doc, RawDocumentBuf};
use tokio::task::JoinHandle;

use super::convert::snapshot_projection;
use super::database::Opened;

/// The shortest gap between two scans (a small collection is scanned about 4 times a second).
pub const MIN_GAP: Duration = Duration::from_millis(250);
/// The longest gap: a very large (or slow) collection is still scanned at least this often.
pub const MAX_GAP: Duration = Duration::from_secs(5);
/// The gap is this many times the last scan's duration (the scan's share of time is 1 / (1 + 9)).
const GAP_FACTOR: u32 = 9;
/// With no marker request for this long, the scans stop until the next one.
const IDLE: Duration = Duration::from_secs(30);
/// Documents per batch of the scan's cursor.
const BATCH: u32 = 10_000;

/// The gap before the next scan after one that took `took`.
pub fn scan_gap(took: Duration) -> Duration {
    took.saturating_mul(GAP_FACTOR).clamp(MIN_GAP, MAX_GAP)
}

/// A signature of a set of documents, whatever order they come in.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    count: u64,
    sum: u64,
    mix: u64,
}

impl Digest {
    /// Adds one document's raw bytes.
    pub fn add(&mut self, bytes: &[u8]) {
        // SipHash with fixed keys: the same bytes give the same value within this process,
        // which is all a marker compared with its predecessor needs.
        let mut hasher = std::hash::DefaultHasher::new();
        hasher.write(bytes);
        let h = hasher.finish();
        self.count += 1;
        self.sum = self.sum.wrapping_add(h);
        self.mix ^= h.rotate_left((h & 63) as u32);
    }

    pub fn text(&self) -> String {
        format!("{}.{:016x}{:016x}", self.count, self.sum, self.mix)
    }
}

/// The latest signature, and what the scanner last did.
#[derive(Debug, Default)]
struct Shared {
    signature: Option<String>,
    /// When the marker was last asked for (the scanner stops when nobody asks).
    asked: Option<Instant>,
}

/// The background scanner of one open client.
#[derive(Default)]
pub struct Scanner {
    shared: Arc<Mutex<Shared>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Scanner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The latest signature (empty before the first scan ends); starts the scanner if it is
    /// not running.
    pub fn signature(&self, opened: &Arc<Opened>) -> String {
        let signature = {
            let mut shared = self.lock();
            shared.asked = Some(Instant::now());
            shared.signature.clone().unwrap_or_default()
        };
        let mut task = self.task.lock().unwrap_or_else(PoisonError::into_inner);
        if task.as_ref().is_none_or(JoinHandle::is_finished) {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                *task = Some(runtime.spawn(scan_loop(Arc::downgrade(opened), Arc::clone(&self.shared))));
            }
        }
        signature
    }

    /// Stops the scanner and forgets the signature (on close, or when the client is replaced).
    pub fn stop(&self) {
        if let Some(task) = self.task.lock().unwrap_or_else(PoisonError::into_inner).take() {
            task.abort();
        }
        *self.lock() = Shared::default();
    }
}

/// Scans until nobody has asked for the marker for `IDLE`, or the client is gone.
async fn scan_loop(opened: Weak<Opened>, shared: Arc<Mutex<Shared>>) {
    loop {
        let asked = shared.lock().unwrap_or_else(PoisonError::into_inner).asked;
        if asked.is_none_or(|t| t.elapsed() >= IDLE) {
            return;
        }
        let Some(o) = opened.upgrade() else { return };
        let started = Instant::now();
        let outcome = scan(&o).await;
        drop(o);
        let took = started.elapsed();
        let gap = match outcome {
            Ok(digest) => {
                shared.lock().unwrap_or_else(PoisonError::into_inner).signature = Some(digest.text());
                scan_gap(took)
            }
            // The probe's own query reports outages; the last signature stays until a scan
            // succeeds again.
            Err(_) => scan_gap(took).max(Duration::from_secs(1)),
        };
        tokio::time::sleep(gap).await;
    }
}

/// One pass over `bundles`: every document's snapshot fields, hashed.
pub(super) async fn scan(o: &Opened) -> mongodb::error::Result<Digest> {
    let bundles = o.db.collection::<RawDocumentBuf>("bundles");
    let mut cursor = bundles.find(doc! {}).projection(snapshot_projection()).batch_size(BATCH).await?;
    let mut digest = Digest::default();
    while let Some(raw) = cursor.try_next().await? {
        digest.add(raw.as_bytes());
    }
    Ok(digest)
}
