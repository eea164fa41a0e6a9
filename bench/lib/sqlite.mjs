// SQLite seeding: upstream's own migrator creates the schema, better-sqlite3 bulk-inserts the
// rows in one transaction, and every server then gets its own copy of the same file.
import Database from "better-sqlite3";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";

import { createUpstream } from "../../__test__/helpers/upstream.mjs";
import { BUNDLE_COLUMNS, PATCH_COLUMNS, bundleRow, patchRows } from "./dataset.mjs";

/** Upstream's migrator on a fresh file (createUpstream runs createMigrator(...).migrateToLatest()). */
async function migrate(path) {
  const upstream = await createUpstream(path);
  await upstream.close();
}

function insertAll(path, bundles) {
  const db = new Database(path);
  try {
    const insertBundle = db.prepare(`INSERT INTO bundles (${BUNDLE_COLUMNS.join(", ")}) VALUES (${BUNDLE_COLUMNS.map(() => "?").join(", ")})`);
    const insertPatch = db.prepare(`INSERT INTO bundle_patches (${PATCH_COLUMNS.join(", ")}) VALUES (${PATCH_COLUMNS.map(() => "?").join(", ")})`);
    db.transaction(() => {
      for (const b of bundles) {
        insertBundle.run(bundleRow(b));
        for (const row of patchRows(b)) insertPatch.run(row);
      }
    })();
    db.exec("ANALYZE");
  } finally {
    db.close();
  }
}

/** Seeds `dir/template.db` and copies it to one file per server name. Returns { paths, seedMs }. */
export async function seedSqlite(dir, bundles, names) {
  const started = performance.now();
  const template = join(dir, "template.db");
  await migrate(template);
  insertAll(template, bundles);
  const paths = {};
  for (const name of names) {
    paths[name] = join(dir, `${name}.db`);
    copyFileSync(template, paths[name]);
  }
  return { paths, seedMs: performance.now() - started };
}

function dump(path) {
  const db = new Database(path, { readonly: true });
  try {
    return {
      bundles: db.prepare("SELECT * FROM bundles ORDER BY id").all(),
      patches: db.prepare("SELECT * FROM bundle_patches ORDER BY id").all(),
    };
  } finally {
    db.close();
  }
}

/**
 * The bulk rows must be the rows upstream itself writes: seed `bundles` both ways (bulk, and
 * upstream's insertBundle through its Kysely adapter) and compare the tables.
 */
export async function checkSeeder(dir, bundles) {
  const bulk = join(dir, "check-bulk.db");
  const viaApi = join(dir, "check-api.db");
  await migrate(bulk);
  insertAll(bulk, bundles);
  const upstream = await createUpstream(viaApi);
  try {
    for (const b of bundles) await upstream.hotUpdater.insertBundle(b);
  } finally {
    await upstream.close();
  }
  const a = dump(bulk);
  const b = dump(viaApi);
  if (!isDeepStrictEqual(a, b)) {
    const i = a.bundles.findIndex((row, k) => !isDeepStrictEqual(row, b.bundles[k]));
    throw new Error(`seeder rows differ from upstream's own inserts; first bundle row: ${JSON.stringify({ bulk: a.bundles[i], upstream: b.bundles[i] })}`);
  }
  return a.bundles.length + a.patches.length;
}
