use super::*;

#[test]
fn base_path_rules() {
    assert_eq!(normalize_base_path(None), "/");
    assert_eq!(normalize_base_path(Some("/")), "/");
    assert_eq!(normalize_base_path(Some("/a/b/")), "/a/b");
    assert_eq!(normalize_base_path(Some("api")), "api");
    assert_eq!(relative_path("/hot-updater/version", "/hot-updater"), "/version");
    assert_eq!(relative_path("/hot-updater/version/", "/hot-updater"), "/version");
    assert_eq!(relative_path("/hot-updaterx/version", "/hot-updater"), "/x/version");
    assert_eq!(relative_path("/version", "/hot-updater"), "/version");
    assert_eq!(relative_path("/hot-updater", "/hot-updater"), "/");
    assert_eq!(relative_path("/version", "/"), "/version");
}

#[test]
fn matching() {
    assert_eq!(find("GET", "/version", false, false).unwrap().action, Action::Version);
    assert!(find("HEAD", "/version", true, true).is_none());
    assert!(find("POST", "/version", true, true).is_none());
    let m = find("GET", "/app-version/ios/1.0/production/a/b", true, false).unwrap();
    assert_eq!(m.param("appVersion"), Some("1.0"));
    assert_eq!(m.param("cohort"), None);
    let m = find("GET", "/app-version/ios/1.0/production/a/b/", true, false).unwrap();
    assert_eq!(m.param("cohort"), Some(""), "a `//` tail leaves an empty cohort");
    let m = find("GET", "/fingerprint//h/c/m/b", true, false).unwrap();
    assert_eq!(m.param("platform"), Some(""));
    assert_eq!(find("GET", "/api/bundles/channels", false, true).unwrap().action, Action::Channels);
    assert!(find("GET", "/api/bundles/channels", true, false).is_none());
    assert_eq!(find("delete", "/api/bundles/x", false, true).unwrap().action, Action::DeleteBundle);
}
