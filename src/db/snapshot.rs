//! An in-memory snapshot of the update candidates, so that a steady-state update check reads no
//! database at all.
//!
//! The snapshot holds, per (platform, channel), every enabled bundle sorted by id (highest first)
//! with its range compiled, its rollout shuffle computed and its target cohorts normalised once.
//! Candidate lists per app version are memoised. Freshness:
//! - writes through this process clear the snapshot at once;
//! - at most once per `probe_interval`, one request (single-flight) asks the database for a cheap
//!   change marker; a different marker clears the snapshot (writes by other processes, replicas or
//!   tools writing to the database directly);
//! - whatever the marker says, nothing older than `max_age` is served;
//! - when the database cannot be reached, the last good snapshot keeps answering for
//!   `serve_stale_for`, and answers say so (`UpdateLookup::stale`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use serde_json::{Map, Value};

use super::{BundleQuery, Ctx, Database, Migrations, UpdateLookup};
use crate::core::bundle::{Bundle, Strategy, UpdateArgs, UpdateInfo, UpdateStatus};
use crate::core::collate::locale_compare;
use crate::core::rollout::{is_cohort_eligible_prepared, normalize_target_cohorts, parse_request_cohort, RequestCohort, RolloutShuffle};
use crate::core::semver::{coerce, Range};
use crate::core::update::decide_sorted;
use crate::error::Result;

/// How fresh the snapshot is kept.
#[derive(Debug, Clone, Copy)]
pub struct SnapshotOptions {
    /// How often the change marker is probed (at most once per interval, by one request).
    pub probe_interval: Duration,
    /// The snapshot is rebuilt after this long even if the marker did not change.
    pub max_age: Duration,
    /// How long the last good snapshot keeps answering while the database is unreachable.
    pub serve_stale_for: Duration,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        SnapshotOptions { probe_interval: Duration::from_secs(1), max_age: Duration::from_secs(30), serve_stale_for: Duration::from_secs(300) }
    }
}

/// Distinct app versions remembered per partition before the memo is emptied.
const VERSION_MEMO_LIMIT: usize = 4096;

/// What an update check needs of one bundle; the rest (metadata, patches, ...) stays in the
/// database, which keeps the snapshot small at any history size.
struct Entry {
    id: Box<str>,
    message: Option<Box<str>>,
    should_force_update: bool,
    storage_uri: Box<str>,
    file_hash: Box<str>,
    rollout: Option<f64>,
    has_manifest: bool,
    shuffle: RolloutShuffle,
    targets: Box<[RequestCohort]>,
}

impl Entry {
    fn new(b: Bundle) -> Self {
        let targets = b.target_cohorts.as_deref().map(normalize_target_cohorts).unwrap_or_default().into_boxed_slice();
        Entry {
            shuffle: RolloutShuffle::for_bundle(&b.id),
            has_manifest: b.manifest_storage_uri.is_some(),
            id: b.id.into_boxed_str(),
            message: b.message.map(String::into_boxed_str),
            should_force_update: b.should_force_update,
            storage_uri: b.storage_uri.into_boxed_str(),
            file_hash: b.file_hash.into_boxed_str(),
            rollout: b.rollout_cohort_count,
            targets,
        }
    }
}

struct Partition {
    entries: Vec<Entry>,
    /// Each distinct non-empty targetAppVersion with its compiled range and entry indices.
    ranges: Vec<(Option<Range>, Vec<u32>)>,
    fingerprints: HashMap<String, Arc<[u32]>>,
    by_version: Mutex<HashMap<String, Arc<[u32]>>>,
}

