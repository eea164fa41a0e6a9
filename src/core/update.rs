//! The update decision (upstream `@hot-updater/js` `getUpdateInfo`), over candidates that a
//! database already selected.

use std::cmp::Ordering;

use super::bundle::{Bundle, Strategy, UpdateArgs, UpdateInfo, UpdateStatus, NIL_UUID};
use super::collate::locale_compare;
use super::rollout::{is_cohort_eligible_parsed, parse_request_cohort, RequestCohort};
use super::semver;

/// Whether `bundle` is a candidate for `args`, except for the app-version range test, which the
/// caller supplies (`range_ok`) so that compiled ranges can be cached.
pub fn is_candidate_base(bundle: &Bundle, args: &UpdateArgs) -> bool {
    if !bundle.enabled || bundle.platform != args.platform || bundle.channel != args.channel {
        return false;
    }
    if !args.min_bundle_id.is_empty() && locale_compare(&bundle.id, &args.min_bundle_id) == Ordering::Less {
        return false;
    }
    match args.strategy {
        Strategy::AppVersion => bundle.target_app_version.as_deref().is_some_and(|t| !t.is_empty()),
        Strategy::Fingerprint => bundle.fingerprint_hash.as_deref().is_some_and(|f| !f.is_empty() && f == args.target),
    }
}

/// The full candidate predicate, parsing the range on the spot (the uncached path).
pub fn is_candidate(bundle: &Bundle, args: &UpdateArgs) -> bool {
    is_candidate_base(bundle, args)
        && match args.strategy {
            Strategy::AppVersion => bundle.target_app_version.as_deref().is_some_and(|range| semver::satisfies(range, &args.target)),
            Strategy::Fingerprint => true,
        }
}

fn respond(bundle: &Bundle, status: UpdateStatus) -> UpdateInfo {
    UpdateInfo {
        id: bundle.id.clone(),
        message: bundle.message.clone(),
        should_force_update: status == UpdateStatus::Rollback || bundle.should_force_update,
        status,
        storage_uri: Some(bundle.storage_uri.clone()),
        file_hash: Some(bundle.file_hash.clone()),
        extra: None,
    }
}

/// Decides UPDATE / ROLLBACK / nothing among `candidates` (each already passed `is_candidate`;
/// any order). `eligible` answers the cohort question for one bundle.
pub fn decide_with<F>(candidates: &[&Bundle], args: &UpdateArgs, eligible: F) -> Option<UpdateInfo>
where
    F: Fn(&Bundle) -> bool,
{
    let cur = args.bundle_id.as_str();
    let min = args.min_bundle_id.as_str();
    let at_or_below_min = || !min.is_empty() && locale_compare(cur, min) != Ordering::Greater;
    if candidates.is_empty() {
        if cur == NIL_UUID || at_or_below_min() {
            return None;
        }
        return Some(UpdateInfo::init_rollback());
    }

    let mut rollback: Option<&Bundle> = None;
    let mut current: Option<&Bundle> = None;
    let mut update: Option<&Bundle> = None;
    for &b in candidates {
        let vs_cur = locale_compare(&b.id, cur);
        if b.id == cur {
            current = Some(b);
        } else if cur != NIL_UUID && vs_cur == Ordering::Less && rollback.is_none_or(|r| locale_compare(&b.id, &r.id) == Ordering::Greater) {
            rollback = Some(b);
        }
        if vs_cur == Ordering::Greater && update.is_none_or(|u| locale_compare(&b.id, &u.id) == Ordering::Greater) && eligible(b) {
            update = Some(b);
        }
    }

    if cur == NIL_UUID || current.is_some_and(&eligible) {
        return update.map(|u| respond(u, UpdateStatus::Update));
    }
    if let Some(u) = update {
        return Some(respond(u, UpdateStatus::Update));
    }
    if let Some(r) = rollback {
        return Some(respond(r, UpdateStatus::Rollback));
    }
    if at_or_below_min() {
        return None;
    }
    Some(UpdateInfo::init_rollback())
}

/// Decides with upstream's cohort rule for `args.cohort`.
pub fn decide(candidates: &[&Bundle], args: &UpdateArgs) -> Option<UpdateInfo> {
    let cohort: RequestCohort = parse_request_cohort(args.cohort.as_deref());
    decide_with(candidates, args, |b| is_cohort_eligible_parsed(&b.id, &cohort, b.rollout_cohort_count, b.target_cohorts.as_deref()))
}

/// Filters `bundles` with the uncached predicate, then decides: the reference path every
/// faster path must agree with.
pub fn resolve(bundles: &[Bundle], args: &UpdateArgs) -> Option<UpdateInfo> {
    let candidates: Vec<&Bundle> = bundles.iter().filter(|b| is_candidate(b, args)).collect();
    decide(&candidates, args)
}

/// The same decision as [`decide_with`], over candidates already sorted by id, highest first
/// (`locale_compare`). It walks from the top and stops as soon as the answer is fixed, which for
/// an up-to-date device is the first candidate: the snapshot's hot path.
pub fn decide_sorted<'a, B, F>(
    candidates_desc: impl IntoIterator<Item = &'a B>,
    args: &UpdateArgs,
    id_of: impl Fn(&B) -> &str,
    eligible: F,
    respond_with: impl Fn(&B, UpdateStatus) -> UpdateInfo,
) -> Option<UpdateInfo>
where
    B: 'a,
    F: Fn(&B) -> bool,
{
    let cur = args.bundle_id.as_str();
    let min = args.min_bundle_id.as_str();
    for b in candidates_desc {
        let id = id_of(b);
        if !min.is_empty() && locale_compare(id, min) == Ordering::Less {
            break;
        }
        if cur == NIL_UUID {
            if locale_compare(id, cur) == Ordering::Greater && eligible(b) {
                return Some(respond_with(b, UpdateStatus::Update));
            }
            continue;
        }
        if id == cur {
            if eligible(b) {
                return None;
            }
            continue;
        }
        match locale_compare(id, cur) {
            Ordering::Greater => {
                if eligible(b) {
                    return Some(respond_with(b, UpdateStatus::Update));
                }
            }
            _ => return Some(respond_with(b, UpdateStatus::Rollback)),
        }
    }
    if cur == NIL_UUID || (!min.is_empty() && locale_compare(cur, min) != Ordering::Greater) {
        return None;
    }
    Some(UpdateInfo::init_rollback())
}

/// [`decide_sorted`] over plain bundles with upstream's cohort rule.
pub fn decide_sorted_bundles(candidates_desc: &[&Bundle], args: &UpdateArgs) -> Option<UpdateInfo> {
    let cohort = parse_request_cohort(args.cohort.as_deref());
    decide_sorted(
        candidates_desc.iter().copied(),
        args,
        |b: &Bundle| b.id.as_str(),
        |b: &Bundle| is_cohort_eligible_parsed(&b.id, &cohort, b.rollout_cohort_count, b.target_cohorts.as_deref()),
        respond,
    )
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;
