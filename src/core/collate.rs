//! `String.prototype.localeCompare` as Node 20 computes it (full ICU, locale `en-US`, default
//! options), for the strings bundle ids are made of (SPEC §3.4).
//!
//! `en-US` uses the CLDR root collation: strings are compared first by the primary weights of all
//! their characters (punctuation and symbols, then digits, then letters, case- and
//! accent-blind; punctuation is *not* ignored, as `alternate=non-ignorable` is the default), then by
//! secondary weights (accents), then by tertiary weights (lowercase before uppercase). Control
//! characters are ignored entirely, so `"a\u{0}"` equals `"a"`.
//!
//! Exactness: ids made of `-`, `0-9` and `a-z` (lowercase UUIDs) take a byte-compare fast path;
//! every other all-ASCII pair is exact (0 mismatches against Node on 250,000 random pairs).
//! Non-ASCII input is an approximation. Latin-1 and Latin Extended-A (U+00A0–U+017F, precomposed
//! or as base letter + one U+0300–U+036F mark) follow ICU's weights. Every other character falls
//! back to code point order (of its one-character lowercase; case is a tertiary difference):
//! non-alphanumerics between `¥` and `0`, the rest after all Latin letters. Where this differs
//! from ICU: the order among non-Latin punctuation, symbols and scripts (e.g. ICU sorts Hangul
//! before kana before Han, Han extension A after the core block, and other scripts' digits equal
//! to ASCII digits); variant forms outside Latin-1 (`ς`/`σ`, `ẞ`, full-width forms, ligatures) get
//! their own primary weights instead of a tertiary difference; several stacked combining marks
//! are not put into canonical order; marks outside U+0300–U+036F get primary weights; of the
//! format characters only U+00AD, U+034F, U+200B–U+200F, U+202A–U+202E, U+2060–U+2064,
//! U+FE00–U+FE0F, U+FEFF and tags are ignored (besides controls).

use std::cmp::Ordering;

/// `a.localeCompare(b)` under Node 20's default collator (`Math.sign` of the JS result).
pub fn locale_compare(a: &str, b: &str) -> Ordering {
    if is_byte_ordered(a) && is_byte_ordered(b) {
        return a.as_bytes().cmp(b.as_bytes());
    }
    if a.is_ascii() && b.is_ascii() {
        return compare_ascii(a.as_bytes(), b.as_bytes());
    }
    compare_general(a, b)
}

/// Over `-`, `0-9` and `a-z` the collation gives every character its own primary weight in the
/// same order as its byte value, with equal secondary and tertiary weights and no ignorables. So
/// comparing weights character by character is exactly comparing bytes, for any lengths: this
/// covers lowercase UUIDs, the ids of the update-check hot path.
pub fn is_byte_ordered(s: &str) -> bool {
    s.bytes().all(|c| c == b'-' || c.is_ascii_digit() || c.is_ascii_lowercase())
}

/// Every primary weight below U+0180, in CLDR root order (read off Node 20 / ICU 78); the
/// weight of a character is its index + 1. Letters appear once, in lowercase: case and accents
/// are lower-level differences. U+2044 FRACTION SLASH and U+02BC (of `ŉ`) are only reached
/// through expansions.
const ORDER: &str =
    concat!("\t\n\u{B}\u{C}\r\u{85} _-,;:!¡?¿.·'\"«»()[]{}§¶@*/\\&#%`´^¯¨¸°©®+±÷×<=>¬|¦~\u{2044}¤¢$£¥", "0123456789abcdefghiıjklmnŋopqĸrstŧuvwxyzþ\u{2BC}",);

/// Index + 1 of `c` in [`ORDER`] (0 if absent), usable in constants.
const fn rank_of(c: char) -> u32 {
    let b = ORDER.as_bytes();
    let (mut i, mut rank) = (0, 1);
    while i < b.len() {
        let (cp, len) = decode_utf8(b, i);
        if cp == c as u32 {
            return rank;
        }
        rank += 1;
        i += len;
    }
    0
}

