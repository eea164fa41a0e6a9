//! The string-rewriting half of verkit's `parseRange`, stage by stage.
//!
//! Output: for each `||` alternative, the plain comparator tokens
//! (`[<>]?=?` + version) that verkit would hand to its comparator parser.
//! Empty tokens are left out: verkit turns them into an "any" comparator that
//! it discards as soon as the set has any other comparator, and a set with no
//! tokens at all is exactly that "any" set.

use super::expand::{bump, cat, expand_word, Bytes, Components};
use super::scan::{at, dotted, is_ident_byte, is_js_space, js_trim, loose_version_end, run_len, trim_spaces, version_prefix_len, xrange_version};

pub(super) fn comparator_sets(range: &str) -> Vec<Vec<Bytes>> {
    let raw = collapse_spaces(js_trim(range));
    split_on(&raw, b"||").into_iter().map(|part| set_tokens(trim_spaces(part))).collect()
}

/// One `||` alternative, through verkit's stages in verkit's order (the
/// order matters: e.g. build stripping can create the spaces a hyphen range
/// needs, and hyphen output is re-scanned by the operator gluing).
fn set_tokens(part: &[u8]) -> Vec<Bytes> {
    let part = strip_builds(part);
    let part = expand_hyphen(&part).unwrap_or(part);
    let part = glue_operators(&part);
    let part = glue_after(&glue_after(&part, b'~'), b'^');
    let mut tokens = Vec::new();
    for word in part.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let expanded = expand_word(word);
        for token in expanded.split(|&b| b == b' ') {
            // `>=0.0.0` is dropped outright (it becomes the "any" comparator).
            if !token.is_empty() && token != b">=0.0.0" {
                tokens.push(token.to_vec());
            }
        }
    }
    tokens
}

/// `trim()` then every run of JS white space becomes one ASCII space.
fn collapse_spaces(s: &str) -> Bytes {
    let mut out = Bytes::with_capacity(s.len());
    let mut buf = [0u8; 4];
    for c in s.chars() {
        if !is_js_space(c) {
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        } else if out.last() != Some(&b' ') {
            out.push(b' ');
        }
    }
    out
}

fn split_on<'a>(s: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i + sep.len() <= s.len() {
        if &s[i..i + sep.len()] == sep {
            parts.push(&s[start..i]);
            i += sep.len();
            start = i;
        } else {
            i += 1;
        }
    }
    parts.push(&s[start..]);
    parts
}

/// Every `+build(.build)*` is deleted (this pattern has no length caps).
fn strip_builds(s: &[u8]) -> Bytes {
    fn ident(s: &[u8], i: usize) -> Option<usize> {
        Some(run_len(s, i, is_ident_byte)).filter(|&n| n > 0)
    }
    let mut out = Bytes::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match (s[i] == b'+').then(|| dotted(s, i + 1, ident)).flatten() {
            Some(end) => i = end,
            None => {
                out.push(s[i]);
                i += 1;
            }
        }
    }
    out
}

/// `A - B` (exactly one space around the dash) spanning the whole part.
fn expand_hyphen(p: &[u8]) -> Option<Bytes> {
    let start = usize::from(at(p, 0) == b' ');
    let from = xrange_version(p, start)?;
    if p.get(from.end..from.end + 3) != Some(b" - ") {
        return None;
    }
    let to_start = from.end + 3;
    let to = xrange_version(p, to_start)?;
    if !(to.end == p.len() || (to.end + 1 == p.len() && p[to.end] == b' ')) {
        return None;
    }
    let c = Components::of(p, &from);
    let lower = match (c.major, c.minor, c.patch) {
        (None, _, _) => Bytes::new(),
        (Some(ma), None, _) => cat!(b">=", ma, b".0.0"),
        (Some(ma), Some(mi), None) => cat!(b">=", ma, b".", mi, b".0"),
        // A full version keeps its raw text, including any `v`/`=`/space prefix.
        _ => cat!(b">=", &p[start..from.end]),
    };
    let c = Components::of(p, &to);
    let upper = match (c.major, c.minor, c.patch, c.prerelease) {
        (None, ..) => Bytes::new(),
        (Some(ma), None, ..) => cat!(b"<", bump(ma), b".0.0-0"),
        (Some(ma), Some(mi), None, _) => cat!(b"<", ma, b".", bump(mi), b".0-0"),
        (Some(ma), Some(mi), Some(pa), Some(pre)) => cat!(b"<=", ma, b".", mi, b".", pa, b"-", pre),
        _ => cat!(b"<=", &p[to_start..to.end]),
    };
    Some(trim_spaces(&cat!(lower, b" ", upper)).to_vec())
}

/// Drops the space between an operator (possibly empty) and a version, as
/// verkit's global "comparator trim" replacement does, scanning left to right.
fn glue_operators(s: &[u8]) -> Bytes {
    let mut out = Bytes::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if let Some((gap, end)) = operator_gap_at(s, i) {
            out.extend(s[i..end].iter().enumerate().filter(|&(k, _)| Some(i + k) != gap).map(|(_, &b)| b));
            i = end;
            continue;
        }
        // Every start inside a `[v= ]` run reaches the same version start as
        // this one did and fails the same way: skip the run (linear time).
        let next = i + version_prefix_len(s, i).max(1);
        out.extend_from_slice(&s[i..next]);
        i = next;
    }
    out
}

/// Match of `( ?)([<>]?=?) ?(looseVersion|xrangeVersion)` at `i`, trying
/// alternatives in backtracking order: the dropped space (if any) and the end.
fn operator_gap_at(s: &[u8], i: usize) -> Option<(Option<usize>, usize)> {
    fn options(taken: bool) -> &'static [usize] {
        if taken {
            &[1, 0]
        } else {
            &[0]
        }
    }
    for &lead in options(at(s, i) == b' ') {
        let j = i + lead;
        for &angle in options(matches!(at(s, j), b'<' | b'>')) {
            for &eq in options(at(s, j + angle) == b'=') {
                let k = j + angle + eq;
                for &gap in options(at(s, k) == b' ') {
                    let version = loose_version_end(s, k + gap).or_else(|| xrange_version(s, k + gap).map(|x| x.end));
                    if let Some(end) = version {
                        return Some(((gap == 1).then_some(k), end));
                    }
                }
            }
        }
    }
    None
}

/// `~ `/`~> ` become `~` (the `>` is lost too); `^ ` becomes `^`.
fn glue_after(s: &[u8], mark: u8) -> Bytes {
    let mut out = Bytes::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        out.push(s[i]);
        if s[i] == mark {
            if at(s, i + 1) == b' ' {
                i += 1;
            } else if mark == b'~' && s.get(i + 1..i + 3) == Some(b"> ") {
                i += 2;
            }
        }
        i += 1;
    }
    out
}
