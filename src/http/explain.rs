//! Explanations of update decisions: every bundle of the request's platform and channel, whether
//! it was a candidate and what the decision made of it, from the decision code itself
//! (`core::update::decide_traced`, the same function the database backends decide with), and the
//! answer the update check gives for the same request, side by side.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::context::Ctx;
use crate::core::bundle::{Bundle, Strategy, UpdateArgs, UpdateInfo, NIL_UUID};
use crate::core::rollout::{is_cohort_eligible_parsed, normalize_rollout_cohort_count, parse_cohort, parse_request_cohort, RequestCohort, RolloutShuffle};
use crate::core::update::{candidate_skip, decide_traced, Role, Skip};
use crate::db::{BundleQuery, BundleWhere, IdFilter};
use crate::error::{Error, Result};
use crate::service::HotUpdater;

/// At most this many bundles of one platform and channel are read for an explanation.
pub const MAX_BUNDLES: usize = 20_000;
const PAGE: u64 = 500;

/// Every bundle of `platform` and `channel`, highest id first, read page by page.
async fn load_partition(api: &HotUpdater, platform: &str, channel: &str, ctx: Ctx) -> Result<(Vec<Bundle>, bool)> {
    let mut out: Vec<Bundle> = Vec::new();
    let mut below: Option<String> = None;
    loop {
        let filter = BundleWhere {
            platform: Some(platform.to_string()),
            channel: Some(channel.to_string()),
            id: below.clone().map(|id| IdFilter { lt: Some(id), ..IdFilter::default() }),
            ..BundleWhere::default()
        };
        let query = BundleQuery { filter, limit: PAGE, page: None, cursor: None, descending: true };
        let page = api.get_bundles(&query, ctx).await?;
        let rows = page.get("data").and_then(Value::as_array).cloned().unwrap_or_default();
        let n = rows.len();
        for row in rows {
            let bundle: Bundle = serde_json::from_value(row).map_err(|e| Error::database(format!("Unreadable bundle row: {e}")))?;
            out.push(bundle);
        }
        if (n as u64) < PAGE {
            return Ok((out, false));
        }
        if out.len() >= MAX_BUNDLES {
            return Ok((out, true));
        }
        let last = out.last().map(|b| b.id.clone());
        if last == below {
            return Ok((out, false));
        }
        below = last;
    }
}

fn skip_text(skip: Skip, args: &UpdateArgs) -> String {
    match skip {
        Skip::Disabled => "the bundle is disabled".into(),
        Skip::OtherPlatform => "the bundle is for another platform".into(),
        Skip::OtherChannel => "the bundle is in another channel".into(),
        Skip::BelowMinBundleId => format!("the bundle id is below minBundleId {} (older than the app binary's built-in bundle)", args.min_bundle_id),
        Skip::NoTargetAppVersion => "the bundle has no targetAppVersion, so app-version checks never pick it".into(),
        Skip::RangeMismatch => format!("its targetAppVersion range does not match app version {}", args.target),
        Skip::NoFingerprint => "the bundle has no fingerprintHash, so fingerprint checks never pick it".into(),
        Skip::FingerprintMismatch => format!("its fingerprintHash differs from {}", args.target),
    }
}

/// Why the device's cohort is in or out of `b`'s rollout.
fn cohort_text(b: &Bundle, cohort: &RequestCohort, eligible: bool) -> String {
    let k = normalize_rollout_cohort_count(b.rollout_cohort_count);
    let targeted = b.target_cohorts.as_deref().unwrap_or(&[]).iter().any(|t| *cohort != RequestCohort::None && parse_cohort(t) == *cohort);
    if targeted {
        return "the device's cohort is listed in targetCohorts".into();
    }
    match cohort {
        _ if k.is_nan() || k <= 0.0 => "rolloutCohortCount is 0 and the cohort is not in targetCohorts".into(),
        _ if k >= 1000.0 => "full rollout (rolloutCohortCount 1000)".into(),
        RequestCohort::None => format!("partial rollout ({k} of 1000 cohorts) and the request carries no cohort"),
        RequestCohort::Custom(c) => format!("partial rollout ({k} of 1000 cohorts) and custom cohort \"{c}\" is not in targetCohorts"),
        RequestCohort::Numeric(n) => {
            let position = RolloutShuffle::for_bundle(&b.id).position(*n);
            let verdict = if eligible { "inside" } else { "outside" };
            format!("cohort {n} has rollout position {position} for this bundle, {verdict} the first {k} of 1000")
        }
    }
}

fn answer_summary(answer: &Option<Value>) -> Value {
    match answer {
        None => Value::Null,
        Some(v) => json!({ "id": v.get("id"), "status": v.get("status"), "shouldForceUpdate": v.get("shouldForceUpdate") }),
    }
}

