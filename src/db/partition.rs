//! One (platform, channel) of the update-check snapshot: every enabled bundle sorted by id
//! (highest first) with its range compiled, its rollout shuffle computed and its target cohorts
//! normalised once, and the candidate lists per app version memoised. Answers are upstream's
//! update decision (`core::update::decide_sorted`) over those candidates.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::UpdateLookup;
use crate::core::bundle::{Bundle, Strategy, UpdateArgs, UpdateInfo, UpdateStatus};
use crate::core::collate::{is_byte_ordered, locale_compare};
use crate::core::rollout::{is_cohort_eligible_prepared, normalize_target_cohorts, parse_request_cohort, RequestCohort, RolloutShuffle};
use crate::core::semver::{coerce, Range};
use crate::core::update::decide_sorted;

/// Distinct app versions remembered per partition before the memo is emptied.
const VERSION_MEMO_LIMIT: usize = 4096;
/// Candidate indices held by a partition's memo (over its distinct candidate lists) before it
/// is emptied: 1 Mi indices, 4 MiB.
const CANDIDATE_BUDGET: usize = 1 << 20;

/// The candidates of each app version asked about. A version's candidates are the bundles of
/// every range it satisfies, so versions that satisfy the same ranges share one list: with many
/// distinct versions (each device's exact app version) the memory is that of the distinct range
/// sets, not of the versions.
#[derive(Default)]
struct VersionMemo {
    by_version: HashMap<String, Arc<[u32]>>,
    /// Indices (into `Partition::ranges`) of the ranges satisfied, to the candidate list.
    by_ranges: HashMap<Box<[u32]>, Arc<[u32]>>,
    /// Total length of the lists in `by_ranges`.
    held: usize,
}

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

pub(super) struct Partition {
    entries: Vec<Entry>,
    /// Each distinct non-empty targetAppVersion with its compiled range and entry indices.
    ranges: Vec<(Option<Range>, Vec<u32>)>,
    fingerprints: HashMap<String, Arc<[u32]>>,
    memo: Mutex<VersionMemo>,
}

impl Partition {
    pub(super) fn build(mut bundles: Vec<Bundle>, platform: &str, channel: &str) -> Self {
        // Databases may compare case-insensitively (MySQL collations); keep exact matches only.
        bundles.retain(|b| b.enabled && b.platform == platform && b.channel == channel);
        // Ids that collate in byte order (lowercase UUIDs, every id the CLI writes) sort by plain
        // byte comparison: one test per id here instead of two per comparison in the collation.
        if bundles.iter().all(|b| is_byte_ordered(&b.id)) {
            bundles.sort_by(|a, b| b.id.cmp(&a.id));
        } else {
            bundles.sort_by(|a, b| locale_compare(&b.id, &a.id));
        }
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
        Partition { entries, ranges, fingerprints, memo: Mutex::new(VersionMemo::default()) }
    }

    fn app_version_candidates(&self, app_version: &str) -> Arc<[u32]> {
        // The memo is a cache: a panic elsewhere while it was locked leaves it usable.
        let memo = || self.memo.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(hit) = memo().by_version.get(app_version).cloned() {
            return hit;
        }
        let satisfied: Box<[u32]> = match coerce(app_version) {
            None => Box::default(),
            Some(v) => (0..self.ranges.len() as u32).filter(|&i| self.ranges[i as usize].0.as_ref().is_some_and(|r| r.test(&v))).collect(),
        };
        let mut m = memo();
        let list = match m.by_ranges.get(&satisfied) {
            Some(list) => list.clone(),
            None => {
                let mut idx: Vec<u32> = satisfied.iter().flat_map(|&r| self.ranges[r as usize].1.iter().copied()).collect();
                idx.sort_unstable();
                let list: Arc<[u32]> = idx.into();
                if m.held + list.len() > CANDIDATE_BUDGET {
                    // Emptied whole: the versions' entries hold the lists too.
                    *m = VersionMemo::default();
                }
                m.held += list.len();
                m.by_ranges.insert(satisfied, list.clone());
                list
            }
        };
        if m.by_version.len() >= VERSION_MEMO_LIMIT {
            m.by_version.clear();
        }
        m.by_version.insert(app_version.to_string(), list.clone());
        list
    }
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

/// Answers from a loaded partition: candidates, then the early-exit decision.
pub(super) fn lookup(partition: &Partition, args: &UpdateArgs, stale: bool) -> UpdateLookup {
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

#[cfg(test)]
#[path = "partition_tests.rs"]
mod tests;
