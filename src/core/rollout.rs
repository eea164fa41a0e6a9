//! Rollout cohorts, a port of `@hot-updater/core` `rollout.ts` (SPEC §3.7).
//!
//! A device reports a cohort: a number 1..=1000 (derived from its id by the SDK) or a custom slug.
//! Each bundle shuffles the 1000 numeric cohorts with a per-id affine permutation and is rolled out
//! to the first `rolloutCohortCount` positions, so raising the count only ever adds cohorts.

use super::jsnum::js_trim;

/// Number of numeric cohorts, and the rollout count meaning "everyone".
pub const DEFAULT_ROLLOUT_COHORT_COUNT: i64 = 1000;
/// Longest custom cohort, in UTF-16 code units.
pub const MAX_COHORT_LENGTH: usize = 64;
/// Error text upstream uses when a cohort fails [`is_valid_cohort`].
pub const INVALID_COHORT_ERROR_MESSAGE: &str = "Invalid cohort. Use 1-1000 or a lowercase slug without spaces, up to 64 characters.";

const COHORTS: i64 = DEFAULT_ROLLOUT_COHORT_COUNT;

/// Value of an already trimmed and lowercased cohort if it is all ASCII digits (any number of
/// leading zeros) with value 1..=1000: upstream's `/^\d+$/` + `parseInt` test.
fn numeric_value(normalized: &str) -> Option<u32> {
    if normalized.is_empty() || !normalized.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = normalized.trim_start_matches('0');
    // More than four significant digits is always above 1000 (and could overflow a parse).
    if significant.len() > 4 {
        return None;
    }
    let value: u32 = significant.parse().unwrap_or(0);
    (1..=1000).contains(&value).then_some(value)
}

/// JS `trim()` then `toLowerCase()`, borrowing the input when neither changes anything.
fn trim_lower(c: &str) -> std::borrow::Cow<'_, str> {
    let t = js_trim(c);
    if t.is_ascii() {
        if t.bytes().any(|b| b.is_ascii_uppercase()) {
            t.to_ascii_lowercase().into()
        } else {
            t.into()
        }
    } else {
        // Rust applies the same locale-independent full mappings as V8, including the
        // context-sensitive final sigma; both are on Unicode 17 (checked against Node 20 for
        // every code point).
        t.to_lowercase().into()
    }
}

/// Upstream `normalizeCohortValue`: JS `trim()` + `toLowerCase()`, then an all-digit value in
/// 1..=1000 is rewritten to canonical decimal (`"017"` → `"17"`); `"0"`, `"00"`, `"1001"` stay.
pub fn normalize_cohort(c: &str) -> String {
    let lowered = trim_lower(c);
    match numeric_value(&lowered) {
        Some(n) => n.to_string(),
        None => lowered.into_owned(),
    }
}

/// Upstream `isValidCohort`: numeric 1..=1000, or a custom slug `^[a-z0-9-]+$` of 1..=64 units
/// that is not all digits (after normalization, so `"  QA "` and `"007"` are valid).
pub fn is_valid_cohort(c: &str) -> bool {
    let lowered = trim_lower(c);
    numeric_value(&lowered).is_some() || is_custom_slug(&lowered)
}

