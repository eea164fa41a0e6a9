// A device that sends a bundle id that is not a UUID gets the same answer on every native
// database, snapshot on or off: the one upstream gives on SQLite (and MySQL), where such an id is
// simply a bundle the database does not have. Upstream on PostgreSQL answers 500 instead (the
// `uuid` column refuses the literal); hot-updater-rs answers like the other engines there too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createHotUpdater, sqliteDatabase, postgresDatabase, mysqlDatabase as mysqlNative } from "../index.mjs";
import { parityStorage } from "./helpers/parity-storage.mjs";
import { pgDatabase, mysqlDatabase } from "./helpers/servers.mjs";
import { createUpstream } from "./helpers/upstream.mjs";
import { createUpstreamServer } from "./helpers/upstream-servers.mjs";
import { smallBundle, NIL } from "./helpers/fixtures.mjs";

const options = { basePath: "/hot-updater", routes: { updateCheck: true, bundles: true }, storages: [parityStorage()] };
// Bundle 2 has a manifest, so its answers look the installed bundle up (diff enrichment).
const manifest = { manifestStorageUri: "storage://b/2.json", manifestFileHash: "mh2", assetBaseStorageUri: "storage://b/2/assets" };
const bundles = [smallBundle(1), smallBundle(2, manifest), smallBundle(3, { targetAppVersion: null, fingerprintHash: "fp", channel: "beta" })];
const BAD = ["not-a-uuid", "01900000-0000-7000-8000-00000000000Z", "%20", "0190-"];
const paths = [];
for (const bad of BAD) {
  const id = encodeURIComponent(bad);
  paths.push(
    `/app-version/ios/1.0.0/production/${NIL}/${id}`,
    `/app-version/ios/1.0.0/production/${id}/${NIL}`,
    `/app-version/ios/1.0.0/production/${id}/${id}`,
    `/app-version/ios/1.0.0/production/${NIL}/${id}/42`,
    `/fingerprint/ios/fp/beta/${NIL}/${id}`,
    `/fingerprint/ios/fp/beta/${id}/${id}`,
    `/api/bundles/${id}`,
  );
}

async function answers(hotUpdater) {
  const out = [];
  for (const path of paths) {
    // Twice: the second comes from the snapshot's warm path (or the answer cache) where it may.
    for (let i = 0; i < 2; i++) {
      const res = await hotUpdater.handler(new Request(`http://localhost/hot-updater${path}`));
      out.push(`${path} ${res.status} ${await res.text()}`);
    }
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "hu-ids-"));
let reference;
test.before(async () => {
  const upstream = await createUpstream(join(dir, "upstream.db"), { storages: options.storages });
  for (const b of bundles) await upstream.hotUpdater.insertBundle(b);
  reference = await answers(upstream.hotUpdater);
  await upstream.close();
});
test.after(() => rmSync(dir, { recursive: true, force: true }));

const engines = {
  sqlite: () => ({ database: (snapshot) => sqliteDatabase({ path: join(dir, `ours-${snapshot}.db`), snapshot }), drop() {} }),
  postgresql: () => {
    const db = pgDatabase();
    return { database: (snapshot) => postgresDatabase({ connectionString: db.url, autoMigrate: true, snapshot }), drop: db.drop };
  },
  mysql: () => {
    const db = mysqlDatabase();
    return { database: (snapshot) => mysqlNative({ connectionString: db.url, autoMigrate: true, snapshot }), drop: db.drop };
  },
};

for (const [name, open] of Object.entries(engines)) {
  for (const snapshot of [undefined, false]) {
    test(`${name}, snapshot ${snapshot === false ? "off" : "on"}: malformed ids are answered as upstream on SQLite`, async (t) => {
      const engine = open();
      const hu = createHotUpdater({ database: engine.database(snapshot), ...options });
      t.after(async () => {
        await hu.close();
        engine.drop();
      });
      for (const b of bundles) await hu.insertBundle(b);
      const got = await answers(hu);
      assert.ok(reference.some((line) => / 200 \{"id"/.test(line)), "some of these checks find an update");
      assert.deepEqual(got, reference);
    });
  }
}

// Upstream's kyselyAdapter on PostgreSQL through our bridge, with the snapshot on (its default):
// update checks are answered as by the native databases above, where upstream (and the adapter
// with the snapshot off) answers 500 for such ids on PostgreSQL.
test("kyselyAdapter on PostgreSQL, snapshot on: update checks answer as the native databases", async (t) => {
  const db = pgDatabase();
  const migrated = await createUpstreamServer("postgresql", db.url, { storages: options.storages });
  await migrated.close();
  const { Kysely, PostgresDialect } = await import("kysely");
  const { kyselyAdapter } = await import("@hot-updater/server/adapters/kysely");
  const { shimmedPgPool } = await import("./helpers/upstream-servers.mjs");
  const kysely = new Kysely({ dialect: new PostgresDialect({ pool: shimmedPgPool(db.url) }) });
  const hu = createHotUpdater({ database: kyselyAdapter({ db: kysely, provider: "postgresql" }), ...options });
  t.after(async () => {
    await hu.close();
    await kysely.destroy();
    db.drop();
  });
  for (const b of bundles) await hu.insertBundle(b);
  const isCheck = (line) => !line.startsWith("/api/");
  assert.deepEqual((await answers(hu)).filter(isCheck), reference.filter(isCheck));
});

// With the snapshot off, every check asks the adapter as upstream does, so the answers are
// upstream's own on PostgreSQL, 500s included: without a request context object upstream also
// loads the installed bundle by id (refused by the `uuid` column) when the target has no manifest.
test("kyselyAdapter on PostgreSQL, snapshot off: answers as upstream on PostgreSQL", async (t) => {
  const db = pgDatabase();
  const upstream = await createUpstreamServer("postgresql", db.url, { storages: options.storages });
  const { Kysely, PostgresDialect } = await import("kysely");
  const { kyselyAdapter } = await import("@hot-updater/server/adapters/kysely");
  const { shimmedPgPool } = await import("./helpers/upstream-servers.mjs");
  const kysely = new Kysely({ dialect: new PostgresDialect({ pool: shimmedPgPool(db.url) }) });
  const hu = createHotUpdater({ database: kyselyAdapter({ db: kysely, provider: "postgresql" }), snapshot: false, ...options });
  t.after(async () => {
    await hu.close();
    await kysely.destroy();
    await upstream.close();
    db.drop();
  });
  for (const b of bundles) await upstream.hotUpdater.insertBundle(b);
  // upstream logs each failed check; the comparison below is what matters.
  const error = console.error;
  console.error = () => {};
  let theirs;
  let ours;
  try {
    theirs = await answers(upstream.hotUpdater);
    ours = await answers(hu);
  } finally {
    console.error = error;
  }
  assert.ok(theirs.some((line) => line.startsWith("/fingerprint/") && / 500 /.test(line)), "upstream refuses some fingerprint checks");
  assert.deepEqual(ours, theirs);
});
