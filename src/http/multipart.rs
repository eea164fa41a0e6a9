//! A streaming multipart/form-data reader (RFC 7578) for `fileStorage` uploads through the
//! listener. Its rules and limits are the wrapper's reader's (lib/multipart.js), so an upload is
//! refused, or stored, the same way whichever host receives it; `__test__/multipart-fuzz.test.mjs`
//! compares the two on random and malformed bodies.
//!
//! It is a push parser: [`Parser::push`] appends the events a chunk completes, in order, and
//! [`Parser::end`] checks that the closing delimiter was seen. What is refused never depends on
//! how the body is cut into chunks.

use bytes::{Buf, Bytes, BytesMut};

use crate::core::jsnum::decode_uri_component;

const MAX_HEADER_BYTES: usize = 16 * 1024;
const MAX_PREAMBLE_BYTES: usize = 64 * 1024;
/// Blanks allowed between a delimiter and its CRLF.
const MAX_DELIMITER_PADDING: usize = 256;
const CRLF: &[u8] = b"\r\n";
const HEADER_END: &[u8] = b"\r\n\r\n";

/// Malformed input; the message is the answer's `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartError(pub String);

fn fail<T>(message: &str) -> Result<T, MultipartError> {
    Err(MultipartError(message.to_string()))
}

/// What a chunk of input completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A part begins; its `Content-Disposition` header, if it has one.
    Part { disposition: Option<String> },
    /// Bytes of the current part.
    Data(Bytes),
    /// The current part is complete.
    End,
}

/// JS `\s` (and what `String.prototype.trim` removes).
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_space)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// The boundary of a `multipart/form-data` content type (1 to 70 characters, RFC 2046).
pub fn boundary_of(content_type: Option<&str>) -> Option<String> {
    let mut parts = content_type?.split(';');
    if !js_trim(parts.next()?).eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    for param in parts {
        let Some(eq) = param.find('=') else { continue };
        if !js_trim(&param[..eq]).eq_ignore_ascii_case("boundary") {
            continue;
        }
        let mut value = js_trim(&param[eq + 1..]);
        if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
            value = &value[1..value.len() - 1];
        }
        // Length in UTF-16 units, as the wrapper counts it.
        let units = value.encode_utf16().count();
        return (1..=70).contains(&units).then(|| value.to_string());
    }
    None
}

/// `name` and `filename` of a `Content-Disposition: form-data; …` header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Disposition {
    pub name: Option<String>,
    pub filename: Option<String>,
}

/// One `; key = value` parameter at `at` (which holds the `;`): the key, the raw value (escapes
/// undone for a quoted one) and where the match ends. The wrapper's pattern:
/// `;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))`.
fn parameter_at(s: &str, at: usize) -> Option<(String, String, usize)> {
    let rest = &s[at + 1..];
    let after_space = rest.trim_start_matches(is_js_space);
    let key_len = after_space.find(|c: char| is_js_space(c) || c == '=' || c == ';').unwrap_or(after_space.len());
    if key_len == 0 {
        return None;
    }
    let key = &after_space[..key_len];
    let after_key = after_space[key_len..].trim_start_matches(is_js_space);
    let value_part = after_key.strip_prefix('=')?.trim_start_matches(is_js_space);
    let value_start = s.len() - value_part.len();
    // A quoted string with backslash escapes (`.`: any character but a line terminator).
    if let Some(quoted) = value_part.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => return Some((key.to_string(), out, value_start + 1 + i + 1)),
                '\\' => match chars.next() {
                    Some((_, e)) if !matches!(e, '\n' | '\r' | '\u{2028}' | '\u{2029}') => out.push(e),
                    _ => break,
                },
                c => out.push(c),
            }
        }
    }
    let len = value_part.find(';').unwrap_or(value_part.len());
    Some((key.to_string(), js_trim(&value_part[..len]).to_string(), value_start + len))
}

/// Replaces every ASCII-case-insensitive occurrence of `pattern` (lower case, ASCII).
fn replace_ci(s: &str, pattern: &str, with: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (i, _) in lower.match_indices(pattern) {
        out.push_str(&s[last..i]);
        out.push_str(with);
        last = i + pattern.len();
    }
    out.push_str(&s[last..]);
    out
}

