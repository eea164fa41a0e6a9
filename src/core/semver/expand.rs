//! Expansion of one space-free word: `^` and `~` ranges, x-ranges, and
//! verkit's removal of the first `*`. Each returns `None` where verkit's
//! anchored pattern does not match and the word passes through unchanged.

use super::scan::{at, trim_spaces, xrange_version, XVersion, MAX_SAFE_INTEGER};

pub(super) type Bytes = Vec<u8>;

/// Concatenates byte strings of mixed types (literals, slices, vectors).
macro_rules! cat_bytes {
    ($($part:expr),+ $(,)?) => {
        [$(AsRef::<[u8]>::as_ref(&$part)),+].concat()
    };
}

pub(super) use cat_bytes as cat;

/// One space-free word: carets, then tildes, then x-ranges, then the first `*`.
/// (verkit strips a build suffix first; none can be left at this stage.)
pub(super) fn expand_word(word: &[u8]) -> Bytes {
    let caret = expand_caret(word).unwrap_or_else(|| word.to_vec());
    let tilde = map_words(&caret, expand_tilde);
    let xrange = map_words(&tilde, expand_xrange);
    drop_first_star(trim_spaces(&xrange))
}

fn map_words(s: &[u8], f: impl Fn(&[u8]) -> Option<Bytes>) -> Bytes {
    let words: Vec<Bytes> = s.split(|&b| b == b' ').map(|w| f(w).unwrap_or_else(|| w.to_vec())).collect();
    words.join(&b' ')
}

/// `Number(digits) + 1` as JS prints it. Above `MAX_SAFE_INTEGER` JS yields a
/// rounded number or exponent notation (`1e+21`); either way the comparator
/// carrying it fails to parse, so one out-of-range stand-in is equivalent.
pub(super) fn bump(digits: &[u8]) -> Bytes {
    let value = std::str::from_utf8(digits).ok().filter(|d| d.len() <= 16).and_then(|d| d.parse::<u64>().ok());
    match value {
        Some(v) if v < MAX_SAFE_INTEGER => (v + 1).to_string().into_bytes(),
        _ => b"9007199254740992".to_vec(),
    }
}

/// The captured components of an x-range version; `None` means wildcard.
pub(super) struct Components<'a> {
    pub major: Option<&'a [u8]>,
    pub minor: Option<&'a [u8]>,
    pub patch: Option<&'a [u8]>,
    pub prerelease: Option<&'a [u8]>,
}

