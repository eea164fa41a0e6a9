//! Pure functions exported for the differential tests (`__test__/*.diff.test.mjs`), which compare
//! them with the JS implementations they reproduce. Not part of the public JS API.

use napi_derive::napi;

use crate::core::{collate, jsnum, rollout, semver};

/// `semverSatisfies(targetAppVersion, clientVersion)`.
#[napi(catch_unwind)]
pub fn semver_satisfies(range: String, version: String) -> bool {
    semver::satisfies(&range, &version)
}

/// Whether a `Hot-Updater-SDK-Version` header earns `{"status":"UP_TO_DATE"}`.
#[napi(catch_unwind)]
pub fn sdk_supports_up_to_date(header: String) -> bool {
    semver::sdk_supports_up_to_date(&header)
}

/// `a.localeCompare(b)` for bundle ids, as -1, 0 or 1.
#[napi(catch_unwind)]
pub fn locale_compare_ids(a: String, b: String) -> i32 {
    collate::locale_compare(&a, &b) as i32
}

/// `isCohortEligibleForUpdate(bundleId, cohort, count, targetCohorts)`.
#[napi(catch_unwind)]
pub fn is_cohort_eligible(bundle_id: String, cohort: Option<String>, count: Option<f64>, target_cohorts: Option<Vec<String>>) -> bool {
    let parsed = rollout::parse_request_cohort(cohort.as_deref());
    rollout::is_cohort_eligible_parsed(&bundle_id, &parsed, count, target_cohorts.as_deref())
}

/// JS `Number(string)`.
#[napi(catch_unwind)]
pub fn js_number(s: String) -> f64 {
    jsnum::js_number(&s)
}

/// JS `decodeURIComponent`, `null` where it throws.
#[napi(catch_unwind)]
pub fn decode_uri_component(s: String) -> Option<String> {
    jsnum::decode_uri_component(&s)
}
