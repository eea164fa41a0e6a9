use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use super::scan::{at, build_ident_len, dotted, is_digit, js_trim, numeric_len, prerelease_ident_len, run_len, run_upto, MAX_SAFE_INTEGER};

/// verkit refuses to parse version strings longer than this (UTF-16 units).
const MAX_VERSION_LENGTH: usize = 256;

/// One dot-separated prerelease identifier.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Identifier {
    /// A numeric identifier below `Number.MAX_SAFE_INTEGER`.
    Numeric(u64),
    /// Any other identifier. Like verkit, numeric identifiers of
    /// `MAX_SAFE_INTEGER` or more stay text (and still order as numbers).
    Text(Box<str>),
}

/// A parsed semantic version (build metadata is dropped, as verkit's
/// comparisons ignore it). `Ord` is semver precedence.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Version {
    /// Major component, at most `Number.MAX_SAFE_INTEGER`.
    pub major: u64,
    /// Minor component, at most `Number.MAX_SAFE_INTEGER`.
    pub minor: u64,
    /// Patch component, at most `Number.MAX_SAFE_INTEGER`.
    pub patch: u64,
    /// Prerelease identifiers; empty for a release.
    pub prerelease: Vec<Identifier>,
}

impl Version {
    /// Strict parse, as verkit `parse`/`normalize` and node-semver `valid`:
    /// optional leading `v` (no `=`), full `x.y.z` without leading zeros,
    /// optional prerelease and build. JS white space around the version is
    /// ignored; inputs longer than 256 UTF-16 units are rejected.
    #[must_use]
    pub fn parse_strict(s: &str) -> Option<Version> {
        if s.encode_utf16().nth(MAX_VERSION_LENGTH).is_some() {
            return None;
        }
        parse_full(js_trim(s).as_bytes())
    }

    /// A release version `major.minor.patch`.
    #[must_use]
    pub const fn new(major: u64, minor: u64, patch: u64) -> Version {
        Version { major, minor, patch, prerelease: Vec::new() }
    }

    /// Comparison exactly as verkit's `compare`: like [`Ord`], except that
    /// numeric identifiers beyond `MAX_SAFE_INTEGER` are compared as JS
    /// numbers, and two distinct identifiers that round to the same number
    /// end the comparison as equal.
    pub(super) fn compare_js(&self, other: &Version) -> Ordering {
        self.compare_main(other).then_with(|| compare_prerelease_js(&self.prerelease, &other.prerelease))
    }

    pub(super) fn same_main(&self, other: &Version) -> bool {
        self.compare_main(other) == Ordering::Equal
    }

