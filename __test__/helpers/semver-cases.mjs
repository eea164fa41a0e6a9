// Deterministic generator of (range, client version) pairs for differential
// tests of the native semver matcher against verkit. The same seed always
// yields the same cases, so a failure report is reproducible.

/** Seeded 32-bit PRNG (mulberry32); returns floats in [0, 1). */
export function createRng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = (rng, items) => items[Math.floor(rng() * items.length)];
const chance = (rng, p) => rng() < p;

const SMALL = ["0", "1", "2", "3", "4", "5", "7", "9", "10", "11", "12", "20", "99", "100"];
const HUGE = [
  "9007199254740990", "9007199254740991", "9007199254740992", "9999999999999999",
  "1234567890123456", "12345678901234567", "99999999999999999999", `1${"0".repeat(21)}`,
  "9".repeat(256), "9".repeat(257), "9".repeat(258), "1".repeat(300),
];
const ZEROISH = ["00", "01", "007", "0", "000"];
const WILD = ["x", "X", "*"];
const PRERELEASES = [
  "alpha", "beta", "beta.1", "beta.2", "rc.0", "rc.1", "0", "1", "2", "10", "0a", "a-b", "-", "--",
  "x", "alpha.01", "01", "a".repeat(250), "a".repeat(251), `${"1".repeat(256)}a`, `${"1".repeat(257)}a`,
  "9007199254740991", "9007199254740992", "9007199254740993", "beta.9007199254740993",
  "", "a..b", "a.", "é", "1.2.3", "alpha.beta.gamma",
];
const BUILDS = ["build", "001", "b.1", "exp.sha.5114f85", "", "a+b", "-", "x.y", "é", "a.."];
const OPERATORS = [
  "", "", "", "", "", "=", "<", ">", "<=", ">=", "<", ">", "<=", ">=", "~", "~", "~>", "^", "^",
  "==", "!=", "=>", "=<", "<>", "~^", "^~", ">>", "~=", "^=", "=~", "v", "||", "-",
];
const SPACES = ["", "", "", "", " ", " ", "  ", "\t", "\u00a0", "\n"];
const SET_JOINERS = [" ", " ", " ", " ", "  ", "\t", "", " \u00a0", "\n", " , "];
const HYPHENS = [" - ", " - ", " - ", "  -  ", "-", " -", "- ", " -- ", " - - ", "\t-\t", " \u2013 "];
const UNIONS = [" || ", " || ", "||", " ||", "|| ", "|", "|||", " | ", " || || ", "||||"];
const WRAPPERS = [" ", "\t", "\u00a0", "\u3000", "\ufeff", "\u0085", "\u2028", "\n", "  "];
const ALPHABET = [..."0123456789012345.....---+++xX*vV==<<>>~^|| \t abcz_()[],;!@#$%&é\u00a0\u0085\u3000"];

function number(rng, wildP) {
  const r = rng();
  if (r < wildP) return pick(rng, WILD);
  if (r < wildP + 0.03) return pick(rng, HUGE);
  if (r < wildP + 0.06) return pick(rng, ZEROISH);
  return pick(rng, SMALL);
}

function prerelease(rng) {
  if (chance(rng, 0.7)) return pick(rng, PRERELEASES);
  const ids = [];
  const n = 1 + Math.floor(rng() * 3);
  for (let i = 0; i < n; i++) ids.push(chance(rng, 0.5) ? number(rng, 0) : pick(rng, ["a", "b", "rc", "pre", "x", "0b"]));
  return ids.join(".");
}

/** A version as it may appear inside a range: partial, wildcards, prefixes. */
export function rangeVersion(rng, wildP = 0.12) {
  const r = rng();
  const parts = r < 0.6 ? 3 : r < 0.82 ? 2 : r < 0.97 ? 1 : 4;
  const nums = [];
  for (let i = 0; i < parts; i++) nums.push(number(rng, wildP));
  let v = nums.join(".");
  if (chance(rng, 0.15)) v += `-${prerelease(rng)}`;
  if (chance(rng, 0.08)) v += `+${pick(rng, BUILDS)}`;
  if (chance(rng, 0.15)) v = pick(rng, ["v", "=", "v=", "=v", "vv", "==", "V", " v", "= ", "v ", "v=v"]) + v;
  return v;
}

