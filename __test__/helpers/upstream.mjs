// The reference: upstream @hot-updater/server on Kysely + better-sqlite3.
//
// Upstream binds JS booleans, which better-sqlite3 rejects (its documented SQLite quick start
// fails on the first insert), so the reference side gets a one-line shim that binds 0/1.
// hot-updater-rs needs no such shim.
import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { createHotUpdater } from "@hot-updater/server";
import { kyselyAdapter } from "@hot-updater/server/adapters/kysely";
import { createMigrator } from "@hot-updater/server/db";

const toSqlite = (v) => (v === true ? 1 : v === false ? 0 : v);

function shimBooleans(db) {
  const prepare = db.prepare.bind(db);
  db.prepare = (sql) => {
    const stmt = prepare(sql);
    for (const method of ["run", "get", "all", "iterate"]) {
      const original = stmt[method].bind(stmt);
      stmt[method] = (...params) => original(...params.map((p) => (Array.isArray(p) ? p.map(toSqlite) : toSqlite(p))));
    }
    return stmt;
  };
  return db;
}

/** Opens `path` with the reference adapter (shimmed) and returns the Kysely plugin factory. */
export function upstreamKysely(path) {
  const sqlite = shimBooleans(new Database(path));
  const db = new Kysely({ dialect: new SqliteDialect({ database: sqlite }) });
  return { adapter: kyselyAdapter({ db, provider: "sqlite" }), db, sqlite };
}

/** Upstream's server on a SQLite file, migrated by upstream's own migrator. */
export async function createUpstream(path, options = {}) {
  const { adapter, db } = upstreamKysely(path);
  const hotUpdater = createHotUpdater({ database: adapter, basePath: "/hot-updater", routes: { updateCheck: true, bundles: true }, ...options });
  const result = await createMigrator(hotUpdater).migrateToLatest();
  await result.execute();
  return { hotUpdater, close: () => db.destroy() };
}
