// `routes.explain`: the decision an explanation reports is the update check's answer, over the
// parity corpus (300 bundles, 1500 / 600 update checks), on a SQLite file and on the real PostgreSQL,
// and it equals upstream @hot-updater/server's answer for the same request. Plus the what-if
// route, and an upstream-configured server answering the explain paths with 404 as before.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createHotUpdater, sqliteDatabase, postgresDatabase } from "../index.mjs";
import { createUpstream } from "./helpers/upstream.mjs";
import { pgDatabase } from "./helpers/servers.mjs";
import { parityStorage } from "./helpers/parity-storage.mjs";
import { makeBundles, makeUpdateRequests, NIL } from "./helpers/fixtures.mjs";
import { sdkInit, seed, send } from "./helpers/compare.mjs";

const BUNDLES = 300;
// The parity test's corpus (300 bundles, the same request generator); fewer checks on PostgreSQL,
// where each explanation reads the partition over the wire, to keep the file under a minute.
const REQUESTS = { SQLite: 1500, PostgreSQL: 600 };

/** What an update-check body says, as `{ status, id }` (`null` for null / UP_TO_DATE). */
function checkDecision(body) {
  const v = JSON.parse(body);
  if (v === null || v.status === "UP_TO_DATE") return null;
  return { status: v.status, id: v.id };
}

