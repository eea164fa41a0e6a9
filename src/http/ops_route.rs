//! The operate routes, all under `/api/` (so the `auth` option covers them) and each mounted only
//! when enabled.

use crate::ops::OpsOptions;

/// What a matched operate route does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpsAction {
    /// `GET /api/explain/app-version/:platform/:appVersion/:channel/:minBundleId/:bundleId[/:cohort]`
    ExplainAppVersion,
    /// `GET /api/explain/fingerprint/:platform/:fingerprintHash/:channel/:minBundleId/:bundleId[/:cohort]`
    ExplainFingerprint,
    /// `GET /api/explain/cohorts/:bundleId?rolloutCohortCount=&targetCohorts=&cohort=` or
    /// `POST /api/explain/cohorts` with the same fields (and `bundleId`) as JSON.
    ExplainCohorts,
    Metrics,
    Health,
    Adoption,
}

const CHECK_PARAMS_APP: [&str; 6] = ["platform", "appVersion", "channel", "minBundleId", "bundleId", "cohort"];
const CHECK_PARAMS_FP: [&str; 6] = ["platform", "fingerprintHash", "channel", "minBundleId", "bundleId", "cohort"];

/// The matched operate route and its raw parameters (named like the update-check routes').
pub fn find<'a>(opts: &OpsOptions, method: &str, path: &'a str) -> Option<(OpsAction, Vec<(&'static str, &'a str)>)> {
    let rest = path.strip_prefix("/api/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    let get = method.eq_ignore_ascii_case("GET");
    match segments.as_slice() {
        ["metrics"] if get && opts.metrics => Some((OpsAction::Metrics, Vec::new())),
        ["health"] if get && opts.health => Some((OpsAction::Health, Vec::new())),
        ["adoption"] if get && opts.adoption => Some((OpsAction::Adoption, Vec::new())),
        ["explain", "cohorts"] if method.eq_ignore_ascii_case("POST") && opts.explain => Some((OpsAction::ExplainCohorts, Vec::new())),
        ["explain", "cohorts", id] if get && opts.explain => Some((OpsAction::ExplainCohorts, vec![("bundleId", *id)])),
        ["explain", kind, params @ ..] if get && opts.explain && (params.len() == 5 || params.len() == 6) => {
            let (action, names) = match *kind {
                "app-version" => (OpsAction::ExplainAppVersion, CHECK_PARAMS_APP),
                "fingerprint" => (OpsAction::ExplainFingerprint, CHECK_PARAMS_FP),
                _ => return None,
            };
            Some((action, names.iter().copied().zip(params.iter().copied()).collect()))
        }
        _ => None,
    }
}