fn decision_json(info: &Option<UpdateInfo>, args: &UpdateArgs, installed_listed: bool) -> Value {
    let reason = match info {
        Some(i) if i.is_init() => {
            "no bundle applies and the installed bundle is not among the candidates (or not in the device's rollout): roll back to the app's built-in bundle"
                .to_string()
        }
        Some(i) if i.status.as_str() == "UPDATE" => {
            format!("{} is the highest candidate newer than the installed bundle whose rollout includes the device", i.id)
        }
        Some(i) => {
            format!("nothing newer applies and the installed bundle {} is not available to the device: {} is the highest older candidate", args.bundle_id, i.id)
        }
        None if args.bundle_id == NIL_UUID => "the device runs its built-in bundle and no newer candidate's rollout includes it".to_string(),
        None if installed_listed => "the installed bundle is a candidate the device may keep and nothing newer applies to it: up to date".to_string(),
        None => "the installed bundle is at or below minBundleId and nothing newer applies: up to date".to_string(),
    };
    json!({
        "status": info.as_ref().map(|i| i.status.as_str()),
        "id": info.as_ref().map(|i| i.id.clone()),
        "shouldForceUpdate": info.as_ref().map(|i| i.should_force_update),
        "reason": reason,
    })
}

/// The explanation of an update check with `args`.
pub async fn explain(api: &HotUpdater, args: &UpdateArgs, ctx: Ctx) -> Result<Value> {
    let (bundles, truncated) = load_partition(api, &args.platform, &args.channel, ctx).await?;
    let cohort = parse_request_cohort(args.cohort.as_deref());
    let eligible = |b: &Bundle| is_cohort_eligible_parsed(&b.id, &cohort, b.rollout_cohort_count, b.target_cohorts.as_deref());
    let skips: Vec<Option<Skip>> = bundles.iter().map(|b| candidate_skip(b, args)).collect();
    let candidates: Vec<&Bundle> = bundles.iter().zip(&skips).filter(|(_, s)| s.is_none()).map(|(b, _)| b).collect();
    let mut roles: HashMap<String, Role> = HashMap::new();
    let info = decide_traced(&candidates, args, eligible, &mut |b, role| {
        roles.insert(b.id.clone(), role);
    });
    let chosen = info.as_ref().map(|i| i.id.as_str());
    let mut list = Vec::with_capacity(bundles.len());
    for (b, skip) in bundles.iter().zip(&skips) {
        let mut entry = Map::new();
        entry.insert("id".into(), json!(b.id));
        entry.insert("enabled".into(), json!(b.enabled));
        match args.strategy {
            Strategy::AppVersion => entry.insert("targetAppVersion".into(), json!(b.target_app_version)),
            Strategy::Fingerprint => entry.insert("fingerprintHash".into(), json!(b.fingerprint_hash)),
        };
        entry.insert("rolloutCohortCount".into(), json!(normalize_rollout_cohort_count(b.rollout_cohort_count)));
        entry.insert("targetCohorts".into(), json!(b.target_cohorts));
        let (candidate, code, detail) = match (skip, roles.get(&b.id)) {
            (Some(s), _) => (false, s.code().to_string(), skip_text(*s, args)),
            (None, _) if chosen == Some(b.id.as_str()) => {
                let status = info.as_ref().map_or("", |i| i.status.as_str());
                (true, format!("chosen-{}", status.to_ascii_lowercase()), "the answer".to_string())
            }
            (None, Some(Role::Installed { eligible })) => {
                let detail = if *eligible {
                    format!("the installed bundle; the device may keep it ({})", cohort_text(b, &cohort, true))
                } else {
                    format!("the installed bundle, but the device is outside its rollout ({}), so it is moved off it", cohort_text(b, &cohort, false))
                };
                (true, "installed".to_string(), detail)
            }
            (None, Some(Role::Newer { eligible: false })) => (true, "outside-rollout".to_string(), cohort_text(b, &cohort, false)),
            (None, Some(Role::Newer { eligible: true })) => (true, "not-highest".to_string(), "newer and in the rollout, but a higher id wins".to_string()),
            (None, Some(Role::Older)) => (
                true,
                "older-than-installed".to_string(),
                "older than the installed bundle: only a rollback target when nothing newer applies, the highest first".to_string(),
            ),
            (None, Some(Role::NotNewer)) | (None, None) => (true, "not-newer".to_string(), "not newer than the installed bundle".to_string()),
        };
        entry.insert("candidate".into(), json!(candidate));
        entry.insert("result".into(), json!(code));
        entry.insert("reason".into(), json!(detail));
        list.push(Value::Object(entry));
    }
    let installed_listed = roles.values().any(|r| matches!(r, Role::Installed { .. }));
    let decision = decision_json(&info, args, installed_listed);
    // The update check itself for the same request (the database's own path: snapshot, SQL, or
    // a JS plugin's `getUpdateInfo`), for comparison.
    let answer = api.app_update(args, ctx).await?.body;
    let agrees = answer.as_ref().map(|a| (a.get("id").and_then(Value::as_str), a.get("status").and_then(Value::as_str)))
        == info.as_ref().map(|i| (Some(i.id.as_str()), Some(i.status.as_str())));
    Ok(json!({
        "request": {
            "strategy": if args.strategy == Strategy::AppVersion { "appVersion" } else { "fingerprint" },
            "platform": args.platform,
            (if args.strategy == Strategy::AppVersion { "appVersion" } else { "fingerprintHash" }): args.target,
            "channel": args.channel,
            "minBundleId": args.min_bundle_id,
            "bundleId": args.bundle_id,
            "cohort": args.cohort,
        },
        "decision": decision,
        "updateCheck": answer_summary(&answer),
        "agrees": agrees,
        "bundlesConsidered": bundles.len(),
        "truncated": truncated,
        "bundles": list,
    }))
}

