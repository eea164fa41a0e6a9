//! The router proper (SPEC §2): a plain request in, a plain JSON response out. `handle` serves
//! any route; `handle_now` answers within the napi call when no I/O is needed.

use std::time::Instant;

use serde_json::{json, Value};

use super::limits::{MAX_BODY_BYTES, SERVER_VERSION};
use super::ops_route::{self, OpsAction};
use super::query;
use super::response::{error_response, Request, Response, Routes};
use super::route::{self, Action, Matched};
use crate::context::Ctx;
use crate::core::bundle::{Strategy, UpdateArgs};
use crate::core::jsnum::decode_uri_component;
use crate::core::semver::sdk_supports_up_to_date;
use crate::error::{Error, ErrorKind, Result};
use crate::ops::metrics::Outcome;
use crate::service::{AppUpdate, HotUpdater};

/// Serves one request.
pub async fn handle(api: &HotUpdater, base_path: &str, routes: Routes, req: Request<'_>, ctx: Ctx) -> Response {
    let started = Instant::now();
    if let Some(m) = &api.ops.metrics {
        m.record_request();
    }
    let Ok(url) = url::Url::parse(req.url) else {
        return Response::json(404, &json!({ "error": "Not found" }));
    };
    let path = route::relative_path(url.path(), base_path);
    let Some(matched) = route::find(req.method, &path, routes.update_check, routes.bundles) else {
        if api.ops.any_route() {
            if let Some((action, params)) = ops_route::find(&api.ops.options, req.method, &path) {
                return match dispatch_ops(api, action, params, &url, &req, ctx).await {
                    Ok(resp) => resp,
                    Err(err) => counted_error(api, &err),
                };
            }
        }
        return Response::json(404, &json!({ "error": "Not found" }));
    };
    // `fileStorage` builds download URLs on this server from the request's origin.
    let files_base = crate::storage::file::request_files_base_of(&url, base_path);
    let result = crate::storage::file::with_request_base(files_base, dispatch(api, &matched, &url, &req, ctx)).await;
    if api.ops.metrics.is_some() || api.ops.adoption.is_some() {
        if let Some(strategy) = check_strategy(matched.action) {
            let outcome = match &result {
                Ok((_, outcome)) => *outcome,
                Err(_) => Outcome::Error,
            };
            record_check(api, &matched, strategy, outcome, started, false);
        }
    }
    match result {
        Ok((resp, _)) => resp,
        Err(err) => counted_error(api, &err),
    }
}

fn counted_error(api: &HotUpdater, err: &Error) -> Response {
    if let Some(m) = &api.ops.metrics {
        m.record_error(err.kind);
    }
    api.ops.log_error(err);
    error_response(err)
}

/// An error answer of the synchronous path, counted unless `handle` will serve it again.
fn now_error(api: &HotUpdater, err: &Error, sync_path: bool) -> Response {
    let resp = error_response(err);
    if sync_path && !used_by_sync_path(&resp) {
        return resp;
    }
    counted_error(api, err)
}

fn check_strategy(action: Action) -> Option<Strategy> {
    match action {
        Action::AppVersion => Some(Strategy::AppVersion),
        Action::Fingerprint => Some(Strategy::Fingerprint),
        _ => None,
    }
}

/// Counts one update check (and its installed bundle, for adoption); returns the counter slot.
fn record_check(api: &HotUpdater, m: &Matched<'_>, strategy: Strategy, outcome: Outcome, started: Instant, sync: bool) -> Option<u32> {
    let platform = m.param("platform").unwrap_or("");
    let channel = m.param("channel").unwrap_or("");
    if outcome != Outcome::Error {
        if let (Some(a), Some(bundle_id)) = (&api.ops.adoption, m.param("bundleId")) {
            a.record(platform, channel, bundle_id);
        }
    }
    let metrics = api.ops.metrics.as_ref()?;
    Some(metrics.record_check(strategy, platform, channel, outcome, started.elapsed(), sync))
}

/// Serves `req` within the call when no I/O is needed (`/version`, update checks answered from
/// the snapshot); `None` means "use [`handle`]". Answers are identical to [`handle`]'s.
pub fn handle_now(api: &HotUpdater, base_path: &str, routes: Routes, req: &Request<'_>) -> Option<Response> {
    handle_now_counted(api, base_path, routes, req, false).map(|(resp, _)| resp)
}

/// Whether the napi `handleSync` path uses an answer of [`handle_now_counted`] as it is (the
/// others it leaves to [`handle`], which counts them).
pub fn used_by_sync_path(resp: &Response) -> bool {
    resp.status == 200 && !resp.stale && resp.logged_error.is_none()
}

