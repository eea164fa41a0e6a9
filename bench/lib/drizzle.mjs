// `--database drizzle`: upstream's drizzleAdapter for both servers, on the tables upstream's Kysely
// migrator made (the harness seeds them as for every run). The Drizzle table definitions are the
// ones upstream's schema generator writes (`hot-updater db generate`), loaded as a module from
// node_modules/.cache so that their `drizzle-orm` imports resolve as a user's schema file would.
// SQLite goes through libSQL (Drizzle's better-sqlite3 driver is synchronous, and upstream's
// adapter writes in an async transaction); PostgreSQL through node-postgres.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const schemas = new Map();

/** The generated schema module for `provider` ("sqlite" | "postgresql"). */
async function schemaModule(provider) {
  if (!schemas.has(provider)) {
    const [{ createHotUpdater }, { drizzleAdapter }, { generateSchema }] = await Promise.all([
      import("@hot-updater/server"),
      import("@hot-updater/server/adapters/drizzle"),
      import("@hot-updater/server/db"),
    ]);
    const refuse = () => {
      throw new Error("schema generation opens no database");
    };
    const { code } = generateSchema(createHotUpdater({ database: drizzleAdapter({ db: refuse, provider }) }), "latest");
    const dir = join(ROOT, "node_modules", ".cache", "hu-bench-drizzle");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${provider}-${process.pid}.mjs`);
    writeFileSync(file, code);
    try {
      schemas.set(provider, await import(pathToFileURL(file).href));
    } finally {
      rmSync(file, { force: true });
    }
  }
  return schemas.get(provider);
}

/** upstream's drizzleAdapter on the benchmark's database of `spec`: { database, close }. */
export async function drizzlePlugin(spec) {
  const { drizzleAdapter } = await import("@hot-updater/server/adapters/drizzle");
  if (spec.db === "postgres") {
    const [{ drizzle }, pg, schema] = await Promise.all([import("drizzle-orm/node-postgres"), import("pg"), schemaModule("postgresql")]);
    const pool = new pg.default.Pool({ connectionString: spec.url, max: 4 });
    const db = drizzle({ client: pool, schema });
    return { database: drizzleAdapter({ db, provider: "postgresql" }), close: () => pool.end() };
  }
  if (spec.db === "sqlite") {
    const [{ drizzle }, { createClient }, schema] = await Promise.all([import("drizzle-orm/libsql"), import("@libsql/client"), schemaModule("sqlite")]);
    const client = createClient({ url: pathToFileURL(spec.path).href });
    const db = drizzle({ client, schema });
    return { database: drizzleAdapter({ db, provider: "sqlite" }), close: async () => client.close() };
  }
  throw new Error(`--database drizzle runs on SQLite or PostgreSQL, not ${spec.db}`);
}