function comparator(rng) {
  return pick(rng, OPERATORS) + pick(rng, SPACES) + rangeVersion(rng);
}

function comparatorSet(rng) {
  if (chance(rng, 0.18)) return rangeVersion(rng) + pick(rng, HYPHENS) + rangeVersion(rng);
  const n = 1 + Math.floor(rng() * rng() * 4);
  const items = [];
  for (let i = 0; i < n; i++) items.push(comparator(rng));
  return items.join(pick(rng, SET_JOINERS));
}

function junk(rng, maxLength) {
  const n = Math.floor(rng() * (maxLength + 1));
  let s = "";
  for (let i = 0; i < n; i++) s += pick(rng, ALPHABET);
  return s;
}

function mutate(rng, s) {
  const chars = [...s];
  const edits = 1 + Math.floor(rng() * 2);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rng() * (chars.length + 1));
    const r = rng();
    if (r < 0.45) chars.splice(at, 0, pick(rng, ALPHABET));
    else if (r < 0.75) chars.splice(at, 1);
    else chars.splice(at, 1, pick(rng, ALPHABET));
  }
  return chars.join("");
}

// Hand-picked inputs for the odd corners of verkit's regex rewriting.
const EDGE_RANGES = [
  "1.2.3*", "*1.2.3", "<*1.2.3", "1.2*.3", "**", "1.*.3", "x.1", "1.x.3", "^x.1", "~x.1", "^1.x.3",
  "> = 1.0.0", ">= = 1.0.0", "= 1.0.0", "v1.0.0 - v2.0.0", "=v1 - 2", "1.0.0 +b - 2.0.0",
  "1.0.0 - +b 2.0.0", "+a 1.0.0 - 2.0.0", "+a +b 1.0.0 - 2.0.0", "1.0.0 - 2.0.0 +b", "1.0.0 - 2.0.0 +a +b",
  "~> 1.2", "~>1.2", "^ 1.2", "~ > 1.2", "~  1.2", "^  1.2", "~>  1.2", "> 1.x", "< 1.x", "<= 1.x",
  ">=1.x", ">1.2.x", "<1.2.x", "<=1.2.x", ">=x", ">x", "<x", "<=*", "=*", "==1.x", "=v=1.x",
  "1.2.3 - 999999999999999999999.x", "1.2.3 - 1.99999999999999999999.x", ">9007199254740990.x",
  ">9007199254740991.x", "^9007199254740991.1.1", "~9007199254740990.9007199254740991",
  "<=9007199254740990.x", "1.0.0-9007199254740993 - 2", ">=1.0.0-9007199254740993",
  "* || 1.0.0-rc.1", "1.0.0-rc.1 || *", "<0.0.0-0 || 1.0.0", "<0.0.0-0", ">=0.0.0", ">=0.0.0 || 1.0.0-rc.1",
  "<x || >x", "1.0.0 - 2.0.0 || >=0.0.0", "1.2.3-beta.2", ">1.2.3-beta.1 <1.2.4", "^1.2.3-beta.2",
  "~1.2.3-beta.2", "^0.0.3-beta", "^0.1.2-rc.1", "1.2.3-0 - 1.2.3-5", "1.2.3-a - x", "x - 1.2.3-a",
  "1.2.3 -", "- 1.2.3", "1.2.3 - ", "1.2.3 - 4.5.6 - 7.8.9", "1 - 2 - 3", ">=1.0.0<=2.0.0",
  ">=1.0.0 <=2.0.0", "> =1.0.0", ">= 1.0.0-rc.1", "~1.2.3-", "1.2.3-", "1.2.3+", "1.2.3+ 1.2.4",
  "1.2.3abc", "v1", "=1", "vv1.2.3", "v=1.2.3", "=v1.2.3", "1.2.3.4", "01.2.3", "1.02.3", "1.2.03",
  "^01", "~01.2", ">=01.0.0", "0.0.0", "^0", "^0.0", "^0.0.x", "~0", "0.x", "0.0.x",
];

