// Deterministic fixtures for parity tests and benchmarks: uuidv7-shaped ids over years of
// history, both strategies, several channels, disabled bundles, partial rollouts, target cohorts
// and every kind of targetAppVersion range.
import assert from "node:assert/strict";

export function prng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

const hex = (n, width) => n.toString(16).padStart(width, "0");

/** A uuidv7-shaped id whose time part is `ms`; ids sort by time. */
export function uuidv7(ms, rand) {
  const t = hex(ms, 12);
  const r = () => hex(Math.floor(rand() * 0x10000), 4);
  const variant = hex(0x8000 | Math.floor(rand() * 0x4000), 4);
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${r().slice(1)}-${variant}-${r()}${r()}${r()}`;
}

export const RANGES = [
  "1.0.0", "1.0.1", "1.2.3", "2.0.0", "1.x", "1.x.x", "1.2.x", "*", "x", "1", "1.2",
  "1.0.0 - 1.2.0", "1.2 - 1.4", ">=1.0.0 <2.0.0", ">= 1.0.0 <= 1.5.0", ">1.0.0", "<=1.1.0",
  "~1.2.3", "~1", "~>1.2", "^1.2.3", "^0.2.3", "^0.0.3", "1.0.0 || 2.0.0", "1.x || >=3.0.0",
  "1.2.3+build", "1.0.0-beta", ">=1.0.0-beta", "abc", "v1.2.3", "=1.0.0", "!=1.0.0",
];
export const APP_VERSIONS = ["1.0.0", "1.0.1", "1.2.3", "1.2.5", "1.3.0", "1.5.0", "2.0.0", "2.5.0", "3.1.0", "0.2.9", "0.0.3", "1.0", "1", "v1.2.3", "1.2.3.4", "abc", "release-1.0.0", "1.0.0-beta.1"];
export const CHANNELS = ["production", "beta", "staging"];
export const FINGERPRINTS = ["fp-a", "fp-b", "fp-c", "FP-a"];
export const COHORTS = [undefined, "1", "2", "17", "017", "500", "999", "1000", "1001", "0", "qa", "QA", "beta-testers", "a_b", " 42 ", "", "%E0%A4%A"];
export const NIL = "00000000-0000-0000-0000-000000000000";

/** Polls `fn` until `want` holds of its value, at most `limitMs` (a correctness deadline, not a speed claim). */
export async function eventually(fn, want, limitMs, stepMs = 25) {
  const deadline = Date.now() + limitMs;
  let last;
  while (Date.now() < deadline) {
    last = await fn();
    if (want(last)) return last;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  assert.fail(`condition not met within ${limitMs} ms; last value ${JSON.stringify(last)}`);
}

/** Bundle `n` of a small hand-made set: iOS, production, "1.x", enabled; `extra` overrides. */
export const smallBundle = (n, extra = {}) => ({
  id: `01900000-0000-7000-8000-${String(n).padStart(12, "0")}`,
  platform: "ios",
  shouldForceUpdate: false,
  enabled: true,
  fileHash: `h${n}`,
  gitCommitHash: null,
  message: `m${n}`,
  channel: "production",
  storageUri: `storage://b/${n}.zip`,
  targetAppVersion: "1.x",
  fingerprintHash: null,
  ...extra,
});

