//! The update decision (upstream `@hot-updater/js` `getUpdateInfo`), over candidates that a
//! database already selected.

use std::cmp::Ordering;

use super::bundle::{Bundle, Strategy, UpdateArgs, UpdateInfo, UpdateStatus, NIL_UUID};
use super::collate::locale_compare;
use super::rollout::{is_cohort_eligible_parsed, parse_request_cohort, RequestCohort};
use super::semver;

/// Why a bundle is not a candidate for an update check (see [`candidate_skip`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    Disabled,
    OtherPlatform,
    OtherChannel,
    BelowMinBundleId,
    NoTargetAppVersion,
    RangeMismatch,
    NoFingerprint,
    FingerprintMismatch,
}

impl Skip {
    /// A stable machine-readable name.
    pub fn code(self) -> &'static str {
        match self {
            Skip::Disabled => "disabled",
            Skip::OtherPlatform => "other-platform",
            Skip::OtherChannel => "other-channel",
            Skip::BelowMinBundleId => "below-min-bundle-id",
            Skip::NoTargetAppVersion => "no-target-app-version",
            Skip::RangeMismatch => "range-does-not-match",
            Skip::NoFingerprint => "no-fingerprint",
            Skip::FingerprintMismatch => "fingerprint-does-not-match",
        }
    }
}

/// The candidate test except for the app-version range, which the caller supplies (`range_ok`
/// in [`candidate_skip`]) so that compiled ranges can be cached: `None` when `bundle` passes.
pub fn candidate_skip_base(bundle: &Bundle, args: &UpdateArgs) -> Option<Skip> {
    if !bundle.enabled {
        return Some(Skip::Disabled);
    }
    if bundle.platform != args.platform {
        return Some(Skip::OtherPlatform);
    }
    if bundle.channel != args.channel {
        return Some(Skip::OtherChannel);
    }
    if !args.min_bundle_id.is_empty() && locale_compare(&bundle.id, &args.min_bundle_id) == Ordering::Less {
        return Some(Skip::BelowMinBundleId);
    }
    match args.strategy {
        Strategy::AppVersion if bundle.target_app_version.as_deref().is_none_or(str::is_empty) => Some(Skip::NoTargetAppVersion),
        Strategy::AppVersion => None,
        Strategy::Fingerprint => match bundle.fingerprint_hash.as_deref() {
            None | Some("") => Some(Skip::NoFingerprint),
            Some(f) if f != args.target => Some(Skip::FingerprintMismatch),
            Some(_) => None,
        },
    }
}

/// Whether `bundle` is a candidate for `args`, except for the app-version range test.
pub fn is_candidate_base(bundle: &Bundle, args: &UpdateArgs) -> bool {
    candidate_skip_base(bundle, args).is_none()
}

/// The full candidate test, parsing the range on the spot: `None` when `bundle` is a candidate.
pub fn candidate_skip(bundle: &Bundle, args: &UpdateArgs) -> Option<Skip> {
    if let Some(skip) = candidate_skip_base(bundle, args) {
        return Some(skip);
    }
    match args.strategy {
        Strategy::AppVersion if !bundle.target_app_version.as_deref().is_some_and(|range| semver::satisfies(range, &args.target)) => Some(Skip::RangeMismatch),
        _ => None,
    }
}

/// The full candidate predicate, parsing the range on the spot (the uncached path).
pub fn is_candidate(bundle: &Bundle, args: &UpdateArgs) -> bool {
    candidate_skip(bundle, args).is_none()
}

/// What the decision made of one candidate (reported by [`decide_traced`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The installed bundle; `eligible`: the device's cohort is in its rollout.
    Installed { eligible: bool },
    /// Newer than the installed bundle; `eligible`: the device's cohort is in its rollout.
    Newer { eligible: bool },
    /// Older than the installed bundle: a rollback target.
    Older,
    /// Neither newer nor older (the device reports the built-in bundle and this id is not newer).
    NotNewer,
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
    decide_core(candidates, args, eligible, None)
}

/// [`decide_with`], also reporting the role each candidate played. The decision is the same
/// code path, so an explanation cannot disagree with the answer.
pub fn decide_traced<F>(candidates: &[&Bundle], args: &UpdateArgs, eligible: F, trace: &mut dyn FnMut(&Bundle, Role)) -> Option<UpdateInfo>
where
    F: Fn(&Bundle) -> bool,
{
    decide_core(candidates, args, eligible, Some(trace))
}

/// Receives each candidate and its [`Role`] (see [`decide_traced`]).
type Trace<'t> = &'t mut dyn FnMut(&Bundle, Role);

fn decide_core<F>(candidates: &[&Bundle], args: &UpdateArgs, eligible: F, mut trace: Option<Trace<'_>>) -> Option<UpdateInfo>
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
        if let Some(trace) = trace.as_mut() {
            // Eligibility is a pure function of the bundle and the request, so asking it again
            // here changes nothing in the decision above.
            let role = if b.id == cur {
                Role::Installed { eligible: eligible(b) }
            } else if vs_cur == Ordering::Greater {
                Role::Newer { eligible: eligible(b) }
            } else if cur != NIL_UUID && vs_cur == Ordering::Less {
                Role::Older
            } else {
                Role::NotNewer
            };
            trace(b, role);
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
