// Upstream's own database plugins through our JS bridge. For each adapter × database, the same
// kind of plugin object (what `kyselyAdapter`, `drizzleAdapter`, `mongoAdapter` return, and a
// hand-written plugin that reads the request context) is given to upstream's createHotUpdater
// and to ours, each on a store of its own seeded identically; every route and every method
// must answer the same JSON. Then the shared suites run against ours on that adapter.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createHotUpdater as upstreamCreateHotUpdater } from "@hot-updater/server";
import { createHotUpdater, sqliteDatabase } from "../index.mjs";
import { createMigrator } from "../db.mjs";
import { adapterMatrix, drizzleOnBetterSqlite, prismaOnSqlite, startMongo } from "./helpers/adapters.mjs";
import { removePrismaClients } from "./helpers/prisma.mjs";
import { parityStorage } from "./helpers/parity-storage.mjs";
import { makeApiRequests, makeBundles, makeUpdateRequests, prng, smallBundle } from "./helpers/fixtures.mjs";
import { methodCalls, mutationRequests } from "./helpers/adapter-corpus.mjs";
import { compareAll, seed, send } from "./helpers/compare.mjs";
import { bundleMethodsTarget, updateInfoTarget } from "./helpers/suite-targets.mjs";
import { defineUpdateInfoCases } from "./suites/update-info.mjs";
import { defineBundleMethodCases } from "./suites/bundle-methods.mjs";
import { defineHandlerCases } from "./suites/handler.mjs";

const BUNDLES = 150;
// HOT_UPDATER_ADAPTER_SUITES=all runs the shared suites on the database-server rows too.
const SUITES_EVERYWHERE = process.env.HOT_UPDATER_ADAPTER_SUITES === "all";
const SERVER_ROW = /PostgreSQL|MariaDB|SecantusDB/;
const OPTIONS = { basePath: "/hot-updater", routes: { updateCheck: true, bundles: true } };
// Ports of this file's two SecantusDB servers (other files use others).
const MONGO_PORTS = { "replica set": 27161, standalone: 27162 };

after(removePrismaClients);
const HAS_MONGO = existsSync(new URL("../.cache/secantus-venv/bin/secantusd-py", import.meta.url));
const mongo = {};
if (HAS_MONGO) {
  for (const [mode, port] of Object.entries(MONGO_PORTS)) mongo[mode] = startMongo(port, mode === "standalone");
  after(() => Object.values(mongo).forEach((m) => m.stop()));
} else if (process.env.CI) {
  throw new Error("SecantusDB is not installed (bash scripts/mongo-server.sh --install)");
}
const matrix = adapterMatrix({ mongoUrl: HAS_MONGO ? Object.fromEntries(Object.entries(mongo).map(([k, v]) => [k, v.url])) : undefined });

async function outcome(api, [method, ...args]) {
  try {
    // Fresh argument objects per server: plugin-core keys its per-request state by context.
    return JSON.stringify({ ok: (await api[method](...structuredClone(args))) ?? null });
  } catch (error) {
    return JSON.stringify({ error: String(error?.message ?? error) });
  }
}

async function compareCalls(up, ours, calls, label) {
  const mismatches = [];
  for (const call of calls) {
    const a = await outcome(up, call);
    const b = await outcome(ours, call);
    if (a !== b) mismatches.push({ call, upstream: a.slice(0, 600), ours: b.slice(0, 600) });
  }
  assert.equal(mismatches.length, 0, `${label}: ${mismatches.length}/${calls.length} differ; first: ${JSON.stringify(mismatches.slice(0, 3), null, 1)}`);
  return calls.length;
}

const tenantBundles = (bundles) => bundles.filter((b) => b.channel !== "staging").slice(0, 40);

