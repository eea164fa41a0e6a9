//! The bundle-list query string, parsed like upstream (`URLSearchParams`, JS `Number()`, the
//! same validation order and messages).

use crate::core::jsnum::js_number;
use crate::db::{BundleQuery, BundleWhere, Cursor, IdFilter};
use crate::error::{Error, Result};

struct Params(Vec<(String, String)>);

impl Params {
    fn parse(query: Option<&str>) -> Self {
        let pairs = query.map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
        Params(pairs)
    }
    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    fn get_all(&self, key: &str) -> Option<Vec<String>> {
        let all: Vec<String> = self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.clone()).collect();
        (!all.is_empty()).then_some(all)
    }
    fn non_empty(&self, key: &str) -> Option<String> {
        self.get(key).filter(|v| !v.is_empty()).map(str::to_string)
    }
    fn boolean(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(Error::bad_request(format!("The '{key}' query parameter must be 'true' or 'false'."))),
        }
    }
    fn nullable(&self, key: &str) -> Option<Option<String>> {
        self.get(key).map(|v| if v == "null" { None } else { Some(v.to_string()) })
    }
}

fn positive_integer(value: &str) -> Option<u64> {
    let n = js_number(value);
    (n.is_finite() && n.fract() == 0.0 && n >= 1.0).then_some(n as u64)
}

/// Parses `GET /api/bundles?…` into a query, or upstream's 400 message.
pub fn parse_bundle_query(query: Option<&str>) -> Result<BundleQuery> {
    let p = Params::parse(query);
    let limit = match p.get("limit") {
        None => 50,
        Some(v) => match positive_integer(v) {
            Some(n) if n <= 100 => n,
            _ => return Err(Error::bad_request("The 'limit' query parameter must be a positive integer between 1 and 100.")),
        },
    };
    let enabled = p.boolean("enabled")?;
    let target_app_version_not_null = p.boolean("targetAppVersionNotNull")?;
    if p.get("offset").is_some() {
        return Err(Error::bad_request("The 'offset' query parameter has been removed. Use 'after' or 'before' cursor pagination instead."));
    }
    let page = match p.get("page") {
        None => None,
        Some(v) => Some(positive_integer(v).ok_or_else(|| Error::bad_request("The 'page' query parameter must be a positive integer."))?),
    };
    let platform = p.get("platform");
    if let Some(pl) = platform {
        if pl != "ios" && pl != "android" {
            return Err(Error::bad_request(format!("Invalid platform: {pl}. Expected 'ios' or 'android'.")));
        }
    }
    let id = IdFilter {
        eq: p.non_empty("idEq"),
        gt: p.non_empty("idGt"),
        gte: p.non_empty("idGte"),
        lt: p.non_empty("idLt"),
        lte: p.non_empty("idLte"),
        in_: p.get_all("idIn"),
    };
    let after = p.non_empty("after");
    let before = p.non_empty("before");
    let filter = BundleWhere {
        channel: p.non_empty("channel"),
        platform: platform.map(str::to_string),
        enabled,
        id: (!id.is_empty()).then_some(id),
        target_app_version: p.nullable("targetAppVersion"),
        target_app_version_in: p.get_all("targetAppVersionIn"),
        target_app_version_not_null,
        fingerprint_hash: p.nullable("fingerprintHash"),
    };
    let cursor = (after.is_some() || before.is_some()).then_some(Cursor { after, before });
    Ok(BundleQuery { filter, limit, page, cursor, descending: true })
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
