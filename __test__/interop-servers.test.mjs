// PostgreSQL and MariaDB databases are interchangeable with upstream: migrated by upstream's
// Kysely migrator and served by us, or migrated by us (createMigrator, the CLI) and served by
// upstream, each writing what the other reads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

import { createHotUpdater, postgresDatabase, mysqlDatabase } from "../index.mjs";
import { createMigrator } from "../db.mjs";
import { createUpstreamServer } from "./helpers/upstream-servers.mjs";
import { parityStorage } from "./helpers/parity-storage.mjs";
import { makeBundles, makeUpdateRequests } from "./helpers/fixtures.mjs";
import { pgDatabase, mysqlDatabase as mysqlTestDatabase } from "./helpers/servers.mjs";

const options = { basePath: "/hot-updater", routes: { updateCheck: true, bundles: true }, storages: [parityStorage()] };

async function call(hotUpdater, method, path, body) {
  const res = await hotUpdater.handler(new Request(`http://localhost/hot-updater${path}`, { method, body: body && JSON.stringify(body) }));
  return { status: res.status, text: await res.text() };
}

async function listAll(hotUpdater) {
  const out = [];
  for (let after = ""; ; ) {
    const page = JSON.parse((await call(hotUpdater, "GET", `/api/bundles?limit=100${after ? `&after=${after}` : ""}`)).text);
    out.push(...page.data);
    if (!page.pagination.nextCursor) return out;
    after = page.pagination.nextCursor;
  }
}

async function sameUpdateAnswers(a, b, bundles) {
  for (const { path, sdk } of makeUpdateRequests(bundles, 200, 21)) {
    const init = sdk ? { headers: { "Hot-Updater-SDK-Version": sdk } } : {};
    const [x, y] = await Promise.all([a.handler(new Request(`http://localhost${path}`, init)), b.handler(new Request(`http://localhost${path}`, init))]);
    assert.equal(await y.text(), await x.text(), path);
  }
}

const engines = [
  { provider: "postgresql", create: pgDatabase, ours: (url) => postgresDatabase({ connectionString: url }) },
  { provider: "mysql", create: mysqlTestDatabase, ours: (url) => mysqlDatabase({ connectionString: url }) },
];

for (const engine of engines) {
  test(`${engine.provider}: migrated by upstream, served and written by us, read back by upstream`, async (t) => {
    const db = engine.create();
    const upstream = await createUpstreamServer(engine.provider, db.url, { storages: [parityStorage()] });
    const ours = createHotUpdater({ database: engine.ours(db.url), ...options });
    t.after(async () => {
      await ours.close();
      await upstream.close();
      db.drop();
    });
    const bundles = makeBundles(80, 31);
    assert.equal((await call(upstream.hotUpdater, "POST", "/api/bundles", bundles.slice(0, 40))).status, 201);
    assert.equal((await call(ours, "POST", "/api/bundles", bundles.slice(40))).status, 201);
    assert.equal((await call(ours, "PATCH", `/api/bundles/${bundles[1].id}`, { enabled: false, targetCohorts: ["qa", "7"] })).status, 200);
    assert.equal((await call(upstream.hotUpdater, "DELETE", `/api/bundles/${bundles[2].id}`)).status, 200);
    assert.deepEqual(await listAll(ours), await listAll(upstream.hotUpdater));
    assert.equal(JSON.parse((await call(upstream.hotUpdater, "GET", `/api/bundles/${bundles[1].id}`)).text).targetCohorts.join(), "qa,7");
    await sameUpdateAnswers(upstream.hotUpdater, ours, bundles);
  });

  test(`${engine.provider}: migrated by us (createMigrator and the CLI), served by upstream`, async (t) => {
    const db = engine.create();
    const ours = createHotUpdater({ database: engine.ours(db.url), ...options });
    let upstream;
    t.after(async () => {
      await ours.close();
      if (upstream) await upstream.close();
      db.drop();
    });
    const migrator = createMigrator(ours);
    assert.equal(await migrator.getVersion(), undefined);
    const readiness = await call(ours, "GET", "/api/bundles");
    assert.equal(readiness.status, 500);
    assert.match(JSON.parse(readiness.text).message, /schema is not initialized/);
    const plan = await migrator.migrateToLatest();
    assert.match(plan.getSQL(), /create table if not exists bundles/);
    await plan.execute();
    assert.equal(await migrator.getVersion(), "0.31.0");
    // The CLI on an up-to-date database has nothing to do.
    const cli = execFileSync(process.execPath, ["bin/hot-updater-rs.js", "migrate", "--database", db.url], { encoding: "utf8" });
    assert.match(cli, /Schema is current \(0\.31\.0\)/);

    const bundles = makeBundles(60, 32);
    assert.equal((await call(ours, "POST", "/api/bundles", bundles)).status, 201);
    upstream = await createUpstreamServer(engine.provider, db.url, { storages: [parityStorage()], migrate: false });
    assert.deepEqual(await listAll(upstream.hotUpdater), await listAll(ours));
    await sameUpdateAnswers(upstream.hotUpdater, ours, bundles);
  });
}
