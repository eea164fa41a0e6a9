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
import { createSocket } from "node:dgram";
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
// The README's freshness bound for another tool's in-place edit at small sizes, and the limit the
// test allows it on a shared, busy machine.
const BOUND_MS = 2_000;
const BOUND_LIMIT_MS = 3_000;

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

    test("in-place edits by the raw driver reach update checks within the bound (default snapshot options)", async (t) => {
      const name = dbName("bound");
      // Default options: maxAgeMs is 30 s, so only the change marker can make this pass.
      const mine = ours(mode, name);
      t.after(async () => {
        await mine.close();
        await dropDb(mode, name);
      });
      const [one, two] = [smallBundle(1), smallBundle(2)];
      await mine.insertBundle(one);
      await mine.insertBundle(two);
      const check = () =>
        mine.getAppUpdateInfo({ _updateStrategy: "appVersion", platform: "ios", appVersion: "1.0.0", bundleId: "00000000-0000-0000-0000-000000000000", channel: "production" });
      assert.equal((await check())?.id, two.id);
      const bundles = clientOf(mode).db(name).collection("bundles");
      const seen = [];
      const within = async (label, edit, want) => {
        await edit();
        const started = performance.now();
        await eventually(check, want, BOUND_LIMIT_MS, 10);
        seen.push(`${label} ${Math.round(performance.now() - started)} ms`);
      };
      // Each edit keeps the count, the highest id and every length the same, and writes no revision.
      await within("disable", () => bundles.updateOne({ id: two.id }, { $set: { enabled: false } }), (info) => info?.id === one.id);
      await within("rollout 0", () => bundles.updateOne({ id: one.id }, { $set: { rollout_cohort_count: 0 } }), (info) => info === null);
      await within("rollout back, re-enable", () => bundles.updateMany({}, { $set: { rollout_cohort_count: 1000, enabled: true } }), (info) => info?.id === two.id);
      await within("force update", () => bundles.updateOne({ id: two.id }, { $set: { should_force_update: true } }), (info) => info?.shouldForceUpdate === true);
      await within("same-length message", () => bundles.updateOne({ id: two.id }, { $set: { message: "m9" } }), (info) => info?.message === "m9");
      t.diagnostic(`seen after: ${seen.join(", ")} (bound ${BOUND_MS} ms; limit ${BOUND_LIMIT_MS} ms on this shared machine)`);
    });

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

// ---- mongodb+srv:// through a DNS stand-in on loopback ----

/**
 * A UDP nameserver on 127.0.0.1 answering SRV and TXT questions from `zone`
 * ({ "<name>": { srv?: [{ target, port }], txt?: [string], nxdomain?: true } }); every other
 * question gets an empty answer. Records the questions it was asked.
 */
