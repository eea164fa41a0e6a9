//! Byte scanners for the sub-patterns verkit's regular expressions are built from.
//!
//! Every scanner returns the extent a backtracking regex engine settles on
//! first (greedy, alternatives in source order), including the repetition caps
//! verkit's `safeRegex` injects (`\d` runs ≤ 256, `[a-zA-Z0-9-]` runs ≤ 250).
//! Anchored callers check the byte that follows the extent; in this grammar a
//! shorter alternative would always leave a digit, letter, `.` or `-` there,
//! which no anchored follower accepts, so "greedy then check" is exact.
//!
//! Inputs are UTF-8 bytes. Every class is ASCII, so bytes of multi-byte
//! characters simply never match, as their UTF-16 units never match in JS.

/// `Number.MAX_SAFE_INTEGER`: larger version components are rejected.
pub(super) const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

const MAX_DIGIT_RUN: usize = 256;
const MAX_IDENT_RUN: usize = 250;

/// Extent of a match: `start..end` byte offsets.
pub(super) type Span = (usize, usize);

// JS white space (`\s`, `String.prototype.trim`) is defined once, in `core::jsnum`.
pub(super) use crate::core::jsnum::{is_js_whitespace as is_js_space, js_trim};

/// Strips ASCII spaces (the only white space left after collapsing).
pub(super) fn trim_spaces(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b' ').unwrap_or(s.len());
    let end = s.iter().rposition(|&b| b != b' ').map_or(start, |p| p + 1);
    &s[start..end]
}

/// Byte at `i`, or NUL past the end (NUL matches no class used here).
pub(super) fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

pub(super) fn run_len(s: &[u8], i: usize, pred: impl Fn(u8) -> bool) -> usize {
    run_upto(s, i, pred, usize::MAX)
}

/// `min(run_len, cap)` without scanning past `cap`, keeping every scanner's
/// cost bounded by the regex caps rather than by the input length.
pub(super) fn run_upto(s: &[u8], i: usize, pred: impl Fn(u8) -> bool, cap: usize) -> usize {
    s.get(i..).map_or(0, |tail| tail.iter().take(cap).take_while(|&&b| pred(b)).count())
}

pub(super) fn is_digit(b: u8) -> bool {
    b.is_ascii_digit()
}

/// `[a-zA-Z0-9-]`
pub(super) fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// `0|[1-9]\d*`
pub(super) fn numeric_len(s: &[u8], i: usize) -> Option<usize> {
    match at(s, i) {
        b'0' => Some(1),
        b'1'..=b'9' => Some(run_upto(s, i, is_digit, MAX_DIGIT_RUN + 1)),
        _ => None,
    }
}

/// A version component inside a range: number or `x`, `X`, `*`.
fn xrange_component_len(s: &[u8], i: usize) -> Option<usize> {
    match at(s, i) {
        b'x' | b'X' | b'*' => Some(1),
        _ => numeric_len(s, i),
    }
}

/// `\d*[a-zA-Z-][a-zA-Z0-9-]*`: an identifier with at least one non-digit.
fn alphanumeric_len(s: &[u8], i: usize) -> Option<usize> {
    let digits = run_upto(s, i, is_digit, MAX_DIGIT_RUN + 1);
    let first = at(s, i + digits);
    if digits > MAX_DIGIT_RUN || !(first.is_ascii_alphabetic() || first == b'-') {
        return None;
    }
    Some(digits + 1 + run_upto(s, i + digits + 1, is_ident_byte, MAX_IDENT_RUN))
}

/// Strict prerelease identifier: alphanumeric, or a number without leading zeros.
pub(super) fn prerelease_ident_len(s: &[u8], i: usize) -> Option<usize> {
    alphanumeric_len(s, i).or_else(|| numeric_len(s, i))
}

/// Loose prerelease identifier: numbers may have leading zeros.
fn loose_prerelease_ident_len(s: &[u8], i: usize) -> Option<usize> {
    alphanumeric_len(s, i).or_else(|| {
        let digits = run_upto(s, i, is_digit, MAX_DIGIT_RUN);
        (digits > 0).then_some(digits)
    })
}

