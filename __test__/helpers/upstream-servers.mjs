// Upstream @hot-updater/server on PostgreSQL (pg) and MySQL (mysql2) through Kysely, as its
// users run it. `pg` sends JS arrays as PostgreSQL array literals, which a `json` column rejects
// (upstream fails on bundles with targetCohorts), so the reference side gets a shim that sends
// arrays as JSON text. hot-updater-rs needs no shim.
import pg from "pg";
import { createPool } from "mysql2";
import { Kysely, MysqlDialect, PostgresDialect } from "kysely";
import { createHotUpdater } from "@hot-updater/server";
import { kyselyAdapter } from "@hot-updater/server/adapters/kysely";
import { createMigrator } from "@hot-updater/server/db";

function jsonArrays(params) {
  return Array.isArray(params) ? params.map((p) => (Array.isArray(p) ? JSON.stringify(p) : p)) : params;
}

export function shimmedPgPool(connectionString) {
  const pool = new pg.Pool({ connectionString, max: 4 });
  const connect = pool.connect.bind(pool);
  pool.connect = async (...args) => {
    const client = await connect(...args);
    if (!client.__huShim) {
      const query = client.query.bind(client);
      client.query = (config, values, cb) =>
        typeof config === "object" && config !== null && "values" in config
          ? query({ ...config, values: jsonArrays(config.values) }, values, cb)
          : query(config, jsonArrays(values), cb);
      client.__huShim = true;
    }
    return client;
  };
  return pool;
}

/** Upstream on `provider` ("postgresql" | "mysql") at `url`; `migrate` runs upstream's migrator. */
export async function createUpstreamServer(provider, url, { migrate = true, ...options } = {}) {
  const dialect =
    provider === "postgresql"
      ? new PostgresDialect({ pool: shimmedPgPool(url) })
      : new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 4 }) });
  const db = new Kysely({ dialect });
  const hotUpdater = createHotUpdater({ database: kyselyAdapter({ db, provider }), basePath: "/hot-updater", routes: { updateCheck: true, bundles: true }, ...options });
  if (migrate) await (await createMigrator(hotUpdater).migrateToLatest()).execute();
  return { hotUpdater, close: () => db.destroy() };
}