const fn decode_utf8(b: &[u8], i: usize) -> (u32, usize) {
    let lead = b[i] as u32;
    match lead {
        0x00..=0x7F => (lead, 1),
        0xC0..=0xDF => (((lead & 0x1F) << 6) | (b[i + 1] as u32 & 0x3F), 2),
        _ => (((lead & 0x0F) << 12) | ((b[i + 1] as u32 & 0x3F) << 6) | (b[i + 2] as u32 & 0x3F), 3),
    }
}

/// Primary weight of each code point below U+0180 that has one directly (0 otherwise);
/// ASCII uppercase letters share their lowercase weight.
static PRIMARY: [u16; 0x180] = {
    let mut t = [0u16; 0x180];
    let mut cp = 0;
    while cp < t.len() {
        // Every value below 0x180 is a scalar value; `None` cannot occur.
        t[cp] = match char::from_u32(cp as u32) {
            Some(c) => rank_of(c.to_ascii_lowercase()) as u16,
            None => 0,
        };
        cp += 1;
    }
    t
};

fn compare_ascii(a: &[u8], b: &[u8]) -> Ordering {
    // Every ASCII character has the common secondary weight, so only two levels can differ, and
    // equal primaries imply the same non-ignorable positions, where only letter case can differ.
    ascii_primaries(a).cmp(ascii_primaries(b)).then_with(|| ascii_cases(a).cmp(ascii_cases(b)))
}

fn ascii_primaries(s: &[u8]) -> impl Iterator<Item = u16> + '_ {
    s.iter().map(|&c| PRIMARY[c as usize]).filter(|&p| p != 0)
}

fn ascii_cases(s: &[u8]) -> impl Iterator<Item = bool> + '_ {
    s.iter().filter(|&&c| PRIMARY[c as usize] != 0).map(|c| c.is_ascii_uppercase())
}

/// Primary weights in the general path are [`ORDER`] ranks shifted left by 21 bits, leaving
/// room for [`fallback`] weights between them.
const FRACTION_SLASH: u32 = rank_of('\u{2044}') << 21;
const APOSTROPHE: u32 = rank_of('\u{2BC}') << 21;

/// One collation element. `p == 0` marks a secondary-only element (a combining mark).
#[derive(Clone, Copy)]
struct Ce {
    p: u32,
    s: u16,
    t: u8,
}

const fn ce(p: u32, s: u16, t: u8) -> Ce {
    Ce { p, s, t }
}

// Tertiary weights, ordered as in DUCET (ICU keeps their relative order).
const LOWER: u8 = 0x02;
const COMPAT: u8 = 0x04;
const UPPER: u8 = 0x08;
const COMPAT_UPPER: u8 = 0x0A;
const SUPER: u8 = 0x14;
const NO_BREAK: u8 = 0x1B;
const FRACTION: u8 = 0x1E;

const COMMON: u16 = 0x20;
// Secondary weights of letters that carry no combining mark in their decomposition. ICU ranks
// them above the marks in common use (below some of U+0363–U+036F, which this ignores), and
// `ß` below `ſ`.
const SEC_AE_ETH: u16 = COMMON + 60;
const SEC_SHARP_S: u16 = COMMON + 61;
const SEC_LONG_S: u16 = COMMON + 62;
const SEC_MIDDOT: u16 = COMMON + 63;

/// Secondary rank of each combining mark U+0300–U+036F (ICU 78); equal ranks compare equal.
const MARK_RANK: [u8; 0x70] = [
    5, 4, 7, 14, 19, 24, 6, 15, 11, 25, 9, 13, 8, 20, 20, 26, //
    27, 28, 20, 2, 3, 20, 21, 21, 21, 21, 20, 29, 21, 21, 21, 21, //
    21, 30, 31, 32, 33, 34, 35, 17, 18, 21, 21, 21, 21, 36, 37, 21, //
    38, 39, 1, 21, 40, 23, 22, 22, 16, 41, 21, 21, 21, 20, 20, 20, //
    5, 4, 10, 2, 12, 42, 20, 21, 21, 21, 20, 20, 20, 21, 21, 0, //
    20, 20, 20, 21, 21, 21, 21, 20, 43, 21, 21, 20, 21, 20, 20, 21, //
    44, 45, 21, 46, 49, 51, 53, 56, 47, 48, 50, 52, 54, 55, 57, 58, //
];