fn is_custom_slug(normalized: &str) -> bool {
    let b = normalized.as_bytes();
    // The pattern is ASCII-only, so byte length equals UTF-16 length whenever it matches.
    !b.is_empty()
        && b.len() <= MAX_COHORT_LENGTH
        && !b.iter().all(u8::is_ascii_digit)
        && b.iter().all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// Upstream `normalizeRolloutCohortCount`: `None` → 1000, `<= 0` → 0, `>= 1000` → 1000, else
/// `floor`. NaN stays NaN, which then fails every `<`/`>=` test, so it never grants a rollout.
pub fn normalize_rollout_cohort_count(n: Option<f64>) -> f64 {
    match n {
        None => COHORTS as f64,
        Some(v) if v <= 0.0 => 0.0,
        Some(v) if v >= COHORTS as f64 => COHORTS as f64,
        Some(v) => v.floor(),
    }
}

/// Upstream `hashString`: the Java-style `h = h * 31 + unit` over UTF-16 code units, wrapping to
/// a signed 32-bit integer (the JS `(h << 5) - h + c | 0` is exactly that).
pub fn js_string_hash(s: &str) -> i32 {
    hash_continue(0, s)
}

fn hash_continue(mut h: i32, s: &str) -> i32 {
    let mut units = [0u16; 2];
    for ch in s.chars() {
        for &u in ch.encode_utf16(&mut units).iter() {
            h = h.wrapping_mul(31).wrapping_add(u as i32);
        }
    }
    h
}

fn positive_mod(v: i64, m: i64) -> i64 {
    v.rem_euclid(m)
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

/// Per-bundle permutation of the numeric cohorts (upstream `getRolloutShuffleParameters`).
///
/// Computing it hashes the id twice; callers on the update-check path build it once per bundle
/// and keep it alongside the bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RolloutShuffle {
    /// Multiplier of the affine map, coprime with 1000.
    pub multiplier: u32,
    /// Offset of the affine map, 0..1000.
    pub offset: u32,
    /// `multiplier⁻¹ mod 1000`.
    pub inverse: u32,
}

impl RolloutShuffle {
    /// Shuffle parameters for `bundle_id`.
    pub fn for_bundle(id: &str) -> Self {
        let base = js_string_hash(id);
        // hash(id + suffix) continues the running hash, so no concatenated string is built.
        let mut multiplier = positive_mod(hash_continue(base, ":multiplier") as i64, 997);
        if multiplier == 0 {
            multiplier = 1;
        }
        while gcd(multiplier, COHORTS) != 1 {
            multiplier = positive_mod(multiplier + 1, COHORTS);
            if multiplier == 0 {
                multiplier = 1;
            }
        }
        let offset = positive_mod(hash_continue(base, ":offset") as i64, COHORTS);
        RolloutShuffle { multiplier: multiplier as u32, offset: offset as u32, inverse: modular_inverse(multiplier, COHORTS) as u32 }
    }

    /// Rollout position (0..1000) of numeric cohort `cohort` (1..=1000): the cohort is in a
    /// rollout of `k` cohorts iff `position < k`. Upstream throws for values outside 1..=1000;
    /// here they are reduced modulo 1000 like any other input.
    pub fn position(&self, cohort: u32) -> u32 {
        let v = self.inverse as i64 * (cohort as i64 - 1 - self.offset as i64);
        positive_mod(v, COHORTS) as u32
    }
}

/// Extended Euclid; `value` is coprime with `modulus` by construction.
fn modular_inverse(value: i64, modulus: i64) -> i64 {
    let (mut t, mut new_t) = (0i64, 1i64);
    let (mut r, mut new_r) = (modulus, positive_mod(value, modulus));
    while new_r != 0 {
        let q = r / new_r;
        (t, new_t) = (new_t, t - q * new_t);
        (r, new_r) = (new_r, r - q * new_r);
    }
    positive_mod(t, modulus)
}

/// A normalized cohort, as the request carries it or as a bundle targets it.
///
/// Two values are equal exactly when upstream's normalized strings are equal: a `Numeric` value
/// is the canonical decimal of 1..=1000 and `Custom` never holds such a string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RequestCohort {
    /// No cohort in the request (`null`/`undefined`).
    None,
    /// A numeric cohort 1..=1000.
    Numeric(u32),
    /// Any other normalized value: a custom slug, or an invalid value such as `""`, `"0"`,
    /// `"1001"` or `"abc def"` (these can still match a bundle's identical target cohort).
    Custom(String),
}

/// Normalizes a request cohort once, so the per-bundle check allocates nothing.
pub fn parse_request_cohort(c: Option<&str>) -> RequestCohort {
    match c {
        None => RequestCohort::None,
        Some(c) => parse_cohort(c),
    }
}

/// Normalizes one present cohort value (a request cohort or a bundle's target cohort).
pub fn parse_cohort(c: &str) -> RequestCohort {
    let lowered = trim_lower(c);
    match numeric_value(&lowered) {
        Some(n) => RequestCohort::Numeric(n),
        None => RequestCohort::Custom(lowered.into_owned()),
    }
}

