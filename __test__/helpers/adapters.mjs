// Upstream's own database plugins (what `kyselyAdapter`, `drizzleAdapter` and `mongoAdapter`
// from `@hot-updater/server/adapters/*` return), each on a database of its own, ready to be
// handed to upstream's createHotUpdater and to ours. Every `open()` gives a fresh, migrated,
// empty store: a SQLite file, a PostgreSQL / MariaDB database, or a MongoDB database.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import pg from "pg";
import { createPool } from "mysql2";
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from "kysely";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzleLibsql } from "drizzle-orm/libsql";
import { drizzle as drizzleBetterSqlite } from "drizzle-orm/better-sqlite3";
import Database from "better-sqlite3";
import { createClient as createLibsqlClient } from "@libsql/client";
import { MongoClient } from "mongodb";
import { createHotUpdater } from "@hot-updater/server";
import { kyselyAdapter } from "@hot-updater/server/adapters/kysely";
import { drizzleAdapter } from "@hot-updater/server/adapters/drizzle";
import { mongoAdapter } from "@hot-updater/server/adapters/mongodb";
import { prismaAdapter } from "@hot-updater/server/adapters/prisma";
import { createMigrator, generateSchema } from "@hot-updater/server/db";

import { upstreamKysely } from "./upstream.mjs";
import { shimmedPgPool } from "./upstream-servers.mjs";
import { mysqlDatabase, pgDatabase } from "./servers.mjs";
import { contextDatabase } from "./context-db.mjs";
import { prismaClientClass } from "./prisma.mjs";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { createHotUpdater as ourCreateHotUpdater, postgresDatabase, sqliteDatabase } from "../../index.mjs";
import { createMigrator as ourCreateMigrator } from "../../db.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let serial = 0;

/** Creates the tables with hot-updater-rs's own migrator on `database` (a native one). */
async function ourMigrate(database) {
  const server = ourCreateHotUpdater({ database });
  try {
    await (await ourCreateMigrator(server).migrateToLatest()).execute();
  } finally {
    await server.close();
  }
}

/** Runs upstream's own migrator for `adapter` (Kysely and MongoDB adapters have one). */
export async function migrate(adapter) {
  const result = await createMigrator(createHotUpdater({ database: adapter })).migrateToLatest();
  await result.execute();
}

function kyselyOn(provider, url) {
  const dialect =
    provider === "postgresql" ? new PostgresDialect({ pool: shimmedPgPool(url) }) : new MysqlDialect({ pool: createPool({ uri: url, connectionLimit: 4 }) });
  const db = new Kysely({ dialect });
  return { adapter: kyselyAdapter({ db, provider }), close: () => db.destroy() };
}

/** A fresh SQLite file in its own directory. */
function sqliteFile() {
  const dir = mkdtempSync(join(tmpdir(), "hu-adapters-"));
  return { path: join(dir, "db.sqlite"), drop: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * upstream's prismaAdapter over the SQLite file at `path` (tables already there), on a client
 * `wrap` may stand in for (to watch its calls).
 */
export function prismaOnSqlite(path, wrap = (prisma) => prisma) {
  const PrismaClient = prismaClientClass("sqlite");
  const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: pathToFileURL(path).href }) });
  return { database: prismaAdapter({ prisma: wrap(prisma), provider: "sqlite" }), close: () => prisma.$disconnect() };
}

/** A fresh server database (`pgDatabase` / `mysqlDatabase`). */
function serverDb(provider) {
  return provider === "postgresql" ? pgDatabase() : mysqlDatabase();
}