/// Canonical decompositions of U+00C0–U+017F as base letter + one mark, 32 code points a row;
/// `*` marks the letters handled one by one in [`push_special`]. Mark mnemonics:
/// `'` acute, `` ` `` grave, `^` circumflex, `~` tilde, `:` diaeresis, `o` ring, `,` cedilla,
/// `-` macron, `u` breve, `k` ogonek, `.` dot above, `v` caron, `"` double acute.
const LATIN_BASE: &[u8] = concat!(
    "AAAAAA*CEEEEIIII*NOOOOO**UUUUY**aaaaaa*ceeeeiiii*nooooo**uuuuy*y",
    "AaAaAaCcCcCcCcDd**EeEeEeEeEeGgGgGgGgHh**IiIiIiIiI***JjKk*LlLlLl*",
    "***NnNnNn***OoOoOo**RrRrRrSsSsSsSsTtTt**UuUuUuUuUuUuWwYyYZzZzZz*",
)
.as_bytes();
const LATIN_MARK: &[u8] = concat!(
    "`'^~:o ,`'^:`'^: ~`'^~:  `'^:'  `'^~:o ,`'^:`'^: ~`'^~:  `'^:' :",
    "--uukk''^^..vvvv  --uu..kkvv^^uu..,,^^  ~~--uukk.   ^^,, '',,vv ",
    "   '',,vv   --uu\"\"  '',,vv''^^,,vv,,vv  ~~--uuoo\"\"kk^^^^:''..vv ",
)
.as_bytes();
const _: () = assert!(LATIN_BASE.len() == 192 && LATIN_MARK.len() == 192);

fn mark_offset(mnemonic: u8) -> u32 {
    match mnemonic {
        b',' => 0x27,
        b'k' => 0x28,
        // The mnemonics of U+0300..=U+030C at their offsets (`_` for marks no letter here uses).
        _ => b"`'^~-_u.:_o\"v".iter().position(|&m| m == mnemonic).unwrap_or(0) as u32,
    }
}

fn mark(offset: u32) -> Ce {
    ce(0, COMMON + MARK_RANK[offset as usize] as u16, LOWER)
}

fn letter(c: char, t: u8) -> Ce {
    ce((PRIMARY[c as usize] as u32) << 21, COMMON, t)
}

fn cased(c: char) -> Ce {
    let t = if c.is_ascii_uppercase() { UPPER } else { LOWER };
    letter(c.to_ascii_lowercase(), t)
}

/// Characters with no collation weight at all (controls, format characters, variation selectors).
fn is_ignorable(cp: u32) -> bool {
    matches!(cp,
        0x00..=0x08 | 0x0E..=0x1F | 0x7F..=0x84 | 0x86..=0x9F | 0xAD | 0x34F | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x2064 | 0xFE00..=0xFE0F | 0xFEFF | 0xE0000..=0xE0FFF)
}

fn push_ces(s: &str, out: &mut Vec<Ce>) {
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let cp = c as u32;
        match cp {
            _ if is_ignorable(cp) => {}
            0x20..=0x7E | 0x09..=0x0D => {
                out.push(cased(c));
                // CLDR root contracts `l·` (also with GREEK ANO TELEIA) so that it equals `ŀ`.
                if matches!(c, 'l' | 'L') && matches!(chars.peek(), Some('\u{B7}' | '\u{387}')) {
                    chars.next();
                    out.push(ce(0, SEC_MIDDOT, LOWER));
                }
            }
            0xA0 => out.push(letter(' ', NO_BREAK)),
            0xAA => out.push(letter('a', SUPER)),
            0xBA => out.push(letter('o', SUPER)),
            0xB2 | 0xB3 => out.push(letter((b'0' + cp as u8 - 0xB0) as char, SUPER)),
            0xB9 => out.push(letter('1', SUPER)),
            0xBC..=0xBE => {
                let (n, d) = [('1', '4'), ('1', '2'), ('3', '4')][cp as usize - 0xBC];
                let slash = ce(FRACTION_SLASH, COMMON, FRACTION);
                out.extend([letter(n, FRACTION), slash, letter(d, FRACTION)]);
            }
            0xC0..=0x17F if LATIN_BASE[cp as usize - 0xC0] != b'*' => {
                out.push(cased(LATIN_BASE[cp as usize - 0xC0] as char));
                out.push(mark(mark_offset(LATIN_MARK[cp as usize - 0xC0])));
            }
            0xC0..=0x17F => push_special(c, out),
            0xB5 => out.push(fallback(c)),
            0x85..=0xBF => out.push(letter(c, LOWER)),
            0x300..=0x36F => out.push(mark(cp - 0x300)),
            0x2044 => out.push(ce(FRACTION_SLASH, COMMON, LOWER)),
            0x2BC => out.push(ce(APOSTROPHE, COMMON, LOWER)),
            _ => out.push(fallback(c)),
        }
    }
}