/// Parses a `Content-Disposition` value: quoted values may use backslash escapes; the `%22`,
/// `%0D`, `%0A` escapes browsers and undici write for `"`, CR and LF are undone;
/// `filename*=UTF-8''…` (RFC 5987) wins over `filename`.
pub fn parse_content_disposition(value: Option<&str>) -> Result<Disposition, MultipartError> {
    let mut out = Disposition::default();
    let Some(s) = value else { return Ok(out) };
    let mut extended = None;
    let mut from = 0;
    while let Some(rel) = s[from..].find(';') {
        let at = from + rel;
        match parameter_at(s, at) {
            None => from = at + 1,
            Some((key, raw, end)) => {
                let text = replace_ci(&replace_ci(&replace_ci(&raw, "%22", "\""), "%0d", "\r"), "%0a", "\n");
                match key.to_lowercase().as_str() {
                    "name" => out.name = Some(text),
                    "filename" => out.filename = Some(text),
                    "filename*" => extended = Some(raw),
                    _ => {}
                }
                // An empty match would not move the search on.
                from = end.max(at + 1);
            }
        }
    }
    if let Some(ext) = extended {
        let lower = ext.to_ascii_lowercase();
        if let Some(after) = lower.strip_prefix("utf-8'") {
            if let Some(q) = after.find('\'') {
                let encoded = &ext[6 + q + 1..];
                if !encoded.contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
                    match decode_uri_component(encoded) {
                        Some(name) => out.filename = Some(name),
                        None => return fail("Invalid filename* parameter"),
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The `Content-Disposition` of a part's header block; a line without a name is an error.
fn part_disposition(block: &[u8]) -> Result<Option<String>, MultipartError> {
    let mut disposition = None;
    if block.is_empty() {
        return Ok(None);
    }
    for line in String::from_utf8_lossy(block).split("\r\n") {
        let Some(colon) = line.find(':') else { return fail("Malformed part header") };
        let name = js_trim(&line[..colon]).to_lowercase();
        if name.is_empty() {
            return fail("Malformed part header");
        }
        if name == "content-disposition" {
            disposition = Some(js_trim(&line[colon + 1..]).to_string());
        }
    }
    Ok(disposition)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Preamble,
    Delimiter,
    Headers,
    Body,
    Done,
}

/// The reader of one body.
#[derive(Debug)]
pub struct Parser {
    delimiter: Vec<u8>,
    buf: BytesMut,
    state: State,
    skipped: usize,
}

impl Parser {
    pub fn new(boundary: &str) -> Self {
        // The first delimiter has no CRLF before it; pretend it had one.
        Parser { delimiter: format!("\r\n--{boundary}").into_bytes(), buf: BytesMut::from(CRLF), state: State::Preamble, skipped: 0 }
    }

    /// Whether the closing delimiter was seen.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Reads `chunk`, appending the events it completes to `events`.
    pub fn push(&mut self, chunk: &[u8], events: &mut Vec<Event>) -> Result<(), MultipartError> {
        if self.state == State::Done {
            return Ok(());
        }
        self.buf.extend_from_slice(chunk);
        while self.step(events)? {}
        Ok(())
    }

    /// The body ended: an error unless the closing delimiter was seen.
    pub fn end(&self) -> Result<(), MultipartError> {
        if self.state == State::Done {
            Ok(())
        } else {
            fail("Incomplete multipart body")
        }
    }

    fn step(&mut self, events: &mut Vec<Event>) -> Result<bool, MultipartError> {
        let d_len = self.delimiter.len();
        match self.state {
            State::Preamble => {
                let at = find(&self.buf, &self.delimiter);
                if let Some(at) = at {
                    if self.skipped + at > MAX_PREAMBLE_BYTES + CRLF.len() {
                        return fail("Multipart boundary not found");
                    }
                    self.buf.advance(at + d_len);
                    self.state = State::Delimiter;
                    return Ok(true);
                }
                let keep = self.buf.len().min(d_len - 1);
                self.skipped += self.buf.len() - keep;
                if self.skipped > MAX_PREAMBLE_BYTES + CRLF.len() {
                    return fail("Multipart boundary not found");
                }
                let drop = self.buf.len() - keep;
                self.buf.advance(drop);
                Ok(false)
            }
            State::Delimiter => {
                // After a delimiter: "--" closes the body, otherwise optional blanks then CRLF.
                if self.buf.len() < 2 {
                    return Ok(false);
                }
                if self.buf.starts_with(b"--") {
                    self.state = State::Done;
                    self.buf.clear();
                    return Ok(true);
                }
                let crlf = find(&self.buf, CRLF);
                // Without a CRLF in the buffer, the earliest it can start is at its last byte.
                let too_long = match crlf {
                    Some(c) => c > MAX_DELIMITER_PADDING,
                    None => self.buf.len() - 1 > MAX_DELIMITER_PADDING,
                };
                if too_long {
                    return fail("Malformed multipart delimiter");
                }
                let Some(crlf) = crlf else { return Ok(false) };
                if !self.buf[..crlf].iter().all(|b| *b == b' ' || *b == b'\t') {
                    return fail("Malformed multipart delimiter");
                }
                self.buf.advance(crlf + 2);
                self.state = State::Headers;
                Ok(true)
            }
            State::Headers => {
                let disposition = if self.buf.starts_with(CRLF) {
                    self.buf.advance(2);
                    None
                } else {
                    let end = find(&self.buf, HEADER_END);
                    // Without the blank line in the buffer, the earliest it can start is 3 bytes from its end.
                    let too_large = match end {
                        Some(e) => e > MAX_HEADER_BYTES,
                        None => self.buf.len() > MAX_HEADER_BYTES + 3,
                    };
                    if too_large {
                        return fail("Part headers too large");
                    }
                    let Some(end) = end else { return Ok(false) };
                    let disposition = part_disposition(&self.buf[..end])?;
                    self.buf.advance(end + 4);
                    disposition
                };
                events.push(Event::Part { disposition });
                self.state = State::Body;
                Ok(true)
            }
            State::Body => {
                if let Some(at) = find(&self.buf, &self.delimiter) {
                    if at > 0 {
                        events.push(Event::Data(self.buf.split_to(at).freeze()));
                    }
                    events.push(Event::End);
                    self.buf.advance(d_len);
                    self.state = State::Delimiter;
                    return Ok(true);
                }
                // Hold back what could be the start of a delimiter split across chunks.
                let held = d_len - 1;
                if self.buf.len() > held {
                    let safe = self.buf.len() - held;
                    events.push(Event::Data(self.buf.split_to(safe).freeze()));
                }
                Ok(false)
            }
            State::Done => Ok(false),
        }
    }
}

#[cfg(test)]
#[path = "multipart_tests.rs"]
mod tests;
