//! Pure functions exported for the differential tests (`__test__/*.diff.test.mjs`), which compare
//! them with the JS implementations they reproduce. Not part of the public JS API.

use napi_derive::napi;

use crate::core::{collate, jsnum, rollout, semver};

/// `semverSatisfies(targetAppVersion, clientVersion)`.
#[napi(catch_unwind)]
pub fn semver_satisfies(range: String, version: String) -> bool {
    semver::satisfies(&range, &version)
}

/// Whether a `Hot-Updater-SDK-Version` header earns `{"status":"UP_TO_DATE"}`.
#[napi(catch_unwind)]
pub fn sdk_supports_up_to_date(header: String) -> bool {
    semver::sdk_supports_up_to_date(&header)
}

/// `a.localeCompare(b)` for bundle ids, as -1, 0 or 1.
#[napi(catch_unwind)]
pub fn locale_compare_ids(a: String, b: String) -> i32 {
    collate::locale_compare(&a, &b) as i32
}

/// `isCohortEligibleForUpdate(bundleId, cohort, count, targetCohorts)`.
#[napi(catch_unwind)]
pub fn is_cohort_eligible(bundle_id: String, cohort: Option<String>, count: Option<f64>, target_cohorts: Option<Vec<String>>) -> bool {
    let parsed = rollout::parse_request_cohort(cohort.as_deref());
    rollout::is_cohort_eligible_parsed(&bundle_id, &parsed, count, target_cohorts.as_deref())
}

/// JS `Number(string)`.
#[napi(catch_unwind)]
pub fn js_number(s: String) -> f64 {
    jsnum::js_number(&s)
}

/// JS `decodeURIComponent`, `null` where it throws.
#[napi(catch_unwind)]
pub fn decode_uri_component(s: String) -> Option<String> {
    jsnum::decode_uri_component(&s)
}

/// `getSignedUrl({ url, keyPairId, privateKey, dateLessThan })` of `@aws-sdk/cloudfront-signer`
/// with a canned policy, `dateLessThan` in seconds since the epoch.
#[napi(catch_unwind)]
pub fn cloud_front_signed_url(url: String, key_pair_id: String, private_key: String, date_less_than: i64) -> napi::Result<String> {
    use crate::storage::cloudfront::CloudFrontKey;
    let key = CloudFrontKey::from_pem(&private_key).map_err(super::server::to_napi)?;
    key.signed_url(&url, &key_pair_id, date_less_than).map_err(super::server::to_napi)
}

/// The URL `withCloudFrontSignedUrl` signs for `storageUri` under `publicBaseUrl`.
#[napi(catch_unwind)]
pub fn cloud_front_resource_url(public_base_url: String, storage_uri: String) -> Option<String> {
    let base = url::Url::parse(&public_base_url).ok()?;
    let uri = url::Url::parse(&storage_uri).ok()?;
    Some(crate::storage::cloudfront::resource_url(&base, &uri))
}

/// The listener's multipart reader (`http::multipart`) on a body cut into `chunks`: JSON
/// `{ parts: [{ disposition, data }] }` (`data` in base64) or `{ error }`, for the differential
/// test against lib/multipart.js.
#[napi(catch_unwind)]
pub fn multipart_read(boundary: String, chunks: Vec<napi::bindgen_prelude::Buffer>) -> String {
    use crate::http::multipart::{Event, Parser};
    use base64::Engine;
    let mut parser = Parser::new(&boundary);
    let mut events = Vec::new();
    let mut parts: Vec<(Option<String>, Vec<u8>)> = Vec::new();
    let mut read = || -> Result<(), crate::http::multipart::MultipartError> {
        for chunk in &chunks {
            parser.push(chunk, &mut events)?;
            for event in events.drain(..) {
                match event {
                    Event::Part { disposition } => parts.push((disposition, Vec::new())),
                    Event::Data(bytes) => {
                        if let Some(part) = parts.last_mut() {
                            part.1.extend_from_slice(&bytes);
                        }
                    }
                    Event::End => {}
                }
            }
        }
        parser.end()
    };
    match read() {
        Err(e) => serde_json::json!({ "error": e.0 }).to_string(),
        Ok(()) => {
            let parts: Vec<_> = parts
                .into_iter()
                .map(|(d, data)| serde_json::json!({ "disposition": d, "data": base64::engine::general_purpose::STANDARD.encode(data) }))
                .collect();
            serde_json::json!({ "parts": parts }).to_string()
        }
    }
}

/// `parseContentDisposition` of lib/multipart.js, in Rust: JSON `{ name, filename }` (absent
/// values `null`) or `{ error }`.
#[napi(catch_unwind)]
pub fn multipart_content_disposition(value: String) -> String {
    match crate::http::multipart::parse_content_disposition(Some(&value)) {
        Ok(d) => serde_json::json!({ "name": d.name, "filename": d.filename }).to_string(),
        Err(e) => serde_json::json!({ "error": e.0 }).to_string(),
    }
}

/// `boundaryOf` of lib/multipart.js, in Rust.
#[napi(catch_unwind)]
pub fn multipart_boundary(content_type: String) -> Option<String> {
    crate::http::multipart::boundary_of(Some(&content_type))
}
