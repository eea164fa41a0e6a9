// Parity, the proof: the same bundles and the same requests through upstream
// @hot-updater/server and through hot-updater-rs; every response must be byte-identical.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createHotUpdater, sqliteDatabase, postgresDatabase, mysqlDatabase } from "../index.mjs";
import { createUpstream, upstreamKysely } from "./helpers/upstream.mjs";
import { createUpstreamServer } from "./helpers/upstream-servers.mjs";
import { pgDatabase, mysqlDatabase as mysqlTestDatabase } from "./helpers/servers.mjs";
import { parityStorage } from "./helpers/parity-storage.mjs";
import { makeApiRequests, makeBundles, makeUpdateRequests } from "./helpers/fixtures.mjs";
import { compareAll, sdkInit, seed, send } from "./helpers/compare.mjs";

const BUNDLES = 300;
const UPDATE_REQUESTS = 2000;
const API_REQUESTS = 600;

const routes = { updateCheck: true, bundles: true };

const sqliteReference = (storages) => async (dir) => createUpstream(join(dir, "upstream.db"), { storages });

// Each variant: our database, and the reference it is compared with (upstream on SQLite unless
// the variant runs on a database server, where upstream runs on its own database there).
const variants = {
  "native SQLite": { ours: (dir) => sqliteDatabase({ path: join(dir, "ours.db") }) },
  "native SQLite, snapshot off": { ours: (dir) => sqliteDatabase({ path: join(dir, "ours-direct.db"), snapshot: false }) },
  // An official adapter: update checks from the snapshot, loaded through its getBundles.
  "upstream Kysely plugin through the JS bridge": {
    ours: async (dir) => {
      // The bridge variant uses its own file, migrated by upstream.
      await (await createUpstream(join(dir, "bridge.db"))).close();
      return upstreamKysely(join(dir, "bridge.db")).adapter;
    },
  },
  // The same with every update check through the adapter's own getUpdateInfo.
  "upstream Kysely plugin through the JS bridge, snapshot off": {
    ours: async (dir) => {
      await (await createUpstream(join(dir, "bridge-direct.db"))).close();
      return upstreamKysely(join(dir, "bridge-direct.db")).adapter;
    },
    options: { snapshot: false },
  },
  // No storage plugin: `storage://` URIs fail identically (500), http(s) URIs pass through, and
  // every answer can come from the synchronous snapshot path.
  "native SQLite, no storage plugins": { ours: (dir) => sqliteDatabase({ path: join(dir, "ours-nostorage.db") }), storages: [] },
  "native PostgreSQL": { server: "postgresql" },
  "native PostgreSQL, snapshot off": { server: "postgresql", snapshot: false },
  "native MariaDB": { server: "mysql" },
};

for (const [name, variant] of Object.entries(variants)) {
  test(`parity with @hot-updater/server: ${name}`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "hu-parity-"));
    const storages = variant.storages ?? [parityStorage()];
    const cleanups = [() => rmSync(dir, { recursive: true, force: true })];
    t.after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });
    let upstream;
    let database;
    if (variant.server) {
      const make = variant.server === "postgresql" ? pgDatabase : mysqlTestDatabase;
      const [refDb, ourDb] = [make(), make()];
      cleanups.push(() => refDb.drop(), () => ourDb.drop());
      upstream = await createUpstreamServer(variant.server, refDb.url, { storages });
      const factory = variant.server === "postgresql" ? postgresDatabase : mysqlDatabase;
      database = factory({ connectionString: ourDb.url, autoMigrate: true, snapshot: variant.snapshot });
    } else {
      upstream = await sqliteReference(storages)(dir);
      database = await variant.ours(dir);
    }
    cleanups.push(() => upstream.close());
    const ours = createHotUpdater({ database, storages, basePath: "/hot-updater", routes, ...variant.options });
    cleanups.push(() => ours.close());

    const bundles = makeBundles(BUNDLES);
    await seed(upstream.hotUpdater, bundles);
    await seed(ours, bundles);

    let compared = 0;
    compared += await compareAll(upstream.hotUpdater, ours, makeUpdateRequests(bundles, UPDATE_REQUESTS), "update checks");
    compared += await compareAll(upstream.hotUpdater, ours, makeApiRequests(bundles, API_REQUESTS), "bundle API");

    // Mutations through both, then everything again.
    const victims = bundles.filter((_, i) => i % 37 === 0);
    const mutations = [];
    for (const [i, b] of victims.entries()) {
      const body = i % 3 === 0 ? { enabled: !b.enabled } : i % 3 === 1 ? { rolloutCohortCount: 250, metadata: { x: i } } : { targetCohorts: ["qa"], message: null };
      mutations.push({ path: `/hot-updater/api/bundles/${b.id}`, init: { method: "PATCH", body: JSON.stringify(body) } });
    }
    mutations.push({ path: `/hot-updater/api/bundles/${bundles[5].id}`, init: { method: "DELETE" } });
    mutations.push({ path: `/hot-updater/api/bundles/${bundles[6].id}`, init: { method: "PATCH", body: JSON.stringify({ id: "other" }) } });
    mutations.push({ path: `/hot-updater/api/bundles/${bundles[6].id}`, init: { method: "PATCH", body: "[1]" } });
    mutations.push({ path: `/hot-updater/api/bundles/${bundles[6].id}`, init: { method: "PATCH", body: JSON.stringify({ rolloutCohortCount: 1.5 }) } });
    mutations.push({ path: `/hot-updater/api/bundles/${bundles[6].id}`, init: { method: "PATCH", body: JSON.stringify({ targetCohorts: ["Not Valid"] }) } });
    mutations.push({ path: "/hot-updater/api/bundles/missing-id", init: { method: "PATCH", body: "{}" } });
    mutations.push({ path: "/hot-updater/api/bundles/missing-id", init: { method: "DELETE" } });
    mutations.push({ path: "/hot-updater/api/bundles", init: { method: "POST", body: JSON.stringify({ ...bundles[7], id: "01900000-0000-7000-8000-000000000001", targetAppVersion: null, fingerprintHash: null }) } });
    mutations.push({ path: "/hot-updater/api/bundles", init: { method: "POST", body: "[]" } });
    compared += await compareAll(upstream.hotUpdater, ours, mutations, "mutations");
    compared += await compareAll(upstream.hotUpdater, ours, makeUpdateRequests(bundles, 500, 99), "update checks after mutations");
    compared += await compareAll(upstream.hotUpdater, ours, makeApiRequests(bundles, 200, 98), "bundle API after mutations");
    t.diagnostic(`${compared} requests compared byte for byte`);
    assert.ok(compared >= 2000);
  });
}