impl<'a> Components<'a> {
    pub(super) fn of(s: &'a [u8], v: &XVersion) -> Components<'a> {
        let concrete = |span: Option<(usize, usize)>| span.map(|(a, b)| &s[a..b]).filter(|t| !matches!(t, [b'x' | b'X' | b'*']));
        Components { major: concrete(Some(v.major)), minor: concrete(v.minor), patch: concrete(v.patch), prerelease: v.prerelease.map(|(a, b)| &s[a..b]) }
    }

    /// Whole-word x-range version starting at `i`.
    fn whole(word: &'a [u8], i: usize) -> Option<(XVersion, Components<'a>)> {
        let v = xrange_version(word, i).filter(|v| v.end == word.len())?;
        Some((v, Components::of(word, &v)))
    }
}

/// `^v`: changes that keep the left-most non-zero component (`^0.0.3` is
/// only `0.0.3`; `^1.x` is `>=1.0.0 <2.0.0-0`).
fn expand_caret(word: &[u8]) -> Option<Bytes> {
    if at(word, 0) != b'^' {
        return None;
    }
    let (_, c) = Components::whole(word, 1)?;
    let Some(ma) = c.major else {
        return Some(Bytes::new());
    };
    let Some(mi) = c.minor else {
        return Some(cat!(b">=", ma, b".0.0 <", bump(ma), b".0.0-0"));
    };
    let Some(pa) = c.patch else {
        return Some(match ma {
            b"0" => cat!(b">=0.", mi, b".0 <0.", bump(mi), b".0-0"),
            _ => cat!(b">=", ma, b".", mi, b".0 <", bump(ma), b".0.0-0"),
        });
    };
    let lower: Bytes = match c.prerelease {
        Some(pre) => cat!(ma, b".", mi, b".", pa, b"-", pre),
        None => cat!(ma, b".", mi, b".", pa),
    };
    let upper: Bytes = match (ma, mi) {
        (b"0", b"0") => cat!(b"0.0.", bump(pa), b"-0"),
        (b"0", _) => cat!(b"0.", bump(mi), b".0-0"),
        _ => cat!(bump(ma), b".0.0-0"),
    };
    Some(cat!(b">=", lower, b" <", upper))
}

/// `~v` / `~>v`: patch updates when a minor is given, minor updates otherwise.
fn expand_tilde(word: &[u8]) -> Option<Bytes> {
    if at(word, 0) != b'~' {
        return None;
    }
    let (_, c) = Components::whole(word, if at(word, 1) == b'>' { 2 } else { 1 })?;
    let Some(ma) = c.major else {
        return Some(Bytes::new());
    };
    let Some(mi) = c.minor else {
        return Some(cat!(b">=", ma, b".0.0 <", bump(ma), b".0.0-0"));
    };
    let upper = cat!(b" <", ma, b".", bump(mi), b".0-0");
    Some(match (c.patch, c.prerelease) {
        (None, _) => cat!(b">=", ma, b".", mi, b".0", upper),
        (Some(pa), Some(pre)) => cat!(b">=", ma, b".", mi, b".", pa, b"-", pre, upper),
        (Some(pa), None) => cat!(b">=", ma, b".", mi, b".", pa, upper),
    })
}

/// `[op]` + partial version: `1.2` is `>=1.2.0 <1.3.0-0`, `>1.x` is `>=2.0.0`,
/// `<=1.2` is `<1.3.0-0`, `>x`/`<x` match nothing, a bare `x` matches all.
fn expand_xrange(word: &[u8]) -> Option<Bytes> {
    let mut op_len = usize::from(matches!(at(word, 0), b'<' | b'>'));
    op_len += usize::from(at(word, op_len) == b'=');
    let (v, c) = Components::whole(word, op_len)?;
    // A wildcard followed by a concrete component leaves the word untouched.
    let wild_major = c.major.is_none();
    let wild_minor = wild_major || c.minor.is_none();
    if (wild_major && v.minor.is_some() && c.minor.is_some()) || (c.minor.is_none() && v.patch.is_some() && c.patch.is_some()) {
        return None;
    }
    let wild_patch = wild_minor || c.patch.is_none();
    let op = match &word[..op_len] {
        b"=" if wild_patch => &b""[..],
        op => op,
    };
    let Some(ma) = c.major else {
        return Some(if matches!(op, b">" | b"<") { b"<0.0.0-0".to_vec() } else { b"*".to_vec() });
    };
    if !op.is_empty() && wild_patch {
        let mi = c.minor.unwrap_or(b"0");
        let bound: Bytes = match (op, wild_minor) {
            (b">" | b"<=", true) => cat!(bump(ma), b".0.0"),
            (b">" | b"<=", false) => cat!(ma, b".", bump(mi), b".0"),
            _ => cat!(ma, b".", mi, b".0"),
        };
        let op: &[u8] = match op {
            b">" => b">=",
            b"<=" => b"<",
            op => op,
        };
        let suffix: &[u8] = if op == b"<" { b"-0" } else { b"" };
        return Some(cat!(op, bound, suffix));
    }
    if wild_minor {
        return Some(cat!(b">=", ma, b".0.0 <", bump(ma), b".0.0-0"));
    }
    if let (Some(mi), true) = (c.minor, wild_patch) {
        let upper = cat!(ma, b".", bump(mi), b".0-0");
        return Some(cat!(b">=", ma, b".", mi, b".0 <", upper));
    }
    None
}

/// Deletes the leftmost match of `[<>]?=? ?\*`.
fn drop_first_star(s: &[u8]) -> Bytes {
    let Some(star) = s.iter().position(|&b| b == b'*') else {
        return s.to_vec();
    };
    let is_prefix = |p: &[u8]| {
        let mut i = usize::from(matches!(p.first(), Some(b'<' | b'>')));
        i += usize::from(p.get(i) == Some(&b'='));
        i += usize::from(p.get(i) == Some(&b' '));
        i == p.len()
    };
    let start = (star.saturating_sub(3)..star).find(|&i| is_prefix(&s[i..star])).unwrap_or(star);
    cat!(&s[..start], &s[star + 1..])
}