/// Latin letters without a canonical base + mark decomposition.
fn push_special(c: char, out: &mut Vec<Ce>) {
    let upper = c.is_uppercase();
    let t = if upper { UPPER } else { LOWER };
    let (ct, cu) = (COMPAT, if upper { COMPAT_UPPER } else { COMPAT });
    let extra = |s: u16| ce(0, s, ct);
    match c {
        'Æ' | 'æ' => out.extend([letter('a', cu), extra(SEC_AE_ETH), letter('e', cu)]),
        'Œ' | 'œ' => out.extend([letter('o', cu), extra(SEC_AE_ETH), letter('e', cu)]),
        'Ð' | 'ð' => out.extend([letter('d', t), ce(0, SEC_AE_ETH, LOWER)]),
        'Ø' | 'ø' => out.extend([letter('o', t), mark(0x38)]),
        'Đ' | 'đ' => out.extend([letter('d', t), mark(0x35)]),
        'Ħ' | 'ħ' => out.extend([letter('h', t), mark(0x35)]),
        'Ł' | 'ł' => out.extend([letter('l', t), mark(0x35)]),
        'Ŀ' | 'ŀ' => out.extend([letter('l', t), ce(0, SEC_MIDDOT, LOWER)]),
        'ß' => out.extend([letter('s', ct), extra(SEC_SHARP_S), letter('s', ct)]),
        'ſ' => out.extend([letter('s', ct), extra(SEC_LONG_S)]),
        'Ĳ' | 'ĳ' => out.extend([letter('i', cu), letter('j', cu)]),
        'ŉ' => out.extend([ce(APOSTROPHE, COMMON, ct), letter('n', ct)]),
        'Þ' => out.push(letter('þ', UPPER)),
        'Ŋ' => out.push(letter('ŋ', UPPER)),
        'Ŧ' => out.push(letter('ŧ', UPPER)),
        _ => out.push(letter(c, LOWER)), // þ ı ĸ ŋ ŧ × ÷: own primary weights
    }
}

/// Anything else, by code point (of its one-character lowercase, uppercase being the tertiary
/// difference): non-alphanumerics between `¥` and `0` like ICU's symbols, the rest after every
/// Latin letter. Code points fit in 21 bits, so neither range reaches the next [`ORDER`] weight.
fn fallback(c: char) -> Ce {
    const SYMBOLS: u32 = rank_of('¥') << 21;
    const LETTERS: u32 = (rank_of('\u{2BC}') + 1) << 21;
    // MICRO SIGN is a compatibility variant of Greek mu.
    let c = if c == '\u{B5}' { '\u{3BC}' } else { c };
    if !c.is_alphanumeric() {
        return ce(SYMBOLS + c as u32, COMMON, LOWER);
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) if l != c => ce(LETTERS + l as u32, COMMON, UPPER),
        _ => ce(LETTERS + c as u32, COMMON, LOWER),
    }
}

fn compare_general(a: &str, b: &str) -> Ordering {
    let (mut ca, mut cb) = (Vec::with_capacity(a.len()), Vec::with_capacity(b.len()));
    push_ces(a, &mut ca);
    push_ces(b, &mut cb);
    let primaries = |v: &[Ce]| v.iter().filter(|e| e.p != 0).map(|e| e.p).collect::<Vec<_>>();
    primaries(&ca)
        .cmp(&primaries(&cb))
        .then_with(|| ca.iter().map(|e| e.s).cmp(cb.iter().map(|e| e.s)))
        .then_with(|| ca.iter().map(|e| e.t).cmp(cb.iter().map(|e| e.t)))
}

#[cfg(test)]
#[path = "collate_tests.rs"]
mod tests;
