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
