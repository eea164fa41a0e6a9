//! SPEC §3.4 (VERIFIED) plus cases checked against Node 20 while building the module.

use super::*;
use std::cmp::Ordering::{Equal, Greater, Less};

#[test]
fn spec_table() {
    #[rustfmt::skip]
    let rows = [
        ("a", "B", Less), ("A", "a", Greater), ("0195715D-42db", "0195715d-42db", Greater),
        ("ff", "FF", Less), ("-", "_", Greater), ("bundle-a", "bundle_a", Greater),
        ("z", "é", Greater), ("a-b", "ab", Less), ("1", "10", Less), ("9", "10", Greater),
    ];
    for (a, b, want) in rows {
        assert_eq!(locale_compare(a, b), want, "{a:?} vs {b:?}");
        assert_eq!(locale_compare(b, a), want.reverse(), "{b:?} vs {a:?}");
    }
}

#[test]
fn uuids_are_byte_ordered() {
    let ids = [
        "00000000-0000-0000-0000-000000000000",
        "00000000-0000-0000-0000-000000000001",
        "0195715d-42db-7475-9204-31819efc2f1d",
        "01963024-c131-7971-8725-ab47e232df40",
        "01963024-c131-7971-8725-ab47e232df4",
        "ffffffff-ffff-ffff-ffff-ffffffffffff",
    ];
    for a in ids {
        for b in ids {
            assert_eq!(locale_compare(a, b), a.cmp(b), "{a} vs {b}");
        }
    }
}

#[test]
fn ascii_levels() {
    #[rustfmt::skip]
    let rows = [
        ("", "", Equal), ("a\u{0}", "a", Equal), ("\u{7F}", "", Equal), ("a", "", Greater),
        ("\t", " ", Less), (" ", "_", Less), ("$", "0", Less), ("~", "$", Less), ("9", "a", Less),
        ("aB", "Ab", Less), ("ab", "aB", Less), ("a-B", "A-b", Less), ("ab", "A", Greater),
        ("a_b", "a-b", Less), ("{", "@", Less), ("`", "^", Less), ("|", "~", Less),
    ];
    for (a, b, want) in rows {
        assert_eq!(locale_compare(a, b), want, "{a:?} vs {b:?}");
    }
}

#[test]
fn latin_approximation() {
    // Each row was checked with Node 20's `a.localeCompare(b)`.
    #[rustfmt::skip]
    let rows = [
        ("é", "e\u{301}", Equal), ("a", "á", Less), ("áb", "ac", Less), ("Ab", "áb", Less),
        ("áA", "Áa", Less), ("ß", "ss", Greater), ("ß", "ſs", Less), ("ß", "sſ", Greater),
        ("ª", "A", Greater), ("\u{A0}", " ", Greater), ("ĳ", "Ij", Less), ("Ĳ", "IJ", Greater),
        ("ŀ", "l·", Equal), ("Ŀ", "l·", Greater), ("ð", "đ", Greater), ("æ", "aE", Greater),
        ("ø", "Ø", Less), ("ı", "İ", Greater), ("ĸ", "q", Greater), ("¼", "½", Greater),
        ("½", "1/2", Greater), ("Ÿ", "z", Less), ("þ", "z", Greater),
    ];
    for (a, b, want) in rows {
        assert_eq!(locale_compare(a, b), want, "{a:?} vs {b:?}");
    }
}