impl Partition {
    fn build(mut bundles: Vec<Bundle>, platform: &str, channel: &str) -> Self {
        // Databases may compare case-insensitively (MySQL collations); keep exact matches only.
        bundles.retain(|b| b.enabled && b.platform == platform && b.channel == channel);
        bundles.sort_by(|a, b| locale_compare(&b.id, &a.id));
        let mut ranges: HashMap<String, Vec<u32>> = HashMap::new();
        let mut fingerprints: HashMap<String, Vec<u32>> = HashMap::new();
        let mut entries = Vec::with_capacity(bundles.len());
        for (i, b) in bundles.into_iter().enumerate() {
            if let Some(t) = b.target_app_version.as_deref().filter(|t| !t.is_empty()) {
                ranges.entry(t.to_string()).or_default().push(i as u32);
            }
            if let Some(f) = b.fingerprint_hash.as_deref().filter(|f| !f.is_empty()) {
                fingerprints.entry(f.to_string()).or_default().push(i as u32);
            }
            entries.push(Entry::new(b));
        }
        let ranges = ranges.into_iter().map(|(text, idx)| (Range::parse(&text), idx)).collect();
        let fingerprints = fingerprints.into_iter().map(|(k, v)| (k, Arc::from(v))).collect();
        Partition { entries, ranges, fingerprints, by_version: Mutex::new(HashMap::new()) }
    }

    fn app_version_candidates(&self, app_version: &str) -> Arc<[u32]> {
        if let Some(hit) = self.by_version.lock().ok().and_then(|m| m.get(app_version).cloned()) {
            return hit;
        }
        let mut idx: Vec<u32> = match coerce(app_version) {
            None => Vec::new(),
            Some(v) => self.ranges.iter().filter(|(r, _)| r.as_ref().is_some_and(|r| r.test(&v))).flat_map(|(_, i)| i.iter().copied()).collect(),
        };
        idx.sort_unstable();
        let idx: Arc<[u32]> = idx.into();
        if let Ok(mut memo) = self.by_version.lock() {
            if memo.len() >= VERSION_MEMO_LIMIT {
                memo.clear();
            }
            memo.insert(app_version.to_string(), idx.clone());
        }
        idx
    }
}

struct State {
    partitions: HashMap<(String, String), Arc<Partition>>,
    marker: Option<String>,
    checked_at: Option<Instant>,
    built_at: Instant,
    healthy_at: Instant,
    stale: bool,
    /// Bumped by every invalidation, so that loads begun before it are not kept.
    generation: u64,
    /// Bumped whenever an answer given from the snapshot could change: invalidation, a rebuild
    /// swapped in, entering or leaving the stale state. Answers cached under one epoch (see
    /// [`Database::answers_epoch`]) are reused only while it lasts.
    epoch: u64,
}

/// A database wrapper answering update checks from the snapshot; everything else passes through.
pub struct SnapshotDatabase {
    inner: Arc<dyn Database>,
    opts: SnapshotOptions,
    state: RwLock<State>,
    probing: tokio::sync::Mutex<()>,
    loading: tokio::sync::Mutex<()>,
}

fn respond(e: &Entry, status: UpdateStatus) -> UpdateInfo {
    UpdateInfo {
        id: e.id.to_string(),
        message: e.message.as_deref().map(str::to_string),
        should_force_update: status == UpdateStatus::Rollback || e.should_force_update,
        status,
        storage_uri: Some(e.storage_uri.to_string()),
        file_hash: Some(e.file_hash.to_string()),
        extra: None,
    }
}

impl SnapshotDatabase {
    pub fn new(inner: Arc<dyn Database>, opts: SnapshotOptions) -> Self {
        let now = Instant::now();
        let state = State { partitions: HashMap::new(), marker: None, checked_at: None, built_at: now, healthy_at: now, stale: false, generation: 0, epoch: 0 };
        SnapshotDatabase { inner, opts, state: RwLock::new(state), probing: tokio::sync::Mutex::new(()), loading: tokio::sync::Mutex::new(()) }
    }

    /// Forgets everything (after a write through this process).
    pub fn invalidate(&self) {
        if let Ok(mut s) = self.state.write() {
            s.partitions.clear();
            s.marker = None;
            s.checked_at = None;
            s.generation += 1;
            s.epoch += 1;
        }
    }