// A plugin's page is returned in the order its database gave it, as upstream returns it: the
// bridge used to re-sort pages with localeCompare, which differs from SQLite's binary order on
// mixed-case ids (and hid MongoDB servers' own ordering).
test("getBundles through a plugin keeps the database's order, as upstream does", async (t) => {
  const entry = matrix["kysely / SQLite"];
  const [upStore, ourStore] = [await entry.open(), await entry.open()];
  const up = upstreamCreateHotUpdater({ database: upStore.database, ...OPTIONS });
  const ours = createHotUpdater({ database: ourStore.database, ...OPTIONS });
  t.after(async () => {
    await ours.close();
    await upStore.close();
    await ourStore.close();
  });
  const ids = ["Zulu", "alpha", "Bravo", "charlie", "delta-1", "Delta-2"];
  for (const [i, id] of ids.entries()) {
    await up.insertBundle(smallBundle(i, { id }));
    await ours.insertBundle(smallBundle(i, { id }));
  }
  const queries = [{ limit: 10 }, { limit: 10, orderBy: { field: "id", direction: "asc" } }, { limit: 2, cursor: { after: "charlie" } }, { limit: 4, page: 2 }];
  for (const query of queries) {
    assert.equal(JSON.stringify(await ours.getBundles(query)), JSON.stringify(await up.getBundles(query)), JSON.stringify(query));
  }
  const list = async (server) => (await send(server, "/hot-updater/api/bundles?limit=10")).body;
  assert.equal(await list(ours), await list(up));
  // The case is meaningful: SQLite's order is not localeCompare's.
  const desc = (await up.getBundles({ limit: 10 })).data.map((b) => b.id);
  assert.deepEqual(desc, [...ids].sort().reverse());
  assert.notDeepEqual(desc, [...ids].sort((a, b) => b.localeCompare(a)));
});

// Prisma refuses more than 999 bound parameters on SQLite (P2029), and upstream's prismaAdapter
// binds one per bundle id of a page when it reads the patches: the snapshot used to load its
// partitions in pages of 1,000, so a partition that large never loaded and every check fell
// back to the plugin (and tried the load again first).
test("prismaAdapter on SQLite, 1,200 bundles in one partition: the snapshot loads it and answers every check", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-prisma-big-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "db.sqlite");
  const bundles = Array.from({ length: 1200 }, (_, i) => smallBundle(i + 1));
  const native = createHotUpdater({ database: sqliteDatabase({ path }), storages: [parityStorage()], ...OPTIONS });
  await (await createMigrator(native).migrateToLatest()).execute();
  const seeded = await native.handler(new Request("http://localhost/hot-updater/api/bundles", { method: "POST", body: JSON.stringify(bundles) }));
  assert.equal(seeded.status, 201, await seeded.text());

  const reads = { findMany: 0 };
  const counting = (prisma) =>
    new Proxy(prisma, {
      get(target, key) {
        const value = Reflect.get(target, key);
        if (key !== "bundles") return value;
        return new Proxy(value, {
          get(delegate, method) {
            const fn = Reflect.get(delegate, method);
            return method === "findMany" ? (...args) => (reads.findMany++, fn.apply(delegate, args)) : fn;
          },
        });
      },
    });
  const plugin = prismaOnSqlite(path, counting);
  const ours = createHotUpdater({ database: plugin.database, storages: [parityStorage()], ...OPTIONS });
  t.after(async () => {
    await ours.close();
    await plugin.close();
    await native.close();
  });
  const NIL = "00000000-0000-0000-0000-000000000000";
  const check = async (server) => {
    const res = await server.handler(new Request(`http://localhost/hot-updater/app-version/ios/1.0.0/production/${NIL}/${NIL}`));
    return { status: res.status, body: await res.text() };
  };
  const expected = await check(native);
  assert.equal(JSON.parse(expected.body).id, smallBundle(1200).id);
  assert.deepEqual(await check(ours), expected);
  const afterLoad = reads.findMany;
  // 1,200 rows in pages under 999 (3 pages, each a page query and plugin-core's count queries).
  assert.ok(afterLoad > 0 && afterLoad < 20, `${afterLoad} findMany calls to load the partition`);
  for (let i = 0; i < 20; i++) assert.deepEqual(await check(ours), expected);
  assert.equal(reads.findMany, afterLoad, "repeated checks are answered from the snapshot");
});

test("drizzle on better-sqlite3 (a synchronous driver): writes fail as upstream's do, reads still agree", async (t) => {
  const [upStore, ourStore] = [await drizzleOnBetterSqlite(), await drizzleOnBetterSqlite()];
  const up = upstreamCreateHotUpdater({ database: upStore.database, storages: [parityStorage()], ...OPTIONS });
  const ours = createHotUpdater({ database: ourStore.database, storages: [parityStorage()], ...OPTIONS });
  t.after(async () => {
    await ours.close();
    await upStore.close();
    await ourStore.close();
  });
  const bundles = makeBundles(3, 5);
  const requests = [
    { path: "/hot-updater/api/bundles", init: { method: "POST", body: JSON.stringify(bundles), headers: { "content-type": "application/json" } } },
    { path: "/hot-updater/api/bundles" },
    { path: "/hot-updater/api/bundles/channels" },
    ...makeUpdateRequests(bundles, 20, 2),
  ];
  await compareAll(up, ours, requests, "drizzle on better-sqlite3", { sequential: true });
  const failed = await send(ours, requests[0].path, requests[0].init);
  assert.equal(failed.status, 500);
  assert.match(failed.body, /Transaction function cannot return a promise/);
});