// Drizzle's table definitions, as upstream's schema generator writes them for `provider`
// (the code `hot-updater db generate` emits), loaded as a module. It is written under
// node_modules so that its `drizzle-orm` imports resolve like a user's schema file would.
const drizzleSchemas = new Map();
async function drizzleSchema(provider) {
  if (!drizzleSchemas.has(provider)) {
    const probe = createHotUpdater({
      database: drizzleAdapter({
        db: () => {
          throw new Error("schema generation must not open the database");
        },
        provider,
      }),
    });
    const { code } = generateSchema(probe, "latest");
    const dir = join(ROOT, "node_modules", ".cache", "hu-drizzle-schema");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${provider}-${process.pid}-${++serial}.mjs`);
    writeFileSync(file, code);
    try {
      drizzleSchemas.set(provider, { code, module: await import(pathToFileURL(file).href) });
    } finally {
      rmSync(file, { force: true });
    }
  }
  return drizzleSchemas.get(provider);
}

/** The generated Drizzle schema source for `provider` (for the report of what was tested). */
export async function drizzleSchemaCode(provider) {
  return (await drizzleSchema(provider)).code;
}

/**
 * The adapters under test. `open()` resolves to `{ database, close }`: `database` is the
 * upstream plugin factory on a fresh store; `close()` releases and drops the store.
 * `mongo` entries need `setMongo(url)` first.
 */
export function adapterMatrix({ mongoUrl } = {}) {
  const mongoDb = (url) => {
    const name = `hu_adapters_${process.pid}_${++serial}`;
    const u = new URL(url);
    u.pathname = `/${name}`;
    return u.toString();
  };
  return {
    "kysely / SQLite": {
      tables: "upstream's migrator",
      async open() {
        const file = sqliteFile();
        const { adapter, db } = upstreamKysely(file.path);
        await migrate(adapter);
        return { database: adapter, close: async () => (await db.destroy(), file.drop()) };
      },
    },
    ...Object.fromEntries(
      ["postgresql", "mysql"].map((provider) => [
        `kysely / ${provider === "postgresql" ? "PostgreSQL" : "MariaDB"}`,
        {
          tables: "upstream's migrator",
          async open() {
            const store = serverDb(provider);
            const { adapter, close } = kyselyOn(provider, store.url);
            await migrate(adapter);
            return { database: adapter, close: async () => (await close(), store.drop()) };
          },
        },
      ]),
    ),
    // Drizzle's SQLite drivers built on better-sqlite3 are synchronous, and upstream's adapter
    // writes in an async transaction, which they refuse; libSQL is Drizzle's asynchronous one.
    "drizzle / SQLite": {
      tables: "upstream's migrator (Kysely), schema from upstream's Drizzle generator",
      async open() {
        const file = sqliteFile();
        const ref = upstreamKysely(file.path);
        await migrate(ref.adapter);
        await ref.db.destroy();
        const { module } = await drizzleSchema("sqlite");
        const client = createLibsqlClient({ url: pathToFileURL(file.path).href });
        const db = drizzleLibsql({ client, schema: module });
        return { database: drizzleAdapter({ db, provider: "sqlite" }), close: async () => (client.close(), file.drop()) };
      },
    },
    "drizzle / PostgreSQL": {
      tables: "upstream's migrator (Kysely), schema from upstream's Drizzle generator",
      async open() {
        const store = serverDb("postgresql");
        const ref = kyselyOn("postgresql", store.url);
        await migrate(ref.adapter);
        await ref.close();
        const { module } = await drizzleSchema("postgresql");
        const pool = new pg.Pool({ connectionString: store.url, max: 4 });
        const db = drizzlePg({ client: pool, schema: module });
        return { database: drizzleAdapter({ db, provider: "postgresql" }), close: async () => (await pool.end(), store.drop()) };
      },
    },
    ...(mongoUrl
      ? Object.fromEntries(
          Object.entries(mongoUrl).map(([mode, url]) => [
            `mongodb / SecantusDB (${mode})`,
            {
              tables: "upstream's migrator",
              // SecantusDB is a MongoDB-wire server written in Python, slow on upstream's paged
              // queries: these rows compare a seeded third of the requests and method calls
              // (every mutation still runs) to keep the file within its time budget.
              requestShare: 1 / 3,
              async open() {
                const client = new MongoClient(mongoDb(url));
                await client.connect();
                const adapter = mongoAdapter({ client });
                await migrate(adapter);
                return {
                  database: adapter,
                  close: async () => {
                    await client.db().dropDatabase();
                    await client.close();
                  },
                };
              },
            },
          ]),
        )
      : {}),
    "prisma / SQLite": {
      tables: "our migrator; client generated from upstream's Prisma models",
      async open() {
        const file = sqliteFile();
        await ourMigrate(sqliteDatabase({ path: file.path, snapshot: false }));
        const PrismaClient = prismaClientClass("sqlite");
        const prisma = new PrismaClient({ adapter: new PrismaBetterSqlite3({ url: pathToFileURL(file.path).href }) });
        return { database: prismaAdapter({ prisma, provider: "sqlite" }), close: async () => (await prisma.$disconnect(), file.drop()) };
      },
    },
    "prisma / PostgreSQL": {
      tables: "our migrator; client generated from upstream's Prisma models",
      async open() {
        const store = serverDb("postgresql");
        await ourMigrate(postgresDatabase({ connectionString: store.url, snapshot: false }));
        const PrismaClient = prismaClientClass("postgresql");
        const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: store.url, max: 4 }) });
        return { database: prismaAdapter({ prisma, provider: "postgresql" }), close: async () => (await prisma.$disconnect(), store.drop()) };
      },
    },
    "hand-written plugin with context": {
      tables: "in memory, one store per context tenant",
      contextual: true,
      async open() {
        return { database: contextDatabase(), close: async () => {} };
      },
    },
  };
}

/**
 * Upstream's Drizzle adapter on Drizzle's better-sqlite3 driver, which runs transactions
 * synchronously: upstream's writes (an async transaction) fail with the driver's error.
 */
export async function drizzleOnBetterSqlite() {
  const file = sqliteFile();
  const ref = upstreamKysely(file.path);
  await migrate(ref.adapter);
  await ref.db.destroy();
  const sqlite = new Database(file.path);
  const db = drizzleBetterSqlite({ client: sqlite, schema: (await drizzleSchema("sqlite")).module });
  return { database: drizzleAdapter({ db, provider: "sqlite" }), close: async () => (sqlite.close(), file.drop()) };
}

/** Starts SecantusDB on `port` (`standalone` or a one-node replica set); `{ url, stop() }`. */
export function startMongo(port, standalone = false) {
  const args = ["scripts/mongo-server.sh", "--start", String(port), ...(standalone ? ["standalone"] : [])];
  const pid = execFileSync("bash", args, { cwd: ROOT, encoding: "utf8" }).trim().split("\n").at(-1);
  const query = standalone ? "directConnection=true" : "directConnection=true";
  return {
    url: `mongodb://127.0.0.1:${port}/?${query}`,
    stop: () => execFileSync("bash", ["scripts/mongo-server.sh", "--stop", pid], { cwd: ROOT }),
  };
}