    fn probe_due(&self) -> bool {
        let s = self.state.read().expect("snapshot lock");
        s.checked_at.is_none_or(|t| t.elapsed() >= self.opts.probe_interval)
    }

    async fn refresh_if_due(&self) {
        if !self.probe_due() {
            return;
        }
        let Ok(_guard) = self.probing.try_lock() else { return };
        if !self.probe_due() {
            return;
        }
        let marker = self.inner.change_marker().await;
        let now = Instant::now();
        let (generation, keys) = {
            let mut s = self.state.write().expect("snapshot lock");
            s.checked_at = Some(now);
            match marker {
                Ok(m) => {
                    let changed = s.stale || s.built_at.elapsed() >= self.opts.max_age || s.marker != m;
                    if s.stale {
                        eprintln!("hot-updater-rs: database reachable again; update checks are fresh");
                        s.epoch += 1;
                    }
                    s.marker = m;
                    s.healthy_at = now;
                    s.stale = false;
                    if !changed {
                        return;
                    }
                    (s.generation, s.partitions.keys().cloned().collect::<Vec<_>>())
                }
                Err(e) => {
                    if !s.stale {
                        eprintln!("hot-updater-rs: database unreachable ({e}); answering update checks from the last snapshot");
                        s.epoch += 1;
                    }
                    s.stale = true;
                    if s.healthy_at.elapsed() >= self.opts.serve_stale_for && !s.partitions.is_empty() {
                        s.partitions.clear();
                        s.epoch += 1;
                    }
                    return;
                }
            }
        };
        // Rebuild what is loaded while the old snapshot keeps answering, then swap.
        let mut fresh = HashMap::with_capacity(keys.len());
        for (platform, channel) in keys {
            match self.inner.snapshot_partition(&platform, &channel).await {
                Ok(Some(rows)) => {
                    let partition = Arc::new(Partition::build(rows, &platform, &channel));
                    fresh.insert((platform, channel), partition);
                }
                _ => {
                    // Let the next requests load (and report) on their own.
                    self.invalidate();
                    return;
                }
            }
        }
        let mut s = self.state.write().expect("snapshot lock");
        // A write through this process cleared the snapshot meanwhile: what was just read may
        // predate it, so keep the clearing.
        if s.generation == generation {
            s.partitions = fresh;
            s.built_at = now;
            s.epoch += 1;
        }
    }

    async fn partition(&self, platform: &str, channel: &str) -> Result<Option<(Arc<Partition>, bool)>> {
        let key = (platform.to_string(), channel.to_string());
        {
            let s = self.state.read().expect("snapshot lock");
            if let Some(p) = s.partitions.get(&key) {
                return Ok(Some((p.clone(), s.stale)));
            }
        }
        let _guard = self.loading.lock().await;
        let generation = {
            let s = self.state.read().expect("snapshot lock");
            if let Some(p) = s.partitions.get(&key) {
                return Ok(Some((p.clone(), s.stale)));
            }
            s.generation
        };
        let Some(rows) = self.inner.snapshot_partition(platform, channel).await? else { return Ok(None) };
        let partition = Arc::new(Partition::build(rows, platform, channel));
        let mut s = self.state.write().expect("snapshot lock");
        if s.generation == generation {
            if s.partitions.is_empty() {
                s.built_at = Instant::now();
            }
            s.partitions.insert(key, partition.clone());
        }
        Ok(Some((partition, false)))
    }
}

