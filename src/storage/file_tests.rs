use super::*;

fn bad(r: Result<String>) -> String {
    r.expect_err("should be rejected").message
}

#[test]
fn keys() {
    for ok in [
        "a",
        "bundles/0195/bundle.zip",
        "assets/sha256/ab/abcdef.png",
        "a b/x@2x.png",
        "한글.ttf",
        "a/.hidden",
        "..a",
        "a..",
        ".hot-updater-x/y",
        "x/.hot-updater",
    ] {
        assert!(validate_key(ok).is_ok(), "{ok}");
    }
    for no in [
        "",
        "/abs",
        "a//b",
        "a/",
        "./a",
        "a/./b",
        "../a",
        "a/../b",
        "a/..",
        "a\\b",
        "..\\a",
        "a\u{0}b",
        "a\nb",
        ".hot-updater/tmp/x",
        ".hot-updater",
        ".HOT-Updater/meta",
    ] {
        assert!(validate_key(no).is_err(), "{no:?}");
    }
    assert!(validate_key(&"a/".repeat(600)).is_err());
    assert!(validate_key(&"x".repeat(256)).is_err());
    assert!(validate_key(&"x".repeat(255)).is_ok());
}

#[test]
fn url_paths() {
    assert_eq!(key_from_url_path("bundles/0195/bundle.zip").unwrap(), "bundles/0195/bundle.zip");
    assert_eq!(key_from_url_path("assets/x%20y%402x.png").unwrap(), "assets/x y@2x.png");
    assert_eq!(key_from_url_path("assets/%ED%95%9C%EA%B8%80.ttf").unwrap(), "assets/한글.ttf");
    assert_eq!(key_from_url_path("a%25b").unwrap(), "a%b");
    assert!(bad(key_from_url_path("..%2f..%2fetc%2fpasswd")).contains("encoded path separator"));
    assert!(bad(key_from_url_path("a%2Fb")).contains("encoded path separator"));
    assert!(bad(key_from_url_path("a%5cb")).contains("encoded path separator"));
    assert!(bad(key_from_url_path("%2e%2e/etc/passwd")).contains("dot segment"));
    assert!(bad(key_from_url_path("..")).contains("dot segment"));
    assert!(bad(key_from_url_path("/etc/passwd")).contains("absolute path"));
    assert!(bad(key_from_url_path("a//etc/passwd")).contains("empty path segment"));
    assert!(bad(key_from_url_path("a/%00")).contains("control character"));
    assert!(bad(key_from_url_path("a\\..\\b")).contains("backslash"));
    assert!(bad(key_from_url_path("a%zz")).contains("malformed"));
    assert!(bad(key_from_url_path("a%e")).contains("malformed"));
    assert!(bad(key_from_url_path("a%ff")).contains("UTF-8"));
    assert!(bad(key_from_url_path("")).contains("empty"));
    assert!(bad(key_from_url_path(".hot-updater/meta/x")).contains("reserved"));
    assert!(bad(key_from_url_path("%2Ehot-updater/x")).contains("reserved"));
}

#[test]
fn uris() {
    let uri = uri_from_key("assets/x y@2x.png").unwrap();
    assert_eq!(uri, "file-storage://local/assets/x%20y%402x.png");
    assert_eq!(key_from_uri(&uri).unwrap(), "assets/x y@2x.png");
    assert_eq!(key_from_uri("file-storage://local/bundles/0195/bundle.zip").unwrap(), "bundles/0195/bundle.zip");
    // WHATWG parsing resolves dot segments before we see the path; what is left stays inside.
    assert_eq!(key_from_uri("file-storage://local/a/../b").unwrap(), "b");
    assert_eq!(key_from_uri("FILE-STORAGE://local/a").unwrap(), "a");
    assert!(key_from_uri("file-storage://other/a").is_err());
    assert!(key_from_uri("file-storage:///a").is_err());
    assert!(key_from_uri("file-storage://local:1/a").is_err());
    assert!(key_from_uri("file-storage://local/").is_err());
    assert!(key_from_uri("file-storage://local/a?x=1").is_err());
    assert!(key_from_uri("file-storage://local/a%2Fb").is_err());
    assert!(key_from_uri("s3://local/a").is_err());
    assert!(key_from_uri("not a url").is_err());
    assert!(uri_from_key("../x").is_err());
}

#[test]
fn paths_and_urls() {
    let dir = Path::new("/srv/files");
    assert_eq!(key_path(dir, "a/b.zip").unwrap(), Path::new("/srv/files/a/b.zip"));
    assert!(key_path(dir, "../b").is_err());
    assert!(key_path(dir, "/etc/passwd").is_err());
    assert_eq!(download_url("https://cdn.example.com/ota/", "assets/x y.png"), "https://cdn.example.com/ota/assets/x%20y.png");
    assert_eq!(download_url("https://cdn.example.com", "a"), "https://cdn.example.com/a");
    assert_eq!(request_files_base("http://127.0.0.1:3000/hot-updater/app-version/x?q=1", "/hot-updater").unwrap(), "http://127.0.0.1:3000/hot-updater/files");
    assert_eq!(request_files_base("https://ota.example.com:443/version", "/").unwrap(), "https://ota.example.com/files");
    assert_eq!(request_files_base("http://h/api/x", "api").unwrap(), "http://h/api/files");
    assert!(request_files_base("file:///x", "/").is_none());
}