    fn compare_main(&self, other: &Version) -> Ordering {
        (self.major, self.minor, self.patch).cmp(&(other.major, other.minor, other.patch))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        let (left, right) = (&self.prerelease, &other.prerelease);
        self.compare_main(other).then_with(|| release_last(left, right)).then_with(|| left.cmp(right))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Semver precedence: numeric identifiers by exact value, before all others,
/// which compare as ASCII strings. (Ties between equal values that are spelt
/// differently, only possible in hand-built values, keep `Ord` total.)
impl Ord for Identifier {
    fn cmp(&self, other: &Identifier) -> Ordering {
        if let (Identifier::Numeric(l), Identifier::Numeric(r)) = (self, other) {
            return l.cmp(r);
        }
        match (decimal(self), decimal(other)) {
            (Some(l), Some(r)) => {
                let (l, r) = (l.trim_start_matches('0'), r.trim_start_matches('0'));
                let is_text = |id: &Identifier| matches!(id, Identifier::Text(_));
                (l.len(), l, is_text(self), text(self)).cmp(&(r.len(), r, is_text(other), text(other)))
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => text(self).cmp(text(other)),
        }
    }
}

impl PartialOrd for Identifier {
    fn partial_cmp(&self, other: &Identifier) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Formats like verkit `normalize`: `major.minor.patch[-prerelease]`.
impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        for (i, id) in self.prerelease.iter().enumerate() {
            f.write_str(if i == 0 { "-" } else { "." })?;
            match id {
                Identifier::Numeric(n) => write!(f, "{n}")?,
                Identifier::Text(t) => f.write_str(t)?,
            }
        }
        Ok(())
    }
}

/// A release sorts after all of its prereleases.
fn release_last(left: &[Identifier], right: &[Identifier]) -> Ordering {
    right.is_empty().cmp(&left.is_empty()).reverse()
}

/// verkit `comparePrerelease`: the first identifier that differs decides,
/// even when `compareIdentifiers` then calls the two equal.
fn compare_prerelease_js(left: &[Identifier], right: &[Identifier]) -> Ordering {
    let first_difference = left.iter().zip(right).find(|(l, r)| l != r);
    release_last(left, right).then_with(|| match first_difference {
        Some((l, r)) => compare_ident_js(l, r),
        None => left.len().cmp(&right.len()),
    })
}

/// verkit `compareIdentifiers`: all-digit identifiers compare as JS numbers
/// and sort before the others, which compare as strings.
fn compare_ident_js(left: &Identifier, right: &Identifier) -> Ordering {
    if let (Identifier::Numeric(l), Identifier::Numeric(r)) = (left, right) {
        return l.cmp(r);
    }
    match (js_number(left), js_number(right)) {
        (Some(l), Some(r)) => l.partial_cmp(&r).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => text(left).cmp(text(right)),
    }
}

fn decimal(id: &Identifier) -> Option<Cow<'_, str>> {
    match id {
        Identifier::Numeric(n) => Some(n.to_string().into()),
        Identifier::Text(t) if is_numeric_text(t) => Some(t.as_ref().into()),
        Identifier::Text(_) => None,
    }
}

/// `Number(id)` for identifiers verkit's `^\d+$` test calls numeric.
fn js_number(id: &Identifier) -> Option<f64> {
    match id {
        // Numeric identifiers are below 2^53, so the conversion is exact.
        #[allow(clippy::cast_precision_loss)]
        Identifier::Numeric(n) => Some(*n as f64),
        // Correctly rounded, like JS `Number(string)`.
        Identifier::Text(t) if is_numeric_text(t) => t.parse().ok(),
        Identifier::Text(_) => None,
    }
}

fn is_numeric_text(t: &str) -> bool {
    !t.is_empty() && t.bytes().all(is_digit)
}

fn text(id: &Identifier) -> &str {
    match id {
        Identifier::Text(t) => t,
        Identifier::Numeric(_) => "",
    }
}

/// Anchored strict version grammar on already-trimmed bytes.
pub(super) fn parse_full(s: &[u8]) -> Option<Version> {
    let mut i = usize::from(at(s, 0) == b'v');
    let mut main = [0u64; 3];
    for (k, slot) in main.iter_mut().enumerate() {
        if k > 0 {
            if at(s, i) != b'.' {
                return None;
            }
            i += 1;
        }
        let n = numeric_len(s, i)?;
        *slot = safe_integer(&s[i..i + n])?;
        i += n;
    }
    let mut prerelease = Vec::new();
    if at(s, i) == b'-' {
        let end = dotted(s, i + 1, prerelease_ident_len)?;
        prerelease = s[i + 1..end].split(|&b| b == b'.').map(identifier).collect();
        i = end;
    }
    if at(s, i) == b'+' {
        i = dotted(s, i + 1, build_ident_len)?;
    }
    let [major, minor, patch] = main;
    (i == s.len()).then_some(Version { major, minor, patch, prerelease })
}

fn safe_integer(digits: &[u8]) -> Option<u64> {
    // 17+ digits always exceed MAX_SAFE_INTEGER; shorter runs fit in u64.
    if digits.len() > 16 {
        return None;
    }
    let value = std::str::from_utf8(digits).ok()?.parse::<u64>().ok()?;
    (value <= MAX_SAFE_INTEGER).then_some(value)
}

fn identifier(raw: &[u8]) -> Identifier {
    let text = String::from_utf8_lossy(raw);
    if raw.iter().all(|&b| is_digit(b)) {
        if let Some(n) = safe_integer(raw).filter(|&n| n < MAX_SAFE_INTEGER) {
            return Identifier::Numeric(n);
        }
    }
    Identifier::Text(text.into())
}

/// verkit `coerce` (non-loose, left to right): the first maximal digit run of
/// at most 16 digits, with up to two `.`-separated runs after it, re-parsed
/// strictly (so a leading zero or a value above `MAX_SAFE_INTEGER` gives
/// `None` rather than trying a later run). Prerelease and build are dropped.
#[must_use]
pub fn coerce(s: &str) -> Option<Version> {
    let b = s.as_bytes();
    let mut i = 0;
    let major = loop {
        i += run_len(b, i, |c| !is_digit(c));
        let digits = run_len(b, i, is_digit);
        if digits == 0 {
            return None;
        }
        if digits <= 16 {
            break (i, i + digits);
        }
        i += digits;
    };
    let short_run_after = |dot: usize| {
        let digits = run_upto(b, dot + 1, is_digit, 17);
        (at(b, dot) == b'.' && (1..=16).contains(&digits)).then_some((dot + 1, dot + 1 + digits))
    };
    let minor = short_run_after(major.1);
    let patch = minor.and_then(|m| short_run_after(m.1));
    let component = |span: Option<(usize, usize)>| {
        let digits = span.map_or(&b"0"[..], |(start, end)| &b[start..end]);
        // Strict re-parse: `0|[1-9]\d*`.
        if digits.len() > 1 && digits[0] == b'0' {
            return None;
        }
        safe_integer(digits)
    };
    Some(Version::new(component(Some(major))?, component(minor)?, component(patch)?))
}
