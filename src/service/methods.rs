//! The JS API's data methods with JSON arguments and results, so the napi layer can forward
//! `hotUpdater.getBundles(options)` and friends in one crossing.

use serde_json::{json, Value};

use super::HotUpdater;
use crate::context::Ctx;
use crate::core::bundle::{Strategy, UpdateArgs, UpdateInfo, NIL_UUID};
use crate::db::{BundleQuery, BundleWhere, Cursor, IdFilter};
use crate::error::{Error, Result};

fn arg(args: &Value, i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Null)
}

fn text(v: &Value, what: &str) -> Result<String> {
    v.as_str().map(str::to_string).ok_or_else(|| Error::internal(format!("{what} must be a string")))
}

fn opt_text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Reads `GetBundlesArgs` with upstream's defaults for `channel` and `minBundleId`.
pub fn parse_update_args(v: &Value) -> Result<UpdateArgs> {
    let strategy = match v.get("_updateStrategy").and_then(Value::as_str) {
        Some("appVersion") => Strategy::AppVersion,
        Some("fingerprint") => Strategy::Fingerprint,
        other => return Err(Error::internal(format!("Unknown _updateStrategy: {}", other.unwrap_or("undefined")))),
    };
    let key = if strategy == Strategy::AppVersion { "appVersion" } else { "fingerprintHash" };
    Ok(UpdateArgs {
        strategy,
        platform: opt_text(v, "platform").unwrap_or_default(),
        target: opt_text(v, key).unwrap_or_default(),
        bundle_id: opt_text(v, "bundleId").unwrap_or_default(),
        channel: opt_text(v, "channel").unwrap_or_else(|| "production".into()),
        min_bundle_id: opt_text(v, "minBundleId").unwrap_or_else(|| NIL_UUID.into()),
        cohort: opt_text(v, "cohort"),
    })
}

fn nullable(v: &Value, key: &str) -> Option<Option<String>> {
    match v.get(key) {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(other) => Some(Some(other.to_string())),
    }
}

fn strings(v: &Value, key: &str) -> Option<Vec<String>> {
    v.get(key).and_then(Value::as_array).map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
}

/// Reads `DatabaseBundleQueryOptions`; `offset` is refused like upstream.
pub fn parse_query(v: &Value) -> Result<BundleQuery> {
    if v.get("offset").is_some_and(|o| !o.is_null()) {
        return Err(Error::internal("Bundle offset pagination has been removed. Use cursor.after or cursor.before instead."));
    }
    let w = v.get("where").cloned().unwrap_or(Value::Null);
    let id = w.get("id").map(|id| IdFilter {
        eq: opt_text(id, "eq"),
        gt: opt_text(id, "gt"),
        gte: opt_text(id, "gte"),
        lt: opt_text(id, "lt"),
        lte: opt_text(id, "lte"),
        in_: strings(id, "in"),
    });
    let filter = BundleWhere {
        channel: opt_text(&w, "channel"),
        platform: opt_text(&w, "platform"),
        enabled: w.get("enabled").and_then(Value::as_bool),
        id: id.filter(|f| !f.is_empty()),
        target_app_version: nullable(&w, "targetAppVersion"),
        target_app_version_in: strings(&w, "targetAppVersionIn"),
        target_app_version_not_null: w.get("targetAppVersionNotNull").and_then(Value::as_bool),
        fingerprint_hash: nullable(&w, "fingerprintHash"),
    };
    let limit = v.get("limit").and_then(Value::as_f64).filter(|l| *l >= 1.0).map(|l| l as u64).unwrap_or(50);
    let page = v.get("page").and_then(Value::as_f64).filter(|p| p.fract() == 0.0 && *p >= 1.0).map(|p| p as u64);
    let cursor = v.get("cursor").filter(|c| c.is_object()).map(|c| Cursor { after: opt_text(c, "after"), before: opt_text(c, "before") });
    let descending = v.pointer("/orderBy/direction").and_then(Value::as_str) != Some("asc");
    Ok(BundleQuery { filter, limit, page, cursor, descending })
}

/// `UpdateInfo` as upstream's `getUpdateInfo` returns it (with `storageUri`).
pub fn update_info_json(info: &UpdateInfo) -> Value {
    Value::Object(info.to_json(true))
}

/// Runs data method `method` with positional JSON `args`.
pub async fn run(api: &HotUpdater, method: &str, args: Value, ctx: Ctx) -> Result<Value> {
    match method {
        "getBundleById" => Ok(api.get_bundle_by_id(&text(arg(&args, 0), "id")?, ctx).await?.unwrap_or(Value::Null)),
        "getUpdateInfo" => {
            let info = api.get_update_info(&parse_update_args(arg(&args, 0))?, ctx).await?;
            Ok(info.as_ref().map(update_info_json).unwrap_or(Value::Null))
        }
        "getAppUpdateInfo" => Ok(api.get_app_update_info(&parse_update_args(arg(&args, 0))?, ctx).await?.unwrap_or(Value::Null)),
        "getChannels" => Ok(json!(api.get_channels(ctx).await?)),
        "getBundles" => api.get_bundles(&parse_query(arg(&args, 0))?, ctx).await,
        "insertBundle" => api.insert_bundle(arg(&args, 0), ctx).await.map(|_| Value::Null),
        "updateBundleById" => {
            let id = text(arg(&args, 0), "bundleId")?;
            let patch = arg(&args, 1).as_object().cloned().unwrap_or_default();
            api.update_bundle_by_id(&id, &patch, ctx).await.map(|_| Value::Null)
        }
        "deleteBundleById" => api.delete_bundle_by_id(&text(arg(&args, 0), "bundleId")?, ctx).await.map(|_| Value::Null),
        other => Err(Error::internal(format!("Unknown method: {other}"))),
    }
}
