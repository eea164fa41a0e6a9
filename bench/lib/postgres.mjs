// PostgreSQL seeding (127.0.0.1:5432, user postgres, trust auth): a fresh database per size made
// with psql, the schema by upstream's own Kysely migrator (needs the `pg` driver), the rows by
// COPY through psql, and the database dropped at the end.
import { BUNDLE_COLUMNS, PATCH_COLUMNS, bundleRow, patchRows } from "./dataset.mjs";
import { hasCommand, run } from "./procs.mjs";

const HOST = "127.0.0.1";
const PORT = 5432;
const USER = "postgres";
export const pgUrl = (database) => `postgres://${USER}@${HOST}:${PORT}/${database}`;

function psql(database, sql, input, duringCleanup = false) {
  const args = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", HOST, "-p", String(PORT), "-U", USER, "-d", database, "-tAc", sql];
  return run("psql", args, { timeoutMs: 600_000, input, duringCleanup });
}

/** Whether the PostgreSQL benchmark can run: { ok, note }. */
export async function postgresStatus() {
  try {
    await import("pg");
  } catch {
    return {
      ok: false,
      note: "PostgreSQL skipped: the `pg` driver is not installed (upstream's Kysely migrator and adapter need it; it is a devDependency): run `npm ci` (or `npm install --no-save pg`), then `node bench/run.mjs --db postgres`.",
    };
  }
  if (!hasCommand("psql")) return { ok: false, note: "PostgreSQL skipped: `psql` is not on PATH (apt-get install -y postgresql-client)." };
  try {
    await psql("postgres", "SELECT 1");
  } catch (error) {
    return { ok: false, note: `PostgreSQL skipped: no server at ${HOST}:${PORT} for user ${USER} (bash scripts/services.sh starts it): ${error.message.slice(0, 200)}` };
  }
  return { ok: true };
}

/** Upstream's own Kysely migrator, through the shared reference helper. */
async function migrate(url) {
  const { createUpstreamServer } = await import("../../__test__/helpers/upstream-servers.mjs");
  const upstream = await createUpstreamServer("postgresql", url, { migrate: true });
  await upstream.close();
}

const csvField = (v) => (v === null || v === undefined ? "" : typeof v === "string" ? `"${v.replaceAll('"', '""')}"` : String(v));
const csv = (rows) => rows.map((row) => row.map(csvField).join(",")).join("\n") + "\n";

/** Creates and seeds database `name`; returns { url, seedMs }. */
export async function seedPostgres(name, bundles) {
  const started = performance.now();
  await psql("postgres", `DROP DATABASE IF EXISTS ${name}`);
  await psql("postgres", `CREATE DATABASE ${name}`);
  const url = pgUrl(name);
  await migrate(url);
  const bundleCsv = csv(bundles.map((b) => bundleRow(b, { booleans: "bool" })));
  await psql(name, `COPY bundles (${BUNDLE_COLUMNS.join(", ")}) FROM STDIN WITH (FORMAT csv)`, bundleCsv);
  const patches = bundles.flatMap(patchRows);
  if (patches.length > 0) await psql(name, `COPY bundle_patches (${PATCH_COLUMNS.join(", ")}) FROM STDIN WITH (FORMAT csv)`, csv(patches));
  await psql(name, "ANALYZE");
  return { url, seedMs: performance.now() - started };
}

export async function dropPostgres(name) {
  await psql("postgres", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, undefined, true);
}
