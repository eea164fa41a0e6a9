use std::cell::Cell;

use super::*;

fn counts(a: &Adoption) -> Vec<(String, String, String, u64)> {
    a.totals().0
}

#[test]
fn a_url_is_parsed_once_and_counted_like_a_computed_check() {
    let a = Adoption::new(60, 100);
    let parses = Cell::new(0);
    let parse = || {
        parses.set(parses.get() + 1);
        Some(("ios".to_string(), "production".to_string(), "b1".to_string()))
    };
    a.record("ios", "production", "b1");
    for _ in 0..3 {
        a.record_url("http://h/app-version/ios/1.0/production/0/b1", parse);
    }
    assert_eq!(parses.get(), 1);
    assert_eq!(counts(&a), vec![("ios".into(), "production".into(), "b1".into(), 4)]);
}

#[test]
fn a_url_that_is_not_an_update_check_counts_nothing() {
    let a = Adoption::new(60, 100);
    let parses = Cell::new(0);
    for _ in 0..2 {
        a.record_url("http://h/version", || {
            parses.set(parses.get() + 1);
            None
        });
    }
    assert_eq!(parses.get(), 1);
    assert!(counts(&a).is_empty());
}

#[test]
fn remembered_urls_are_bounded_and_the_per_minute_key_cap_holds() {
    let a = Adoption::new(60, 3);
    let total = URL_KEYS_MAX + 5;
    for i in 0..total {
        a.record_url(&format!("http://h/{i}"), || Some(("ios".into(), "p".into(), format!("b{}", i % 5))));
    }
    assert!(a.state.lock().unwrap().url_keys.len() <= URL_KEYS_MAX);
    // Five keys, at most three a minute: the other two are dropped, and nothing is lost.
    let (rows, dropped) = a.totals();
    let counted: u64 = rows.iter().map(|r| r.3).sum();
    assert!(dropped > 0 && rows.len() < 5 || rows.len() == 5, "{rows:?}");
    assert_eq!(counted + dropped, total as u64);
}
