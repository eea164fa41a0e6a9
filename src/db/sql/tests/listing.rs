//! Contract cases for filters and pagination (SPEC §5.5, including its VERIFIED examples).

use serde_json::{json, Value};

use super::fixtures::*;
use crate::db::query::{BundleQuery, BundleWhere, Cursor, IdFilter};
use crate::db::Database;

macro_rules! case {
    ($name:ident, |$db:ident| $body:block) => {
        pub fn $name($db: &dyn Database) -> futures::future::BoxFuture<'_, ()> {
            Box::pin(async move $body)
        }
    };
}

async fn filtered(db: &dyn Database, filter: BundleWhere) -> Vec<u64> {
    let p = page(db, query(filter.clone(), 100)).await;
    let found = ids(&p);
    assert_eq!(p["pagination"]["total"], json!(found.len()), "total for {filter:?}");
    found
}

fn id_filter(f: IdFilter) -> BundleWhere {
    BundleWhere { id: Some(f), ..Default::default() }
}

case!(every_filter, |db| {
    insert(
        db,
        &[
            bundle(1, json!({})),
            bundle(2, json!({"platform": "android"})),
            bundle(3, json!({"channel": "beta", "enabled": false, "targetAppVersion": "2.0.0"})),
            bundle(4, json!({"targetAppVersion": null, "fingerprintHash": "fp-a"})),
            bundle(5, json!({"platform": "android", "channel": "beta", "targetAppVersion": "2.0.0", "fingerprintHash": "fp-b"})),
        ],
    )
    .await;
    let w = BundleWhere::default;
    let s = |v: &str| Some(v.to_string());
    assert_eq!(filtered(db, w()).await, vec![5, 4, 3, 2, 1]);
    assert_eq!(filtered(db, BundleWhere { channel: s("beta"), ..w() }).await, vec![5, 3]);
    assert_eq!(filtered(db, BundleWhere { platform: s("android"), ..w() }).await, vec![5, 2]);
    assert_eq!(filtered(db, BundleWhere { enabled: Some(false), ..w() }).await, vec![3]);
    assert_eq!(filtered(db, BundleWhere { enabled: Some(true), platform: s("ios"), ..w() }).await, vec![4, 1]);
    assert_eq!(filtered(db, BundleWhere { target_app_version: Some(s("2.0.0")), ..w() }).await, vec![5, 3]);
    assert_eq!(filtered(db, BundleWhere { target_app_version: Some(None), ..w() }).await, vec![4]);
    let both = vec!["1.0.0".to_string(), "2.0.0".to_string()];
    assert_eq!(filtered(db, BundleWhere { target_app_version_in: Some(both), ..w() }).await, vec![5, 3, 2, 1]);
    assert_eq!(filtered(db, BundleWhere { target_app_version_not_null: Some(true), ..w() }).await, vec![5, 3, 2, 1]);
    assert_eq!(filtered(db, BundleWhere { target_app_version_not_null: Some(false), ..w() }).await, vec![5, 4, 3, 2, 1]);
    assert_eq!(filtered(db, BundleWhere { fingerprint_hash: Some(s("fp-a")), ..w() }).await, vec![4]);
    assert_eq!(filtered(db, BundleWhere { fingerprint_hash: Some(None), ..w() }).await, vec![3, 2, 1]);
    let combined = BundleWhere { target_app_version: Some(s("2.0.0")), target_app_version_in: Some(vec!["2.0.0".into()]), channel: s("beta"), ..w() };
    assert_eq!(filtered(db, combined).await, vec![5, 3]);
    assert_eq!(filtered(db, id_filter(IdFilter { eq: Some(id(2)), ..Default::default() })).await, vec![2]);
    assert_eq!(filtered(db, id_filter(IdFilter { gt: Some(id(3)), ..Default::default() })).await, vec![5, 4]);
    assert_eq!(filtered(db, id_filter(IdFilter { gte: Some(id(3)), ..Default::default() })).await, vec![5, 4, 3]);
    assert_eq!(filtered(db, id_filter(IdFilter { lt: Some(id(2)), ..Default::default() })).await, vec![1]);
    assert_eq!(filtered(db, id_filter(IdFilter { lte: Some(id(2)), ..Default::default() })).await, vec![2, 1]);
    let set = Some(vec![id(1), id(4), id(9)]);
    assert_eq!(filtered(db, id_filter(IdFilter { in_: set, ..Default::default() })).await, vec![4, 1]);
    let range = IdFilter { gt: Some(id(1)), lt: Some(id(5)), ..Default::default() };
    assert_eq!(filtered(db, id_filter(range)).await, vec![4, 3, 2]);
    // Empty id strings are ignored, as upstream's truthiness checks do.
    assert_eq!(filtered(db, id_filter(IdFilter { eq: Some(String::new()), ..Default::default() })).await.len(), 5);
});

