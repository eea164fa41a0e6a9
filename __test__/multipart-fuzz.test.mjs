// Fuzzing of the streaming multipart reader (lib/multipart.js): generated well-formed bodies and
// mutated ones, each parsed whole and in random chunks. Invariants:
//   - nothing but a MultipartError is ever thrown;
//   - the outcome does not depend on how the body is chunked (same parts, or an error both ways);
//   - a generated body parses back to exactly the parts it was built from;
//   - parts that parsed, written out again canonically, parse to the same parts (fixed point).
// Bounded: a fixed number of cases from a seeded generator (FUZZ_SEED and FUZZ_CASES override),
// so a failure names the seed and case that reproduce it.
//
// The listener's reader (src/http/multipart.rs, the Rust port that `listen()` uploads go through)
// is compared with this one on the same bodies: the same parts, or the same error message.
//
// Run: node --test __test__/multipart-fuzz.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { prng } from "./helpers/fixtures.mjs";

const require = createRequire(import.meta.url);
const { MultipartParser, MultipartError, boundaryOf, parseContentDisposition } = require("../lib/multipart.js");
const binding = require("../lib/binding.js");

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const CASES = Number(process.env.FUZZ_CASES ?? 1500);
const BOUNDARY = "----fuzzB0undary";

/** The fixtures' xorshift32 (seedable, reproducible) with the helpers the cases use. */
function rng(seed) {
  const next = prng(seed);
  return { next, int: (n) => Math.floor(next() * n), pick: (list) => list[Math.floor(next() * list.length)] };
}

/** Bytes chosen to hit the reader's edges: delimiter pieces, CR, LF, dashes, colons. */
function tricky(r, n) {
  const pieces = ["\r", "\n", "\r\n", "-", "--", `--${BOUNDARY}`, `\r\n--${BOUNDARY.slice(0, -1)}`, `\r\n--${BOUNDARY}X`, ":", " ", "\t", "a", "\u00ff", "\u0000"];
  const out = [];
  let size = 0;
  while (size < n) {
    const p = r.next() < 0.5 ? Buffer.from(pieces[r.int(pieces.length)], "latin1") : Buffer.from([r.int(256)]);
    out.push(p);
    size += p.length;
  }
  return Buffer.concat(out);
}

function randomPart(r) {
  const headers = {};
  const count = r.int(4);
  for (let i = 0; i < count; i++) {
    const name = r.pick(["content-disposition", "content-type", "x-extra", "Content-Length"]).toLowerCase();
    headers[name] = r.pick(['form-data; name="file"; filename="b.zip"', 'form-data; name="key"', "application/octet-stream", "v", "a:b:c", ""]);
  }
  const size = r.pick([0, 1, 2, r.int(64), r.int(2000), r.int(20000)]);
  let data = r.next() < 0.5 ? tricky(r, size).subarray(0, size) : Buffer.from(Array.from({ length: size }, () => r.int(256)));
  // The generator must not write the delimiter itself inside a part.
  while (data.indexOf(`\r\n--${BOUNDARY}`) >= 0) data = Buffer.from(data.toString("latin1").replaceAll(`\r\n--${BOUNDARY}`, "\r\n--x"), "latin1");
  return { headers, data };
}

/** The canonical body for `parts` (no preamble, no epilogue unless given). */
function serialize(parts, { preamble = "", epilogue = "" } = {}) {
  const chunks = [Buffer.from(preamble, "latin1")];
  for (const [i, { headers, data }] of parts.entries()) {
    const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
    chunks.push(Buffer.from(`${i === 0 && preamble === "" ? "" : "\r\n"}--${BOUNDARY}\r\n${lines.join("")}\r\n`, "utf8"), data);
  }
  chunks.push(Buffer.from(`${parts.length === 0 && preamble === "" ? "" : "\r\n"}--${BOUNDARY}--${epilogue}`, "latin1"));
  return Buffer.concat(chunks);
}

/** Parses `body` cut at `sizes` (cycled); `{ parts }` or `{ error }` (a MultipartError). */
function parse(body, sizes) {
  const parser = new MultipartParser(BOUNDARY);
  const parts = [];
  const take = (events) => {
    for (const ev of events) {
      if (ev.type === "part") parts.push({ headers: ev.headers, data: [] });
      else if (ev.type === "data") parts.at(-1).data.push(Buffer.from(ev.chunk));
    }
  };
  try {
    let at = 0;
    let i = 0;
    while (at < body.length) {
      const n = Math.max(1, sizes[i++ % sizes.length]);
      take(parser.push(body.subarray(at, at + n)));
      at += n;
    }
    take(parser.end());
  } catch (error) {
    if (!(error instanceof MultipartError)) throw error;
    return { error: error.message };
  }
  return { parts: parts.map((p) => ({ headers: p.headers, data: Buffer.concat(p.data) })) };
}

