// The update-check snapshot over JS database plugins: on by default for upstream's official
// adapters (recognised by the structure their factories return), opt-in for hand-written ones;
// repeated checks do not reach the plugin; changes by others are seen within the reload interval
// (or at once through `changeMarker`); writes through us at once; a plugin whose getBundles
// throws is treated like an unreachable native database.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createHotUpdater as upstreamCreateHotUpdater } from "@hot-updater/server";
import { createHotUpdater } from "../index.mjs";
import { createUpstream, upstreamKysely } from "./helpers/upstream.mjs";
import { memoryDatabase } from "./helpers/memory-db.mjs";
import { parityStorage } from "./helpers/parity-storage.mjs";
import { eventually, makeBundles, makeUpdateRequests, smallBundle } from "./helpers/fixtures.mjs";

const NIL = "00000000-0000-0000-0000-000000000000";
const CHECK = `/hot-updater/app-version/ios/1.0.0/production/${NIL}/${NIL}`;
const base = { basePath: "/hot-updater", routes: { updateCheck: true, bundles: true }, storages: [parityStorage()] };

async function get(hotUpdater, path = CHECK) {
  const res = await hotUpdater.handler(new Request(`http://localhost${path}`));
  const text = await res.text();
  const body = JSON.parse(text);
  return { status: res.status, text, id: body?.id ?? null, stale: res.headers.get("hot-updater-snapshot") === "stale", retryAfter: res.headers.get("retry-after") };
}

async function send(hotUpdater, method, path, body) {
  const res = await hotUpdater.handler(new Request(`http://localhost/hot-updater${path}`, { method, body: body && JSON.stringify(body) }));
  return { status: res.status, body: await res.text(), retryAfter: res.headers.get("retry-after") };
}

/** A migrated SQLite file with upstream's kyselyAdapter on it, counting the statements that read `bundles`. */
async function kyselyFile(t, dir, name) {
  const path = join(dir, name);
  const migrated = await createUpstream(path);
  await migrated.close();
  const plugin = upstreamKysely(path);
  const counter = { reads: 0 };
  const prepare = plugin.sqlite.prepare.bind(plugin.sqlite);
  plugin.sqlite.prepare = (sql) => {
    if (/^select/i.test(sql) && /from "bundles"/i.test(sql)) counter.reads++;
    return prepare(sql);
  };
  t.after(() => plugin.db.destroy());
  return { ...plugin, path, counter };
}

