// getBundles through every kind of database against upstream itself: ascending order across
// pages and cursors, and empty cursor pages (an empty `in` set) with the cursors upstream gives.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createHotUpdater, sqliteDatabase } from "../index.mjs";
import { createUpstream, upstreamKysely } from "./helpers/upstream.mjs";
import { makeBundles } from "./helpers/fixtures.mjs";

const BUNDLES = makeBundles(23, 9);
const sortedIds = BUNDLES.map((b) => b.id).sort();

const QUERIES = [
  { limit: 5, orderBy: { field: "id", direction: "asc" } },
  { limit: 5, orderBy: { field: "id", direction: "desc" } },
  { limit: 5 },
  { limit: 5, orderBy: { field: "id", direction: "asc" }, cursor: { after: sortedIds[4] } },
  { limit: 5, orderBy: { field: "id", direction: "asc" }, cursor: { before: sortedIds[12] } },
  { limit: 5, orderBy: { field: "id", direction: "asc" }, where: { platform: "ios" }, cursor: { after: sortedIds[2] } },
  { limit: 50, orderBy: { field: "id", direction: "asc" } },
  { limit: 5, where: { id: { in: [] } }, cursor: { after: sortedIds[3] } },
  { limit: 5, where: { id: { in: [] } }, cursor: { before: sortedIds[3] } },
  { limit: 5, where: { id: { in: [] } }, orderBy: { field: "id", direction: "asc" }, cursor: { after: sortedIds[3] } },
  { limit: 5, where: { id: { in: [] } } },
];

test("getBundles: ascending pages, cursors and empty cursor pages equal upstream's, natively and through the bridge", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-get-bundles-"));
  const closers = [];
  t.after(async () => {
    for (const close of closers.reverse()) await close();
    rmSync(dir, { recursive: true, force: true });
  });
  const upstream = await createUpstream(join(dir, "upstream.db"));
  closers.push(() => upstream.close());
  await (await createUpstream(join(dir, "bridge.db"))).close();
  const bridge = upstreamKysely(join(dir, "bridge.db"));
  closers.push(() => bridge.db.destroy());
  const ours = {
    "native SQLite": createHotUpdater({ database: sqliteDatabase({ path: join(dir, "ours.db") }) }),
    "upstream's Kysely plugin through the bridge": createHotUpdater({ database: bridge.adapter }),
  };
  for (const server of Object.values(ours)) closers.push(() => server.close());
  for (const b of BUNDLES) {
    await upstream.hotUpdater.insertBundle(b);
    for (const server of Object.values(ours)) await server.insertBundle(b);
  }
  let compared = 0;
  for (const query of QUERIES) {
    const expected = await upstream.hotUpdater.getBundles(query);
    for (const [name, server] of Object.entries(ours)) {
      const got = await server.getBundles(query);
      assert.equal(JSON.stringify(got), JSON.stringify(expected), `${name}: ${JSON.stringify(query)}`);
      compared++;
    }
  }
  // The ascending page really is ascending, and the empty cursor page keeps its cursor.
  const asc = await ours["upstream's Kysely plugin through the bridge"].getBundles(QUERIES[0]);
  assert.deepEqual(asc.data.map((b) => b.id), sortedIds.slice(0, 5));
  const empty = await ours["native SQLite"].getBundles(QUERIES[7]);
  assert.equal(empty.pagination.previousCursor, sortedIds[3]);
  t.diagnostic(`${compared} pages compared with upstream`);
});
