use std::path::Path;

use super::*;

fn cfg(public: Option<&str>, hosts: Option<&[&str]>) -> FileRoutes {
    FileRoutes {
        dir: PathBuf::from("/srv/files"),
        public_base_url: public.map(str::to_string),
        trusted_hosts: hosts.map(|h| h.iter().map(|s| s.to_string()).collect()),
    }
}

fn error_of(step: Option<FileStep>) -> (u16, String) {
    match step {
        Some(FileStep::Answer { status, body, .. }) => (status, serde_json::from_str::<Value>(&body).unwrap()["error"].as_str().unwrap_or("").to_string()),
        other => panic!("not an answer: {other:?}"),
    }
}

#[test]
fn downloads_and_their_keys() {
    let c = cfg(None, None);
    let step = route(&c, "/api", false, "get", "http://h/api/files/a%20b/c.zip", None);
    assert_eq!(step, Some(FileStep::File { action: FileAction::Download, key: "a b/c.zip".into(), path: Path::new("/srv/files/a b/c.zip").into() }));
    assert!(matches!(route(&c, "/api", false, "HEAD", "http://h/api/files/x/", None), Some(FileStep::File { .. })));
    assert_eq!(route(&c, "/api", false, "POST", "http://h/api/files/x", None), None);
    assert_eq!(route(&c, "/api", true, "GET", "http://h/api/files/", None), None);
    assert_eq!(route(&c, "/api", true, "GET", "http://h/api/version", None), None);
    let (status, msg) = error_of(route(&c, "/api", false, "GET", "http://h/api/files/a%2Fb", None));
    assert_eq!((status, msg.as_str()), (400, "Invalid file path: encoded path separator"));
    // Dot segments (even encoded) are resolved by the URL parser first, as `new URL` does.
    assert!(matches!(route(&c, "/api", false, "GET", "http://h/api/files/a/%2e%2e/b", None), Some(FileStep::File { ref key, .. }) if key == "b"));
    assert_eq!(error_of(route(&c, "/api", false, "GET", "http://h/api/files/.hot-updater/meta", None)).0, 400);
}