function same(a, b) {
  if (a.error !== undefined || b.error !== undefined) return a.error !== undefined && b.error !== undefined;
  return a.parts.length === b.parts.length && a.parts.every((p, i) => JSON.stringify(p.headers) === JSON.stringify(b.parts[i].headers) && p.data.equals(b.parts[i].data));
}

function mutate(r, body) {
  const buf = Buffer.from(body);
  const ops = 1 + r.int(4);
  let out = buf;
  for (let k = 0; k < ops; k++) {
    const at = out.length === 0 ? 0 : r.int(out.length);
    switch (r.int(6)) {
      case 0: // flip a byte
        if (out.length > 0) out[at] = r.int(256);
        break;
      case 1: // delete a run
        out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1 + r.int(16))]);
        break;
      case 2: // insert tricky bytes
        out = Buffer.concat([out.subarray(0, at), tricky(r, 1 + r.int(12)), out.subarray(at)]);
        break;
      case 3: // duplicate a slice
        out = Buffer.concat([out.subarray(0, at), out.subarray(at, at + r.int(64)), out.subarray(at)]);
        break;
      case 4: // a long run of one byte (blanks after a delimiter, huge headers or preamble)
        out = Buffer.concat([out.subarray(0, at), Buffer.alloc(r.pick([255, 256, 257, 300, 16 * 1024 + 1, 64 * 1024 + 1]), r.pick([0x20, 0x09, 0x61, 0x2d])), out.subarray(at)]);
        break;
      default: // truncate
        out = out.subarray(0, at);
    }
  }
  return out;
}

function chunkings(r, length) {
  return [[length || 1], [1], [1 + r.int(7)], [1 + r.int(40), 1 + r.int(3)], [1 + r.int(5000)]];
}

function check(r, body, label, expected) {
  const results = chunkings(r, body.length).map((sizes) => [sizes, parse(body, sizes)]);
  const [, whole] = results[0];
  for (const [sizes, result] of results.slice(1)) {
    assert.ok(same(whole, result), `${label}: chunks ${JSON.stringify(sizes)} give ${result.error ?? `${result.parts.length} parts`}, whole gives ${whole.error ?? `${whole.parts.length} parts`}`);
  }
  if (expected) {
    assert.equal(whole.error, undefined, `${label}: a well-formed body is refused: ${whole.error}`);
    assert.ok(same(whole, { parts: expected }), `${label}: parts differ from the ones written`);
  }
  if (whole.parts) {
    // Header values are trimmed and names lower-cased by the reader: normalise before writing back.
    const again = parse(serialize(whole.parts), [body.length || 1]);
    assert.ok(same(whole, again), `${label}: parsed parts written out again parse differently: ${JSON.stringify(whole.parts.map((p) => p.headers))} → ${again.error ?? JSON.stringify(again.parts.map((p) => p.headers))}`);
  }
  return whole;
}

test(`multipart reader fuzz: ${CASES} generated and mutated bodies (seed ${SEED})`, { timeout: 300_000 }, () => {
  const r = rng(SEED);
  let accepted = 0;
  let refused = 0;
  for (let n = 0; n < CASES; n++) {
    const parts = Array.from({ length: r.int(4) }, () => randomPart(r));
    const frame = r.next() < 0.3 ? { preamble: r.pick(["", "preamble text\r\n", "\r\n"]), epilogue: r.pick(["", "\r\nepilogue", "--"]) } : {};
    const body = serialize(parts, frame);
    const expected = parts.map((p) => ({ headers: Object.fromEntries(Object.entries(p.headers).map(([k, v]) => [k.trim().toLowerCase(), v.trim()])), data: p.data }));
    check(r, body, `seed ${SEED} case ${n} (generated)`, expected);
    const result = check(r, mutate(r, body), `seed ${SEED} case ${n} (mutated)`);
    if (result.error === undefined) accepted++;
    else refused++;
  }
  // Both outcomes must have been exercised, or the mutations are not reaching the reader.
  assert.ok(accepted > CASES / 20 && refused > CASES / 20, `accepted ${accepted}, refused ${refused}`);
});

test("multipart reader: the limits do not depend on chunking (found by the fuzzer above)", () => {
  const blanks = (n) => Buffer.from(`--${BOUNDARY}${" ".repeat(n)}\r\n\r\nx\r\n--${BOUNDARY}--`);
  for (const n of [256, 257, 300]) {
    const whole = parse(blanks(n), [100000]);
    const chunked = parse(blanks(n), [1]);
    assert.ok(same(whole, chunked), `${n} blanks: whole ${whole.error ?? "ok"}, chunked ${chunked.error ?? "ok"}`);
  }
  const bigHeader = Buffer.from(`--${BOUNDARY}\r\nx: ${"a".repeat(16 * 1024)}\r\n\r\nx\r\n--${BOUNDARY}--`);
  assert.ok(same(parse(bigHeader, [100000]), parse(bigHeader, [7])), "header limit");
  assert.ok(parse(bigHeader, [100000]).error, "a header block over the limit is refused");
  // A header whose name is only blanks is refused (found: it parsed, but could not be written back).
  assert.ok(parse(Buffer.from(`--${BOUNDARY}\r\n \t: v\r\n\r\nx\r\n--${BOUNDARY}--`), [1000]).error, "blank header name");
  const longPreamble = Buffer.from(`${"p".repeat(64 * 1024 + 10)}\r\n--${BOUNDARY}\r\n\r\nx\r\n--${BOUNDARY}--`);
  assert.ok(same(parse(longPreamble, [200000]), parse(longPreamble, [3])), "preamble limit");
  assert.ok(parse(longPreamble, [200000]).error, "a preamble over the limit is refused");
});

