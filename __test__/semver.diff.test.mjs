// Differential proof for the native semver matcher (src/core/semver): every generated
// (range, app version) pair must get the same answer from the binding as from upstream's
// `semverSatisfies`, which is verkit@0.3.2 `coerce` + `satisfies`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { coerce, isGreaterOrEqual, normalize, satisfies } from "verkit";

import {
  createRng,
  generateSemverCases,
  randomStrictVersion,
  SDK_HEADER_CASES,
  SPEC_CASES,
} from "./helpers/semver-cases.mjs";

const binding = createRequire(import.meta.url)("../lib/binding.js");

const RANDOM_PAIRS = 120_000;
const SEED = 0x5eed;
const RANDOM_HEADERS = 20_000;
const REPORTED = 20;

// @hot-updater/plugin-core semverSatisfies(targetAppVersion, currentVersion), same steps.
function upstreamSatisfies(range, version) {
  const coerced = coerce(version);
  if (!coerced) return false;
  return satisfies(coerced, range);
}

// @hot-updater/server handler: supportsExplicitNoUpdateResponse, on the header value.
function upstreamSdkSupportsUpToDate(header) {
  const value = header.trim();
  if (!value) return false;
  const normalized = normalize(value);
  return normalized !== null && isGreaterOrEqual(normalized, "0.31.0");
}

function compareAll(cases, expected, actual) {
  const mismatches = [];
  for (const args of cases) {
    const want = expected(...args);
    const got = actual(...args);
    if (got !== want) mismatches.push({ args, native: got, verkit: want });
  }
  return mismatches;
}

function assertNoMismatches(mismatches, total) {
  assert.equal(
    mismatches.length,
    0,
    `${mismatches.length} of ${total} differ; first ${REPORTED}:\n` +
      mismatches.slice(0, REPORTED).map((m) => JSON.stringify(m)).join("\n"),
  );
}

test("SPEC §3.6 table: native semverSatisfies agrees with verkit", () => {
  assertNoMismatches(compareAll(SPEC_CASES, upstreamSatisfies, binding.semverSatisfies), SPEC_CASES.length);
});

test(`${RANDOM_PAIRS} generated pairs: native semverSatisfies agrees with verkit`, () => {
  const cases = generateSemverCases(RANDOM_PAIRS, SEED);
  assert.ok(cases.length >= 100_000);
  const mismatches = compareAll(cases, upstreamSatisfies, binding.semverSatisfies);
  // Guard against a degenerate generator: both answers must occur often.
  const matches = cases.filter(([range, version]) => upstreamSatisfies(range, version)).length;
  assert.ok(matches > cases.length / 20 && matches < cases.length / 2, `${matches} matches`);
  assertNoMismatches(mismatches, cases.length);
});

test("SPEC §2.4 Hot-Updater-SDK-Version table", () => {
  for (const [header, expected] of SDK_HEADER_CASES) {
    assert.equal(upstreamSdkSupportsUpToDate(header), expected, `verkit on ${JSON.stringify(header)}`);
    assert.equal(binding.sdkSupportsUpToDate(header), expected, `native on ${JSON.stringify(header)}`);
  }
});

test(`${RANDOM_HEADERS} generated SDK headers: native agrees with verkit`, () => {
  const rng = createRng(SEED);
  const headers = [];
  for (let i = 0; i < RANDOM_HEADERS; i++) {
    const version = randomStrictVersion(rng);
    headers.push([i % 4 === 0 ? ` ${version}\t` : i % 4 === 1 ? `0.3${version}` : version]);
  }
  const mismatches = compareAll(headers, upstreamSdkSupportsUpToDate, binding.sdkSupportsUpToDate);
  assertNoMismatches(mismatches, headers.length);
});