#[test]
fn storage_api_routes() {
    let c = cfg(None, None);
    assert_eq!(route(&c, "/api", false, "POST", "http://h/api/api/storage/upload", None), None, "only with routes.bundles");
    assert_eq!(route(&c, "/", true, "POST", "http://h/api/storage/upload", None), Some(FileStep::Upload));
    assert_eq!(route(&c, "/", true, "GET", "http://h/api/storage/upload", None), None);
    assert_eq!(route(&c, "/", true, "POST", "http://h/api/storage/other", None), None);
    assert_eq!(route(&c, "/", true, "DELETE", "http://h/api/storage/delete", None), Some(FileStep::ReadJsonBody));
    let step = route(&c, "/", true, "POST", "http://h/api/storage/readText", Some(r#"{"storageUri":"file-storage://local/a/b.json"}"#));
    assert!(matches!(step, Some(FileStep::File { action: FileAction::ReadText, ref key, .. }) if key == "a/b.json"));
    for body in ["", "[]", "\"x\"", r#"{"storageUri":""}"#, r#"{"storageUri":1}"#, "{"] {
        assert_eq!(error_of(route(&c, "/", true, "DELETE", "http://h/api/storage/delete", Some(body))), (400, EXPECTED_JSON_BODY.to_string()), "{body}");
    }
    let (status, msg) = error_of(route(&c, "/", true, "POST", "http://h/api/storage/readText", Some(r#"{"storageUri":"s3://b/k"}"#)));
    assert_eq!((status, msg.as_str()), (400, "Invalid file-storage URI: wrong protocol"));
}

#[test]
fn download_urls() {
    let body = Some(r#"{"storageUri":"file-storage://local/a/b%20c.zip"}"#);
    let url_of = |c: &FileRoutes, url: &str| match route(c, "/hu", true, "POST", url, body) {
        Some(FileStep::Answer { status: 200, body, .. }) => serde_json::from_str::<Value>(&body).unwrap()["fileUrl"].as_str().unwrap().to_string(),
        other => panic!("{other:?}"),
    };
    assert_eq!(url_of(&cfg(None, None), "http://h:8/hu/api/storage/getDownloadUrl"), "http://h:8/hu/files/a/b%20c.zip");
    assert_eq!(url_of(&cfg(Some("https://cdn.example/x"), Some(&[])), "http://h/hu/api/storage/getDownloadUrl"), "https://cdn.example/x/a/b%20c.zip");
    assert_eq!(url_of(&cfg(None, Some(&["h:8"])), "http://h:8/hu/api/storage/getDownloadUrl"), "http://h:8/hu/files/a/b%20c.zip");
    let untrusted = route(&cfg(None, Some(&["other"])), "/hu", true, "POST", "http://h/hu/api/storage/getDownloadUrl", Some(r#"{"storageUri":"bad"}"#));
    assert_eq!(error_of(untrusted), (400, file::UNTRUSTED_HOST.to_string()), "the host is checked before the URI");
}

#[test]
fn upload_targets() {
    let c = cfg(None, None);
    let (key, uri, path) = upload_target(&c, "bundles/1", "b c.zip").unwrap();
    assert_eq!(key, "bundles/1/b c.zip");
    assert_eq!(uri, "file-storage://local/bundles/1/b%20c.zip");
    assert_eq!(path, Path::new("/srv/files/bundles/1/b c.zip"));
    assert_eq!(upload_target(&c, "", "x.zip").unwrap().1, "file-storage://local/x.zip");
    assert_eq!(upload_target(&c, "k", "").unwrap().1, "file-storage://local/k");
    assert!(upload_target(&c, "", "").is_err());
    assert!(upload_target(&c, "../x", "a").is_err());
}

#[test]
fn ranges() {
    assert_eq!(parse_range("bytes=0-9", 100), Range::Bytes(0, 9));
    assert_eq!(parse_range(" Bytes = 5 - ", 100), Range::Bytes(5, 99));
    assert_eq!(parse_range("bytes=-10", 100), Range::Bytes(90, 99));
    assert_eq!(parse_range("bytes=-1000", 100), Range::Bytes(0, 99));
    assert_eq!(parse_range("bytes=90-1000", 100), Range::Bytes(90, 99));
    assert_eq!(parse_range("items=0-1", 100), Range::Ignore);
    assert_eq!(parse_range("bytes=0-1,3-4", 100), Range::Ignore);
    for bad in ["bytes=-", "bytes=100-", "bytes=5-4", "bytes=-0", "bytes=a-b", "bytes=1-2-3", "bytes=99999999999999999999-"] {
        assert_eq!(parse_range(bad, 100), Range::Unsatisfiable, "{bad}");
    }
    assert_eq!(parse_range("bytes=-5", 0), Range::Unsatisfiable);
}

fn header<'a>(a: &'a FileAnswer, name: &str) -> Option<&'a str> {
    a.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
}

#[test]
fn file_answers() {
    let etag = "\"abc\"";
    let meta = FileMeta { size: 100, mtime_ms: 0.0, etag: Some(etag) };
    let get = FileRequest { method: "GET", ..FileRequest::default() };
    let a = file_answer("a/b.svg", &meta, true, &get);
    assert_eq!((a.status, a.start, a.length), (200, 0, 100));
    assert_eq!(header(&a, "Content-Type"), Some("image/svg+xml"));
    assert_eq!(header(&a, "Content-Disposition"), Some("attachment"));
    assert_eq!(header(&a, "Last-Modified"), Some("Thu, 01 Jan 1970 00:00:00 GMT"));
    assert_eq!(header(&a, "ETag"), Some(etag));
    let a = file_answer("a.zip", &meta, true, &FileRequest { if_none_match: Some("W/\"abc\", \"x\""), ..get.clone() });
    assert_eq!((a.status, a.length, header(&a, "Content-Length")), (304, 0, None));
    let a = file_answer("a.zip", &meta, true, &FileRequest { range: Some("bytes=10-19"), ..get.clone() });
    assert_eq!((a.status, a.start, a.length, header(&a, "Content-Range")), (206, 10, 10, Some("bytes 10-19/100")));
    let a = file_answer("a.zip", &meta, true, &FileRequest { range: Some("bytes=10-19"), if_range: Some("\"old\""), ..get.clone() });
    assert_eq!(a.status, 200, "a stale If-Range gets the whole file");
    let a = file_answer("a.zip", &meta, true, &FileRequest { range: Some("bytes=200-"), ..get.clone() });
    assert_eq!((a.status, header(&a, "Content-Range")), (416, Some("bytes */100")));
    assert!(a.json.is_some());
    let a = file_answer("a.txt", &FileMeta { etag: None, ..meta.clone() }, false, &FileRequest { method: "HEAD", range: Some("bytes=0-1"), ..get });
    assert_eq!((a.status, a.length, header(&a, "Content-Length"), header(&a, "Cache-Control")), (200, 0, Some("100"), Some("no-store")));
    assert_eq!(header(&a, "Content-Type"), Some("text/plain; charset=utf-8"));
}

#[test]
fn content_types() {
    assert_eq!(content_type_of("x/b.TAR.BR"), "application/x-tar");
    assert_eq!(content_type_of("x/b.br"), "application/x-brotli");
    assert_eq!(content_type_of("x/.zip"), "application/octet-stream");
    assert_eq!(content_type_of("x.y/page.html"), "application/octet-stream");
    assert_eq!(content_type_of("index.android.bundle"), "application/javascript");
}
