// The native MongoDB database (`mongoDatabase`) against SecantusDB, a MongoDB-wire server, in
// both of its modes: a one-node replica set (transactions, change streams) and a standalone
// server (neither). Each mode runs:
//   - the project's database suites (update-info, bundle-methods, handler), as the SQL backends do;
//   - parity with upstream @hot-updater/server on its own `mongoAdapter` (npm `mongodb`), the same
//     bundles and requests through both, byte for byte;
//   - interchange on one database: what upstream's adapter writes ours reads, and the reverse,
//     with the stored documents compared field by field, BSON types included;
//   - the migrator (upstream's collections, index names and keys, version record) and readiness;
//   - the snapshot seeing writes made by another client straight into the database.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BSON, MongoClient } from "mongodb";
import { createHotUpdater as createUpstreamHotUpdater } from "@hot-updater/server";
import { mongoAdapter } from "@hot-updater/server/adapters/mongodb";
import { createMigrator as upstreamMigrator } from "@hot-updater/server/db";

import { createHotUpdater, mongoDatabase } from "../index.mjs";
import { createMigrator } from "../db.mjs";
import { parityStorage } from "./helpers/parity-storage.mjs";
import { bundleMethodsTarget, updateInfoTarget } from "./helpers/suite-targets.mjs";
import { eventually, makeApiRequests, makeBundles, makeUpdateRequests, smallBundle } from "./helpers/fixtures.mjs";
import { compareAll, seed, send } from "./helpers/compare.mjs";
import { defineUpdateInfoCases } from "./suites/update-info.mjs";
import { defineBundleMethodCases } from "./suites/bundle-methods.mjs";
import { defineHandlerCases } from "./suites/handler.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SCRIPT = "scripts/mongo-server.sh";
// Ports of this file only, so that other test files' servers never collide with these.
const MODES = [
  { name: "replica set", port: 27391, extra: [] },
  { name: "standalone", port: 27392, extra: ["standalone"] },
];
const DEFAULTS = { basePath: "/hot-updater", routes: { updateCheck: true, bundles: true } };

let serial = 0;
const dbName = (tag) => `hu_mongo_${tag}_${process.pid}_${++serial}`;
const urlOf = (mode, db) => `mongodb://127.0.0.1:${mode.port}/${db}`;

const clients = new Map();
/** One Node.js driver client per mode (the tests' own view of the database, and upstream's). */
function clientOf(mode) {
  return clients.get(mode.name);
}

before(() => {
  for (const mode of MODES) {
    mode.pid = execFileSync("bash", [SCRIPT, "--start", String(mode.port), ...mode.extra], { cwd: ROOT, encoding: "utf8" }).trim();
    clients.set(mode.name, new MongoClient(`mongodb://127.0.0.1:${mode.port}/`, { serverSelectionTimeoutMS: 10_000 }));
  }
});

after(async () => {
  for (const client of clients.values()) await client.close().catch(() => {});
  for (const mode of MODES) {
    if (mode.pid) execFileSync("bash", [SCRIPT, "--stop", mode.pid], { cwd: ROOT, stdio: "ignore" });
  }
});

async function dropDb(mode, name) {
  await clientOf(mode).db(name).dropDatabase().catch(() => {});
}

/** Our server on a fresh database (migrated on first use). */
function ours(mode, name, options = {}, dbOptions = {}) {
  const database = mongoDatabase({ url: urlOf(mode, name), autoMigrate: true, serverSelectionTimeoutMs: 10_000, ...dbOptions });
  return createHotUpdater({ database, storages: [parityStorage()], ...DEFAULTS, ...options });
}

/** Upstream's server with its `mongoAdapter` on database `name`, migrated by its own migrator. */
async function upstream(mode, name, options = {}) {
  const client = new MongoClient(urlOf(mode, name), { serverSelectionTimeoutMS: 10_000 });
  const hotUpdater = createUpstreamHotUpdater({ database: mongoAdapter({ client }), storages: [parityStorage()], ...DEFAULTS, ...options });
  const result = await upstreamMigrator(hotUpdater).migrateToLatest();
  await result.execute();
  return { hotUpdater, client, close: () => client.close() };
}

