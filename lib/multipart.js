"use strict";
// A small streaming multipart/form-data reader (RFC 7578) for `fileStorage` uploads. The Web
// `Request.formData()` of Node and Bun holds the whole body in memory, which is wrong for bundle
// archives of hundreds of megabytes; this reader hands out file data as it arrives.
//
// It is a push parser: `push(chunk)` and `end()` return the events the input completed, in order:
//   { type: "part", headers }   a part begins (`headers`: lower-cased name → value)
//   { type: "data", chunk }     bytes of the current part (a view: consume it before the next push)
//   { type: "end" }             the current part is complete
// Malformed input throws a `MultipartError`.

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_PREAMBLE_BYTES = 64 * 1024;
/** Blanks allowed between a delimiter and its CRLF. */
const MAX_DELIMITER_PADDING = 256;
const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");

class MultipartError extends Error {}

/** The boundary of a `multipart/form-data` content type, or `null`. */
function boundaryOf(contentType) {
  if (typeof contentType !== "string") return null;
  const [type, ...params] = contentType.split(";");
  if (type.trim().toLowerCase() !== "multipart/form-data") return null;
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== "boundary") continue;
    let value = param.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    // RFC 2046: 1 to 70 characters.
    return value.length >= 1 && value.length <= 70 ? value : null;
  }
  return null;
}

/**
 * `name` and `filename` of a `Content-Disposition: form-data; …` header. Quoted values may use
 * backslash escapes; the `%22`, `%0D`, `%0A` escapes that browsers and undici write for `"`, CR and
 * LF are undone; `filename*=UTF-8''…` (RFC 5987) wins over `filename`.
 */
function parseContentDisposition(value) {
  const out = { name: undefined, filename: undefined };
  if (typeof value !== "string") return out;
  const re = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  let extended;
  for (let m = re.exec(value); m !== null; m = re.exec(value)) {
    const key = m[1].toLowerCase();
    const raw = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3].trim();
    const text = raw.replace(/%22/gi, '"').replace(/%0D/gi, "\r").replace(/%0A/gi, "\n");
    if (key === "name") out.name = text;
    else if (key === "filename") out.filename = text;
    else if (key === "filename*") extended = raw;
  }
  if (extended !== undefined) {
    const m = /^utf-8'[^']*'(.*)$/i.exec(extended);
    if (m) {
      try {
        out.filename = decodeURIComponent(m[1]);
      } catch {
        throw new MultipartError("Invalid filename* parameter");
      }
    }
  }
  return out;
}

function parseHeaders(block) {
  const headers = {};
  if (block.length === 0) return headers;
  for (const line of block.toString("utf8").split("\r\n")) {
    const colon = line.indexOf(":");
    const name = colon < 0 ? "" : line.slice(0, colon).trim().toLowerCase();
    // A name of blanks only is no name (it could not be written back either).
    if (name === "") throw new MultipartError("Malformed part header");
    headers[name] = line.slice(colon + 1).trim();
  }
  return headers;
}

class MultipartParser {
  constructor(boundary) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
    // The first delimiter has no CRLF before it; pretend it had one.
    this.buf = Buffer.from(CRLF);
    this.state = "preamble";
    this.skipped = 0;
  }

  /** Whether the closing delimiter was seen. */
  get done() {
    return this.state === "done";
  }

  push(chunk) {
    if (this.state === "done") return [];
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const events = [];
    while (this.step(events));
    return events;
  }

  /** The body ended: throws unless the closing delimiter was seen. */
  end() {
    if (this.state !== "done") throw new MultipartError("Incomplete multipart body");
    return [];
  }

  step(events) {
    const d = this.delimiter;
    switch (this.state) {
      case "preamble": {
        // Each limit below is checked so that the outcome never depends on how the body is cut
        // into chunks: what is refused when it arrives in pieces is refused when it arrives whole.
        const at = this.buf.indexOf(d);
        if (at >= 0 && this.skipped + at > MAX_PREAMBLE_BYTES + CRLF.length) throw new MultipartError("Multipart boundary not found");
        if (at < 0) {
          const keep = Math.min(this.buf.length, d.length - 1);
          this.skipped += this.buf.length - keep;
          if (this.skipped > MAX_PREAMBLE_BYTES + CRLF.length) throw new MultipartError("Multipart boundary not found");
          this.buf = this.buf.subarray(this.buf.length - keep);
          return false;
        }
        this.buf = this.buf.subarray(at + d.length);
        this.state = "delimiter";
        return true;
      }
      case "delimiter": {
        // After a delimiter: "--" closes the body, otherwise optional blanks then CRLF.
        if (this.buf.length < 2) return false;
        if (this.buf[0] === 0x2d && this.buf[1] === 0x2d) {
          this.state = "done";
          this.buf = Buffer.alloc(0);
          return true;
        }
        const crlf = this.buf.indexOf(CRLF);
        // At most MAX_DELIMITER_PADDING blanks; without a CRLF in the buffer, the earliest it
        // can start is at its last byte.
        if (crlf > MAX_DELIMITER_PADDING || (crlf < 0 && this.buf.length - 1 > MAX_DELIMITER_PADDING)) throw new MultipartError("Malformed multipart delimiter");
        if (crlf < 0) return false;
        if (!/^[ \t]*$/.test(this.buf.subarray(0, crlf).toString("latin1"))) throw new MultipartError("Malformed multipart delimiter");
        this.buf = this.buf.subarray(crlf + 2);
        this.state = "headers";
        return true;
      }
      case "headers": {
        let headers;
        if (this.buf.length >= 2 && this.buf[0] === 0x0d && this.buf[1] === 0x0a) {
          headers = {};
          this.buf = this.buf.subarray(2);
        } else {
          const end = this.buf.indexOf(HEADER_END);
          // Without the blank line in the buffer, the earliest it can start is 3 bytes from its end.
          if (end > MAX_HEADER_BYTES || (end < 0 && this.buf.length - 3 > MAX_HEADER_BYTES)) throw new MultipartError("Part headers too large");
          if (end < 0) return false;
          headers = parseHeaders(this.buf.subarray(0, end));
          this.buf = this.buf.subarray(end + 4);
        }
        events.push({ type: "part", headers });
        this.state = "body";
        return true;
      }
      case "body": {
        const at = this.buf.indexOf(d);
        if (at >= 0) {
          if (at > 0) events.push({ type: "data", chunk: this.buf.subarray(0, at) });
          events.push({ type: "end" });
          this.buf = this.buf.subarray(at + d.length);
          this.state = "delimiter";
          return true;
        }
        // Hold back what could be the start of a delimiter split across chunks.
        const safe = this.buf.length - (d.length - 1);
        if (safe > 0) {
          events.push({ type: "data", chunk: this.buf.subarray(0, safe) });
          this.buf = this.buf.subarray(safe);
        }
        return false;
      }
      default:
        return false;
    }
  }
}

module.exports = { MultipartParser, MultipartError, boundaryOf, parseContentDisposition };
