//! `BundleWhere` as a SQL `where` clause, with upstream Kysely adapter's rules (`applyWhere`).

use super::stmt::SqlBuilder;
use crate::db::query::BundleWhere;

/// Appends ` where …` (or nothing) for `filter`.
///
/// Rules, as upstream: `Some(None)` on a nullable column is `IS NULL`; empty `id.*` strings are
/// ignored (JS truthiness); `targetAppVersionNotNull` filters only when `true`; an empty set
/// matches nothing (upstream answers such queries without touching the database, and so does
/// `paginate`; the `1 = 0` here only keeps a direct caller correct).
pub fn push_where(b: &mut SqlBuilder, filter: &BundleWhere) {
    let mut first = true;
    let mut and = |b: &mut SqlBuilder| {
        b.push(if first { " where " } else { " and " });
        first = false;
    };
    if let Some(channel) = &filter.channel {
        and(b);
        b.push("channel = ").text(Some(channel));
    }
    if let Some(platform) = &filter.platform {
        and(b);
        b.push("platform = ").text(Some(platform));
    }
    if let Some(enabled) = filter.enabled {
        and(b);
        b.push("enabled = ").boolean(enabled);
    }
    if let Some(hash) = &filter.fingerprint_hash {
        and(b);
        match hash {
            None => b.push("fingerprint_hash is null"),
            Some(h) => b.push("fingerprint_hash = ").text(Some(h)),
        };
    }
    if let Some(version) = &filter.target_app_version {
        and(b);
        match version {
            None => b.push("target_app_version is null"),
            Some(v) => b.push("target_app_version = ").text(Some(v)),
        };
    }
    if let Some(set) = &filter.target_app_version_in {
        and(b);
        if set.is_empty() {
            b.push("1 = 0");
        } else {
            b.push("target_app_version in ").list(set, false);
        }
    }
    if filter.target_app_version_not_null == Some(true) {
        and(b);
        b.push("target_app_version is not null");
    }
    let Some(id) = &filter.id else { return };
    let comparisons = [("=", &id.eq), (">", &id.gt), (">=", &id.gte), ("<", &id.lt), ("<=", &id.lte)];
    for (op, value) in comparisons {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            and(b);
            b.push(&format!("bundles.id {op} ")).uuid(v);
        }
    }
    if let Some(set) = &id.in_ {
        and(b);
        if set.is_empty() {
            b.push("1 = 0");
        } else {
            b.push("bundles.id in ").list(set, true);
        }
    }
}

#[cfg(test)]
#[path = "filter_tests.rs"]
mod tests;
