use super::*;

#[test]
fn asset_uris_follow_both_layouts() {
    let legacy = asset_storage_uri("s3://b/r/102/files", "assets/x y@2x.png", "xy2").unwrap();
    assert_eq!(legacy, "s3://b/r/102/files/assets/x%20y%402x.png");
    let korean = asset_storage_uri("s3://b/r/102/files/", "assets/한글.ttf", "k1").unwrap();
    assert_eq!(korean, "s3://b/r/102/files/assets/%ED%95%9C%EA%B8%80.ttf");
    let ca = asset_storage_uri("s3://b/assets", "index.ios.bundle.br", "abcdef").unwrap();
    assert_eq!(ca, "s3://b/assets/sha256/ab/abcdef.br");
    assert_eq!(asset_storage_uri("s3://b/assets/", "noext", "ne").unwrap(), "s3://b/assets/sha256/ne/ne");
    assert_eq!(asset_storage_uri("s3://b/assets", "assets/x.png", "xy2").unwrap(), "s3://b/assets/sha256/xy/xy2.png");
}

#[test]
fn brotli_rule() {
    assert!(is_brotli_asset("index.ios.bundle"));
    assert!(is_brotli_asset("a\\index.android.bundle"));
    assert!(!is_brotli_asset("main.jsbundle"));
    assert!(!is_brotli_asset("xindex.ios.bundle"));
}

#[test]
fn asset_uris_derived_like_the_cli_stay_in_the_same_store() {
    use crate::storage::file::{key_from_uri, uri_from_key};
    // The CLI keeps the host and rewrites the pathname: `…/bundles/<id>/bundle.zip` → `…/assets`.
    let bundle = uri_from_key("bundles/0195/bundle.zip").unwrap();
    let mut base = url::Url::parse(&bundle).unwrap();
    base.set_path("/assets");
    let asset = asset_storage_uri(base.as_str(), "img/logo.png", "abcdef").unwrap();
    assert_eq!(key_from_uri(&asset).unwrap(), "assets/sha256/ab/abcdef.png");
}
