//! SPEC tables (§3.6 semver matching with its coerce examples, §2.4 SDK
//! header), all VERIFIED against verkit@0.3.2, plus API properties.

use super::*;

pub(super) fn check_satisfies(rows: &[(&str, &str, bool)]) {
    let failures: Vec<_> = rows.iter().filter(|(r, v, want)| satisfies(r, v) != *want).collect();
    assert!(failures.is_empty(), "mismatches: {failures:#?}");
}

/// SPEC §3.6 VERIFIED table: (range, client version, result).
#[test]
fn spec_table() {
    check_satisfies(&[
        ("1.2.3", "1.2.3", true),
        ("1.2.3", "1.2.4", false),
        ("1.2.3", "1.2", false),
        ("1.2.3", "1.2.3.4", true),
        ("1.2.3", "v1.2.3", true),
        ("=1.2.3", "1.2.3", true),
        ("v1.2.3", "1.2.3", true),
        ("1.x.x", "1.0", true),
        ("1.x.x", "1.12", true),
        ("1.x.x", "2.0.0", false),
        ("1.X", "1.2.3", true),
        ("1.*", "1.2.3", true),
        ("1.2.x", "1.3.0", false),
        ("*", "0.0.1", true),
        ("x", "3.4.5", true),
        ("", "1.0.0", true),
        ("*.*.*", "1.2.3", true),
        ("1.2", "1.2.99", true),
        ("1.2", "1.3.0", false),
        ("1", "1.99.99", true),
        ("1", "2.0.0", false),
        ("1.0", "1", true),
        ("1.2.3 - 1.2.7", "1.2.7", true),
        ("1.2.3 - 1.2.7", "1.2.8", false),
        ("1.2.3  -  1.2.7", "1.2.5", true),
        ("1.2.3 - 2.0.0", "2.0.0", true),
        ("1.2 - 1.4", "1.4.9", true),
        ("1.2 - 1.4", "1.5.0", false),
        ("1.0.0 - ", "1.0.0", false),
        (">=1.2.3 <1.2.7", "1.2.7", false),
        (">= 5.7.0 <= 5.7.4", "5.7.4", true),
        (">= 5.7.0 <= 5.7.4", "5.7.5", false),
        (">=  5.7.0  <=  5.7.4", "5.7.3", true),
        (">=5.7.0<=5.7.4", "5.7.3", false),
        ("> 1.0.0", "1.1.0", true),
        (">1.0.0", "1.0.0", false),
        ("<=1.0.0", "1.0.0", true),
        ("<1.0.0-0", "0.9.0", true),
        ("~1.2.3", "1.2.9", true),
        ("~1.2.3", "1.3.0", false),
        ("~1", "1.9.0", true),
        ("~>1.2", "1.2.5", true),
        ("^1.2.3", "1.9.9", true),
        ("^1.2.3", "2.0.0", false),
        ("^0.2.3", "0.3.0", false),
        ("^0.0.3", "0.0.3", true),
        ("^0.0.3", "0.0.4", false),
        ("1.0.0 || 2.0.0", "2.0.0", true),
        ("1.x || >=3.0.0", "2.5.0", false),
        ("1.0.0 - 2.0.0 || 3.x", "3.5.0", true),
        ("1.0.0", "1.0.0-beta.1", true),
        ("^1.0.0", "1.0.0-beta.1", true),
        (">=1.0.0-beta", "1.0.0", true),
        ("1.0.0-beta", "1.0.0", false),
        ("1.2.3-4", "1.2.3", false),
        ("1.2.3+build", "1.2.3", true),
        ("1.2.3", "1.2.3+build", true),
        ("abc", "1.0.0", false),
        ("!=1.0.0", "1.0.0", false),
        ("1.0.0 ", "1.0.0", true),
        (" 1.0.0", "1.0.0", true),
        ("1.0.0", "abc", false),
        ("1.0.0", "", false),
        ("*", "abc", false),
        ("1.0.0", "release-1.0.0", true),
        ("1.0.0", "1.0.0 (123)", true),
        ("1.0", "01.0.0", false),
        ("2.0.0", "2", true),
        ("2.0.1", "2.0", false),
    ]);
}
#[test]
fn coerce_matches_verkit() {
    let rows: [(&str, Option<&str>); _] = [
        ("a1b2", Some("1.0.0")),
        ("release 42.6.7.9", Some("42.6.7")),
        ("12345678901234567.1.1", Some("1.1.0")),
        ("1.02.3", None),
        ("001", None),
        ("x.1", Some("1.0.0")),
        ("0", Some("0.0.0")),
        ("1..2", Some("1.0.0")),
        ("1.2.3abc", Some("1.2.3")),
        (" 2.3 ", Some("2.3.0")),
        ("1.12345678901234567", Some("1.0.0")),
        ("1.2.12345678901234567", Some("1.2.0")),
        ("9007199254740991.0.0", Some("9007199254740991.0.0")),
        ("9007199254740992", None),
        ("1.2.3-beta.1", Some("1.2.3")),
        ("v1.2.3+build", Some("1.2.3")),
        ("", None),
        ("abc", None),
    ];
    for (input, want) in rows {
        assert_eq!(coerce(input).map(|v| v.to_string()).as_deref(), want, "{input:?}");
    }
}
/// SPEC §2.4 header table.
#[test]
fn sdk_header() {
    let rows = [
        ("0.31.0", true),
        ("v0.31.0", true),
        ("0.31.0+build", true),
        ("0.31.1-rc.0", true),
        ("1.0.0", true),
        (" 0.32.0 ", true),
        ("0.30.9", false),
        ("0.31.0-beta.1", false),
        ("=0.31.0", false),
        ("0.31", false),
        ("00.31.0", false),
        ("abc", false),
        ("", false),
        ("0.31.0, 0.31.0", false),
    ];
    for (header, want) in rows {
        assert_eq!(sdk_supports_up_to_date(header), want, "{header:?}");
    }
}
#[test]
fn ord_is_semver_precedence() {
    let ordered =
        ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"];
    let parsed: Vec<Version> = ordered.iter().map(|s| Version::parse_strict(s).unwrap()).collect();
    assert!(parsed.windows(2).all(|w| w[0] < w[1]));
    // Exact precedence even where verkit's float comparison sees a tie.
    let a = Version::parse_strict("1.0.0-9007199254740992").unwrap();
    let b = Version::parse_strict("1.0.0-9007199254740993").unwrap();
    assert!(a < b);
    assert!(Range::parse(">=1.0.0-9007199254740993").unwrap().test(&a));
}

#[test]
fn compiled_range_is_reusable() {
    let range = Range::parse("^1.2.3 || ~2.0").unwrap();
    let hits: Vec<_> = ["1.2.3", "1.9.0", "2.0.5", "2.1.0", "1.2.2"].iter().map(|v| range.test(&coerce(v).unwrap())).collect();
    assert_eq!(hits, [true, true, true, false, false]);
    fn assert_traits<T: Clone + std::fmt::Debug + Send + Sync>() {}
    assert_traits::<Range>();
}