function explainPath(path) {
  return path.replace(/^\/hot-updater\//, "/hot-updater/api/explain/");
}

async function corpus(t, name, database, storages) {
  const ours = createHotUpdater({ database, storages, basePath: "/hot-updater", routes: { updateCheck: true, bundles: true, explain: true } });
  t.after(() => ours.close());
  const dir = mkdtempSync(join(tmpdir(), "hu-explain-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const upstream = await createUpstream(join(dir, "upstream.db"), { storages });
  t.after(() => upstream.close());
  const bundles = makeBundles(BUNDLES);
  await seed(ours, bundles);
  await seed(upstream.hotUpdater, bundles);

  const results = { UPDATE: 0, ROLLBACK: 0, none: 0, errors: 0, skipReasons: new Set(), results: new Set() };
  const mismatches = [];
  for (const { path, sdk } of makeUpdateRequests(bundles, REQUESTS[name])) {
    const [check, reference, explained] = await Promise.all([send(ours, path, sdkInit(sdk)), send(upstream.hotUpdater, path, sdkInit(sdk)), send(ours, explainPath(path))]);
    if (check.status !== 200) {
      // Bad input: the explain route refuses it with the same status and message.
      results.errors++;
      if (explained.status !== check.status || explained.body !== check.body) mismatches.push({ path, check, explained });
      continue;
    }
    assert.equal(explained.status, 200, `${path}: ${explained.body}`);
    const e = JSON.parse(explained.body);
    const decision = e.decision.status === null ? null : { status: e.decision.status, id: e.decision.id };
    const want = checkDecision(check.body);
    const upstreamWant = reference.status === 200 ? checkDecision(reference.body) : "error";
    if (JSON.stringify(decision) !== JSON.stringify(want) || JSON.stringify(decision) !== JSON.stringify(upstreamWant) || e.agrees !== true) {
      mismatches.push({ path, sdk, decision, check: want, upstream: upstreamWant, agrees: e.agrees });
    }
    results[decision === null ? "none" : decision.status]++;
    for (const b of e.bundles) {
      results.results.add(b.result);
      assert.equal(typeof b.reason, "string");
    }
    // Exactly one bundle is marked chosen when the answer names a bundle that exists.
    const chosen = e.bundles.filter((b) => b.result.startsWith("chosen-"));
    if (decision !== null && decision.id !== NIL) assert.deepEqual(chosen.map((b) => b.id), [decision.id], path);
    else assert.equal(chosen.length, 0, path);
  }
  assert.deepEqual(mismatches.slice(0, 5), [], `${name}: ${mismatches.length} explanations disagree`);
  t.diagnostic(`${name}: ${REQUESTS[name]} checks, ${results.UPDATE} UPDATE, ${results.ROLLBACK} ROLLBACK, ${results.none} none, ${results.errors} refused; results seen: ${[...results.results].sort().join(", ")}`);
  // The corpus exercises every kind of reason.
  for (const r of ["chosen-update", "chosen-rollback", "disabled", "range-does-not-match", "outside-rollout", "installed", "older-than-installed", "below-min-bundle-id"]) {
    assert.ok(results.results.has(r), `${name}: no explanation with result ${r}`);
  }
  assert.ok(results.UPDATE > 50 && results.ROLLBACK > 50 && results.none > 30, JSON.stringify(results));
  return ours;
}

test("explain agrees with the update check and upstream over the parity corpus: SQLite file", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-explain-sqlite-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await corpus(t, "SQLite", sqliteDatabase({ path: join(dir, "ours.db") }), [parityStorage()]);
});

test("explain agrees with the update check and upstream over the parity corpus: PostgreSQL, snapshot off", async (t) => {
  const db = pgDatabase();
  t.after(() => db.drop());
  await corpus(t, "PostgreSQL", postgresDatabase({ connectionString: db.url, autoMigrate: true, snapshot: false }), [parityStorage()]);
});

test("explain: a rollout explained per cohort, and the what-if route", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-explain-whatif-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const hu = createHotUpdater({ database: sqliteDatabase({ path: join(dir, "w.db") }), basePath: "/hot-updater", routes: { bundles: true, explain: true } });
  t.after(() => hu.close());
  const id = "0195a000-0000-7000-8000-000000000001";
  const bundle = { id, platform: "ios", shouldForceUpdate: false, enabled: true, fileHash: "h", gitCommitHash: null, message: "m", channel: "production", storageUri: "https://example.invalid/b.zip", targetAppVersion: "1.x.x", fingerprintHash: null, rolloutCohortCount: 100, targetCohorts: ["qa"] };
  await seed(hu, [bundle]);

  // The stored rollout: 100 numeric cohorts plus "qa".
  const stored = JSON.parse((await send(hu, `/hot-updater/api/explain/cohorts/${id}`)).body);
  assert.equal(stored.numericCohorts.count, 100);
  assert.deepEqual(stored.customCohorts, ["qa"]);
  assert.equal(stored.devicesWithoutCohort, false);
  const inside = [];
  for (const [a, b] of stored.numericCohorts.ranges) for (let n = a; n <= b; n++) inside.push(n);
  assert.equal(inside.length, 100);
  const outside = [...Array(1000).keys()].map((n) => n + 1).find((n) => !inside.includes(n));

  // Each listed cohort gets the update; an unlisted one does not, and the explanation says why.
  for (const [cohort, want] of [[inside[0], "UPDATE"], [outside, null], ["qa", "UPDATE"]]) {
    const path = `/hot-updater/app-version/ios/1.2.3/production/${NIL}/${NIL}/${cohort}`;
    const check = checkDecision((await send(hu, path)).body);
    assert.equal(check === null ? null : check.status, want, `cohort ${cohort}`);
    const e = JSON.parse((await send(hu, explainPath(path))).body);
    assert.equal(e.decision.status, want);
    const entry = e.bundles.find((b) => b.id === id);
    if (want === null) {
      assert.equal(entry.result, "outside-rollout");
      assert.match(entry.reason, new RegExp(`cohort ${cohort} has rollout position \\d+ for this bundle, outside the first 100`));
    } else {
      assert.equal(entry.result, "chosen-update");
    }
  }

  // What-if: a proposed rollout of 250 without targets, by POST and by query.
  const posted = await send(hu, "/hot-updater/api/explain/cohorts", { method: "POST", body: JSON.stringify({ bundleId: id, rolloutCohortCount: 250, targetCohorts: [], cohort: String(outside) }) });
  assert.equal(posted.status, 200, posted.body);
  const p = JSON.parse(posted.body);
  assert.equal(p.numericCohorts.count, 250);
  assert.deepEqual(p.customCohorts, []);
  // Raising the count only adds cohorts: every cohort of the 100 is among the 250.
  const widened = new Set();
  for (const [a, b] of p.numericCohorts.ranges) for (let n = a; n <= b; n++) widened.add(n);
  assert.ok(inside.every((n) => widened.has(n)));
  assert.equal(p.cohort.eligible, widened.has(outside));
  const queried = JSON.parse((await send(hu, `/hot-updater/api/explain/cohorts/${id}?rolloutCohortCount=250&targetCohorts=`)).body);
  assert.deepEqual(queried.numericCohorts, p.numericCohorts);
  const full = JSON.parse((await send(hu, `/hot-updater/api/explain/cohorts/${id}?rolloutCohortCount=1000`)).body);
  assert.equal(full.numericCohorts.count, 1000);
  assert.equal(full.devicesWithoutCohort, true);

  // Bad input: clear 4xx answers.
  const missing = await send(hu, "/hot-updater/api/explain/cohorts/0195a000-0000-7000-8000-00000000dead");
  assert.equal(missing.status, 404);
  assert.match(JSON.parse(missing.body).error, /not found/);
  assert.equal((await send(hu, "/hot-updater/api/explain/cohorts", { method: "POST", body: "{" })).status, 400);
  assert.equal((await send(hu, "/hot-updater/api/explain/cohorts", { method: "POST", body: JSON.stringify({ rolloutCohortCount: 5 }) })).status, 400);
  assert.equal((await send(hu, `/hot-updater/api/explain/cohorts/${id}?rolloutCohortCount=many`)).status, 400);
  const badPlatform = await send(hu, `/hot-updater/api/explain/app-version/web/1.0.0/production/${NIL}/${NIL}`);
  assert.equal(badPlatform.status, 400);
  assert.match(badPlatform.body, /Invalid platform/);
});

test("explain is off by default: the paths answer as an upstream-configured server does", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-explain-off-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const hu = createHotUpdater({ database: sqliteDatabase({ path: join(dir, "o.db") }), basePath: "/hot-updater", routes: { updateCheck: true, bundles: true } });
  t.after(() => hu.close());
  const upstream = await createUpstream(join(dir, "u.db"), {});
  t.after(() => upstream.close());
  for (const path of [
    `/hot-updater/api/explain/app-version/ios/1.0.0/production/${NIL}/${NIL}`,
    "/hot-updater/api/explain/cohorts/x",
    "/hot-updater/api/metrics",
    "/hot-updater/api/health",
    "/hot-updater/api/adoption",
  ]) {
    const [a, b] = await Promise.all([send(upstream.hotUpdater, path), send(hu, path)]);
    assert.deepEqual(b, a, path);
  }
});