/// Answers from a loaded partition: candidates, then the early-exit decision.
fn lookup(partition: &Partition, args: &UpdateArgs, stale: bool) -> UpdateLookup {
    let candidates: Arc<[u32]> = match args.strategy {
        Strategy::AppVersion => partition.app_version_candidates(&args.target),
        Strategy::Fingerprint => partition.fingerprints.get(&args.target).cloned().unwrap_or_else(|| Arc::from(Vec::new())),
    };
    let cohort = parse_request_cohort(args.cohort.as_deref());
    let entries = candidates.iter().map(|&i| &partition.entries[i as usize]);
    let chosen_has_manifest = std::cell::Cell::new(false);
    let info = decide_sorted(
        entries,
        args,
        |e: &Entry| &e.id,
        |e: &Entry| is_cohort_eligible_prepared(&e.shuffle, &cohort, e.rollout, &e.targets),
        |e: &Entry, status| {
            chosen_has_manifest.set(e.has_manifest);
            respond(e, status)
        },
    );
    let target_may_have_manifest = info.is_some() && chosen_has_manifest.get();
    // Only enrichment asks whether the installed bundle was a candidate: skip the scan otherwise.
    let current_is_candidate = target_may_have_manifest && candidates.iter().any(|&i| *partition.entries[i as usize].id == *args.bundle_id);
    UpdateLookup { info, target: None, current: None, seeded: true, current_is_candidate, target_may_have_manifest, stale }
}

#[async_trait]
impl Database for SnapshotDatabase {
    fn adapter_name(&self) -> String {
        self.inner.adapter_name()
    }
    async fn ensure_ready(&self) -> Result<()> {
        self.inner.ensure_ready().await
    }
    async fn get_bundle_by_id(&self, id: &str, ctx: Ctx) -> Result<Option<Bundle>> {
        self.inner.get_bundle_by_id(id, ctx).await
    }
    async fn get_bundle_json(&self, id: &str, ctx: Ctx) -> Result<Option<Value>> {
        self.inner.get_bundle_json(id, ctx).await
    }
    async fn get_bundles_json(&self, query: &BundleQuery, ctx: Ctx) -> Result<Value> {
        self.inner.get_bundles_json(query, ctx).await
    }
    async fn get_channels(&self, ctx: Ctx) -> Result<Vec<String>> {
        self.inner.get_channels(ctx).await
    }

    async fn get_update_info(&self, args: &UpdateArgs, ctx: Ctx) -> Result<UpdateLookup> {
        self.refresh_if_due().await;
        match self.partition(&args.platform, &args.channel).await? {
            Some((partition, stale)) => Ok(lookup(&partition, args, stale)),
            None => self.inner.get_update_info(args, ctx).await,
        }
    }

    fn update_info_now(&self, args: &UpdateArgs) -> Option<UpdateLookup> {
        let s = self.state.read().ok()?;
        if s.checked_at.is_none_or(|t| t.elapsed() >= self.opts.probe_interval) {
            return None;
        }
        let partition = s.partitions.get(&(args.platform.clone(), args.channel.clone()))?.clone();
        let stale = s.stale;
        drop(s);
        Some(lookup(&partition, args, stale))
    }

    fn answers_epoch(&self) -> Option<u64> {
        let s = self.state.read().ok()?;
        let fresh = !s.stale && s.checked_at.is_some_and(|t| t.elapsed() < self.opts.probe_interval);
        fresh.then_some(s.epoch)
    }

    async fn insert_bundle(&self, bundle: &Value, ctx: Ctx) -> Result<()> {
        let out = self.inner.insert_bundle(bundle, ctx).await;
        self.invalidate();
        out
    }
    async fn update_bundle(&self, id: &str, patch: &Map<String, Value>, ctx: Ctx) -> Result<()> {
        let out = self.inner.update_bundle(id, patch, ctx).await;
        self.invalidate();
        out
    }
    async fn delete_bundle(&self, id: &str, ctx: Ctx) -> Result<()> {
        let out = self.inner.delete_bundle(id, ctx).await;
        self.invalidate();
        out
    }
    async fn snapshot_partition(&self, platform: &str, channel: &str) -> Result<Option<Vec<Bundle>>> {
        self.inner.snapshot_partition(platform, channel).await
    }
    async fn change_marker(&self) -> Result<Option<String>> {
        self.inner.change_marker().await
    }
    fn migrations(&self) -> Option<&dyn Migrations> {
        self.inner.migrations()
    }
    async fn close(&self) {
        self.invalidate();
        self.inner.close().await
    }
}
