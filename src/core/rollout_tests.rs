//! SPEC §3.7 vectors, all VERIFIED against the published `@hot-updater/core` 0.36.3.

use super::*;

const B1: &str = "0195715d-42db-7475-9204-31819efc2f1d";
const B2: &str = "00000000-0000-0000-0000-000000000001";
const B3: &str = "01963024-c131-7971-8725-ab47e232df40";

#[test]
fn constants() {
    assert_eq!(DEFAULT_ROLLOUT_COHORT_COUNT, 1000);
    assert_eq!(MAX_COHORT_LENGTH, 64);
    assert_eq!(INVALID_COHORT_ERROR_MESSAGE, "Invalid cohort. Use 1-1000 or a lowercase slug without spaces, up to 64 characters.");
}

#[test]
fn shuffle_table() {
    // id, hash(id + ":multiplier"), hash(id + ":offset"), [multiplier, offset, inverse],
    // positions of cohorts 1..=10.
    type ShuffleRow = (&'static str, i32, i32, [u32; 3], [u32; 10]);
    #[rustfmt::skip]
    let rows: [ShuffleRow; 3] = [
        (B1, 257774380, -340875394, [31, 606, 871], [174, 45, 916, 787, 658, 529, 400, 271, 142, 13]),
        (B2, 1985260186, 1055319532, [887, 532, 823], [164, 987, 810, 633, 456, 279, 102, 925, 748, 571]),
        (B3, 2061574146, 1704349524, [477, 524, 413], [588, 1, 414, 827, 240, 653, 66, 479, 892, 305]),
    ];
    for (id, h_mul, h_off, [m, o, inv], positions) in rows {
        assert_eq!(js_string_hash(&format!("{id}:multiplier")), h_mul, "{id}");
        assert_eq!(js_string_hash(&format!("{id}:offset")), h_off, "{id}");
        let s = RolloutShuffle::for_bundle(id);
        assert_eq!((s.multiplier, s.offset, s.inverse), (m, o, inv), "{id}");
        let got: Vec<u32> = (1..=10).map(|c| s.position(c)).collect();
        assert_eq!(got, positions, "{id}");
    }
}

#[test]
fn shuffle_is_a_permutation() {
    for id in [B1, B2, B3, "", "x", "😀"] {
        let s = RolloutShuffle::for_bundle(id);
        assert_eq!(s.multiplier as u64 * s.inverse as u64 % 1000, 1);
        let mut seen = [false; 1000];
        for c in 1..=1000 {
            seen[s.position(c) as usize] = true;
        }
        assert!(seen.iter().all(|&x| x), "{id}");
    }
}

#[test]
fn cohorts_at_count_ten() {
    let rolled = |id: &str| -> Vec<u32> { (1..=1000).filter(|c| is_cohort_eligible(id, Some(&c.to_string()), Some(10.0), None)).collect() };
    assert_eq!(rolled(B1), [607, 638, 669, 700, 731, 762, 793, 824, 855, 886]);
    assert_eq!(rolled(B2), [81, 194, 307, 420, 516, 533, 629, 742, 855, 968]);
}

#[test]
fn eligibility_vectors() {
    // SPEC row number, id, cohort, count, targetCohorts, position, eligible.
    type Row = (u32, &'static str, Option<&'static str>, Option<f64>, Option<&'static [&'static str]>, Option<u32>, bool);
    #[rustfmt::skip]
    let rows: [Row; 34] = [
        (1, B1, Some("1"), Some(1000.0), None, Some(174), true),
        (2, B1, None, Some(1000.0), None, None, true),
        (3, B1, None, Some(999.0), None, None, false),
        (4, B1, None, None, None, None, true),
        (5, B1, Some("1"), Some(0.0), None, Some(174), false),
        (6, B1, Some("1"), Some(0.0), Some(&["1"]), Some(174), true),
        (7, B1, Some("qa-group"), Some(0.0), Some(&["qa-group"]), None, true),
        (8, B1, Some("QA-Group"), Some(0.0), Some(&["qa-group"]), None, true),
        (9, B1, Some(" 17 "), Some(0.0), Some(&["17"]), Some(110), true),
        (10, B1, Some("017"), Some(0.0), Some(&["17"]), Some(110), true),
        (11, B1, Some("qa-group"), Some(1000.0), None, None, false),
        (12, B1, Some("qa-group"), Some(500.0), None, None, false),
        (13, B1, Some("1001"), Some(1000.0), None, None, false),
        (14, B1, Some("0"), Some(1000.0), None, None, false),
        (15, B1, Some("1"), Some(500.0), None, Some(174), true),
        (16, B1, Some("2"), Some(500.0), None, Some(45), true),
        (17, B1, Some("3"), Some(500.0), None, Some(916), false),
        (18, B1, Some("500"), Some(500.0), None, Some(803), false),
        (19, B1, Some("1000"), Some(500.0), None, Some(303), true),
        (20, B1, Some("1"), Some(1.0), None, Some(174), false),
        (21, B1, Some("1"), Some(-5.0), None, Some(174), false),
        (22, B1, Some("1"), Some(2000.0), None, Some(174), true),
        (23, B1, Some("1"), Some(250.7), None, Some(174), true),
        (24, B2, Some("1"), Some(100.0), None, Some(164), false),
        (25, B2, Some("42"), Some(100.0), None, Some(907), false),
        (26, B2, Some("999"), Some(100.0), None, Some(518), false),
        (27, B2, Some("1000"), Some(100.0), None, Some(341), false),
        (28, B3, Some("7"), Some(250.0), Some(&["qa-group"]), Some(66), true),
        (29, B3, Some("123"), Some(250.0), Some(&[]), Some(974), false),
        (30, B3, Some("123"), Some(250.0), Some(&["123"]), Some(974), true),
        (31, B3, Some(""), Some(1000.0), None, None, false),
        (32, B3, Some(""), Some(500.0), None, None, false),
        (33, B3, Some("abc def"), Some(1000.0), None, None, false),
        (34, B3, Some("1"), None, Some(&["x"]), Some(588), true),
    ];
    for (n, id, cohort, count, targets, pos, want) in rows {
        let targets: Option<Vec<String>> = targets.map(|t| t.iter().map(|s| s.to_string()).collect());
        let got = is_cohort_eligible(id, cohort, count, targets.as_deref());
        assert_eq!(got, want, "row {n}");
        let shuffle = RolloutShuffle::for_bundle(id);
        let request = parse_request_cohort(cohort);
        let prepared = normalize_target_cohorts(targets.as_deref().unwrap_or(&[]));
        assert_eq!(is_cohort_eligible_prepared(&shuffle, &request, count, &prepared), want, "row {n} (prepared)");
        assert_eq!(is_cohort_eligible_parsed(id, &request, count, targets.as_deref()), want, "row {n} (parsed)");
        if let (Some(p), RequestCohort::Numeric(c)) = (pos, &request) {
            assert_eq!(shuffle.position(*c), p, "row {n} position");
        }
    }
}

