//! Edge cases of verkit's range rewriting, prerelease matching and strict
//! parsing. Every expectation was captured by running verkit@0.3.2 on the
//! same input.

use super::tests::check_satisfies;
use super::*;

/// Odd corners of verkit's rewriting (hyphens, operator gluing, stars,
/// builds, huge numbers, JS white space), as verkit answers them.
#[test]
fn rewriting_edge_cases() {
    let long = |n: usize| "a".repeat(n);
    let dotted = |n: usize| vec!["a"; n].join(".");
    check_satisfies(&[
        (&format!("1.0.0-{}", long(250)), "1.0.0", false),
        (&format!("<1.0.0-{}", long(250)), "0.5.0", true),
        (&format!("<1.0.0-{}", long(251)), "0.5.0", false),
        // Comparator versions over 256 characters are rejected.
        (&format!("<1.0.0-{}", dotted(125)), "0.5.0", true),
        (&format!("<1.0.0-{}", dotted(126)), "0.5.0", false),
    ]);
    check_satisfies(&[
        ("1.2.3*", "1.2.3", true),
        ("*1.2.3", "1.2.3", true),
        ("<*1.2.3", "1.2.3", true),
        ("1.2*.3", "1.2.3", true),
        ("**", "1.2.3", false),
        ("x.1", "1.0.0", false),
        ("1.x.3", "1.0.3", false),
        ("^x.1", "5.0.0", true),
        ("> = 1.0.0", "2.0.0", false),
        ("= 1.0.0", "1.0.0", true),
        ("v1.0.0 - v2.0.0", "1.5.0", true),
        ("=v1 - 2", "2.9.0", true),
        ("1.0.0 +b - 2.0.0", "1.5.0", false),
        ("1.0.0 - +b 2.0.0", "1.5.0", true),
        ("+a +b 1.0.0 - 2.0.0", "1.5.0", true),
        ("1.0.0 - 2.0.0 +b", "1.5.0", true),
        ("1.0.0 - 2.0.0 +a +b", "1.5.0", false),
        ("~> 1.2", "1.2.9", true),
        ("~> 1.2", "1.3.0", false),
        ("~ > 1.2", "1.2.0", true),
        ("^ 1.2", "1.9.0", true),
        ("> 1.x", "2.0.0", true),
        ("> 1.x", "1.9.9", false),
        ("<= 1.x", "1.9.9", true),
        ("<= 1.x", "2.0.0", false),
        (">1.2.x", "1.3.0", true),
        ("<1.2.x", "1.1.9", true),
        ("<1.2.x", "1.2.0", false),
        (">=x", "0.0.0", true),
        (">x", "1.0.0", false),
        ("<x", "0.0.0", false),
        ("==1.x", "1.5.0", true),
        ("=v=1.x", "1.5.0", true),
        ("1.2.3 - 999999999999999999999.x", "1.5.0", false),
        (">9007199254740990.x", "1.0.0", false),
        (">9007199254740991.x", "1.0.0", false),
        ("^9007199254740991.1.1", "9007199254740991.2.0", false),
        ("^9007199254740990.1.1", "9007199254740990.2.0", true),
        ("<0.0.0-0 || 1.0.0", "1.0.0", true),
        ("<0.0.0-0", "0.0.0", false),
        (">=0.0.0", "0.0.0", true),
        ("1.2.3 - 4.5.6 - 7.8.9", "2.0.0", false),
        ("1.2.3+ 1.2.4", "1.2.3", false),
        ("1.2.3abc", "1.2.3", false),
        ("v1", "1.5.0", true),
        ("=1", "1.5.0", true),
        ("vv1.2.3", "1.2.3", false),
        ("v=1.2.3", "1.2.3", false),
        ("=v1.2.3", "1.2.3", true),
        ("1.2.3.4", "1.2.3", false),
        ("01.2.3", "1.2.3", false),
        ("^0", "0.9.0", true),
        ("^0.0", "0.0.9", true),
        ("^0.0", "0.1.0", false),
        ("~0", "0.9.9", true),
        ("1.2.3\u{a0}-\u{a0}1.2.7", "1.2.5", true),
        ("\u{feff}1.2.3", "1.2.3", true),
        ("1.2.3\u{85}", "1.2.3", false),
        ("1.0.0 || ", "2.0.0", true),
        (" || ", "2.0.0", true),
        ("||", "0.0.1", true),
        ("~1.2.3-beta.2", "1.2.3", true),
        ("^0.0.3-beta", "0.0.3", true),
        ("^0.0.3-beta", "0.0.4", false),
        (">=1.0.0-rc.1 <2", "1.5.0", true),
        ("<=2.0.0-rc.1", "2.0.0", false),
    ]);
}
/// Direct matching of (possibly prerelease) versions: verkit `satisfies`.
#[test]
fn prerelease_matching() {
    let rows = [
        ("* || 1.0.0-rc.1", "1.0.0-rc.1", false),
        ("1.0.0-rc.1 || *", "1.0.0-rc.1", false),
        ("1.0.0-rc.1", "1.0.0-rc.1", true),
        (">=1.0.0-rc.1", "1.0.0-rc.2", true),
        (">=1.0.0-rc.1", "1.0.1-rc.2", false),
        (">=0.0.0 || 1.0.0-rc.1", "1.0.0-rc.1", false),
        ("1.0.0-rc.1 || >=0.0.0-0", "1.0.0-rc.1", true),
        (">=1.0.0-9007199254740993", "1.0.0-9007199254740992", true),
        (">1.0.0-9007199254740993", "1.0.0-9007199254740992", false),
        ("<1.0.0-9007199254740993.b", "1.0.0-9007199254740992.a", false),
        ("1.2.3-0 - 1.2.3-5", "1.2.3-3", true),
        ("^1.2.3-beta.2", "1.2.3-beta.10", true),
        ("^1.2.3-beta.2", "1.2.4-beta.3", false),
        ("~1.2.3-beta.2", "1.2.3-beta.1", false),
        ("1.0.0-alpha.beta", "1.0.0-alpha.1", false),
        (">1.0.0-alpha.beta", "1.0.0-alpha.gamma", true),
        (">1.0.0-alpha", "1.0.0-alpha.0", true),
        ("<1.0.0-a", "1.0.0-9", true),
        ("1.x", "1.0.0-rc.1", false),
        ("*", "1.0.0-rc.1", false),
        ("", "1.0.0-rc.1", false),
    ];
    for (range, version, want) in rows {
        let v = Version::parse_strict(version).unwrap();
        let got = Range::parse(range).is_some_and(|r| r.test(&v));
        assert_eq!(got, want, "{range:?} vs {version:?}");
    }
}
#[test]
fn strict_parse_matches_verkit_normalize() {
    let rows: [(&str, Option<&str>); _] = [
        ("1.2.3", Some("1.2.3")),
        ("v1.2.3", Some("1.2.3")),
        (" 1.2.3 ", Some("1.2.3")),
        ("=1.2.3", None),
        ("1.2", None),
        ("01.2.3", None),
        ("1.2.3-01", None),
        ("1.2.3-0a", Some("1.2.3-0a")),
        ("1.2.3-a..b", None),
        ("1.2.3+", None),
        ("1.2.3-9007199254740991", Some("1.2.3-9007199254740991")),
        ("1.2.3-9007199254740990", Some("1.2.3-9007199254740990")),
        ("9007199254740991.0.0", Some("9007199254740991.0.0")),
        ("9007199254740992.0.0", None),
        ("\u{a0}1.0.0\u{3000}", Some("1.0.0")),
        ("1.0.0\u{85}", None),
        ("V1.2.3", None),
        ("1.2.3-beta+exp.sha.5114f85", Some("1.2.3-beta")),
    ];
    for (input, want) in rows {
        assert_eq!(Version::parse_strict(input).map(|v| v.to_string()).as_deref(), want, "{input:?}");
    }
    assert!(Version::parse_strict(&format!("1.0.0-{}", "1".repeat(249))).is_some());
    assert!(Version::parse_strict(&format!("1.0.0-{}", "1".repeat(251))).is_none());
}
