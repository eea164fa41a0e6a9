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
mod tests {
    use super::*;
    use crate::db::query::IdFilter;
    use crate::db::sql::dialect::Provider;

    #[test]
    fn renders_every_filter() {
        let filter = BundleWhere {
            channel: Some("beta".into()),
            platform: Some("ios".into()),
            enabled: Some(true),
            id: Some(IdFilter { gt: Some("a".into()), lte: Some(String::new()), in_: Some(vec!["x".into()]), ..Default::default() }),
            target_app_version: Some(None),
            target_app_version_in: Some(vec!["1.0".into()]),
            target_app_version_not_null: Some(false),
            fingerprint_hash: Some(Some("f".into())),
        };
        let mut b = SqlBuilder::new(Provider::Postgres);
        push_where(&mut b, &filter);
        assert_eq!(
            b.finish().sql,
            " where channel = $1 and platform = $2 and enabled = $3 and fingerprint_hash = $4 and target_app_version is null and target_app_version in ($5) and bundles.id > $6::uuid and bundles.id in ($7::uuid)"
        );
        let mut b = SqlBuilder::new(Provider::Sqlite);
        push_where(&mut b, &BundleWhere::default());
        assert_eq!(b.finish().sql, "");
    }
}
