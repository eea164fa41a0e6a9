use super::*;

#[test]
fn timestamps() {
    assert_eq!(AmzTime::from_unix(1_369_353_600), AmzTime { date: "20130524".into(), stamp: "20130524T000000Z".into() });
    assert_eq!(AmzTime::from_unix(0).stamp, "19700101T000000Z");
    assert_eq!(AmzTime::from_unix(951_782_400).date, "20000229");
    assert_eq!(AmzTime::from_unix(4_102_444_799).stamp, "20991231T235959Z");
    assert_eq!(AmzTime::from_unix(1_700_000_000 + 3723).stamp, "20231114T231523Z");
}

#[test]
fn uri_encoding() {
    assert_eq!(uri_encode("a b/한+x@2x.png", true), "a%20b/%ED%95%9C%2Bx%402x.png");
    assert_eq!(uri_encode("k!'()*~.-_", false), "k%21%27%28%29%2A~.-_");
    assert_eq!(uri_encode("a/b", false), "a%2Fb");
}