for (const [name, entry] of Object.entries(matrix)) {
  describe(name, () => {
    test(`parity with upstream on ${name}: every route and method`, async (t) => {
      const cleanups = [];
      t.after(async () => {
        for (const c of cleanups.reverse()) await c();
      });
      const upStore = await entry.open();
      cleanups.push(upStore.close);
      const ourStore = await entry.open();
      cleanups.push(ourStore.close);
      const storages = [parityStorage()];
      const up = upstreamCreateHotUpdater({ database: upStore.database, storages, ...OPTIONS });
      const ours = createHotUpdater({ database: ourStore.database, storages, ...OPTIONS });
      cleanups.push(() => ours.close());

      const bundles = makeBundles(BUNDLES, 21);
      // The contextual plugin keeps one store per tenant: requests with a tenant context and
      // requests without one must each see their own bundles.
      const contexts = entry.contextual ? [undefined, { tenant: "t1" }] : [undefined];
      for (const [i, context] of contexts.entries()) {
        // Tenant t1 holds 40 bundles and no "staging" ones, so even its channel list differs.
        const mine = i === 0 ? bundles : tenantBundles(bundles);
        await seed(up, mine, context);
        await seed(ours, mine, context);
      }
      // The share of the request and method-call corpora this row compares (all of them unless
      // the row is slow): a seeded sample, so every kind of call is still drawn.
      const share = entry.requestShare ?? 1;
      const count = (n) => Math.ceil(n * share);
      const sampled = (calls, seed) => {
        const rand = prng(seed);
        return share === 1 ? calls : calls.filter(() => rand() < share);
      };
      let compared = 0;
      for (const context of contexts) {
        const label = context ? `tenant ${context.tenant}` : "no context";
        compared += await compareAll(up, ours, makeUpdateRequests(bundles, count(600), 3), `${label}: update checks`, { context, sequential: true });
        compared += await compareAll(up, ours, makeApiRequests(bundles, count(250), 4), `${label}: bundle API`, { context, sequential: true });
      }
      compared += await compareCalls(up, ours, sampled(methodCalls(bundles), 31), "methods");
      if (entry.contextual) compared += await compareCalls(up, ours, sampled(methodCalls(tenantBundles(bundles), 2, { tenant: "t1" }), 32), "methods, tenant t1");
      compared += await compareAll(up, ours, mutationRequests(bundles), "mutations", { sequential: true });
      for (const context of contexts) {
        const label = context ? `tenant ${context.tenant}` : "no context";
        compared += await compareAll(up, ours, makeUpdateRequests(bundles, count(200), 5), `${label}: update checks after mutations`, { context, sequential: true });
        compared += await compareAll(up, ours, makeApiRequests(bundles, count(100), 6), `${label}: bundle API after mutations`, { context, sequential: true });
      }
      compared += await compareCalls(up, ours, sampled(methodCalls(bundles, 8), 33), "methods after mutations");
      if (entry.contextual) {
        // What each tenant holds, as the plugin itself sees it.
        const dump = (store) => JSON.stringify([...store.database.tenants].map(([k, m]) => [k, [...m.keys()].sort()]));
        assert.equal(dump(ourStore), dump(upStore));
        assert.equal(ourStore.database.tenants.get("t1").size, 40);
      }
      t.diagnostic(`${compared} requests and calls compared`);
    });

    const open = async (options) => {
      const store = await entry.open();
      const hotUpdater = createHotUpdater({ database: store.database, storages: [parityStorage()], ...OPTIONS, ...options });
      return {
        hotUpdater,
        close: async () => {
          await hotUpdater.close();
          await store.close();
        },
      };
    };
    // The shared suites open a fresh store per case: on a database server that is a database
    // per case, 1.5 to 6 minutes per row, so by default they run on the embedded rows only
    // (the parity comparison above runs on every row either way).
    if (SUITES_EVERYWHERE || !SERVER_ROW.test(name)) {
      describe("update-info suite", () => defineUpdateInfoCases(updateInfoTarget(open)));
      describe("bundle-methods suite", () => defineBundleMethodCases(bundleMethodsTarget(open)));
      describe("handler suite", () => defineHandlerCases(open));
    }
  });
}
