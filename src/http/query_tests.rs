use super::*;

fn err(q: &str) -> String {
    parse_bundle_query(Some(q)).unwrap_err().message
}

#[test]
fn limits_and_order_of_errors() {
    for ok in ["limit=1e1", "limit=%205%20", "limit=0x10", "limit=2.0", "limit=100"] {
        assert!(parse_bundle_query(Some(ok)).is_ok(), "{ok}");
    }
    for bad in ["limit=", "limit=0", "limit=101", "limit=1.5", "limit=abc"] {
        assert!(err(bad).contains("'limit'"), "{bad}");
    }
    assert!(err("limit=0&offset=1").contains("'limit'"));
    assert!(err("enabled=yes&offset=1").contains("'enabled'"));
    assert!(err("offset=&page=0").contains("'offset'"));
    assert!(err("page=0").contains("'page'"));
    assert!(err("page=").contains("'page'"));
    assert_eq!(err("platform="), "Invalid platform: . Expected 'ios' or 'android'.");
}

#[test]
fn filters() {
    let q = parse_bundle_query(Some("idIn=a&idIn=b&targetAppVersion=null&fingerprintHash=&channel=&after=x&targetAppVersionIn=")).unwrap();
    assert_eq!(q.filter.id.unwrap().in_.unwrap(), vec!["a", "b"]);
    assert_eq!(q.filter.target_app_version, Some(None));
    assert_eq!(q.filter.fingerprint_hash, Some(Some(String::new())));
    assert_eq!(q.filter.channel, None);
    assert_eq!(q.filter.target_app_version_in.unwrap(), vec![""]);
    assert_eq!(q.cursor.unwrap().after.as_deref(), Some("x"));
    assert_eq!(q.limit, 50);
}
