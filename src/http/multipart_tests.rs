use super::*;

fn disposition(name: Option<&str>, filename: Option<&str>) -> Disposition {
    Disposition { name: name.map(str::to_string), filename: filename.map(str::to_string) }
}

/// A part as read: its `Content-Disposition` and its data.
type Part = (Option<String>, Vec<u8>);

/// The parts of `body` fed in chunks of `sizes` (cycled), or the error.
fn run(boundary: &str, body: &[u8], sizes: &[usize]) -> Result<Vec<Part>, MultipartError> {
    let mut parser = Parser::new(boundary);
    let mut parts: Vec<Part> = Vec::new();
    let mut events = Vec::new();
    let (mut at, mut i) = (0, 0);
    while at < body.len() {
        let n = sizes[i % sizes.len()].min(body.len() - at);
        parser.push(&body[at..at + n], &mut events)?;
        at += n;
        i += 1;
        for ev in events.drain(..) {
            match ev {
                Event::Part { disposition } => parts.push((disposition, Vec::new())),
                Event::Data(b) => parts.last_mut().expect("data inside a part").1.extend_from_slice(&b),
                Event::End => {}
            }
        }
    }
    parser.end()?;
    Ok(parts)
}

#[test]
fn boundaries() {
    assert_eq!(boundary_of(Some("multipart/form-data; boundary=abc")).as_deref(), Some("abc"));
    assert_eq!(boundary_of(Some(r#"Multipart/Form-Data; charset=utf-8; boundary="a b:c""#)).as_deref(), Some("a b:c"));
    assert_eq!(boundary_of(Some("application/json")), None);
    assert_eq!(boundary_of(Some("multipart/form-data")), None);
    assert_eq!(boundary_of(Some(&format!("multipart/form-data; boundary={}", "x".repeat(71)))), None);
    assert_eq!(boundary_of(Some(&format!("multipart/form-data; boundary={}", "x".repeat(70)))).map(|b| b.len()), Some(70));
    assert_eq!(boundary_of(Some(r#"multipart/form-data; boundary="""#)), None);
    assert_eq!(boundary_of(None), None);
}

#[test]
fn content_dispositions() {
    let p = |v: &str| parse_content_disposition(Some(v));
    assert_eq!(p(r#"form-data; name="file"; filename="a%22b.zip""#), Ok(disposition(Some("file"), Some("a\"b.zip"))));
    assert_eq!(p("form-data; name=key"), Ok(disposition(Some("key"), None)));
    assert_eq!(p(r#"form-data; name="file"; filename="x"; filename*=UTF-8''%ED%95%9C.zip"#), Ok(disposition(Some("file"), Some("한.zip"))));
    assert_eq!(p(r#"form-data; name="f\"q""#), Ok(disposition(Some("f\"q"), None)));
    assert_eq!(p(r#"form-data; NAME = "spaced" ; FileName=  plain.zip  "#), Ok(disposition(Some("spaced"), Some("plain.zip"))));
    assert_eq!(p("form-data; name=\"a%0D%0Ab\""), Ok(disposition(Some("a\r\nb"), None)));
    // An unterminated quote is taken as a plain value, up to the next `;`.
    assert_eq!(p(r#"form-data; name="open; filename=x.zip"#), Ok(disposition(Some("\"open"), Some("x.zip"))));
    // Parameters without `=` are skipped; the search goes on at the next `;`.
    assert_eq!(p("form-data; junk; ; name=k"), Ok(disposition(Some("k"), None)));
    assert_eq!(p("form-data; filename*=UTF-8''%E0%A4%A"), Err(MultipartError("Invalid filename* parameter".into())));
    // Another charset is not decoded; `filename` stays.
    assert_eq!(p("form-data; filename=a.zip; filename*=latin1''%E9.zip"), Ok(disposition(None, Some("a.zip"))));
    assert_eq!(parse_content_disposition(None), Ok(Disposition::default()));
}

#[test]
fn any_chunking_gives_the_same_parts() {
    let boundary = "----b0undary";
    // The file holds near-misses of the delimiter.
    let mut file: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 251) as u8).collect();
    file.extend_from_slice(format!("\r\n--{}X\r\n-", &boundary[..boundary.len() - 1]).as_bytes());
    file.extend((0..500u32).map(|i| (i * 13 % 256) as u8));
    file.extend_from_slice(b"\r\n--");
    let mut body =
        format!("preamble\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.zip\"\r\nContent-Type: application/zip\r\n\r\n")
            .into_bytes();
    body.extend_from_slice(&file);
    body.extend_from_slice(
        format!("\r\n--{boundary}  \r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nbundles/1\r\n--{boundary}\r\n\r\nno headers\r\n--{boundary}--\r\nepilogue").as_bytes(),
    );
    let whole = run(boundary, &body, &[body.len()]).unwrap();
    assert_eq!(whole.len(), 3);
    assert_eq!(whole[0].0.as_deref(), Some(r#"form-data; name="file"; filename="b.zip""#));
    assert_eq!(whole[0].1, file);
    assert_eq!(whole[1].1, b"bundles/1");
    assert_eq!(whole[2], (None, b"no headers".to_vec()));
    for sizes in [&[1][..], &[2, 3], &[7], &[13, 1, 64], &[boundary.len() + 3]] {
        assert_eq!(run(boundary, &body, sizes).unwrap(), whole, "{sizes:?}");
    }
}

#[test]
fn malformed_bodies_are_refused_whatever_the_chunking() {
    let b = "----b0undary";
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (format!("--{b}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nabc").into_bytes(), "Incomplete multipart body"),
        (format!("--{b}\r\nno colon here\r\n\r\nabc\r\n--{b}--").into_bytes(), "Malformed part header"),
        (format!("--{b}\r\n : blank name\r\n\r\nabc\r\n--{b}--").into_bytes(), "Malformed part header"),
        (format!("--{b}junk\r\n\r\n").into_bytes(), "Malformed multipart delimiter"),
        (format!("--{b}{}\r\n\r\n--{b}--", " ".repeat(257)).into_bytes(), "Malformed multipart delimiter"),
        ("x".repeat(70 * 1024).into_bytes(), "Multipart boundary not found"),
        (format!("--{b}\r\n{}\r\n", "h: v\r\n".repeat(4000)).into_bytes(), "Part headers too large"),
    ];
    for (body, message) in cases {
        for sizes in [&[body.len()][..], &[1], &[5, 3]] {
            assert_eq!(run(b, &body, sizes), Err(MultipartError(message.into())), "{message} {sizes:?}");
        }
    }
    // Padding up to the limit is fine.
    let ok = format!("--{b}{}\r\n\r\nx\r\n--{b}--", " ".repeat(256)).into_bytes();
    assert_eq!(run(b, &ok, &[1]).unwrap(), vec![(None, b"x".to_vec())]);
    // Anything after the closing delimiter is ignored.
    let mut parser = Parser::new(b);
    let mut events = Vec::new();
    parser.push(format!("--{b}--").as_bytes(), &mut events).unwrap();
    assert!(parser.is_done());
    parser.push(b"trailing junk", &mut events).unwrap();
    assert!(events.is_empty());
    assert_eq!(parser.end(), Ok(()));
}