async function dnsStandIn(zone) {
  const socket = createSocket("udp4");
  const asked = [];
  const encodeName = (name) => Buffer.concat([...name.replace(/\.$/, "").split(".").map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  socket.on("message", (msg, rinfo) => {
    let at = 12;
    const labels = [];
    while (msg[at] !== 0) {
      labels.push(msg.subarray(at + 1, at + 1 + msg[at]).toString());
      at += 1 + msg[at];
    }
    const name = labels.join(".").toLowerCase();
    const qtype = msg.readUInt16BE(at + 1);
    const question = msg.subarray(12, at + 5);
    asked.push(`${qtype === 33 ? "SRV" : qtype === 16 ? "TXT" : qtype} ${name}`);
    const entry = zone[name] ?? {};
    const answers = [];
    if (qtype === 33) {
      for (const { target, port } of entry.srv ?? []) {
        const fixed = Buffer.alloc(6);
        fixed.writeUInt16BE(port, 4);
        answers.push([33, Buffer.concat([fixed, encodeName(target)])]);
      }
    } else if (qtype === 16) {
      for (const text of entry.txt ?? []) answers.push([16, Buffer.concat([Buffer.from([text.length]), Buffer.from(text)])]);
    }
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    header.writeUInt16BE(0x8180 | (entry.nxdomain ? 3 : 0), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const records = answers.map(([type, rdata]) => {
      const head = Buffer.alloc(12);
      head.writeUInt16BE(0xc00c, 0);
      head.writeUInt16BE(type, 2);
      head.writeUInt16BE(1, 4);
      head.writeUInt32BE(60, 6);
      head.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([head, rdata]);
    });
    socket.send(Buffer.concat([header, question, ...records]), rinfo.port, rinfo.address);
  });
  await new Promise((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return { server: `127.0.0.1:${socket.address().port}`, asked, close: () => new Promise((r) => socket.close(r)) };
}

describe("mongoDatabase with mongodb+srv:// (DNS stand-in on loopback, SecantusDB standalone)", () => {
  const mode = MODES[1];
  let dns;
  // Made-up names whose parent domain is "0.0.1", so that the SRV answer may be the IP literal
  // 127.0.0.1 (a name the driver would look up through the system resolver, off loopback).
  const zone = {
    "_mongodb._tcp.cluster.0.0.1": { srv: [{ target: "127.0.0.1", port: 0 }] },
    "cluster.0.0.1": { txt: ["authSource=admin"] },
    "_custom._tcp.named.0.0.1": { srv: [{ target: "127.0.0.1", port: 0 }, { target: "127.0.0.1", port: 1 }] },
    "_mongodb._tcp.outside.0.0.1": { srv: [{ target: "db.elsewhere.test", port: 27017 }] },
    "_mongodb._tcp.badtxt.0.0.1": { srv: [{ target: "127.0.0.1", port: 0 }] },
    "badtxt.0.0.1": { txt: ["w=majority"] },
    "_mongodb._tcp.twotxt.0.0.1": { srv: [{ target: "127.0.0.1", port: 0 }] },
    "twotxt.0.0.1": { txt: ["authSource=admin", "replicaSet=rs0"] },
    "_mongodb._tcp.gone.0.0.1": { nxdomain: true },
  };
  before(async () => {
    for (const entry of Object.values(zone)) for (const r of entry.srv ?? []) if (r.port === 0) r.port = mode.port;
    // srvMaxHosts=1 picks one of the two records (both the test server here).
    zone["_custom._tcp.named.0.0.1"].srv[1].port = mode.port;
    dns = await dnsStandIn(zone);
  });
  after(() => dns?.close());

  const open = (url, extra = {}) =>
    createHotUpdater({ database: mongoDatabase({ url, dnsServer: dns.server, autoMigrate: true, serverSelectionTimeoutMs: 5_000, ...extra }), storages: [parityStorage()], ...DEFAULTS });

  test("the SRV record's servers and the TXT record's options make the seed list", async (t) => {
    const name = dbName("srv");
    const mine = open(`mongodb+srv://cluster.0.0.1/${name}?tls=false`);
    t.after(async () => {
      await mine.close();
      await dropDb(mode, name);
    });
    await mine.insertBundle(smallBundle(1));
    assert.equal((await mine.getBundleById(smallBundle(1).id))?.id, smallBundle(1).id);
    // It is the database the URL names, on the server the SRV record gives.
    assert.equal(await clientOf(mode).db(name).collection("bundles").countDocuments(), 1);
    assert.deepEqual(dns.asked.slice(0, 2), ["SRV _mongodb._tcp.cluster.0.0.1", "TXT cluster.0.0.1"]);
  });

  test("srvServiceName and srvMaxHosts", async (t) => {
    const name = dbName("srvname");
    const mine = open(`mongodb+srv://named.0.0.1/${name}?tls=false&srvServiceName=custom&srvMaxHosts=1`);
    t.after(async () => {
      await mine.close();
      await dropDb(mode, name);
    });
    assert.deepEqual(await mine.getChannels(), []);
    assert.ok(dns.asked.includes("SRV _custom._tcp.named.0.0.1"), dns.asked.join(", "));
  });

  test("bad SRV setups are configuration errors that say what is wrong", async () => {
    const cases = [
      ["mongodb+srv://empty.0.0.1/db?tls=false", /no SRV records for _mongodb\._tcp\.empty\.0\.0\.1/],
      ["mongodb+srv://gone.0.0.1/db?tls=false", /no SRV records for _mongodb\._tcp\.gone\.0\.0\.1/],
      ["mongodb+srv://outside.0.0.1/db", /names db\.elsewhere\.test, which is outside the domain of outside\.0\.0\.1/],
      ["mongodb+srv://badtxt.0.0.1/db?tls=false", /TXT record may only set authSource, replicaSet and loadBalanced, not `w`/],
      ["mongodb+srv://twotxt.0.0.1/db?tls=false", /more than one TXT record/],
      ["mongodb+srv://cluster.0.0.1:27017/db", /cannot name a port/],
      ["mongodb+srv://a.0.0.1,b.0.0.1/db", /exactly one host/],
      ["mongodb+srv://cluster.0.0.1/db?tls=false&srvMaxHosts=1&replicaSet=rs0", /srvMaxHosts cannot be combined with replicaSet/],
    ];
    for (const [url, message] of cases) {
      const mine = open(url);
      try {
        await assert.rejects(mine.getChannels(), (err) => {
          assert.equal(err.code, "ERR_HOT_UPDATER_CONFIG", `${url}: ${err.code} ${err.message}`);
          assert.match(err.message, message, url);
          return true;
        });
      } finally {
        await mine.close();
      }
    }
    assert.throws(() => mongoDatabase({ url: "mongodb+srv://cluster.0.0.1/db", dnsServer: 53 }), { code: "ERR_HOT_UPDATER_CONFIG" });
    assert.throws(() => mongoDatabase({ url: "mongo://x/db" }), { code: "ERR_HOT_UPDATER_CONFIG" });
  });

  test("a nameserver that does not answer is an outage, not a configuration error", async () => {
    // A UDP port nobody listens on: the stand-in's socket is bound and closed again first.
    const probe = createSocket("udp4");
    await new Promise((resolve) => probe.bind(0, "127.0.0.1", resolve));
    const silent = `127.0.0.1:${probe.address().port}`;
    await new Promise((r) => probe.close(r));
    const mine = open("mongodb+srv://cluster.0.0.1/db?tls=false", { dnsServer: silent });
    try {
      await assert.rejects(mine.getChannels(), (err) => {
        assert.notEqual(err.code, "ERR_HOT_UPDATER_CONFIG", err.message);
        assert.match(err.message, /no DNS server answered for _mongodb\._tcp\.cluster\.0\.0\.1/);
        return true;
      });
    } finally {
      await mine.close();
    }
  });
});