/** A random range string covering every syntax form, plus junk. */
export function randomRange(rng) {
  if (chance(rng, 0.04)) return junk(rng, 14);
  if (chance(rng, 0.06)) {
    const edge = pick(rng, EDGE_RANGES);
    return chance(rng, 0.3) ? mutate(rng, edge) : edge;
  }
  if (chance(rng, 0.45)) return cleanRange(rng);
  const n = 1 + Math.floor(rng() * rng() * 3.5);
  const sets = [];
  for (let i = 0; i < n; i++) sets.push(comparatorSet(rng));
  let range = sets.join(pick(rng, UNIONS));
  if (chance(rng, 0.1)) range = mutate(rng, range);
  if (chance(rng, 0.08)) range = pick(rng, WRAPPERS) + range;
  if (chance(rng, 0.08)) range += pick(rng, WRAPPERS);
  return range;
}

const CLEAN_OPERATORS = ["", "", "", "=", "<", ">", "<=", ">=", "~", "~>", "^", "^"];

/** Well-formed ranges (the common production shapes), to get many matches. */
function cleanRange(rng) {
  const version = () => {
    const parts = [];
    for (let i = 0, n = 1 + Math.floor(rng() * 3); i < n; i++) parts.push(chance(rng, 0.1) ? pick(rng, WILD) : pick(rng, SMALL.slice(0, 8)));
    let v = parts.join(".");
    if (parts.length === 3 && chance(rng, 0.1)) v += `-${pick(rng, ["beta", "rc.1", "0", "alpha.2"])}`;
    return v;
  };
  const set = () => {
    if (chance(rng, 0.15)) return `${version()} - ${version()}`;
    const items = [];
    for (let i = 0, n = 1 + Math.floor(rng() * rng() * 3); i < n; i++) {
      items.push(pick(rng, CLEAN_OPERATORS) + (chance(rng, 0.15) ? " " : "") + version());
    }
    return items.join(" ");
  };
  const sets = [set()];
  while (chance(rng, 0.2)) sets.push(set());
  return sets.join(pick(rng, [" || ", "||"]));
}

/** A random client app version: mostly realistic, some decorated or junk. */
export function randomClientVersion(rng, range = "") {
  const r = rng();
  if (r < 0.35) {
    // Reuse the range's own numbers so that boundaries are hit often.
    const nums = range.match(/\d+/g) ?? ["1"];
    const parts = [];
    for (let i = 0, n = 1 + Math.floor(rng() * 3); i < n; i++) {
      let x = pick(rng, nums);
      if (chance(rng, 0.3) && x.length < 15) x = String(Math.max(0, Number(x) + pick(rng, [-1, 1])));
      parts.push(x);
    }
    return parts.join(".");
  }
  if (r < 0.6) return [number(rng, 0), number(rng, 0), number(rng, 0)].join(".");
  if (r < 0.72) return chance(rng, 0.5) ? number(rng, 0) : `${number(rng, 0)}.${number(rng, 0)}`;
  if (r < 0.86) {
    const prefix = pick(rng, ["v", "V", "=", "release-", "app ", "v.", "", " ", "\t", "\u00a0", "ver:", "x.", "1a"]);
    const suffix = pick(rng, ["", "-beta.1", "+build.5", " (123)", ".4", "abc", "-rc", "..", ".x", "\u3000", ".00", "1"]);
    return prefix + [number(rng, 0), number(rng, 0), number(rng, 0)].slice(0, 1 + Math.floor(rng() * 3)).join(".") + suffix;
  }
  if (r < 0.95) return junk(rng, 16);
  return pick(rng, [
    "12345678901234567.1.1", "1.12345678901234567", "1.2.12345678901234567", "a1b2", "release 42.6.7.9",
    "1.02.3", "001", "x.1", "0", "1..2", "1.2.3abc", " 2.3 ", "", "01.0.0", "1.0.0 (123)",
    `${"1".repeat(17)}.${"2".repeat(16)}`, "9007199254740991.0.0", "9007199254740992.0.0", "0.9007199254740992",
  ]);
}

/** A version for direct (non-coerced) matching: prereleases included. */
export function randomStrictVersion(rng, range = "") {
  const inRange = range.match(/\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?/g);
  if (inRange && chance(rng, 0.4)) return pick(rng, inRange);
  let v = [number(rng, 0), number(rng, 0), number(rng, 0)].join(".");
  if (chance(rng, 0.45)) v += `-${prerelease(rng)}`;
  if (chance(rng, 0.1)) v += `+${pick(rng, BUILDS)}`;
  if (chance(rng, 0.05)) v = pick(rng, ["v", "=", " ", "\u00a0", "V"]) + v;
  return v;
}

