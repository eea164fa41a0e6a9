// The request mix: deterministic devices, most of them up to date (their current bundle is the
// answer they would get), some due an UPDATE, some due a ROLLBACK, both strategies, with and
// without cohorts, mostly with the Hot-Updater-SDK-Version header. Then the gate: every request
// goes to both servers and status and body must be identical.
import { CHANNELS, NIL, prng, uuidv7 } from "../../__test__/helpers/fixtures.mjs";
import { comparable, toRequest } from "./servers.mjs";

const APP_VERSIONS = ["1.0.0", "1.0.1", "1.2.3", "1.2.5", "1.3.0", "1.5.0", "2.0.0", "2.5.0", "3.1.0"];
const FINGERPRINTS = ["fp-a", "fp-b", "fp-c"];
const SDKS = ["0.36.3", "0.36.3", "0.35.0", "0.31.0", undefined];
const CUSTOM_COHORTS = ["qa", "beta-testers", "QA"];

function path(d, bundleId) {
  const kind = d.fingerprint ? "fingerprint" : "app-version";
  let p = `/hot-updater/${kind}/${d.platform}/${encodeURIComponent(d.target)}/${d.channel}/${d.minBundleId}/${bundleId}`;
  if (d.cohort !== undefined) p += `/${encodeURIComponent(d.cohort)}`;
  return p;
}

/** An app version out of 20,000 (`--versions spread`): most devices of a mix get their own. */
const spreadVersion = (rand) => `${Math.floor(rand() * 4)}.${Math.floor(rand() * 100)}.${Math.floor(rand() * 50)}`;

function devices(count, ids, rand, versions) {
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const appVersion = versions === "spread" ? () => spreadVersion(rand) : () => pick(APP_VERSIONS);
  const out = [];
  for (let i = 0; i < count; i++) {
    const fingerprint = rand() < 0.35;
    const c = rand();
    const cohortRoll = rand();
    out.push({
      fingerprint,
      platform: rand() < 0.5 ? "ios" : "android",
      target: fingerprint ? pick(FINGERPRINTS) : appVersion(),
      channel: c < 0.6 ? CHANNELS[0] : c < 0.85 ? CHANNELS[1] : CHANNELS[2],
      minBundleId: rand() < 0.8 ? NIL : ids[Math.floor(rand() * ids.length * 0.5)],
      cohort: cohortRoll < 0.5 ? undefined : cohortRoll < 0.85 ? String(1 + Math.floor(rand() * 1000)) : pick(CUSTOM_COHORTS),
      sdk: pick(SDKS),
      kind: rand(),
    });
  }
  return out;
}

function lowerBound(sorted, value) {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function answer(handler, entry) {
  const res = await handler(toRequest(entry));
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

/**
 * `count` requests over `bundles`, built by asking `probe` (a handler) what a fresh install of
 * each device would get: ~70% then send that very bundle id (up to date), ~18% an older one or
 * none (update), ~12% a newer one or one from the future (rollback).
 */
export async function buildMix(probe, bundles, count, { seed = 2024, versions = "fixed" } = {}) {
  const rand = prng(seed);
  const ids = bundles.map((b) => b.id).sort();
  const future = () => uuidv7(Date.UTC(2031, 0, 1) + Math.floor(rand() * 1e9), rand);
  const mix = [];
  for (const d of devices(count, ids, rand, versions)) {
    const fresh = await answer(probe, { path: path(d, NIL), sdk: d.sdk });
    const latest = fresh.status === 200 && fresh.body.startsWith("{") ? JSON.parse(fresh.body) : null;
    const latestId = latest?.status === "UPDATE" ? latest.id : null;
    let bundleId;
    if (d.kind < 0.7) {
      bundleId = latestId ?? NIL;
    } else if (d.kind < 0.88) {
      const below = latestId ? lowerBound(ids, latestId) : 0; // ids[0..below) are older
      bundleId = !latestId ? NIL : below > 0 && rand() < 0.6 ? ids[Math.floor(rand() * below)] : NIL;
    } else {
      const from = latestId ? lowerBound(ids, latestId) + 1 : 0; // ids[from..] are newer
      bundleId = from < ids.length && rand() < 0.6 ? ids[from + Math.floor(rand() * (ids.length - from))] : future();
    }
    mix.push({ path: path(d, bundleId), sdk: d.sdk });
  }
  return mix;
}

function classify(body) {
  if (body === "null" || body === '{"status":"UP_TO_DATE"}') return "upToDate";
  const parsed = JSON.parse(body);
  return parsed?.status === "UPDATE" ? "update" : parsed?.status === "ROLLBACK" ? "rollback" : "other";
}

/**
 * Sends every request to both servers and compares status, content type and body. Returns the
 * mix's composition (by the reference's answers), the reference's answers (for the HTTP
 * checks) and the differences.
 */
export async function verifyMix(mix, reference, ours) {
  const mismatches = [];
  const expected = [];
  const counts = { compared: 0, identical: 0, upToDate: 0, update: 0, rollback: 0, other: 0, fingerprint: 0, cohort: 0, sdkHeader: 0 };
  for (const entry of mix) {
    const [a, b] = await Promise.all([answer(reference, entry), answer(ours, entry)]);
    counts.compared++;
    if (a.status !== b.status || comparable(a.body) !== comparable(b.body) || a.type !== b.type) mismatches.push({ ...entry, upstream: a, ours: b });
    else counts.identical++;
    expected.push(a);
    counts[a.status === 200 ? classify(a.body) : "other"]++;
    if (entry.path.includes("/fingerprint/")) counts.fingerprint++;
    if (entry.path.split("/").length > 8) counts.cohort++;
    if (entry.sdk !== undefined) counts.sdkHeader++;
  }
  return { counts, expected, mismatches };
}
