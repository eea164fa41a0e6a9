use super::*;
use serde_json::json;

#[test]
fn lodash_rules() {
    let cur = json!({"metadata": {"app_version": "1.0.0"}, "list": [1, 2, 3], "patches": [{"a": 1}], "targetCohorts": ["1"], "message": "x"});
    let patch = json!({"metadata": {"x": 1}, "list": [9], "patches": [], "targetCohorts": null, "message": null});
    let out = merge_bundle_patch(&cur, patch.as_object().unwrap());
    assert_eq!(out, json!({"metadata": {"app_version": "1.0.0", "x": 1}, "list": [9, 2, 3], "patches": [], "targetCohorts": null, "message": null}));
}

#[test]
fn object_over_scalar_replaces() {
    let cur = json!({"metadata": null});
    let out = merge_bundle_patch(&cur, json!({"metadata": {"a": 1}}).as_object().unwrap());
    assert_eq!(out, json!({"metadata": {"a": 1}}));
}
