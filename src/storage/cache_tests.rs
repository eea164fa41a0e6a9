use super::*;

#[test]
fn generations_bound_the_weight_and_keep_recent_entries() {
    let mut c: GenCache<u32> = GenCache::new(4);
    for (i, k) in ["a", "b", "c"].iter().enumerate() {
        c.insert(k, i as u32, 1);
    }
    // "a" and "b" filled the young generation; "c" rotated them into the old one.
    assert_eq!((c.len(), c.weight()), (3, 3));
    assert_eq!(c.get("a"), Some(0)); // promoted back into the young generation
    c.insert("d", 3, 1); // young is full again ("c", "a"): rotation drops "b"
    assert_eq!(c.get("b"), None);
    assert_eq!((c.get("a"), c.get("c"), c.get("d")), (Some(0), Some(2), Some(3)));
    assert!(c.weight() <= 4);
}

#[test]
fn heavy_entries_are_not_kept_and_replacing_adjusts_the_weight() {
    let mut c: GenCache<&str> = GenCache::new(100);
    c.insert("big", "x", 51);
    assert!(c.is_empty());
    c.insert("k", "v1", 10);
    c.insert("k", "v2", 20);
    assert_eq!((c.get("k"), c.weight(), c.len()), (Some("v2"), 20, 1));
    c.remove("k");
    assert_eq!(c.weight(), 0);
}

#[test]
fn urls_are_reused_for_half_their_lifetime() {
    let caches = StorageCaches::new(true);
    let t0 = Instant::now();
    caches.put_url("s3://b/k", "https://u", Duration::from_secs(3600), t0);
    assert_eq!(caches.url("s3://b/k", t0 + Duration::from_secs(1799)).as_deref(), Some("https://u"));
    assert_eq!(caches.url("s3://b/k", t0 + Duration::from_secs(1800)), None);
    // The stale entry is gone for good.
    assert_eq!(caches.url("s3://b/k", t0), None);
}

#[test]
fn url_cache_is_bounded() {
    let caches = StorageCaches::with_budgets(true, 10, 1000);
    let t0 = Instant::now();
    for i in 0..100 {
        caches.put_url(&format!("s3://b/{i}"), "https://u", Duration::from_secs(60), t0);
    }
    let kept = caches.urls.lock().unwrap().len();
    assert!((5..=10).contains(&kept), "{kept}");
    assert!(caches.url("s3://b/99", t0).is_some());
}

#[test]
fn texts_are_bounded_by_bytes() {
    let caches = StorageCaches::with_budgets(true, 10, 1000);
    caches.put_text("s3://b/m.json", "{}");
    assert_eq!(caches.text("s3://b/m.json").as_deref(), Some("{}"));
    caches.put_text("s3://b/huge.json", &"x".repeat(600));
    assert_eq!(caches.text("s3://b/huge.json"), None);
    for i in 0..50 {
        caches.put_text(&format!("s3://b/{i}"), &"y".repeat(100));
    }
    assert!(caches.texts.lock().unwrap().weight() <= 1000);
}

#[test]
fn disabled_caches_keep_nothing() {
    let caches = StorageCaches::new(false);
    let t0 = Instant::now();
    caches.put_url("u", "https://u", Duration::from_secs(60), t0);
    caches.put_text("u", "t");
    assert_eq!((caches.url("u", t0), caches.text("u")), (None, None));
}
