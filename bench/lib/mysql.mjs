// MySQL / MariaDB seeding (127.0.0.1:3306, user root, no password): a fresh database per size,
// the schema by upstream's own Kysely migrator (mysql2 driver), the rows by multi-row INSERTs
// through mysql2 with the values upstream's kyselyAdapter writes on MySQL (booleans as 1/0,
// metadata and targetCohorts as JSON text), and the database dropped at the end.
import { BUNDLE_COLUMNS, PATCH_COLUMNS, bundleRow, patchRows } from "./dataset.mjs";

const HOST = "127.0.0.1";
const PORT = 3306;
const USER = "root";
export const mysqlUrl = (database) => `mysql://${USER}@${HOST}:${PORT}/${database}`;
/** Rows per INSERT statement. */
const BATCH = 500;

async function connect(database) {
  const mysql = await import("mysql2/promise");
  return mysql.createConnection({ host: HOST, port: PORT, user: USER, database, multipleStatements: false });
}

/** Whether the MySQL benchmark can run: { ok, note }. */
export async function mysqlStatus() {
  try {
    await import("mysql2/promise");
  } catch {
    return { ok: false, note: "MySQL skipped: the `mysql2` driver is not installed (upstream's Kysely migrator and adapter need it; it is a devDependency): run `npm ci`." };
  }
  try {
    const conn = await connect(undefined);
    const [[row]] = await conn.query("SELECT VERSION() AS v");
    await conn.end();
    return { ok: true, version: row.v };
  } catch (error) {
    return { ok: false, note: `MySQL skipped: no server at ${HOST}:${PORT} for user ${USER} (bash scripts/services.sh starts MariaDB): ${String(error.message).slice(0, 200)}` };
  }
}

/** Upstream's own Kysely migrator, through the shared reference helper. */
async function migrate(url) {
  const { createUpstreamServer } = await import("../../__test__/helpers/upstream-servers.mjs");
  const upstream = await createUpstreamServer("mysql", url, { migrate: true });
  await upstream.close();
}

async function insertRows(conn, table, columns, rows) {
  for (let i = 0; i < rows.length; i += BATCH) {
    const chunk = rows.slice(i, i + BATCH);
    await conn.query(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ?`, [chunk]);
  }
}

/** Creates and seeds database `name`; returns { url, seedMs }. */
export async function seedMysql(name, bundles) {
  const started = performance.now();
  const admin = await connect(undefined);
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.query(`CREATE DATABASE \`${name}\``);
  } finally {
    await admin.end();
  }
  const url = mysqlUrl(name);
  await migrate(url);
  const conn = await connect(name);
  try {
    await insertRows(conn, "bundles", BUNDLE_COLUMNS, bundles.map((b) => bundleRow(b)));
    const patches = bundles.flatMap(patchRows);
    if (patches.length > 0) await insertRows(conn, "bundle_patches", PATCH_COLUMNS, patches);
    await conn.query("ANALYZE TABLE bundles, bundle_patches");
  } finally {
    await conn.end();
  }
  return { url, seedMs: performance.now() - started };
}

export async function dropMysql(name) {
  const admin = await connect(undefined);
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await admin.end();
  }
}

/**
 * Seeds `bundles` with this seeder and, into a second database, with upstream's own insertBundle,
 * and compares every row of both tables. Returns the number of rows compared; throws on a
 * difference.
 */
export async function checkMysqlSeeder(bundles) {
  const ours = `hu_bench_seedcheck_${process.pid}_a`;
  const theirs = `hu_bench_seedcheck_${process.pid}_b`;
  try {
    await seedMysql(ours, bundles);
    const admin = await connect(undefined);
    await admin.query(`DROP DATABASE IF EXISTS \`${theirs}\``);
    await admin.query(`CREATE DATABASE \`${theirs}\``);
    await admin.end();
    const { createUpstreamServer } = await import("../../__test__/helpers/upstream-servers.mjs");
    const upstream = await createUpstreamServer("mysql", mysqlUrl(theirs), { migrate: true });
    for (const b of bundles) await upstream.hotUpdater.insertBundle(b);
    await upstream.close();
    let compared = 0;
    for (const [table, key] of [["bundles", "id"], ["bundle_patches", "id"]]) {
      const dump = async (db) => {
        const conn = await connect(db);
        const [rows] = await conn.query(`SELECT * FROM ${table} ORDER BY ${key}`);
        await conn.end();
        return JSON.stringify(rows);
      };
      const [a, b] = [await dump(ours), await dump(theirs)];
      if (a !== b) throw new Error(`MySQL seeder: table ${table} differs from upstream's insertBundle rows`);
      compared += JSON.parse(a).length;
    }
    return compared;
  } finally {
    await dropMysql(ours).catch(() => {});
    await dropMysql(theirs).catch(() => {});
  }
}
