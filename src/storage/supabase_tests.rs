use super::*;

#[test]
fn storage_url_resolves_like_supabase_js() {
    assert_eq!(storage_url("https://abc.supabase.co").unwrap(), "https://abc.supabase.co/storage/v1");
    assert_eq!(storage_url("https://abc.supabase.co/").unwrap(), "https://abc.supabase.co/storage/v1");
    assert_eq!(storage_url("http://127.0.0.1:54321/base").unwrap(), "http://127.0.0.1:54321/base/storage/v1");
    assert!(storage_url("ftp://x").is_err());
    assert!(storage_url("not a url").is_err());
}

#[test]
fn error_messages_follow_the_storage_client() {
    let v: Value = serde_json::from_str(r#"{"statusCode":"404","error":"not_found","message":"Object not found"}"#).unwrap();
    assert_eq!(api_message(&v), "Object not found");
    assert!(is_not_found(400, Some(&v), "Object not found"));
    let v: Value = serde_json::from_str(r#"{"error":"Unauthorized"}"#).unwrap();
    assert_eq!(api_message(&v), "Unauthorized");
    assert!(!is_not_found(403, Some(&v), "Unauthorized"));
    let v: Value = serde_json::from_str(r#"{"x":1}"#).unwrap();
    assert_eq!(api_message(&v), r#"{"x":1}"#);
}

fn storage() -> SupabaseStorage {
    SupabaseStorage::from_options(SupabaseOptions {
        supabase_url: "https://abc.supabase.co".into(),
        key: "k".into(),
        bucket_name: "bundles".into(),
        expires_in: None,
        cache: None,
        connect_timeout_ms: None,
        request_timeout_ms: None,
    })
    .unwrap()
}

#[test]
fn keys_are_decoded_checked_and_put_into_paths_as_keys() {
    let s = storage();
    assert_eq!(s.key_of("supabase-storage://bundles/a/b%20c%26d.zip").unwrap(), "a/b c&d.zip");
    assert_eq!(s.key_of("supabase-storage://other/m.json").unwrap_err().message, "Bucket name mismatch: expected \"bundles\", but found \"other\".");
    assert!(s.key_of("s3://bundles/a").unwrap_err().message.contains("Expected supabase-storage"));
    assert_eq!(s.object_url("object/sign", "a/b c&d?e#f%g.zip"), "https://abc.supabase.co/storage/v1/object/sign/bundles/a/b c&d%3Fe%23f%25g.zip");
}

#[test]
fn the_service_key_stays_out_of_debug_output() {
    let o = SupabaseOptions {
        supabase_url: "https://abc.supabase.co".into(),
        key: "super-secret-key".into(),
        bucket_name: "b".into(),
        expires_in: None,
        cache: None,
        connect_timeout_ms: None,
        request_timeout_ms: None,
    };
    assert!(!format!("{o:?}").contains("super-secret"));
}
