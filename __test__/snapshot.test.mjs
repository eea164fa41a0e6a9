// The update-check snapshot stays correct: writes through this process show at once, writes by
// another instance or straight into the database show within the documented bounds, and a
// database outage is answered from the last good snapshot (and said so).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";

import { createHotUpdater, sqliteDatabase, postgresDatabase } from "../index.mjs";
import { parityStorage } from "./helpers/parity-storage.mjs";
import { pgDatabase, psql } from "./helpers/servers.mjs";
import { eventually, smallBundle } from "./helpers/fixtures.mjs";

const NIL = "00000000-0000-0000-0000-000000000000";
const CHECK = `/hot-updater/app-version/ios/1.0.0/production/${NIL}/${NIL}`;
const base = { basePath: "/hot-updater", routes: { updateCheck: true, bundles: true }, storages: [parityStorage()] };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const bundle = smallBundle;

async function check(hotUpdater) {
  const res = await hotUpdater.handler(new Request(`http://localhost${CHECK}`));
  const body = await res.json();
  return { id: body?.id ?? null, stale: res.headers.get("hot-updater-snapshot") === "stale" };
}

async function send(hotUpdater, method, path, body) {
  const res = await hotUpdater.handler(new Request(`http://localhost/hot-updater${path}`, { method, body: body && JSON.stringify(body) }));
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.text()}`);
}


test("writes through this process are visible at once", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-snap-"));
  const hu = createHotUpdater({ database: sqliteDatabase({ path: join(dir, "a.db"), snapshot: { probeIntervalMs: 60_000, maxAgeMs: 60_000 } }), ...base });
  t.after(async () => { await hu.close(); rmSync(dir, { recursive: true, force: true }); });
  await send(hu, "POST", "/api/bundles", [bundle(1)]);
  assert.equal((await check(hu)).id, bundle(1).id);
  await send(hu, "POST", "/api/bundles", [bundle(2)]);
  assert.equal((await check(hu)).id, bundle(2).id);
  await send(hu, "PATCH", `/api/bundles/${bundle(2).id}`, { rolloutCohortCount: 0 });
  assert.equal((await check(hu)).id, bundle(1).id, "a rollout of 0 hides the bundle from un-cohorted devices");
  await send(hu, "DELETE", `/api/bundles/${bundle(1).id}`);
  assert.equal((await check(hu)).id, null);
});

test("another instance and raw SQL writes are picked up within the bounds", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-snap-"));
  const file = join(dir, "shared.db");
  const snapshot = { probeIntervalMs: 100, maxAgeMs: 600 };
  const a = createHotUpdater({ database: sqliteDatabase({ path: file, snapshot }), ...base });
  const b = createHotUpdater({ database: sqliteDatabase({ path: file, snapshot }), ...base });
  t.after(async () => { await a.close(); await b.close(); rmSync(dir, { recursive: true, force: true }); });

  await send(a, "POST", "/api/bundles", [bundle(1)]);
  assert.equal((await check(b)).id, bundle(1).id);
  // An update by another hot-updater-rs instance changes neither the count nor the highest id;
  // the revision row carries it (probe interval).
  await send(a, "PATCH", `/api/bundles/${bundle(1).id}`, { enabled: false });
  await eventually(() => check(b), (r) => r.id === null, 2_000);

  // Raw SQL insert by another tool: count and highest id change (probe interval).
  const raw = new Database(file);
  t.after(() => raw.close());
  const row = bundle(3);
  raw.prepare(
    "insert into bundles (id, platform, should_force_update, enabled, file_hash, git_commit_hash, message, channel, storage_uri, target_app_version, fingerprint_hash, metadata, rollout_cohort_count, target_cohorts) values (?, 'ios', 0, 1, ?, null, ?, 'production', ?, '1.x', null, '{}', 1000, null)",
  ).run(row.id, row.fileHash, row.message, row.storageUri);
  await eventually(() => check(b), (r) => r.id === row.id, 2_000);

  // Raw SQL update in place by another tool: PRAGMA data_version changes (probe interval).
  raw.prepare("update bundles set enabled = 0 where id = ?").run(row.id);
  await eventually(() => check(b), (r) => r.id === null, 3_000);
});

test("PostgreSQL outage: last good snapshot answers, marked stale; service resumes without restart", async (t) => {
  const db = pgDatabase();
  const hu = createHotUpdater({
    database: postgresDatabase({ connectionString: db.url, autoMigrate: true, acquireTimeoutMs: 2_000, snapshot: { probeIntervalMs: 50, maxAgeMs: 60_000, serveStaleForMs: 60_000 } }),
    ...base,
  });
  t.after(async () => {
    psql(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
    await hu.close();
    db.drop();
  });
  await send(hu, "POST", "/api/bundles", [bundle(1)]);
  assert.deepEqual(await check(hu), { id: bundle(1).id, stale: false });

  // Cut the database off: refuse new connections and end the open ones.
  psql(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`);
  psql(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}'`);
  const during = await eventually(() => check(hu), (r) => r.stale, 10_000);
  assert.equal(during.id, bundle(1).id, "the last good answer is served");
  const list = await hu.handler(new Request("http://localhost/hot-updater/api/bundles"));
  assert.equal(list.status, 500, "management calls fail clearly while the database is away");
  assert.match((await list.json()).message, /PostgreSQL|connect|connection|database/i);
  assert.doesNotMatch(JSON.stringify(await (await hu.handler(new Request("http://localhost/hot-updater/api/bundles"))).json()), /postgres:\/\/postgres@/);

  psql(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
  await eventually(() => check(hu), (r) => !r.stale, 10_000);
  await send(hu, "POST", "/api/bundles", [bundle(2)]);
  assert.deepEqual(await check(hu), { id: bundle(2).id, stale: false });
});