/// Parses a what-if request: `bundleId`, and optionally `rolloutCohortCount`, `targetCohorts`
/// and `cohort`, from a JSON object (POST) or query parameters (GET).
pub struct WhatIf {
    pub bundle_id: String,
    pub rollout_cohort_count: Option<Option<f64>>,
    pub target_cohorts: Option<Vec<String>>,
    pub cohort: Option<String>,
}

impl WhatIf {
    pub fn from_json(v: &Value) -> Result<WhatIf> {
        let bundle_id = v.get("bundleId").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| Error::bad_request("bundleId is required"))?;
        let rollout_cohort_count = match v.get("rolloutCohortCount") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::Number(n)) => Some(n.as_f64()),
            Some(_) => return Err(Error::bad_request("rolloutCohortCount must be a number or null")),
        };
        let target_cohorts = match v.get("targetCohorts") {
            None | Some(Value::Null) => None,
            Some(Value::Array(a)) => Some(
                a.iter().map(|t| t.as_str().map(str::to_string).ok_or_else(|| Error::bad_request("targetCohorts must be strings"))).collect::<Result<_>>()?,
            ),
            Some(_) => return Err(Error::bad_request("targetCohorts must be an array of strings")),
        };
        let cohort = match v.get("cohort") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(Error::bad_request("cohort must be a string")),
        };
        Ok(WhatIf { bundle_id: bundle_id.to_string(), rollout_cohort_count, target_cohorts, cohort })
    }

    pub fn from_query(bundle_id: &str, query: Option<&str>) -> Result<WhatIf> {
        let mut w = WhatIf { bundle_id: bundle_id.to_string(), rollout_cohort_count: None, target_cohorts: None, cohort: None };
        for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match &*k {
                "rolloutCohortCount" => {
                    let n: f64 = v.trim().parse().map_err(|_| Error::bad_request(format!("rolloutCohortCount must be a number, got {v}")))?;
                    w.rollout_cohort_count = Some(Some(n));
                }
                "targetCohorts" => w.target_cohorts = Some(v.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()),
                "cohort" => w.cohort = Some(v.into_owned()),
                _ => {}
            }
        }
        Ok(w)
    }
}

/// Which cohorts a bundle (as stored, or with the proposed rollout fields) is delivered to.
pub async fn what_if(api: &HotUpdater, w: WhatIf, ctx: Ctx) -> Result<Value> {
    let stored = if w.rollout_cohort_count.is_none() || w.target_cohorts.is_none() { api.get_bundle_by_id(&w.bundle_id, ctx).await? } else { None };
    let stored = stored.and_then(|v| serde_json::from_value::<Bundle>(v).ok());
    let count = match w.rollout_cohort_count {
        Some(c) => c,
        None => match &stored {
            Some(b) => b.rollout_cohort_count,
            None => {
                return Err(Error::new(
                    crate::error::ErrorKind::NotFound,
                    format!("Bundle {} not found; give rolloutCohortCount and targetCohorts to ask about a new one", w.bundle_id),
                ))
            }
        },
    };
    let targets = match w.target_cohorts {
        Some(t) => t,
        None => stored.as_ref().and_then(|b| b.target_cohorts.clone()).unwrap_or_default(),
    };
    let id = w.bundle_id.as_str();
    let numeric: Vec<u32> = (1..=1000u32).filter(|n| is_cohort_eligible_parsed(id, &RequestCohort::Numeric(*n), count, Some(targets.as_slice()))).collect();
    let mut ranges: Vec<[u32; 2]> = Vec::new();
    for n in &numeric {
        match ranges.last_mut() {
            Some(r) if r[1] + 1 == *n => r[1] = *n,
            _ => ranges.push([*n, *n]),
        }
    }
    let custom: Vec<String> = targets
        .iter()
        .filter_map(|t| match parse_cohort(t) {
            RequestCohort::Custom(c) => Some(c),
            _ => None,
        })
        .collect();
    let mut out = json!({
        "bundleId": id,
        "source": if stored.is_some() { "stored bundle, with the given fields applied" } else { "given fields" },
        "rolloutCohortCount": normalize_rollout_cohort_count(count),
        "targetCohorts": targets,
        "numericCohorts": { "count": numeric.len(), "ranges": ranges },
        "customCohorts": custom,
        "devicesWithoutCohort": is_cohort_eligible_parsed(id, &RequestCohort::None, count, Some(targets.as_slice())),
    });
    if let Some(c) = w.cohort {
        let parsed = parse_request_cohort(Some(&c));
        out["cohort"] = json!({ "value": c, "eligible": is_cohort_eligible_parsed(id, &parsed, count, Some(targets.as_slice())) });
    }
    Ok(out)
}