/** `count` deterministic [range, clientVersion] pairs, after the edge ranges paired with nearby versions. */
export function generateSemverCases(count, seed = 0x5eed) {
  const rng = createRng(seed);
  const cases = EDGE_RANGES.flatMap((range) => ["1.2.3", "1.0.0", "1.5.0", "0.0.0", "2.0.0"].map((v) => [range, v]));
  for (let i = 0; i < count; i++) {
    const range = randomRange(rng);
    cases.push([range, randomClientVersion(rng, range)]);
  }
  return cases;
}

/** SPEC §3.6 VERIFIED table as [range, client version] pairs (expected values come from verkit). */
export const SPEC_CASES = [
  ["1.2.3", "1.2.3"], ["1.2.3", "1.2.4"], ["1.2.3", "1.2"], ["1.2.3", "1.2.3.4"], ["1.2.3", "v1.2.3"],
  ["=1.2.3", "1.2.3"], ["v1.2.3", "1.2.3"], ["1.x.x", "1.0"], ["1.x.x", "1.12"], ["1.x.x", "2.0.0"],
  ["1.X", "1.2.3"], ["1.*", "1.2.3"], ["1.2.x", "1.3.0"], ["*", "0.0.1"], ["x", "3.4.5"], ["", "1.0.0"],
  ["*.*.*", "1.2.3"], ["1.2", "1.2.99"], ["1.2", "1.3.0"], ["1", "1.99.99"], ["1", "2.0.0"], ["1.0", "1"],
  ["1.2.3 - 1.2.7", "1.2.7"], ["1.2.3 - 1.2.7", "1.2.8"], ["1.2.3  -  1.2.7", "1.2.5"], ["1.2.3 - 2.0.0", "2.0.0"],
  ["1.2 - 1.4", "1.4.9"], ["1.2 - 1.4", "1.5.0"], ["1.0.0 - ", "1.0.0"], [">=1.2.3 <1.2.7", "1.2.7"],
  [">= 5.7.0 <= 5.7.4", "5.7.4"], [">= 5.7.0 <= 5.7.4", "5.7.5"], [">=  5.7.0  <=  5.7.4", "5.7.3"],
  [">=5.7.0<=5.7.4", "5.7.3"], ["> 1.0.0", "1.1.0"], [">1.0.0", "1.0.0"], ["<=1.0.0", "1.0.0"], ["<1.0.0-0", "0.9.0"],
  ["~1.2.3", "1.2.9"], ["~1.2.3", "1.3.0"], ["~1", "1.9.0"], ["~>1.2", "1.2.5"], ["^1.2.3", "1.9.9"], ["^1.2.3", "2.0.0"],
  ["^0.2.3", "0.3.0"], ["^0.0.3", "0.0.3"], ["^0.0.3", "0.0.4"], ["1.0.0 || 2.0.0", "2.0.0"], ["1.x || >=3.0.0", "2.5.0"],
  ["1.0.0 - 2.0.0 || 3.x", "3.5.0"], ["1.0.0", "1.0.0-beta.1"], ["^1.0.0", "1.0.0-beta.1"], [">=1.0.0-beta", "1.0.0"],
  ["1.0.0-beta", "1.0.0"], ["1.2.3-4", "1.2.3"], ["1.2.3+build", "1.2.3"], ["1.2.3", "1.2.3+build"], ["abc", "1.0.0"],
  ["!=1.0.0", "1.0.0"], ["1.0.0 ", "1.0.0"], [" 1.0.0", "1.0.0"], ["1.0.0", "abc"], ["1.0.0", ""], ["*", "abc"],
  ["1.0.0", "release-1.0.0"], ["1.0.0", "1.0.0 (123)"], ["1.0", "01.0.0"], ["2.0.0", "2"], ["2.0.1", "2.0"],
];

/** `Hot-Updater-SDK-Version` header values and whether UP_TO_DATE is sent (SPEC §2.4). */
export const SDK_HEADER_CASES = [
  ["0.31.0", true], ["v0.31.0", true], ["0.31.0+build", true], ["0.31.1-rc.0", true], ["1.0.0", true],
  [" 0.32.0 ", true], ["0.30.9", false], ["0.31.0-beta.1", false], ["=0.31.0", false], ["0.31", false],
  ["00.31.0", false], ["abc", false], ["", false], ["0.31.0, 0.31.0", false],
];