/** A stored document with its BSON types spelled out (canonical Extended JSON), without `_id`. */
async function storedShape(db, collection, filter) {
  const doc = await db.collection(collection).findOne(filter, { projection: { _id: 0 }, promoteValues: false, promoteLongs: false });
  return doc && BSON.EJSON.serialize(doc, { relaxed: false });
}

async function indexesOf(db, collection) {
  const list = await db.collection(collection).indexes();
  return list.map(({ name, key }) => ({ name, key })).sort((a, b) => a.name.localeCompare(b.name));
}

// ---- suite adapters: the shared ones of helpers/suite-targets.mjs ----
function openFor(mode) {
  return async (options) => {
    const name = dbName("suite");
    const hotUpdater = ours(mode, name, options);
    return {
      hotUpdater,
      close: async () => {
        try {
          await hotUpdater.close();
        } finally {
          await dropDb(mode, name);
        }
      },
    };
  };
}

for (const mode of MODES) {
  describe(`mongoDatabase on SecantusDB (${mode.name})`, () => {
    describe("update-info suite", () => defineUpdateInfoCases(updateInfoTarget(openFor(mode))));
    describe("bundle-methods suite", () => defineBundleMethodCases(bundleMethodsTarget(openFor(mode))));
    describe("handler suite", () => defineHandlerCases(openFor(mode)));

    test("parity with upstream's mongoAdapter: same bundles, same requests, same bytes", async (t) => {
      const [refName, ourName] = [dbName("ref"), dbName("ours")];
      const reference = await upstream(mode, refName);
      const mine = ours(mode, ourName);
      t.after(async () => {
        await mine.close();
        await reference.close();
        await dropDb(mode, refName);
        await dropDb(mode, ourName);
      });
      const bundles = makeBundles(150, 5);
      await seed(reference.hotUpdater, bundles);
      await seed(mine, bundles);
      let compared = 0;
      compared += await compareAll(reference.hotUpdater, mine, makeUpdateRequests(bundles, 600, 3), "update checks");
      compared += await compareAll(reference.hotUpdater, mine, makeApiRequests(bundles, 250, 4), "bundle API");
      const mutations = [];
      for (const [i, b] of bundles.filter((_, i) => i % 23 === 0).entries()) {
        const body = i % 3 === 0 ? { enabled: !b.enabled } : i % 3 === 1 ? { rolloutCohortCount: 250, metadata: { x: i } } : { targetCohorts: ["qa"], message: null };
        mutations.push({ path: `/hot-updater/api/bundles/${b.id}`, init: { method: "PATCH", body: JSON.stringify(body) } });
      }
      mutations.push({ path: `/hot-updater/api/bundles/${bundles[5].id}`, init: { method: "DELETE" } });
      mutations.push({ path: `/hot-updater/api/bundles/${bundles[6].id}`, init: { method: "PATCH", body: JSON.stringify({ rolloutCohortCount: 1.5 }) } });
      mutations.push({ path: "/hot-updater/api/bundles/missing-id", init: { method: "PATCH", body: "{}" } });
      mutations.push({ path: "/hot-updater/api/bundles/missing-id", init: { method: "DELETE" } });
      compared += await compareAll(reference.hotUpdater, mine, mutations, "mutations");
      compared += await compareAll(reference.hotUpdater, mine, makeUpdateRequests(bundles, 300, 9), "update checks after mutations");
      compared += await compareAll(reference.hotUpdater, mine, makeApiRequests(bundles, 100, 8), "bundle API after mutations");
      // The two databases now hold the same documents, field types included.
      const [refDb, ourDb] = [clientOf(mode).db(refName), clientOf(mode).db(ourName)];
      for (const b of bundles.slice(0, 40)) {
        assert.deepEqual(await storedShape(ourDb, "bundles", { id: b.id }), await storedShape(refDb, "bundles", { id: b.id }), b.id);
      }
      t.diagnostic(`${compared} requests compared byte for byte`);
    });

    test("interchange: upstream's adapter and ours read each other's writes on one database", async (t) => {
      const name = dbName("shared");
      const reference = await upstream(mode, name);
      // No snapshot: every read goes to the database, so each read sees the other side's write.
      const mine = ours(mode, name, {}, { autoMigrate: false, snapshot: false });
      t.after(async () => {
        await mine.close();
        await reference.close();
        await dropDb(mode, name);
      });
      const patch = { baseBundleId: "01900000-0000-7000-8000-000000000001", baseFileHash: "b1", patchFileHash: "p1", patchStorageUri: "storage://p/1" };
      const byUpstream = [
        smallBundle(1),
        smallBundle(2, { channel: "beta", metadata: { app_version: "1.2.3", n: 1.5 }, targetCohorts: ["qa", "7"], rolloutCohortCount: 300 }),
        smallBundle(3, { patches: [patch], manifestStorageUri: "storage://m/3.json", manifestFileHash: "mh", assetBaseStorageUri: "storage://a/3" }),
      ];
      const byUs = [smallBundle(4, { fingerprintHash: "fp", targetAppVersion: null }), smallBundle(5, { patches: [{ ...patch, baseBundleId: smallBundle(4).id }] })];
      for (const b of byUpstream) await reference.hotUpdater.insertBundle(b);
      for (const b of byUs) await mine.insertBundle(b);
      await mine.updateBundleById(byUpstream[0].id, { message: "edited by ours", enabled: false });
      await reference.hotUpdater.updateBundleById(byUs[0].id, { message: "edited by upstream", rolloutCohortCount: 10 });

      const views = async (h) => ({
        list: await h.getBundles({ limit: 50 }),
        beta: await h.getBundles({ where: { channel: "beta" }, limit: 50 }),
        channels: await h.getChannels(),
        one: await Promise.all([...byUpstream, ...byUs].map((b) => h.getBundleById(b.id))),
        check: await h.getUpdateInfo({ _updateStrategy: "appVersion", platform: "ios", appVersion: "1.0.0", bundleId: "00000000-0000-0000-0000-000000000000", channel: "production" }),
        fingerprint: await h.getUpdateInfo({ _updateStrategy: "fingerprint", platform: "ios", fingerprintHash: "fp", bundleId: "00000000-0000-0000-0000-000000000000" }),
      });
      const [a, b] = [await views(reference.hotUpdater), await views(mine)];
      assert.equal(a.list.data.length, 5);
      assert.deepEqual(b, a);
      assert.equal(b.one[0].message, "edited by ours");
      assert.equal(b.one[3].rolloutCohortCount, 10);
      assert.deepEqual(b.one[2].patches, [patch]);

      // Deletes: each side removes a bundle the other wrote, with the patches built on it.
      await mine.deleteBundleById(byUpstream[2].id);
      await reference.hotUpdater.deleteBundleById(byUs[0].id);
      const patches = await clientOf(mode).db(name).collection("bundle_patches").find({}, { projection: { _id: 0 } }).toArray();
      assert.deepEqual(patches, []);
      assert.deepEqual(await views(mine), await views(reference.hotUpdater));
    });

    test("migrator: upstream's collections, indexes and version record; readiness before it", async (t) => {
      const [refName, ourName] = [dbName("mref"), dbName("mours")];
      const reference = await upstream(mode, refName);
      const mine = ours(mode, ourName, {}, { autoMigrate: false });
      t.after(async () => {
        await mine.close();
        await reference.close();
        await dropDb(mode, refName);
        await dropDb(mode, ourName);
      });
      await assert.rejects(mine.getBundles({ limit: 1 }), /Hot Updater database schema is not initialized for mongodb\. Run `hot-updater db migrate`/);
      const migrator = createMigrator(mine);
      assert.equal(await migrator.getVersion(), undefined);
      const result = await migrator.migrateToLatest();
      assert.ok(result.operations.length > 0);
      await result.execute();
      assert.equal(await migrator.getVersion(), "0.31.0");
      assert.equal((await migrator.migrateToLatest()).operations.length, 0);
      const [refDb, ourDb] = [clientOf(mode).db(refName), clientOf(mode).db(ourName)];
      for (const collection of ["bundles", "bundle_patches"]) {
        assert.deepEqual(await indexesOf(ourDb, collection), await indexesOf(refDb, collection), collection);
      }
      const settings = (db) => db.collection("private_hot_updater_settings").find({ key: "version" }, { projection: { _id: 0 } }).toArray();
      assert.deepEqual(await settings(ourDb), await settings(refDb));
      assert.deepEqual((await mine.getBundles({ limit: 1 })).data, []);
      // A database upstream migrated is ready for ours, and the reverse.
      assert.equal(await upstreamMigrator(reference.hotUpdater).getVersion(), "0.31.0");
    });

    test("CLI: hot-updater-rs migrate --database mongodb://…", async (t) => {
      const name = dbName("cli");
      t.after(() => dropDb(mode, name));
      const cli = (...args) => execFileSync(process.execPath, ["bin/hot-updater-rs.js", "migrate", "--database", urlOf(mode, name), ...args], { cwd: ROOT, encoding: "utf8" });
      assert.match(cli("--dry-run"), /create index bundles_platform_idx on bundles\(platform\)/);
      assert.equal(await clientOf(mode).db(name).collection("private_hot_updater_settings").countDocuments(), 0);
      assert.match(cli(), /Migrated from an empty database to 0\.31\.0/);
      assert.match(cli(), /Schema is current \(0\.31\.0\)/);
    });

    if (mode.name === "replica set") {
      test("writes commit in a transaction where the deployment has them (the oplog says so)", async (t) => {
        const name = dbName("tx");
        const mine = ours(mode, name);
        t.after(async () => {
          await mine.close();
          await dropDb(mode, name);
        });
        await mine.insertBundle(smallBundle(1));
        const oplog = clientOf(mode).db("local").collection("oplog.rs");
        const entries = await oplog.find({}).sort({ $natural: -1 }).limit(20).toArray();
        // MongoDB logs a transaction as one applyOps entry, SecantusDB as entries that share it;
        // either way, a transaction's writes carry one session and one transaction number,
        // whereas separate (retryable) writes each get their own number.
        const flat = entries.flatMap((e) => (e.o?.applyOps ? e.o.applyOps.map((op) => ({ ...op, lsid: e.lsid, txnNumber: e.txnNumber })) : [e]));
        const bundle = flat.find((e) => e.ns === `${name}.bundles` && e.o?.id === smallBundle(1).id);
        const revision = flat.find((e) => e.ns === `${name}.private_hot_updater_settings` && e.o?.key === "hot-updater-rs.revision");
        assert.ok(bundle && revision, "both writes are in the oplog");
        assert.ok(bundle.txnNumber !== undefined && bundle.lsid, JSON.stringify(bundle));
        assert.equal(String(revision.txnNumber), String(bundle.txnNumber));
        assert.deepEqual(revision.lsid, bundle.lsid);
      });
    }

    test("update checks see writes another client makes straight into the database", async (t) => {
      const name = dbName("fresh");
      const mine = ours(mode, name, {}, { snapshot: { probeIntervalMs: 50, maxAgeMs: 600_000 } });
      t.after(async () => {
        await mine.close();
        await dropDb(mode, name);
      });
      await mine.insertBundle(smallBundle(1));
      const check = () =>
        mine.getUpdateInfo({ _updateStrategy: "appVersion", platform: "ios", appVersion: "1.0.0", bundleId: "00000000-0000-0000-0000-000000000000", channel: "production" });
      assert.equal((await check())?.id, smallBundle(1).id);
      const bundles = clientOf(mode).db(name).collection("bundles");
      // An insert by another tool (a copy of the document under a newer id).
      const copy = await bundles.findOne({ id: smallBundle(1).id }, { projection: { _id: 0 } });
      await bundles.insertOne({ ...copy, id: smallBundle(2).id, file_hash: "h2" });
      await eventually(check, (info) => info?.id === smallBundle(2).id, 20_000);
      if (mode.name === "replica set") {
        // An in-place update: only the change stream can see it before the snapshot's max age.
        await bundles.updateOne({ id: smallBundle(2).id }, { $set: { enabled: false } });
        await eventually(check, (info) => info?.id === smallBundle(1).id, 20_000);
      }
    });
  });
}
