// Changes made behind hot-updater-rs's back reach its update checks within the documented bound
// (about 2 s) on every native database, with the default snapshot options (maxAgeMs 30 s, so
// only the change marker can make these pass): rows updated in place by raw SQL on the same
// database, and by upstream's own server (@hot-updater/server with its Kysely adapter).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import mysql2 from "mysql2/promise";
import { createHotUpdater as createUpstreamHotUpdater } from "@hot-updater/server";

import { createHotUpdater, sqliteDatabase, postgresDatabase, mysqlDatabase as mysqlNative } from "../index.mjs";
import { parityStorage } from "./helpers/parity-storage.mjs";
import { pgDatabase, mysqlDatabase } from "./helpers/servers.mjs";
import { upstreamKysely } from "./helpers/upstream.mjs";
import { createUpstreamServer } from "./helpers/upstream-servers.mjs";
import { eventually, smallBundle, NIL } from "./helpers/fixtures.mjs";

const CHECK = `/hot-updater/app-version/ios/1.0.0/production/${NIL}/${NIL}`;
const options = { basePath: "/hot-updater", routes: { updateCheck: true, bundles: true }, storages: [parityStorage()] };
// A correctness deadline for the polls, well under maxAgeMs (30 s) and above the ~2 s bound.
const LIMIT = 5_000;

async function check(hotUpdater) {
  const res = await hotUpdater.handler(new Request(`http://localhost${CHECK}`));
  assert.equal(res.status, 200);
  return (await res.json())?.id ?? null;
}

/** Each engine: our server, a raw SQL client, and upstream's server, all on one fresh database. */
const engines = {
  async sqlite(t) {
    const dir = mkdtempSync(join(tmpdir(), "hu-fresh-"));
    const file = join(dir, "fresh.db");
    const ours = createHotUpdater({ database: sqliteDatabase({ path: file }), ...options });
    await ours.getChannels();
    const raw = new Database(file);
    const up = upstreamKysely(file);
    const upstream = createUpstreamHotUpdater({ database: up.adapter, ...options });
    t.after(async () => {
      await ours.close();
      await up.db.destroy();
      raw.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return { ours, upstream, sql: async (text, params) => raw.prepare(text).run(...params), yes: 1, no: 0, p: () => "?" };
  },
  async postgresql(t) {
    const db = pgDatabase();
    const ours = createHotUpdater({ database: postgresDatabase({ connectionString: db.url, autoMigrate: true }), ...options });
    await ours.getChannels();
    const raw = new pg.Client({ connectionString: db.url });
    await raw.connect();
    const up = await createUpstreamServer("postgresql", db.url, { migrate: false, storages: options.storages });
    t.after(async () => {
      await ours.close();
      await up.close();
      await raw.end();
      db.drop();
    });
    return { ours, upstream: up.hotUpdater, sql: (text, params) => raw.query(text, params), yes: true, no: false, p: (n) => `$${n}` };
  },
  async mysql(t) {
    const db = mysqlDatabase();
    const ours = createHotUpdater({ database: mysqlNative({ connectionString: db.url, autoMigrate: true }), ...options });
    await ours.getChannels();
    const raw = await mysql2.createConnection({ uri: db.url });
    const up = await createUpstreamServer("mysql", db.url, { migrate: false, storages: options.storages });
    t.after(async () => {
      await ours.close();
      await up.close();
      await raw.end();
      db.drop();
    });
    return { ours, upstream: up.hotUpdater, sql: (text, params) => raw.execute(text, params), yes: 1, no: 0, p: () => "?" };
  },
};

for (const [name, open] of Object.entries(engines)) {
  test(`${name}: in-place changes by raw SQL and by upstream's server show within the bound`, async (t) => {
    const { ours, upstream, sql, yes, no, p } = await open(t);
    const one = smallBundle(1);
    const two = smallBundle(2);
    await ours.insertBundle(one);
    await ours.insertBundle(two);
    assert.equal(await check(ours), two.id);

    // Raw SQL, in place: the count and the highest id stay the same, and no revision is written.
    await sql(`update bundles set enabled = ${p(1)} where id = ${p(2)}`, [no, two.id]);
    await eventually(() => check(ours), (id) => id === one.id, LIMIT);
    await sql(`update bundles set rollout_cohort_count = ${p(1)} where id = ${p(2)}`, [0, one.id]);
    await eventually(() => check(ours), (id) => id === null, LIMIT);
    await sql(`update bundles set rollout_cohort_count = ${p(1)}, enabled = ${p(2)} where id = ${p(3)}`, [1000, yes, two.id]);
    await eventually(() => check(ours), (id) => id === two.id, LIMIT);

    // Upstream's own server on the same database.
    await upstream.updateBundleById(two.id, { enabled: false });
    await eventually(() => check(ours), (id) => id === null, LIMIT);
    await upstream.updateBundleById(one.id, { rolloutCohortCount: 1000 });
    await eventually(() => check(ours), (id) => id === one.id, LIMIT);
    await upstream.updateBundleById(two.id, { enabled: true, rolloutCohortCount: 0 });
    await upstream.updateBundleById(one.id, { shouldForceUpdate: true });
    const forced = await eventually(
      () => ours.getAppUpdateInfo({ _updateStrategy: "appVersion", appVersion: "1.0.0", bundleId: NIL, platform: "ios", channel: "production" }),
      (info) => info?.shouldForceUpdate === true,
      LIMIT,
    );
    assert.equal(forced.id, one.id, "a rollout of 0 keeps bundle 2 away from un-cohorted devices");
  });
}