/// Counts an update check the JS answer cache answered for adoption (its metrics are counted by
/// slot): the URL is parsed and routed the first time it is seen only, and only when adoption is on.
pub fn record_cached_adoption(api: &HotUpdater, base_path: &str, routes: Routes, url: &str) {
    let Some(adoption) = &api.ops.adoption else { return };
    adoption.record_url(url, || {
        let parsed = url::Url::parse(url).ok()?;
        let path = route::relative_path(parsed.path(), base_path);
        let m = route::find("GET", &path, routes.update_check, routes.bundles)?;
        Some((m.param("platform")?.to_string(), m.param("channel")?.to_string(), m.param("bundleId")?.to_string()))
    });
}

/// [`handle_now`], also giving the metrics counter slot of an update check's answer (when update
/// checks are counted), which the JS answer cache counts its reuses of that answer under. With
/// `sync_path`, answers the napi `handleSync` path does not use (see [`used_by_sync_path`]) are
/// not counted here, since [`handle`] serves and counts them.
pub fn handle_now_counted(api: &HotUpdater, base_path: &str, routes: Routes, req: &Request<'_>, sync_path: bool) -> Option<(Response, Option<u32>)> {
    let counting = api.ops.metrics.is_some() || api.ops.adoption.is_some();
    let started = counting.then(Instant::now);
    let url = url::Url::parse(req.url).ok()?;
    let path = route::relative_path(url.path(), base_path);
    let matched = route::find(req.method, &path, routes.update_check, routes.bundles)?;
    let strategy = match matched.action {
        Action::Version => return Some((Response::json(200, &json!({ "version": SERVER_VERSION })), None)),
        Action::AppVersion => Strategy::AppVersion,
        Action::Fingerprint => Strategy::Fingerprint,
        _ => return None,
    };
    let (resp, outcome) = match update_args(&matched, strategy) {
        Ok(args) => match api.app_update_now(&args)? {
            Ok(answer) => update_response_outcome(answer, req),
            Err(e) => (now_error(api, &e, sync_path), Outcome::Error),
        },
        Err(e) => (now_error(api, &e, sync_path), Outcome::Error),
    };
    let slot = match started {
        Some(_) if sync_path && !used_by_sync_path(&resp) => None,
        Some(started) => {
            if let Some(m) = &api.ops.metrics {
                m.record_request();
            }
            record_check(api, &matched, strategy, outcome, started, true)
        }
        None => None,
    };
    Some((resp, slot))
}

