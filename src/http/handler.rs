//! The router proper (SPEC §2): a plain request in, a plain JSON response out. `handle` serves
//! any route; `handle_now` answers within the napi call when no I/O is needed.

use serde_json::{json, Value};

use super::limits::{MAX_BODY_BYTES, SERVER_VERSION};
use super::query;
use super::response::{error_response, Request, Response, Routes};
use super::route::{self, Action, Matched};
use crate::context::Ctx;
use crate::core::bundle::{Strategy, UpdateArgs};
use crate::core::jsnum::decode_uri_component;
use crate::core::semver::sdk_supports_up_to_date;
use crate::error::{Error, ErrorKind, Result};
use crate::service::{AppUpdate, HotUpdater};

/// Serves one request.
pub async fn handle(api: &HotUpdater, base_path: &str, routes: Routes, req: Request<'_>, ctx: Ctx) -> Response {
    let Ok(url) = url::Url::parse(req.url) else {
        return Response::json(404, &json!({ "error": "Not found" }));
    };
    let path = route::relative_path(url.path(), base_path);
    let Some(matched) = route::find(req.method, &path, routes.update_check, routes.bundles) else {
        return Response::json(404, &json!({ "error": "Not found" }));
    };
    // `fileStorage` builds download URLs on this server from the request's origin.
    let files_base = crate::storage::file::request_files_base_of(&url, base_path);
    match crate::storage::file::with_request_base(files_base, dispatch(api, &matched, &url, &req, ctx)).await {
        Ok(resp) => resp,
        Err(err) => error_response(&err),
    }
}

/// Serves `req` within the call when no I/O is needed (`/version`, update checks answered from
/// the snapshot); `None` means "use [`handle`]". Answers are identical to [`handle`]'s.
pub fn handle_now(api: &HotUpdater, base_path: &str, routes: Routes, req: &Request<'_>) -> Option<Response> {
    let url = url::Url::parse(req.url).ok()?;
    let path = route::relative_path(url.path(), base_path);
    let matched = route::find(req.method, &path, routes.update_check, routes.bundles)?;
    let strategy = match matched.action {
        Action::Version => return Some(Response::json(200, &json!({ "version": SERVER_VERSION }))),
        Action::AppVersion => Strategy::AppVersion,
        Action::Fingerprint => Strategy::Fingerprint,
        _ => return None,
    };
    let args = match update_args(&matched, strategy) {
        Ok(args) => args,
        Err(e) => return Some(error_response(&e)),
    };
    Some(match api.app_update_now(&args)? {
        Ok(answer) => update_response(answer, req),
        Err(e) => error_response(&e),
    })
}

fn update_response(answer: AppUpdate, req: &Request<'_>) -> Response {
    let body = match answer.body {
        Some(info) => info.to_string(),
        None if req.sdk_version.is_some_and(sdk_supports_up_to_date) => r#"{"status":"UP_TO_DATE"}"#.to_string(),
        None => "null".to_string(),
    };
    Response { status: 200, body, logged_error: None, stale: answer.stale, pending_file_url: answer.pending_file_url, retry_after: None }
}

fn required<'a>(m: &'a Matched<'_>, name: &str) -> Result<&'a str> {
    m.param(name).filter(|v| !v.is_empty()).ok_or_else(|| Error::bad_request(format!("Missing route parameter: {name}")))
}

fn update_args(m: &Matched<'_>, strategy: Strategy) -> Result<UpdateArgs> {
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

async fn dispatch(api: &HotUpdater, m: &Matched<'_>, url: &url::Url, req: &Request<'_>, ctx: Ctx) -> Result<Response> {
    match m.action {
        Action::Version => Ok(Response::json(200, &json!({ "version": SERVER_VERSION }))),
        Action::Fingerprint | Action::AppVersion => {
            let strategy = if m.action == Action::AppVersion { Strategy::AppVersion } else { Strategy::Fingerprint };
            let args = update_args(m, strategy)?;
            Ok(update_response(api.app_update(&args, ctx).await?, req))
        }
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
