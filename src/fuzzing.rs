//! Fuzz checks: each function takes arbitrary bytes, runs one input-facing parser of the crate
//! and asserts its invariants (a panic is the finding). They are shared by the `cargo fuzz`
//! targets in `fuzz/` and by the unit test that replays the committed corpus, so CI runs every
//! seed and every past finding through exactly what the fuzzer ran.
//!
//! Only code with no I/O, database or napi is reached: the router and path decoding, the bundle
//! query string, the node-semver range scanner and `coerce`, bundle JSON, and `fileStorage` keys.

use std::path::{Component, Path};

use crate::core::bundle::{sanitize_patches, Bundle};
use crate::core::jsnum::{decode_uri_component, encode_uri};
use crate::core::semver::{coerce, satisfies, sdk_supports_up_to_date, Range, Version};
use crate::http::query::parse_bundle_query;
use crate::http::route::{find, normalize_base_path, relative_path};
use crate::storage::file;

const METHODS: [&str; 6] = ["GET", "POST", "PATCH", "DELETE", "HEAD", "get"];
const BASE_PATHS: [&str; 4] = ["/", "/hot-updater", "/api", "hot-updater/"];

fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// The router: a request URL through the URL parser, the base-path strip and the route table;
/// every matched parameter through `decodeURIComponent`. Also `decodeURIComponent` itself: it
/// inverts `encodeURI` exactly, and never grows its input.
pub fn route(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else { return };
    let method = METHODS[usize::from(selector) % METHODS.len()];
    let base = normalize_base_path(Some(BASE_PATHS[usize::from(selector >> 4) % BASE_PATHS.len()]));
    let input = text(rest);
    let candidates = [input.to_string(), format!("http://h{input}"), format!("http://h/hot-updater/{input}")];
    for raw in &candidates {
        for pathname in [Some(raw.as_str()), url::Url::parse(raw).ok().as_ref().map(url::Url::path)].into_iter().flatten() {
            let rel = relative_path(pathname, &base);
            assert!(rel.starts_with('/'), "relative path {rel:?} of {pathname:?} lacks its leading slash");
            for update_check in [false, true] {
                let Some(m) = find(method, &rel, update_check, true) else { continue };
                let segments = if rel == "/" { 0 } else { rel[1..].split('/').count() };
                assert!(m.params.len() <= segments, "more parameters than segments in {rel:?}");
                for (_, value) in &m.params {
                    assert!(!value.contains('/'), "a parameter spans segments: {value:?}");
                    if let Some(decoded) = decode_uri_component(value) {
                        assert!(decoded.len() <= value.len(), "decoding grew {value:?}");
                    }
                }
            }
        }
    }
    match decode_uri_component(&input) {
        Some(decoded) => assert!(decoded.len() <= input.len()),
        None => assert!(input.contains('%'), "decodeURIComponent refused {input:?}, which has no escape"),
    }
    assert_eq!(decode_uri_component(&encode_uri(&input)).as_deref(), Some(&*input), "decodeURIComponent(encodeURI(s)) != s");
}

/// The `GET /api/bundles` query string: any input is answered (a value or a 400), never a panic.
pub fn query(data: &[u8]) {
    let input = text(data);
    let _ = parse_bundle_query(Some(&input));
    if let Ok(url) = url::Url::parse(&format!("http://h/api/bundles?{input}")) {
        let _ = parse_bundle_query(url.query());
    }
}

/// The node-semver range scanner and `coerce`: a coerced version prints as a strict version that
/// parses back to itself, and matching agrees with the compiled range.
pub fn semver(data: &[u8]) {
    let input = text(data);
    let (range_text, version_text) = input.split_once('\n').unwrap_or((&input, "1.2.3"));
    let range = Range::parse(range_text);
    let coerced = coerce(version_text);
    if let Some(v) = &coerced {
        let printed = v.to_string();
        assert_eq!(Version::parse_strict(&printed).as_ref(), Some(v), "coerce gave {printed:?}, which does not parse back");
        assert!(v.prerelease.is_empty(), "coerce kept a prerelease: {printed:?}");
    }
    let expected = matches!((&range, &coerced), (Some(r), Some(v)) if r.test(v));
    assert_eq!(satisfies(range_text, version_text), expected, "satisfies disagrees with Range::test");
    if let Some(r) = &range {
        for v in [Version::new(0, 0, 0), Version::new(1, 2, 3), Version::new(u64::MAX, 0, 0)] {
            let _ = r.test(&v);
        }
        if let Some(strict) = Version::parse_strict(version_text) {
            let _ = r.test(&strict);
        }
    }
    let _ = sdk_supports_up_to_date(&input);
}

/// Bundle JSON as clients POST it: decoding never panics, and a decoded bundle's JSON decodes
/// again to a bundle whose JSON is the same (one round trip reaches a fixed point).
pub fn bundle(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let _ = sanitize_patches(&value);
    let bundles: Vec<Bundle> = match &value {
        serde_json::Value::Array(items) => items.iter().filter_map(|v| serde_json::from_value(v.clone()).ok()).collect(),
        other => serde_json::from_value(other.clone()).ok().into_iter().collect(),
    };
    for b in bundles {
        let first = b.to_value();
        let again: Bundle = match serde_json::from_value(first.clone()) {
            Ok(again) => again,
            Err(e) => panic!("a bundle's own JSON does not decode: {e}: {first}"),
        };
        assert_eq!(again.to_value(), first, "bundle JSON is not a fixed point");
        let _ = (b.rollout(), b.metadata_object(), b.patch_for("base"));
    }
}

/// `fileStorage` keys: a key accepted anywhere maps to a path strictly below the storage
/// directory with plain components only, and survives its URI and URL-path encodings.
pub fn file_key(data: &[u8]) {
    let input = text(data);
    let dir = Path::new("/srv/files");
    if let Ok(path) = file::key_path(dir, &input) {
        let rest = match path.strip_prefix(dir) {
            Ok(rest) => rest,
            Err(_) => panic!("key {input:?} left the storage: {path:?}"),
        };
        assert!(rest.components().count() >= 1, "key {input:?} names the storage itself");
        assert!(rest.components().all(|c| matches!(c, Component::Normal(_))), "key {input:?} has a non-plain component: {rest:?}");
        let uri = match file::uri_from_key(&input) {
            Ok(uri) => uri,
            Err(e) => panic!("valid key {input:?} has no URI: {}", e.message),
        };
        assert_eq!(file::key_from_uri(&uri).ok().as_deref(), Some(&*input), "URI round trip of {input:?} via {uri:?}");
        let encoded = file::encode_key(&input);
        assert_eq!(file::key_from_url_path(&encoded).ok().as_deref(), Some(&*input), "URL-path round trip of {input:?} via {encoded:?}");
    }
    for decoded in [file::key_from_uri(&input), file::key_from_url_path(&input)].into_iter().flatten() {
        assert!(file::key_path(dir, &decoded).is_ok(), "a decoded key {decoded:?} (from {input:?}) is not a valid key");
    }
    let _ = file::request_files_base(&input, "/hot-updater");
    let _ = file::host_is_trusted(&input, &["h".to_string(), "h:1".to_string()]);
}

/// One fuzz check: takes any bytes, panics only on a broken invariant.
pub type Check = fn(&[u8]);

/// The targets by name, as `fuzz/fuzz_targets/` and the corpus folders name them.
pub const TARGETS: [(&str, Check); 5] = [("route", route), ("query", query), ("semver", semver), ("bundle", bundle), ("file_key", file_key)];

#[cfg(test)]
#[path = "fuzzing_tests.rs"]
mod tests;