case!(empty_sets_match_nothing, |db| {
    insert(db, &[bundle(1, json!({}))]).await;
    let empty_page = json!({"data": [], "pagination": {"total": 0, "hasNextPage": false, "hasPreviousPage": false, "currentPage": 1, "totalPages": 0}});
    let f = BundleWhere { target_app_version_in: Some(vec![]), ..Default::default() };
    assert_eq!(page(db, query(f, 10)).await, empty_page);
    let f = id_filter(IdFilter { in_: Some(vec![]), ..Default::default() });
    assert_eq!(page(db, query(f, 10)).await, empty_page);
});

fn pagination(p: &Value) -> Value {
    p["pagination"].clone()
}

case!(cursor_pagination_verified_examples, |db| {
    insert(db, &[bundle(1, json!({})), bundle(2, json!({})), bundle(3, json!({}))]).await;
    let first = page(db, query(Default::default(), 2)).await;
    assert_eq!(ids(&first), vec![3, 2]);
    assert_eq!(pagination(&first), json!({"total": 3, "hasNextPage": true, "hasPreviousPage": false, "currentPage": 1, "totalPages": 2, "nextCursor": id(2)}));
    let cursor = |after: Option<u64>, before: Option<u64>| Some(Cursor { after: after.map(id), before: before.map(id) });
    let next = page(db, BundleQuery { cursor: cursor(Some(2), None), ..query(Default::default(), 2) }).await;
    assert_eq!(ids(&next), vec![1]);
    assert_eq!(
        pagination(&next),
        json!({"total": 3, "hasNextPage": false, "hasPreviousPage": true, "currentPage": 2, "totalPages": 2, "previousCursor": id(1)})
    );
    let back = page(db, BundleQuery { cursor: cursor(None, Some(2)), ..query(Default::default(), 1) }).await;
    assert_eq!(ids(&back), vec![3]);
    assert_eq!(pagination(&back), json!({"total": 3, "hasNextPage": true, "hasPreviousPage": false, "currentPage": 1, "totalPages": 3, "nextCursor": id(3)}));
    // `after` wins over `before`.
    let both = page(db, BundleQuery { cursor: cursor(Some(3), Some(1)), ..query(Default::default(), 5) }).await;
    assert_eq!(ids(&both), vec![2, 1]);
});

case!(cursor_on_empty_database, |db| {
    let after = page(db, BundleQuery { cursor: Some(Cursor { after: Some(id(42)), before: None }), ..query(Default::default(), 5) }).await;
    assert_eq!(
        after,
        json!({"data": [], "pagination": {"total": 0, "hasNextPage": false, "hasPreviousPage": false, "currentPage": 1, "totalPages": 0, "previousCursor": id(42)}})
    );
    let before = page(db, BundleQuery { cursor: Some(Cursor { after: None, before: Some(id(42)) }), ..query(Default::default(), 5) }).await;
    assert_eq!(pagination(&before)["nextCursor"], json!(id(42)));
});

case!(page_numbers_clamp_to_last_page, |db| {
    let all: Vec<Value> = (1..=5).map(|n| bundle(n, json!({}))).collect();
    insert(db, &all).await;
    let at = |p: u64| BundleQuery { page: Some(p), ..query(Default::default(), 2) };
    assert_eq!(ids(&page(db, at(1)).await), vec![5, 4]);
    let second = page(db, at(2)).await;
    assert_eq!(ids(&second), vec![3, 2]);
    assert_eq!(
        pagination(&second),
        json!({"total": 5, "hasNextPage": true, "hasPreviousPage": true, "currentPage": 2, "totalPages": 3, "nextCursor": id(2), "previousCursor": id(3)})
    );
    let beyond = page(db, at(9)).await;
    assert_eq!(ids(&beyond), vec![1]);
    assert_eq!(pagination(&beyond)["currentPage"], json!(3));
});

case!(ascending_order_and_cursor, |db| {
    let all: Vec<Value> = (1..=4).map(|n| bundle(n, json!({}))).collect();
    insert(db, &all).await;
    let asc = BundleQuery { descending: false, ..query(Default::default(), 2) };
    let first = page(db, asc.clone()).await;
    assert_eq!(ids(&first), vec![1, 2]);
    let next = page(db, BundleQuery { cursor: Some(Cursor { after: Some(id(2)), before: None }), ..asc.clone() }).await;
    assert_eq!(ids(&next), vec![3, 4]);
    assert_eq!(pagination(&next)["previousCursor"], json!(id(3)));
    let back = page(db, BundleQuery { cursor: Some(Cursor { after: None, before: Some(id(3)) }), ..asc }).await;
    assert_eq!(ids(&back), vec![1, 2]);
});

case!(large_pages, |db| {
    let all: Vec<Value> = (1..=120).map(|n| bundle(n, json!({"channel": if n % 2 == 0 { "even" } else { "odd" }}))).collect();
    insert(db, &all).await;
    let p = page(db, query(Default::default(), 200)).await;
    assert_eq!(ids(&p).len(), 120);
    assert_eq!(ids(&p)[0], 120);
    assert_eq!(pagination(&p)["hasNextPage"], json!(false));
    let even = page(db, query(BundleWhere { channel: Some("even".into()), ..Default::default() }, 50)).await;
    assert_eq!((ids(&even).len(), pagination(&even)["total"].clone()), (50, json!(60)));
});