/** The Rust reader on `body` cut at `sizes` (cycled): `{ parts: [{ disposition, data }] }` or `{ error }`. */
function parseNative(body, sizes) {
  const chunks = [];
  for (let at = 0, i = 0; at < body.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]);
    chunks.push(body.subarray(at, at + n));
    at += n;
  }
  const out = JSON.parse(binding.multipartRead(BOUNDARY, chunks));
  if (out.parts) out.parts = out.parts.map((p) => ({ disposition: p.disposition, data: Buffer.from(p.data, "base64") }));
  return out;
}

/** Whether the JS result and the Rust one agree: the same error message, or the same parts. */
function sameAcross(js, native) {
  if (js.error !== undefined || native.error !== undefined) return js.error === native.error;
  return js.parts.length === native.parts.length && js.parts.every((p, i) => (p.headers["content-disposition"] ?? null) === native.parts[i].disposition && p.data.equals(native.parts[i].data));
}

test(`the listener's Rust reader agrees with this one: ${CASES} generated and mutated bodies (seed ${SEED})`, { timeout: 300_000 }, () => {
  const r = rng(SEED ^ 0x5eed);
  const outcomes = { accepted: 0, refused: 0 };
  for (let n = 0; n < CASES; n++) {
    const parts = Array.from({ length: r.int(4) }, () => randomPart(r));
    const frame = r.next() < 0.3 ? { preamble: r.pick(["", "preamble text\r\n", "\r\n"]), epilogue: r.pick(["", "\r\nepilogue", "--"]) } : {};
    const body = serialize(parts, frame);
    for (const [label, b] of [["generated", body], ["mutated", mutate(r, body)]]) {
      const js = parse(b, [b.length || 1]);
      for (const sizes of chunkings(r, b.length)) {
        const native = parseNative(b, sizes);
        assert.ok(sameAcross(js, native), `seed ${SEED} case ${n} (${label}), chunks ${JSON.stringify(sizes)}: JS ${js.error ?? `${js.parts.length} parts`}, Rust ${native.error ?? `${native.parts.length} parts`}`);
      }
      if (label === "mutated") outcomes[js.error === undefined ? "accepted" : "refused"]++;
    }
  }
  assert.ok(outcomes.accepted > CASES / 20 && outcomes.refused > CASES / 20, JSON.stringify(outcomes));
});

test("the listener's Rust reader parses Content-Disposition and boundaries as this one does", () => {
  const r = rng(SEED ^ 0xd15c);
  const pieces = ["form-data", ";", "; ", " ", "\t", "name", "NAME", "filename", "filename*", "=", " = ", '"', '\\"', "\\", "file", "key", "a.zip", "%22", "%0d", "%0A", "%ED%95%9C", "%E0%A4%A", "UTF-8''", "utf-8'en'", "latin1''", "'", "\u00a0", "\ufeff", "\u0085", "\r\n", "한", "x;y"];
  const values = ['form-data; name="file"; filename="a%22b.zip"', "form-data; name=key", `form-data; name="file"; filename="x"; filename*=UTF-8''%ED%95%9C.zip`, 'form-data; name="f\\"q"'];
  for (let n = 0; n < 4000; n++) {
    values.push(Array.from({ length: 1 + r.int(12) }, () => r.pick(pieces)).join(""));
  }
  for (const value of values) {
    let js;
    try {
      const d = parseContentDisposition(value);
      js = { name: d.name ?? null, filename: d.filename ?? null };
    } catch (error) {
      if (!(error instanceof MultipartError)) throw error;
      js = { error: error.message };
    }
    assert.deepEqual(JSON.parse(binding.multipartContentDisposition(value)), js, JSON.stringify(value));
  }
  const types = ["multipart/form-data; boundary=abc", 'Multipart/Form-Data; charset=utf-8; boundary="a b:c"', "application/json", "multipart/form-data", `multipart/form-data; boundary=${"x".repeat(70)}`, `multipart/form-data; boundary=${"x".repeat(71)}`, 'multipart/form-data; boundary=""', 'multipart/form-data; boundary="', " multipart/form-data ;boundary = b ", "multipart/form-data; boundary=한글", "multipart/form-data; x=1; boundary=b; boundary=c", "multipart/form-data; boundary\u00a0=b", "multipart/form-data\u0085; boundary=b"];
  for (const ct of types) assert.equal(binding.multipartBoundary(ct), boundaryOf(ct), JSON.stringify(ct));
});