#[test]
fn read_text_stays_inside() {
    let root = std::env::temp_dir().join(format!("hu-file-storage-{}", std::process::id()));
    let dir = root.join("store");
    std::fs::create_dir_all(dir.join("m")).unwrap();
    std::fs::write(dir.join("m/manifest.json"), "{}").unwrap();
    std::fs::write(root.join("secret.txt"), "secret").unwrap();
    assert_eq!(read_text_blocking(&dir, "m/manifest.json").unwrap().as_deref(), Some("{}"));
    assert_eq!(read_text_blocking(&dir, "m/missing.json").unwrap(), None);
    assert_eq!(read_text_blocking(&dir, "m/manifest.json/x").unwrap(), None);
    assert_eq!(read_text_blocking(&dir, "m").unwrap(), None);
    assert!(read_text_blocking(&dir, "../secret.txt").is_err());
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(root.join("secret.txt"), dir.join("link.txt")).unwrap();
        assert_eq!(read_text_blocking(&dir, "link.txt").unwrap(), None);
        std::os::unix::fs::symlink(dir.join("m/manifest.json"), dir.join("inside.json")).unwrap();
        assert_eq!(read_text_blocking(&dir, "inside.json").unwrap().as_deref(), Some("{}"));
    }
    std::fs::remove_dir_all(&root).unwrap();
}

#[tokio::test]
async fn storage_urls() {
    let ctx = Ctx::default();
    let uri = "file-storage://local/bundles/1/bundle.zip";
    let public = FileStorage::new("/nonexistent", Some("https://cdn.example.com/ota".into()));
    assert_eq!(public.get_download_url(uri, ctx).await.unwrap(), "https://cdn.example.com/ota/bundles/1/bundle.zip");
    let local = FileStorage::new("/nonexistent", None);
    assert!(local.get_download_url(uri, ctx).await.unwrap_err().message.contains("publicBaseUrl"));
    let url = with_request_base(Some("http://h:1/hu/files".into()), local.get_download_url(uri, ctx)).await.unwrap();
    assert_eq!(url, "http://h:1/hu/files/bundles/1/bundle.zip");
    assert_eq!(local.read_text(uri, ctx).await.unwrap(), None);
    assert!(local.read_text("file-storage://local/a/..%2f..%2fx", ctx).await.is_err());
}

#[test]
fn trusted_host_rules() {
    let hosts = vec!["updates.example.com".to_string(), "127.0.0.1:8080".to_string(), "[::1]:443".to_string()];
    assert!(host_is_trusted("https://updates.example.com/hu/files", &hosts));
    assert!(host_is_trusted("http://UPDATES.example.com:9999/hu/files", &hosts));
    assert!(host_is_trusted("http://127.0.0.1:8080/files", &hosts));
    assert!(!host_is_trusted("http://127.0.0.1:8081/files", &hosts));
    assert!(!host_is_trusted("http://127.0.0.1/files", &hosts));
    assert!(host_is_trusted("https://[::1]/files", &hosts));
    assert!(!host_is_trusted("http://[::1]/files", &hosts));
    assert!(!host_is_trusted("http://evil.example/files", &hosts));
    assert!(!host_is_trusted("http://updates.example.com.evil.example/files", &hosts));
    assert!(!host_is_trusted("not a url", &hosts));
    assert!(!host_is_trusted("http://updates.example.com/", &[]));
}

#[tokio::test]
async fn untrusted_hosts_get_no_download_url() {
    let ctx = Ctx::default();
    let uri = "file-storage://local/b/bundle.zip";
    let trusted = Some(vec!["good.example".to_string()]);
    let local = FileStorage::new("/nonexistent", None).with_trusted_hosts(trusted.clone());
    let good = with_request_base(Some("https://good.example/hu/files".into()), local.get_download_url(uri, ctx)).await.unwrap();
    assert_eq!(good, "https://good.example/hu/files/b/bundle.zip");
    let bad = with_request_base(Some("https://evil.example/hu/files".into()), local.get_download_url(uri, ctx)).await.unwrap_err();
    assert_eq!(bad.kind, crate::error::ErrorKind::BadRequest);
    assert!(bad.message.contains("trustedHosts") && bad.message.contains("publicBaseUrl"), "{}", bad.message);
    // publicBaseUrl, when set, is used whatever the request's Host.
    let public = FileStorage::new("/nonexistent", Some("https://cdn.example/ota".into())).with_trusted_hosts(trusted);
    let url = with_request_base(Some("https://evil.example/hu/files".into()), public.get_download_url(uri, ctx)).await.unwrap();
    assert_eq!(url, "https://cdn.example/ota/b/bundle.zip");
}
