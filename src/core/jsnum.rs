//! JavaScript string-to-number and URI-decoding semantics.
//!
//! The HTTP layer parses `limit`/`page` with JS `Number(value)` and decodes the update-check
//! `cohort` segment with `decodeURIComponent`; both accept inputs that Rust's own parsers treat
//! differently (`"0x10"`, `" 5 "`, `".5"`, `"inf"`), so they are reimplemented here exactly.

/// Whether `c` is a JS `WhiteSpace` or `LineTerminator` code point (ECMA-262 §12.2, §12.3): the
/// set stripped by `String.prototype.trim` and by `Number(string)`.
///
/// This differs from `char::is_whitespace`: JS includes U+FEFF and excludes U+0085.
pub fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{A}' | '\u{B}' | '\u{C}' | '\u{D}' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{FEFF}'
    )
}

/// JS `String.prototype.trim`: strips [`is_js_whitespace`] code points from both ends.
pub fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_whitespace)
}

/// JS `Number(s)` for a string argument (ECMA-262 `StringToNumber`).
///
/// Leading/trailing JS whitespace is ignored; an empty (or all-whitespace) string is `0`;
/// `0x`/`0o`/`0b` literals (either letter case, no sign, no `_` separators) are read in their radix;
/// otherwise an optionally signed decimal with optional fraction, leading or trailing dot and
/// exponent, or `Infinity` with an optional sign. Anything else is `NaN`. Results are correctly
/// rounded to the nearest double, ties to even, as in V8.
pub fn js_number(s: &str) -> f64 {
    let t = js_trim(s);
    if t.is_empty() {
        return 0.0;
    }
    let b = t.as_bytes();
    if b.len() > 2 && b[0] == b'0' {
        let radix_bits = match b[1] {
            b'x' | b'X' => Some(4),
            b'o' | b'O' => Some(3),
            b'b' | b'B' => Some(1),
            _ => None,
        };
        if let Some(bits) = radix_bits {
            return parse_power_of_two_radix(&b[2..], bits).unwrap_or(f64::NAN);
        }
    }
    let (negative, unsigned) = match b[0] {
        b'+' => (false, &t[1..]),
        b'-' => (true, &t[1..]),
        _ => (false, t),
    };
    let magnitude = if unsigned == "Infinity" {
        f64::INFINITY
    } else if is_unsigned_decimal_literal(unsigned.as_bytes()) {
        // The grammar was checked above, so Rust's (correctly rounded) parser only ever sees a
        // literal both languages agree on; its extra spellings ("inf", "nan") never reach it.
        match unsigned.parse::<f64>() {
            Ok(v) => v,
            Err(_) => return f64::NAN,
        }
    } else {
        return f64::NAN;
    };
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// `StrUnsignedDecimalLiteral` without `Infinity`: `digits [. digits?] [exp]` or `. digits [exp]`.
fn is_unsigned_decimal_literal(b: &[u8]) -> bool {
    let mut i = 0;
    let int_digits = count_digits(&b[i..]);
    i += int_digits;
    let mut frac_digits = 0;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        frac_digits = count_digits(&b[i..]);
        i += frac_digits;
    }
    if int_digits + frac_digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_digits = count_digits(&b[i..]);
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
    }
    i == b.len()
}

fn count_digits(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// Reads the digits of a `0x`/`0o`/`0b` literal (`bits` = bits per digit) with round-half-even.
fn parse_power_of_two_radix(digits: &[u8], bits: u32) -> Option<f64> {
    if digits.is_empty() {
        return None;
    }
    // Keep at least 100 significant bits exactly: far more than the 54 that decide rounding, so
    // every digit past that point only matters through whether it is non-zero (`sticky`).
    let mut mantissa: u128 = 0;
    let mut dropped_bits: i32 = 0;
    let mut sticky = false;
    for &c in digits {
        let d = (c as char).to_digit(16)?;
        if d >= 1 << bits {
            return None;
        }
        if mantissa >> 100 == 0 {
            mantissa = (mantissa << bits) | d as u128;
        } else {
            dropped_bits += bits as i32;
            sticky |= d != 0;
        }
    }
    let width = 128 - mantissa.leading_zeros() as i32;
    if width <= 53 {
        return Some(mantissa as f64 * 2f64.powi(dropped_bits));
    }
    let shift = width - 53;
    let mut top = mantissa >> shift;
    let rest = mantissa & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    if rest > half || (rest == half && (sticky || top & 1 == 1)) {
        top += 1;
    }
    // `top` has at most 54 bits, so the conversion is exact; only the scaling can overflow, which
    // yields Infinity exactly where JS does.
    Some(top as f64 * 2f64.powi(shift + dropped_bits))
}

/// JS `encodeURI`: UTF-8 percent-encoding of everything but ASCII letters, digits and
/// `;,/?:@&=+$-_.!~*'()#`. Like JS, an existing `%` is encoded too (`%20` becomes `%2520`).
pub fn encode_uri(s: &str) -> String {
    const KEEP: &[u8] = b";,/?:@&=+$-_.!~*'()#";
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || KEEP.contains(&b) {
            out.push(b as char);
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
    out
}

/// JS `decodeURIComponent(s)`; `None` where JS throws `URIError`.
///
/// Every `%XX` escape is decoded (the reserved set is empty). An escape that is truncated, has a
/// non-hex digit, or starts/continues a byte sequence that is not one well-formed UTF-8 code point
/// (overlong, surrogate, above U+10FFFF, stray continuation byte) makes the whole call fail.
pub fn decode_uri_component(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if !b.contains(&b'%') {
        return Some(s.to_owned());
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            // Copy the run up to the next escape; it is valid UTF-8 because `s` is.
            let end = b[i..].iter().position(|&c| c == b'%').map_or(b.len(), |p| i + p);
            out.push_str(&s[i..end]);
            i = end;
            continue;
        }
        let lead = escaped_byte(b, i)?;
        i += 3;
        let len = match lead {
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => return None,
        };
        let mut octets = [lead, 0, 0, 0];
        for slot in octets.iter_mut().take(len).skip(1) {
            let next = escaped_byte(b, i)?;
            if next & 0xC0 != 0x80 {
                return None;
            }
            *slot = next;
            i += 3;
        }
        // std's validator rejects exactly what ECMA-262 calls "not a valid UTF-8 encoding".
        out.push_str(std::str::from_utf8(&octets[..len]).ok()?);
    }
    Some(out)
}

/// The byte encoded by the `%XX` escape that must start at `b[i]`.
fn escaped_byte(b: &[u8], i: usize) -> Option<u8> {
    if i + 2 >= b.len() || b[i] != b'%' {
        return None;
    }
    let hi = (b[i + 1] as char).to_digit(16)?;
    let lo = (b[i + 2] as char).to_digit(16)?;
    Some((hi * 16 + lo) as u8)
}

#[cfg(test)]
#[path = "jsnum_tests.rs"]
mod tests;