/// Normalizes a bundle's `targetCohorts` for [`is_cohort_eligible_prepared`].
pub fn normalize_target_cohorts(targets: &[String]) -> Vec<RequestCohort> {
    targets.iter().map(|t| parse_cohort(t)).collect()
}

/// Upstream `isCohortEligibleForUpdate(bundleId, cohort, rolloutCohortCount, targetCohorts)`.
///
/// A cohort listed in the targets always qualifies (even at count 0); otherwise an absent cohort
/// qualifies only at a full rollout, a non-numeric one never, and a numeric one when its
/// position for this bundle is below the normalized count.
pub fn is_cohort_eligible(bundle_id: &str, cohort: Option<&str>, rollout_cohort_count: Option<f64>, target_cohorts: Option<&[String]>) -> bool {
    let cohort = parse_request_cohort(cohort);
    is_cohort_eligible_parsed(bundle_id, &cohort, rollout_cohort_count, target_cohorts)
}

/// [`is_cohort_eligible`] with the request cohort parsed once by [`parse_request_cohort`].
/// Targets are normalized on the fly without allocating unless they need Unicode lowercasing,
/// and the id is hashed only for a partial rollout of a numeric cohort.
pub fn is_cohort_eligible_parsed(bundle_id: &str, cohort: &RequestCohort, rollout_cohort_count: Option<f64>, target_cohorts: Option<&[String]>) -> bool {
    let targets = target_cohorts.unwrap_or(&[]);
    let targeted = targets.iter().any(|t| target_matches(t, cohort));
    let position = |n| RolloutShuffle::for_bundle(bundle_id).position(n);
    eligible(position, cohort, rollout_cohort_count, targeted)
}

/// [`is_cohort_eligible`] with the bundle's shuffle and normalized targets precomputed (see
/// [`RolloutShuffle::for_bundle`], [`normalize_target_cohorts`]) and the request cohort parsed
/// once by [`parse_request_cohort`]; it allocates nothing.
pub fn is_cohort_eligible_prepared(shuffle: &RolloutShuffle, cohort: &RequestCohort, rollout_cohort_count: Option<f64>, targets: &[RequestCohort]) -> bool {
    let targeted = *cohort != RequestCohort::None && targets.contains(cohort);
    eligible(|n| shuffle.position(n), cohort, rollout_cohort_count, targeted)
}

/// Whether raw target cohort `target` normalizes to the same value as `cohort`.
fn target_matches(target: &str, cohort: &RequestCohort) -> bool {
    let lowered = trim_lower(target);
    match (numeric_value(&lowered), cohort) {
        (Some(n), RequestCohort::Numeric(m)) => n == *m,
        (None, RequestCohort::Custom(s)) => *lowered == **s,
        _ => false,
    }
}

fn eligible(position: impl FnOnce(u32) -> u32, cohort: &RequestCohort, rollout_cohort_count: Option<f64>, targeted: bool) -> bool {
    if targeted {
        return true;
    }
    let k = normalize_rollout_cohort_count(rollout_cohort_count);
    // A NaN count passes this test, as upstream's `k <= 0` does, and then fails every comparison
    // below, so it never grants an un-targeted update.
    if k <= 0.0 {
        return false;
    }
    let full = k >= COHORTS as f64;
    match cohort {
        RequestCohort::None => full,
        RequestCohort::Custom(_) => false,
        RequestCohort::Numeric(_) if full => true,
        RequestCohort::Numeric(n) => (position(*n) as f64) < k,
    }
}

/// Upstream `getDefaultNumericCohort`: the SDK's default cohort for a device identifier,
/// `String(positiveMod(hash(identifier), 1000) + 1)`.
pub fn default_numeric_cohort(identifier: &str) -> String {
    (positive_mod(js_string_hash(identifier) as i64, COHORTS) + 1).to_string()
}

#[cfg(test)]
#[path = "rollout_tests.rs"]
mod tests;