/** `n` bundles with ids ascending in time from 2022 on. */
export function makeBundles(n, seed = 42) {
  const rand = prng(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const start = Date.UTC(2022, 0, 1);
  const step = Math.max(1, Math.floor((4 * 365 * 86400000) / Math.max(n, 1)));
  const out = [];
  for (let i = 0; i < n; i++) {
    const id = uuidv7(start + i * step + Math.floor(rand() * step), rand);
    const byFingerprint = rand() < 0.35;
    const both = rand() < 0.05;
    const rollout = rand();
    const cohortsRoll = rand();
    out.push({
      id,
      platform: rand() < 0.5 ? "ios" : "android",
      shouldForceUpdate: rand() < 0.2,
      enabled: rand() < 0.85,
      fileHash: `hash-${i}`,
      gitCommitHash: rand() < 0.5 ? `commit-${i}` : null,
      message: rand() < 0.8 ? `message ${i}` : null,
      channel: pick(CHANNELS),
      storageUri: rand() < 0.9 ? `storage://bucket/${id}/bundle.zip` : `https://cdn.example.com/${id}.zip`,
      targetAppVersion: byFingerprint && !both ? null : pick(RANGES),
      fingerprintHash: byFingerprint || both ? pick(FINGERPRINTS) : null,
      metadata: rand() < 0.3 ? { app_version: pick(APP_VERSIONS) } : undefined,
      rolloutCohortCount: rollout < 0.7 ? null : rollout < 0.8 ? 1000 : rollout < 0.9 ? Math.floor(rand() * 1000) : 0,
      targetCohorts: cohortsRoll < 0.8 ? null : cohortsRoll < 0.9 ? ["qa", "17"] : ["beta-testers", "500", "QA"],
    });
  }
  return out;
}

/** `n` update-check paths (with SDK header choice) over `bundles`. */
export function makeUpdateRequests(bundles, n, seed = 7) {
  const rand = prng(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const ids = bundles.map((b) => b.id);
  const out = [];
  for (let i = 0; i < n; i++) {
    const fingerprint = rand() < 0.35;
    const platform = rand() < 0.02 ? "web" : rand() < 0.5 ? "ios" : "android";
    const target = fingerprint ? pick(FINGERPRINTS) : pick(APP_VERSIONS);
    const channel = rand() < 0.05 ? "my%20channel" : pick(CHANNELS);
    const r = rand();
    const bundleId = r < 0.3 ? NIL : r < 0.9 && ids.length ? pick(ids) : uuidv7(Date.UTC(2030, 0, 1), rand);
    const minBundleId = rand() < 0.7 || !ids.length ? NIL : pick(ids);
    const cohort = pick(COHORTS);
    const kind = fingerprint ? "fingerprint" : "app-version";
    let path = `/hot-updater/${kind}/${platform}/${encodeURIComponent(target)}/${channel}/${minBundleId}/${bundleId}`;
    if (cohort !== undefined) path += `/${cohort.startsWith("%") ? cohort : encodeURIComponent(cohort)}`;
    const sdk = pick([undefined, "0.31.0", "0.30.9", "1.0.0", "0.31.0-beta.1", "v0.31.0", "abc"]);
    out.push({ path, sdk });
  }
  return out;
}

/** Bundle-API GETs: filters, pagination, cursors, bad input. */
export function makeApiRequests(bundles, n, seed = 11) {
  const rand = prng(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const ids = bundles.map((b) => b.id);
  const params = [
    () => `limit=${pick(["1", "2", "5", "10", "50", "100", "0", "101", "1e1", "2.0", "0x10", "", "abc"])}`,
    () => `channel=${pick(CHANNELS)}`,
    () => `platform=${pick(["ios", "android", "web", ""])}`,
    () => `enabled=${pick(["true", "false", "yes"])}`,
    () => `page=${pick(["1", "2", "3", "9", "0", ""])}`,
    () => `after=${pick(ids)}`,
    () => `before=${pick(ids)}`,
    () => `targetAppVersion=${encodeURIComponent(pick([...RANGES.slice(0, 5), "null"]))}`,
    () => `fingerprintHash=${pick([...FINGERPRINTS, "null"])}`,
    () => `targetAppVersionNotNull=${pick(["true", "false"])}`,
    () => `idIn=${pick(ids)}&idIn=${pick(ids)}`,
    () => `idGte=${pick(ids)}`,
    () => `idLt=${pick(ids)}`,
    () => `targetAppVersionIn=${encodeURIComponent(pick(RANGES))}&targetAppVersionIn=${encodeURIComponent(pick(RANGES))}`,
  ];
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.1) out.push({ path: `/hot-updater/api/bundles/${pick(ids)}` });
    else if (r < 0.13) out.push({ path: `/hot-updater/api/bundles/${uuidv7(1, rand)}` });
    else if (r < 0.16) out.push({ path: "/hot-updater/api/bundles/channels" });
    else {
      const count = 1 + Math.floor(rand() * 3);
      const qs = Array.from({ length: count }, () => pick(params)()).join("&");
      out.push({ path: `/hot-updater/api/bundles?${rand() < 0.02 ? "offset=1&" : ""}${qs}` });
    }
  }
  return out;
}
