//! Expected values were read off Node 20 (`Number(s)`, `decodeURIComponent(s)`).

use super::*;

fn same(a: f64, b: f64) -> bool {
    // Object.is semantics: NaN equals NaN, 0 and -0 differ.
    (a.is_nan() && b.is_nan()) || (a == b && a.is_sign_negative() == b.is_sign_negative())
}

#[test]
fn spec_examples() {
    #[rustfmt::skip]
    let rows = [
        ("1e1", 10.0), (" 5 ", 5.0), ("0x10", 16.0), ("2.0", 2.0), ("", 0.0), ("1.5", 1.5),
        ("0", 0.0), ("101", 101.0),
    ];
    for (s, want) in rows {
        assert!(same(js_number(s), want), "{s:?} -> {}", js_number(s));
    }
}

#[test]
fn number_grammar() {
    let nan = f64::NAN;
    let inf = f64::INFINITY;
    #[rustfmt::skip]
    let rows: &[(&str, f64)] = &[
        ("-0", -0.0), ("+5", 5.0), ("-5", -5.0), ("0X1f", 31.0), ("0o17", 15.0), ("0O17", 15.0),
        ("0b101", 5.0), ("0B11", 3.0), ("-0x10", nan), ("+0x10", nan), ("0x", nan), ("0b2", nan),
        ("0o8", nan), ("0x1.5", nan), ("1_000", nan), ("1n", nan), ("Infinity", inf),
        ("+Infinity", inf), ("-Infinity", -inf), ("infinity", nan), ("inf", nan), ("NaN", nan),
        ("nan", nan), (".5", 0.5), ("5.", 5.0), (".", nan), ("+", nan), ("-", nan), (".e1", nan),
        ("1e", nan), ("1e+", nan), ("1e-2", 0.01), ("1E+2", 100.0), ("00012", 12.0), ("08", 8.0),
        ("\u{85}7", nan), ("\u{180E}7", nan), ("- 5", nan), ("--5", nan), ("5 5", nan),
        ("1e400", inf), ("-1e400", -inf), ("1e-400", 0.0), ("0.1", 0.1), (" \n", 0.0),
        ("123456789012345678901234567890", 1.2345678901234568e29),
        ("9007199254740993", 9007199254740992.0), ("0x", nan), ("x10", nan), ("0x-1", nan),
        ("١", nan), ("1.2.3", nan), ("e5", nan), ("+-1", nan), ("0b", nan), ("0.", 0.0),
    ];
    for &(s, want) in rows {
        assert!(same(js_number(s), want), "{s:?} -> {}", js_number(s));
    }
    let ws = "\t\n\u{B}\u{C}\r \u{A0}\u{1680}\u{2000}\u{200A}\u{2028}\u{2029}\u{202F}\u{205F}\u{3000}\u{FEFF}";
    assert_eq!(js_number(&format!("{ws}7{ws}")), 7.0);
}

#[test]
fn radix_literals_round_half_even() {
    // 2^53 + 1 is a tie between 2^53 and 2^53 + 2 and goes to the even mantissa; 2^53 + 3 goes up.
    assert_eq!(js_number("0x20000000000001"), 9007199254740992.0);
    assert_eq!(js_number("0x20000000000003"), 9007199254740996.0);
    // A non-zero digit far past the tie breaks it upwards.
    assert_eq!(js_number("0x20000000000001000000001"), 6.189700196426903e26);
    assert_eq!(js_number(&format!("0b{}", "1".repeat(54))), 18014398509481984.0);
    assert_eq!(js_number(&format!("0o{}", "7".repeat(20))), 2f64.powi(60));
    assert_eq!(js_number(&format!("0x{}", "f".repeat(300))), f64::INFINITY);
    assert_eq!(js_number(&format!("0x{}", "f".repeat(256))), f64::INFINITY);
    assert_eq!(js_number(&format!("0x1{}", "0".repeat(255))), 2f64.powi(1020));
    assert_eq!(js_number("0x00000000000000000000000000000000000001"), 1.0);
}

#[test]
fn whitespace_set() {
    assert!(is_js_whitespace('\u{FEFF}'));
    assert!(!is_js_whitespace('\u{85}'));
    assert!(!is_js_whitespace('\u{180E}'));
    assert!(!is_js_whitespace('\u{200B}'));
    assert_eq!(js_trim("\u{2029} a b\u{3000}"), "a b");
}

#[test]
fn decode_uri() {
    #[rustfmt::skip]
    let ok: &[(&str, &str)] = &[
        ("", ""), ("abc", "abc"), ("my%20channel", "my channel"), ("%25", "%"), ("%2f%2F", "//"),
        ("%C3%A9", "é"), ("%e2%82%ac", "€"), ("%F0%9F%98%80", "😀"), ("a+b", "a+b"), ("é%41", "éA"),
        ("%E0%A4%A4", "त"), ("%EF%BB%BF", "\u{FEFF}"), ("%F4%8F%BF%BF", "\u{10FFFF}"),
    ];
    for &(s, want) in ok {
        assert_eq!(decode_uri_component(s).as_deref(), Some(want), "{s:?}");
    }
    #[rustfmt::skip]
    let bad = [
        "%E0%A4%A", "%", "%4", "%G0", "%4g", "%80", "%BF", "%C3", "%C3%", "%C3%41", "%C0%80",
        "%C1%BF", "%E0%80%80", "%ED%A0%80", "%F4%90%80%80", "%F5%80%80%80", "%F8%80%80%80%80",
        "%FF", "%E2%82", "%E2%82%2", "a%é", "%%41",
    ];
    for s in bad {
        assert_eq!(decode_uri_component(s), None, "{s:?}");
    }
}

#[test]
fn encode_uri_keeps_what_js_keeps() {
    // Values from JS: encodeURI("https://h/a b/ü?x=1&y=%20#f;,:@=+$-_.!~*'()").
    assert_eq!(encode_uri("https://h/a b/ü?x=1&y=%20#f;,:@=+$-_.!~*'()"), "https://h/a%20b/%C3%BC?x=1&y=%2520#f;,:@=+$-_.!~*'()");
    assert_eq!(encode_uri("[]{}|\\^`\"<>"), "%5B%5D%7B%7D%7C%5C%5E%60%22%3C%3E");
}