function tmp(t) {
  const dir = mkdtempSync(join(tmpdir(), "hu-jsnap-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A hand-written plugin (memory-db) with a getUpdateInfo of its own that counts its calls. */
function handWritten(bundles) {
  const plugin = memoryDatabase({ initialBundles: bundles });
  const counts = { getUpdateInfo: 0, getBundles: 0 };
  const getBundles = plugin.getBundles;
  plugin.getBundles = (...args) => {
    counts.getBundles++;
    return getBundles(...args);
  };
  plugin.getUpdateInfo = async (args) => {
    counts.getUpdateInfo++;
    // Decides differently from upstream on purpose: always the lowest id.
    const rows = [...plugin.store.values()].filter((b) => b.enabled && b.platform === args.platform && b.channel === args.channel);
    rows.sort((a, b) => a.id.localeCompare(b.id));
    return rows.length ? { id: rows[0].id, shouldForceUpdate: false, message: null, status: "UPDATE", storageUri: rows[0].storageUri, fileHash: rows[0].fileHash } : null;
  };
  return { plugin, counts };
}

test("kyselyAdapter gets the snapshot by default: repeated checks run no query, answers equal upstream's", async (t) => {
  const dir = tmp(t);
  const ours = await kyselyFile(t, dir, "ours.db");
  const ref = await kyselyFile(t, dir, "up.db");
  const hu = createHotUpdater({ database: ours.adapter, ...base });
  const up = upstreamCreateHotUpdater({ database: ref.adapter, ...base });
  t.after(() => hu.close());
  const bundles = makeBundles(120, 5);
  for (const b of bundles) {
    await hu.insertBundle(b);
    await up.insertBundle(b);
  }
  const requests = makeUpdateRequests(bundles, 300, 9);
  const answer = async (server, { path, sdk }) => {
    const res = await server.handler(new Request(`http://localhost${path}`, sdk === undefined ? undefined : { headers: { "Hot-Updater-SDK-Version": sdk } }));
    return `${res.status} ${await res.text()}`;
  };
  // Loads the partitions the requests need.
  for (const r of requests) assert.equal(await answer(hu, r), await answer(up, r), r.path);
  // Without a change marker the partitions are reloaded in the background every 1.5 s: let one
  // reload happen, then the burst below runs well inside the next interval.
  const mark = ours.counter.reads;
  await eventually(() => answer(hu, requests[0]).then(() => ours.counter.reads), (n) => n > mark, 6000, 50);
  await new Promise((r) => setTimeout(r, 200));
  const before = ours.counter.reads;
  for (const r of requests) await answer(hu, r);
  assert.equal(ours.counter.reads - before, 0, "repeated checks read nothing through the plugin");
  // Upstream, with the same plugin, queries on every check.
  const upBefore = ref.counter.reads;
  for (const r of requests.slice(0, 20)) await answer(up, r);
  assert.ok(ref.counter.reads - upBefore >= 20, `upstream read ${ref.counter.reads - upBefore} times for 20 checks`);
});

test("snapshot: false sends every check through the adapter again", async (t) => {
  const dir = tmp(t);
  const ours = await kyselyFile(t, dir, "off.db");
  const hu = createHotUpdater({ database: ours.adapter, snapshot: false, ...base });
  t.after(() => hu.close());
  await hu.insertBundle(smallBundle(1));
  await get(hu);
  const before = ours.counter.reads;
  for (let i = 0; i < 5; i++) assert.equal((await get(hu)).id, smallBundle(1).id);
  assert.ok(ours.counter.reads - before >= 5, `${ours.counter.reads - before} reads for 5 checks`);
});

test("hand-written plugins keep their own getUpdateInfo unless opted in; copying a name does not opt in", async (t) => {
  const bundles = [smallBundle(1), smallBundle(2)];
  const plain = handWritten(bundles);
  const hu = createHotUpdater({ database: plain.plugin, ...base });
  t.after(() => hu.close());
  for (let i = 0; i < 3; i++) assert.equal((await get(hu)).id, bundles[0].id, "the plugin's own (different) decision");
  assert.equal(plain.counts.getUpdateInfo, 3);

  // A factory dressed as kyselyAdapter (same adapterName, provider, createMigrator) is not one.
  const mimic = handWritten(bundles);
  const factory = Object.assign(() => mimic.plugin, { adapterName: "kysely", provider: "sqlite", createMigrator: () => ({ getVersion: async () => "0.31.0" }) });
  mimic.plugin.name = "kysely";
  const hu2 = createHotUpdater({ database: factory, ...base });
  t.after(() => hu2.close());
  assert.equal((await get(hu2)).id, bundles[0].id);
  assert.equal((await get(hu2)).id, bundles[0].id);
  assert.equal(mimic.counts.getUpdateInfo, 2);

  const opted = handWritten(bundles);
  const hu3 = createHotUpdater({ database: opted.plugin, snapshot: true, ...base });
  t.after(() => hu3.close());
  for (let i = 0; i < 5; i++) assert.equal((await get(hu3)).id, bundles[1].id, "decided in Rust, as upstream decides");
  assert.equal(opted.counts.getUpdateInfo, 0);
  assert.equal(opted.counts.getBundles, 1, "one page loads the partition; the checks after it read nothing");
});

test("an in-place change by another server is seen within the reload interval", async (t) => {
  const dir = tmp(t);
  const ours = await kyselyFile(t, dir, "shared.db");
  const hu = createHotUpdater({ database: ours.adapter, ...base });
  t.after(() => hu.close());
  // Another server, upstream's own, on the same file.
  const other = upstreamKysely(ours.path);
  t.after(() => other.db.destroy());
  const up = upstreamCreateHotUpdater({ database: other.adapter, ...base });
  await hu.insertBundle(smallBundle(1));
  await hu.insertBundle(smallBundle(2));
  assert.equal((await get(hu)).id, smallBundle(2).id);
  await up.updateBundleById(smallBundle(2).id, { enabled: false });
  // The default reload interval is 1.5 s, probed every 0.5 s: about 2 s plus the reload. The
  // limit here is a correctness deadline with room for a busy machine.
  await eventually(() => get(hu).then((r) => r.id), (id) => id === smallBundle(1).id, 6000);
});

test("changeMarker: a change is seen at the next probe, long before maxAgeMs; writes through us at once", async (t) => {
  const { plugin, counts } = handWritten([smallBundle(1), smallBundle(2)]);
  let version = 1;
  let markerCalls = 0;
  plugin.changeMarker = async () => {
    markerCalls++;
    return version;
  };
  const hu = createHotUpdater({ database: plugin, snapshot: { probeIntervalMs: 100, maxAgeMs: 600_000 }, ...base });
  t.after(() => hu.close());
  assert.equal((await get(hu)).id, smallBundle(2).id);
  // In place, as another process would: the marker says so.
  plugin.store.get(smallBundle(2).id).enabled = false;
  version++;
  await eventually(() => get(hu).then((r) => r.id), (id) => id === smallBundle(1).id, 3000);
  assert.ok(markerCalls >= 1);
  // Without a marker change nothing is reloaded: a silent in-place change stays unseen.
  const loads = counts.getBundles;
  plugin.store.get(smallBundle(1).id).enabled = false;
  await new Promise((r) => setTimeout(r, 400));
  assert.equal((await get(hu)).id, smallBundle(1).id);
  assert.equal(counts.getBundles, loads);
  // A write through us: seen by the very next check.
  plugin.store.get(smallBundle(1).id).enabled = true;
  assert.equal((await send(hu, "POST", "/api/bundles", [smallBundle(3)])).status, 201);
  assert.equal((await get(hu)).id, smallBundle(3).id);
  assert.equal((await send(hu, "PATCH", `/api/bundles/${smallBundle(3).id}`, { enabled: false })).status, 200);
  assert.equal((await get(hu)).id, smallBundle(1).id);
  assert.equal(counts.getUpdateInfo, 0);
});

test("a plugin whose getBundles throws is an outage: stale answers, writes refused with 503, recovery", async (t) => {
  const { plugin } = handWritten([smallBundle(1)]);
  let broken = false;
  const getBundles = plugin.getBundles;
  plugin.getBundles = (...args) => (broken ? Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432")) : getBundles(...args));
  const hu = createHotUpdater({ database: plugin, snapshot: { probeIntervalMs: 50, maxAgeMs: 100 }, ...base });
  t.after(() => hu.close());
  assert.deepEqual(await get(hu).then(({ id, stale }) => ({ id, stale })), { id: smallBundle(1).id, stale: false });
  broken = true;
  const stale = await eventually(() => get(hu), (r) => r.stale, 3000);
  assert.equal(stale.status, 200);
  assert.equal(stale.id, smallBundle(1).id, "the last good answer");
  const write = await send(hu, "POST", "/api/bundles", [smallBundle(2)]);
  assert.equal(write.status, 503, write.body);
  assert.match(write.retryAfter ?? "", /^[1-9][0-9]*$/);
  assert.match(JSON.parse(write.body).message, /unreachable/i);
  await assert.rejects(hu.insertBundle(smallBundle(2)), (e) => e.code === "ERR_HOT_UPDATER_UNAVAILABLE");
  broken = false;
  const back = await eventually(() => get(hu), (r) => !r.stale, 3000);
  assert.equal(back.id, smallBundle(1).id);
  assert.equal((await send(hu, "POST", "/api/bundles", [smallBundle(2)])).status, 201);
  assert.equal((await get(hu)).id, smallBundle(2).id);
});

test("a plugin failing before anything was loaded answers as the plugin does (upstream's 500)", async (t) => {
  const { plugin } = handWritten([smallBundle(1)]);
  delete plugin.getUpdateInfo;
  // The snapshot's listings (the fallback's own getBundles calls also filter on `id`).
  let listings = 0;
  plugin.getBundles = (options) => (options?.where?.id || listings++, Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432")));
  const hu = createHotUpdater({ database: plugin, snapshot: { probeIntervalMs: 5000 }, ...base });
  const up = upstreamCreateHotUpdater({ database: plugin, ...base });
  t.after(() => hu.close());
  const [a, b] = [await get(hu), await get(up)];
  assert.equal(a.status, 500);
  assert.equal(a.text, b.text);
  // The failed load is tried again after a backoff (the probe interval at first), not at every check.
  const tried = listings;
  for (let i = 0; i < 5; i++) assert.equal((await get(hu)).text, b.text);
  assert.equal(listings, tried, "no load attempt before the backoff ends");
});

test("the snapshot option is checked", () => {
  const { plugin } = handWritten([]);
  assert.throws(() => createHotUpdater({ database: plugin, snapshot: "yes" }), TypeError);
  assert.throws(() => createHotUpdater({ database: plugin, snapshot: { reloadMs: 5 } }), /unknown `snapshot` option `reloadMs`/);
  assert.throws(() => createHotUpdater({ database: plugin, snapshot: { maxAgeMs: -1 } }), TypeError);
});