#[test]
fn nan_count_never_qualifies_untargeted() {
    assert!(!is_cohort_eligible(B1, None, Some(f64::NAN), None));
    assert!(!is_cohort_eligible(B1, Some("1"), Some(f64::NAN), None));
    assert!(is_cohort_eligible(B1, Some("1"), Some(f64::NAN), Some(&["001".to_string()])));
    assert!(is_cohort_eligible(B1, Some("1"), Some(f64::INFINITY), None));
    assert!(!is_cohort_eligible(B1, Some("1"), Some(f64::NEG_INFINITY), None));
}

#[test]
fn valid_cohorts() {
    let a64 = "a".repeat(64);
    let a65 = "a".repeat(65);
    #[rustfmt::skip]
    let rows: [(&str, bool); 15] = [
        ("  QA ", true), ("007", true), ("0", false), ("1000", true), ("1001", false),
        ("Ab-1", true), ("a_b", false), ("", false), ("-", true), (&a64, true), (&a65, false),
        ("123abc", true), ("00", false), ("\u{FEFF}qa\u{2028}", true), ("q\u{212A}", true),
    ];
    for (c, want) in rows {
        assert_eq!(is_valid_cohort(c), want, "{c:?}");
    }
}

#[test]
fn normalization() {
    #[rustfmt::skip]
    let rows = [
        ("017", "17"), (" 17 ", "17"), ("0", "0"), ("00", "00"), ("1001", "1001"),
        ("QA-Group", "qa-group"), ("0001000", "1000"), ("\u{85}x", "\u{85}x"), ("ΑΣ", "ας"),
        ("İ", "i\u{307}"), ("\t\u{3000}Ab\u{FEFF}", "ab"), ("00000000000000000000007", "7"),
    ];
    for (c, want) in rows {
        assert_eq!(normalize_cohort(c), want, "{c:?}");
    }
}

#[test]
fn rollout_count_normalization() {
    #[rustfmt::skip]
    let rows = [
        (None, 1000.0), (Some(0.5), 0.0), (Some(1.9), 1.0), (Some(999.99), 999.0), (Some(0.0), 0.0),
        (Some(-5.0), 0.0), (Some(1000.0), 1000.0), (Some(2000.0), 1000.0), (Some(250.7), 250.0),
    ];
    for (n, want) in rows {
        assert_eq!(normalize_rollout_cohort_count(n), want, "{n:?}");
    }
    assert!(normalize_rollout_cohort_count(Some(f64::NAN)).is_nan());
}

#[test]
fn default_numeric_cohorts() {
    #[rustfmt::skip]
    let rows = [
        ("", "1", 0), ("a", "98", 97), ("device-123", "820", 779957819), ("abc", "355", 96354),
        ("00000000-0000-0000-0000-000000000000", "489", 1428967488),
        ("E621E1F8-C36C-495A-93FC-0C247A3E6E5F", "669", 1171620668), ("한국어", "740", 53916739),
        ("😀", "900", 1772899), ("user@example.com", "993", 1084137992), ("hello world", "53", 1794106052),
    ];
    for (id, want, hash) in rows {
        assert_eq!(js_string_hash(id), hash, "{id:?}");
        assert_eq!(default_numeric_cohort(id), want, "{id:?}");
    }
}
