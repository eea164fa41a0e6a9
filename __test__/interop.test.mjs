// Interchangeable databases: a SQLite file written by hot-updater-rs is read and written by
// upstream's Kysely adapter, and a file migrated and written by upstream is served by us.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createHotUpdater, sqliteDatabase } from "../index.mjs";
import { createUpstream } from "./helpers/upstream.mjs";
import { parityStorage } from "./helpers/parity-storage.mjs";
import { makeBundles, makeUpdateRequests } from "./helpers/fixtures.mjs";

const options = { basePath: "/hot-updater", routes: { updateCheck: true, bundles: true }, storages: [parityStorage()] };

async function get(hotUpdater, path) {
  const res = await hotUpdater.handler(new Request(`http://localhost${path}`));
  return { status: res.status, body: await res.text() };
}

async function post(hotUpdater, bundles) {
  const res = await hotUpdater.handler(new Request("http://localhost/hot-updater/api/bundles", { method: "POST", body: JSON.stringify(bundles) }));
  assert.equal(res.status, 201, await res.text());
}

async function listAll(hotUpdater) {
  const out = [];
  let after = "";
  for (;;) {
    const page = JSON.parse((await get(hotUpdater, `/hot-updater/api/bundles?limit=100${after ? `&after=${after}` : ""}`)).body);
    out.push(...page.data);
    if (!page.pagination.nextCursor) return out;
    after = page.pagination.nextCursor;
  }
}

async function sameAnswers(a, b, bundles) {
  for (const { path, sdk } of makeUpdateRequests(bundles, 300, 5)) {
    const init = sdk ? { headers: { "Hot-Updater-SDK-Version": sdk } } : {};
    const [x, y] = await Promise.all([a.handler(new Request(`http://localhost${path}`, init)), b.handler(new Request(`http://localhost${path}`, init))]);
    assert.equal(await y.text(), await x.text(), path);
  }
}

test("a database written by hot-updater-rs is read and written by upstream", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-interop-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "shared.db");
  const bundles = makeBundles(120, 3);

  const ours = createHotUpdater({ database: sqliteDatabase({ path: file }), ...options });
  await post(ours, bundles.slice(0, 100));
  const written = await listAll(ours);
  await ours.close();

  // Upstream's migrator sees a current schema (nothing to do) and its adapter reads our rows.
  const upstream = await createUpstream(file, { storages: [parityStorage()] });
  assert.deepEqual(await listAll(upstream.hotUpdater), written);
  await post(upstream.hotUpdater, bundles.slice(100));
  const patched = await upstream.hotUpdater.handler(
    new Request(`http://localhost/hot-updater/api/bundles/${bundles[3].id}`, { method: "PATCH", body: JSON.stringify({ enabled: false, targetCohorts: ["qa"] }) }),
  );
  assert.equal(patched.status, 200);
  const afterUpstream = await listAll(upstream.hotUpdater);

  // And we read what upstream wrote.
  const again = createHotUpdater({ database: sqliteDatabase({ path: file }), ...options });
  assert.deepEqual(await listAll(again), afterUpstream);
  await sameAnswers(upstream.hotUpdater, again, bundles);
  await again.close();
  await upstream.close();
});

test("a database migrated and filled by upstream is served by hot-updater-rs", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-interop-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "upstream.db");
  const bundles = makeBundles(150, 8);
  const upstream = await createUpstream(file, { storages: [parityStorage()] });
  await post(upstream.hotUpdater, bundles);

  const ours = createHotUpdater({ database: sqliteDatabase({ path: file, autoMigrate: false }), ...options });
  assert.deepEqual(await listAll(ours), await listAll(upstream.hotUpdater));
  await sameAnswers(upstream.hotUpdater, ours, bundles);
  const del = await ours.handler(new Request(`http://localhost/hot-updater/api/bundles/${bundles[0].id}`, { method: "DELETE" }));
  assert.equal(del.status, 200);
  assert.equal((await get(upstream.hotUpdater, `/hot-updater/api/bundles/${bundles[0].id}`)).status, 404);
  await ours.close();
  await upstream.close();
});
