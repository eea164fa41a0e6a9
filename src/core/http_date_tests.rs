use super::*;

#[test]
fn formats_like_to_utc_string() {
    assert_eq!(imf_fixdate(0.0), "Thu, 01 Jan 1970 00:00:00 GMT");
    assert_eq!(imf_fixdate(951_782_400_999.0), "Tue, 29 Feb 2000 00:00:00 GMT");
    assert_eq!(imf_fixdate(1_796_618_564_000.0), "Mon, 07 Dec 2026 04:42:44 GMT");
    assert_eq!(imf_fixdate(-1.0), "Wed, 31 Dec 1969 23:59:59 GMT");
    assert_eq!(imf_fixdate(4_102_444_800_000.0), "Fri, 01 Jan 2100 00:00:00 GMT");
}