/// Build identifier, capped as in verkit's safe patterns.
pub(super) fn build_ident_len(s: &[u8], i: usize) -> Option<usize> {
    let n = run_upto(s, i, is_ident_byte, MAX_IDENT_RUN);
    (n > 0).then_some(n)
}

/// `ident(\.ident)*`, greedy; returns the end offset.
pub(super) fn dotted(s: &[u8], i: usize, ident: fn(&[u8], usize) -> Option<usize>) -> Option<usize> {
    let mut end = i + ident(s, i)?;
    while at(s, end) == b'.' {
        match ident(s, end + 1) {
            Some(n) => end += 1 + n,
            None => break,
        }
    }
    Some(end)
}

/// `[v=\s]*`, which both version patterns start with (uncapped).
pub(super) fn version_prefix_len(s: &[u8], i: usize) -> usize {
    run_len(s, i, |b| matches!(b, b'v' | b'=' | b' '))
}

/// Captures of verkit's x-range version pattern
/// (`[v=\s]*X(.X(.X(-pre)?(+build)?)?)?` with `X` a number, `x`, `X` or `*`).
#[derive(Debug, Clone, Copy)]
pub(super) struct XVersion {
    pub major: Span,
    pub minor: Option<Span>,
    pub patch: Option<Span>,
    pub prerelease: Option<Span>,
    pub end: usize,
}

/// Greedy unanchored match of the x-range version pattern at `i`.
pub(super) fn xrange_version(s: &[u8], i: usize) -> Option<XVersion> {
    let p = i + version_prefix_len(s, i);
    let n = xrange_component_len(s, p)?;
    let mut v = XVersion { major: (p, p + n), minor: None, patch: None, prerelease: None, end: p + n };
    let Some(minor) = dotted_component(s, v.end) else {
        return Some(v);
    };
    v.minor = Some(minor);
    v.end = minor.1;
    let Some(patch) = dotted_component(s, v.end) else {
        return Some(v);
    };
    v.patch = Some(patch);
    v.end = patch.1;
    if at(s, v.end) == b'-' {
        if let Some(end) = dotted(s, v.end + 1, prerelease_ident_len) {
            v.prerelease = Some((v.end + 1, end));
            v.end = end;
        }
    }
    if at(s, v.end) == b'+' {
        if let Some(end) = dotted(s, v.end + 1, build_ident_len) {
            v.end = end;
        }
    }
    Some(v)
}

fn dotted_component(s: &[u8], dot: usize) -> Option<Span> {
    if at(s, dot) != b'.' {
        return None;
    }
    let n = xrange_component_len(s, dot + 1)?;
    Some((dot + 1, dot + 1 + n))
}

/// Greedy unanchored match of verkit's loose plain version
/// (`[v=\s]*\d+.\d+.\d+(-?pre)?(+build)?`); returns the end offset.
pub(super) fn loose_version_end(s: &[u8], i: usize) -> Option<usize> {
    let mut p = i + version_prefix_len(s, i);
    for _ in 0..2 {
        let digits = run_upto(s, p, is_digit, MAX_DIGIT_RUN + 1);
        if digits == 0 || digits > MAX_DIGIT_RUN || at(s, p + digits) != b'.' {
            return None;
        }
        p += digits + 1;
    }
    let digits = run_upto(s, p, is_digit, MAX_DIGIT_RUN);
    if digits == 0 {
        return None;
    }
    p += digits;
    // `-?` is tried with the dash first; without it the dash itself can start an identifier.
    let with_dash = if at(s, p) == b'-' { dotted(s, p + 1, loose_prerelease_ident_len) } else { None };
    if let Some(end) = with_dash.or_else(|| dotted(s, p, loose_prerelease_ident_len)) {
        p = end;
    }
    if at(s, p) == b'+' {
        if let Some(end) = dotted(s, p + 1, build_ident_len) {
            p = end;
        }
    }
    Some(p)
}
