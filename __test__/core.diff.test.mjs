// Differential tests: the native core helpers against the JavaScript they replace.
//   localeCompareIds   vs String.prototype.localeCompare (Node's ICU, default locale)
//   isCohortEligible   vs @hot-updater/core isCohortEligibleForUpdate (the published code)
//   jsNumber           vs Number(string)
//   decodeUriComponent vs decodeURIComponent (null where it throws)
// Inputs are generated from a fixed seed, so a failure reproduces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const binding = require("../lib/binding.js");

function mulberry32(seed) {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = mulberry32(0x5eed);
const int = (n) => Math.floor(rand() * n);
const pick = (xs) => xs[int(xs.length)];
const flipCase = (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join("");
const ALL_ASCII = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join("");
const SMALL = "aAbB-_ .0zZ";
const HEX = "0123456789abcdef";

function uuid(caseMode) {
  const s = [8, 4, 4, 4, 12].map((n) => Array.from({ length: n }, () => pick(HEX)).join("")).join("-");
  if (caseMode === 1) return s.toUpperCase();
  if (caseMode === 2) return [...s].map((c) => (rand() < 0.5 ? c.toUpperCase() : c)).join("");
  return s;
}

function randomString(alphabet, maxLen) {
  return Array.from({ length: int(maxLen + 1) }, () => pick(alphabet)).join("");
}

// Small edits keep long shared prefixes, which is where collation levels interact.
function mutate(s, alphabet) {
  const chars = [...s];
  const i = Math.min(int(chars.length + 1), Math.max(chars.length - 1, 0));
  switch (int(7)) {
    case 0: if (chars.length) chars[i] = pick(alphabet); break;
    case 1: if (chars.length) chars[i] = flipCase(chars[i]); break;
    case 2: chars.splice(int(chars.length + 1), 0, pick(alphabet)); break;
    case 3: if (chars.length) chars.splice(i, 1); break;
    case 4: chars.length = int(chars.length + 1); break;
    case 5: chars.push(...randomString(alphabet, 4)); break;
    default: return chars.map((c) => (rand() < 0.3 ? flipCase(c) : c)).join("");
  }
  return chars.join("");
}

function idPair() {
  const r = rand();
  if (r < 0.2) {
    const a = uuid(int(3));
    return [a, rand() < 0.5 ? uuid(int(3)) : mutate(a, rand() < 0.5 ? `${HEX}ABCDEF-` : PRINTABLE)];
  }
  const alphabet = r < 0.45 ? SMALL : r < 0.9 ? PRINTABLE : ALL_ASCII;
  const a = randomString(alphabet, pick([1, 3, 8, 20, 40]));
  return [a, rand() < 0.75 ? mutate(a, alphabet) : randomString(alphabet, 8)];
}

function reportMismatches(name, mismatches, total) {
  assert.equal(
    mismatches.length,
    0,
    `${name}: ${mismatches.length} of ${total} differ; first: ${JSON.stringify(mismatches.slice(0, 10))}`,
  );
}

test("localeCompareIds matches String.prototype.localeCompare", () => {
  const locale = new Intl.Collator().resolvedOptions().locale;
  const pairs = [
    ["a", "B"], ["A", "a"], ["0195715D-42db", "0195715d-42db"], ["ff", "FF"], ["-", "_"],
    ["bundle-a", "bundle_a"], ["a-b", "ab"], ["1", "10"], ["9", "10"], ["", ""], ["a\u0000", "a"],
  ];
  for (let i = 0; i < 60000; i++) pairs.push(idPair());
  const mismatches = [];
  for (const [a, b] of pairs) {
    const want = Math.sign(a.localeCompare(b));
    const got = binding.localeCompareIds(a, b);
    if (got !== want) mismatches.push({ a, b, want, got });
  }
  reportMismatches(`localeCompare (default locale ${locale})`, mismatches, pairs.length);
});

function loadUpstreamCore() {
  // @hot-updater/core is a dependency of the devDependency @hot-updater/server: nested under it,
  // or hoisted next to it.
  const requires = [];
  try {
    requires.push(createRequire(require.resolve("@hot-updater/server")));
  } catch {
    // Fall through to the hoisted location.
  }
  requires.push(require);
  for (const req of requires) {
    try {
      return req("@hot-updater/core");
    } catch {
      // Try the next location.
    }
  }
  throw new Error("@hot-updater/core not found: install the devDependency @hot-updater/server");
}

test("isCohortEligible matches @hot-updater/core isCohortEligibleForUpdate", () => {
  const core = loadUpstreamCore();
  const upstream =
    core.isCohortEligibleForUpdate ??
    Object.values(core).find((f) => typeof f === "function" && f.name === "isCohortEligibleForUpdate");
  assert.equal(typeof upstream, "function", "isCohortEligibleForUpdate export not found");

  const ids = [
    "0195715d-42db-7475-9204-31819efc2f1d", "00000000-0000-0000-0000-000000000001",
    "01963024-c131-7971-8725-ab47e232df40", "00000000-0000-0000-0000-000000000000",
    "E621E1F8-C36C-495A-93FC-0C247A3E6E5F", "", "x", "Bundle_A", "한국어", "😀",
  ];
  while (ids.length < 50) ids.push(uuid(0));
  const numeric = Array.from({ length: 1000 }, (_, i) => String(i + 1));
  const other = [
    "", " ", "0", "00", "1001", "017", " 17 ", "0001000", "1e2", "0x10", "qa-group", "QA-Group",
    "  QA ", "a_b", "abc def", "-", "123abc", "x".repeat(64), "x".repeat(65), "\u212a", "İ",
    "\ufeff5\u2028", "Σ", null,
  ];
  const cohorts = [...numeric, ...other];
  const counts = [0, 1, 10, 250.7, 500, 999, 1000, null, -5, 2000, Number.NaN];
  const targetSets = [null, [], ["qa-group"], ["17", "0", "", "QA-GROUP ", "abc def"], ["1001", "\u212a", "500"]];
  const mismatches = [];
  let total = 0;
  for (const id of ids) {
    for (const targets of targetSets) {
      // Every count without targets; with targets, the counts where a match changes the answer.
      for (const count of targets === null ? counts : [0, 500, null]) {
        for (const cohort of cohorts) {
          total++;
          const want = upstream(id, cohort ?? undefined, count, targets);
          const got = binding.isCohortEligible(id, cohort, count, targets);
          if (got !== want) mismatches.push({ id, cohort, count, targets, want, got });
        }
      }
    }
  }
  reportMismatches("isCohortEligible", mismatches, total);
});

const NUMBER_CASES = [
  "1e1", " 5 ", "0x10", "2.0", "", "1.5", "0", "101", "-0", "+5", "-5", "0X1f", "0o17", "0O17",
  "0b101", "0B11", "-0x10", "+0x10", "0x", "0b2", "0o8", "0x1.5", "1_000", "1n", "Infinity",
  "+Infinity", "-Infinity", "infinity", "inf", "NaN", "nan", ".5", "5.", ".", "+", "-", ".e1", "1e",
  "1e+", "1e-2", "1E+2", "00012", "08", "\t\n\u000b\f\r \u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff7\ufeff",
  "\u00857", "\u180e7", "\u200b7", "- 5", "--5", "5 5", "0x20000000000001", "0x20000000000003",
  "0x20000000000001000000001", "1e400", "-1e400", "1e-400", "0.1", "123456789012345678901234567890",
  "9007199254740993", `0x${"f".repeat(300)}`, `0b${"1".repeat(54)}`, `0o${"7".repeat(20)}`, " \n",
  "١", "１", "1.2.3", "e5", "+-1", "0.", "50", "100", " 100\n", "1e-7", "4.35", "0.000001",
];

test("jsNumber matches Number(string)", () => {
  const tokens = ["0", "1", "9", "00", ".", "e", "E", "+", "-", "x", "X", "o", "b", "f", "_", " ", "\t", "\u00a0", "\ufeff", "Infinity", "0x", "0b", "0o", "n", "123456789"];
  const cases = [...NUMBER_CASES];
  for (let i = 0; i < 20000; i++) cases.push(Array.from({ length: 1 + int(6) }, () => pick(tokens)).join(""));
  const mismatches = [];
  for (const s of cases) {
    const want = Number(s);
    const got = binding.jsNumber(s);
    if (!Object.is(got, want)) mismatches.push({ s, want: String(want), got: String(got) });
  }
  reportMismatches("jsNumber", mismatches, cases.length);
});

test("decodeUriComponent matches decodeURIComponent", () => {
  const tokens = ["%", "%2", "%25", "%20", "%41", "%7F", "%80", "%BF", "%C2", "%C3", "%A9", "%E2", "%82", "%AC", "%F0", "%9F", "%98", "%ED", "%A0", "%F4", "%8F", "%90", "%C0", "%FF", "%e2", "%g1", "a", "é", "😀", " ", "+", "%%"];
  const cases = ["", "abc", "my%20channel", "%E0%A4%A", "%E0%A4%A4", "%F0%9F%98%80", "%ED%A0%80", "%C0%80", "%F4%90%80%80", "%"];
  for (let i = 0; i < 20000; i++) cases.push(Array.from({ length: 1 + int(6) }, () => pick(tokens)).join(""));
  const mismatches = [];
  for (const s of cases) {
    let want;
    try {
      want = decodeURIComponent(s);
    } catch {
      want = null;
    }
    const got = binding.decodeUriComponent(s);
    if (got !== want) mismatches.push({ s, want, got });
  }
  reportMismatches("decodeUriComponent", mismatches, cases.length);
});