fn update_response_outcome(answer: AppUpdate, req: &Request<'_>) -> (Response, Outcome) {
    let (body, outcome) = match answer.body {
        Some(info) => {
            let outcome = if info.get("status").and_then(Value::as_str) == Some("ROLLBACK") { Outcome::Rollback } else { Outcome::Update };
            (info.to_string(), outcome)
        }
        None if req.sdk_version.is_some_and(sdk_supports_up_to_date) => (r#"{"status":"UP_TO_DATE"}"#.to_string(), Outcome::UpToDate),
        None => ("null".to_string(), Outcome::Null),
    };
    (Response { status: 200, body, logged_error: None, stale: answer.stale, pending_file_url: answer.pending_file_url, retry_after: None }, outcome)
}

fn required<'a>(m: &'a Matched<'_>, name: &str) -> Result<&'a str> {
    m.param(name).filter(|v| !v.is_empty()).ok_or_else(|| Error::bad_request(format!("Missing route parameter: {name}")))
}

pub(crate) fn update_args(m: &Matched<'_>, strategy: Strategy) -> Result<UpdateArgs> {
    let platform = required(m, "platform")?;
    if platform != "ios" && platform != "android" {
        return Err(Error::bad_request(format!("Invalid platform: {platform}. Expected 'ios' or 'android'.")));
    }
    let target_name = if strategy == Strategy::AppVersion { "appVersion" } else { "fingerprintHash" };
    let target = required(m, target_name)?;
    let channel = required(m, "channel")?;
    let min_bundle_id = required(m, "minBundleId")?;
    let bundle_id = required(m, "bundleId")?;
    let cohort = m.param("cohort").map(|c| decode_uri_component(c).unwrap_or_else(|| c.to_string()));
    Ok(UpdateArgs {
        strategy,
        platform: platform.to_string(),
        target: target.to_string(),
        bundle_id: bundle_id.to_string(),
        channel: channel.to_string(),
        min_bundle_id: min_bundle_id.to_string(),
        cohort,
    })
}

fn parse_body(req: &Request<'_>) -> Result<Value> {
    let body = req.body.unwrap_or("");
    if body.len() > MAX_BODY_BYTES {
        return Err(Error::new(ErrorKind::Internal, "Request body is too large"));
    }
    serde_json::from_str(body).map_err(|e| {
        if body.trim().is_empty() {
            Error::internal("Unexpected end of JSON input")
        } else {
            Error::internal(format!("Invalid JSON body: {e}"))
        }
    })
}

/// Serves an operate route (see `ops_route`).
async fn dispatch_ops(api: &HotUpdater, action: OpsAction, params: Vec<(&'static str, &str)>, url: &url::Url, req: &Request<'_>, ctx: Ctx) -> Result<Response> {
    match action {
        OpsAction::ExplainAppVersion | OpsAction::ExplainFingerprint => {
            let (strategy, route_action) =
                if action == OpsAction::ExplainAppVersion { (Strategy::AppVersion, Action::AppVersion) } else { (Strategy::Fingerprint, Action::Fingerprint) };
            let matched = Matched { action: route_action, params };
            let args = update_args(&matched, strategy)?;
            Ok(Response::json(200, &super::explain::explain(api, &args, ctx).await?))
        }
        OpsAction::ExplainCohorts => {
            let what = match params.first() {
                Some((_, id)) => {
                    let id = decode_uri_component(id).unwrap_or_else(|| id.to_string());
                    super::explain::WhatIf::from_query(&id, url.query())?
                }
                None => {
                    let body = parse_body(req).map_err(|e| Error::bad_request(e.message))?;
                    super::explain::WhatIf::from_json(&body)?
                }
            };
            Ok(Response::json(200, &super::explain::what_if(api, what, ctx).await?))
        }
        OpsAction::Metrics => {
            let text = api.ops.render(api.db.snapshot_status());
            // The body is not JSON: the JS wrapper sets the text content type for this route.
            Ok(Response { status: 200, body: text, logged_error: None, stale: false, pending_file_url: None, retry_after: None })
        }
        OpsAction::Health => {
            let (status, body) = super::health::health(api).await;
            Ok(Response::json(status, &body))
        }
        OpsAction::Adoption => match &api.ops.adoption {
            Some(a) => Ok(Response::json(200, &a.to_json())),
            None => Ok(Response::json(404, &json!({ "error": "Not found" }))),
        },
    }
}

async fn dispatch(api: &HotUpdater, m: &Matched<'_>, url: &url::Url, req: &Request<'_>, ctx: Ctx) -> Result<(Response, Outcome)> {
    match m.action {
        Action::Fingerprint | Action::AppVersion => {
            let strategy = if m.action == Action::AppVersion { Strategy::AppVersion } else { Strategy::Fingerprint };
            let args = update_args(m, strategy)?;
            Ok(update_response_outcome(api.app_update(&args, ctx).await?, req))
        }
        _ => Ok((dispatch_other(api, m, url, req, ctx).await?, Outcome::Null)),
    }
}

async fn dispatch_other(api: &HotUpdater, m: &Matched<'_>, url: &url::Url, req: &Request<'_>, ctx: Ctx) -> Result<Response> {
    match m.action {
        Action::Version => Ok(Response::json(200, &json!({ "version": SERVER_VERSION }))),
        Action::Fingerprint | Action::AppVersion => Err(Error::internal("update checks are dispatched by `dispatch`")),
        Action::Channels => {
            let channels = api.get_channels(ctx).await?;
            Ok(Response::json(200, &json!({ "data": { "channels": channels } })))
        }
        Action::GetBundle => {
            let id = required(m, "id")?;
            match api.get_bundle_by_id(id, ctx).await? {
                Some(b) => Ok(Response::json(200, &b)),
                None => Ok(Response::json(404, &json!({ "error": "Bundle not found" }))),
            }
        }
        Action::ListBundles => {
            let query = query::parse_bundle_query(url.query())?;
            let page = api.get_bundles(&query, ctx).await?;
            Ok(Response::json(200, &page))
        }
        Action::CreateBundles => {
            let body = parse_body(req)?;
            let items = match body {
                Value::Array(items) => items,
                other => vec![other],
            };
            for item in &items {
                api.insert_bundle(item, ctx).await?;
            }
            Ok(Response::json(201, &json!({ "success": true })))
        }
        Action::UpdateBundle => {
            let id = required(m, "id")?;
            let body = parse_body(req)?;
            let body = match body {
                Value::Array(mut items) if !items.is_empty() => items.swap_remove(0),
                other => other,
            };
            let Value::Object(mut patch) = body else {
                return Err(Error::bad_request("Invalid bundle payload"));
            };
            if let Some(given) = patch.get("id") {
                if given.as_str() != Some(id) {
                    return Err(Error::bad_request("Bundle id mismatch"));
                }
            }
            patch.remove("id");
            api.update_bundle_by_id(id, &patch, ctx).await?;
            Ok(Response::json(200, &json!({ "success": true })))
        }
        Action::DeleteBundle => {
            let id = required(m, "id")?;
            api.delete_bundle_by_id(id, ctx).await?;
            Ok(Response::json(200, &json!({ "success": true })))
        }
    }
}
