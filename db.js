"use strict";
// `hot-updater-rs/db`: migrations and schema output, with upstream's names.

const native = require("./lib/binding.js");
const { fromNative } = require("./lib/errors.js");
const { HOT_UPDATER_SERVER_VERSION, INSTANCE } = require("./lib/server.js");
const { HotUpdaterSchemaMigrationRequiredError } = require("./lib/plugins.js");

const LATEST = "0.31.0";
const VERSIONS = ["0.21.0", "0.29.0", "0.31.0"];

function instanceOf(hotUpdater) {
  const instance = hotUpdater && hotUpdater[INSTANCE];
  if (!instance) throw new Error("Database tooling requires a hotUpdater instance created by hot-updater-rs.");
  return instance;
}

const wrap = (fn) => async (...args) => {
  try {
    return await fn(...args);
  } catch (error) {
    throw fromNative(error);
  }
};

function checkOptions(options) {
  if (options && options.mode === "from-database") {
    throw new Error("Hot Updater migrations support only mode: 'from-schema'.");
  }
}

/** Upstream's migrator interface over a native database. */
function nativeMigrator(server) {
  const version = wrap(() => server.schemaVersion());
  const migrateToLatest = wrap(async (options) => {
    checkOptions(options);
    const statements = await server.pendingSql();
    return {
      operations: statements.map((sql) => ({ type: "custom", sql })),
      execute: wrap(async () => {
        await server.migrate();
      }),
      getSQL: () => statements.map((sql) => `${sql};`).join("\n\n"),
    };
  });
  return {
    getVersion: async () => (await version()) ?? undefined,
    getNameVariants: () => undefined,
    next: async () => ((await version()) === LATEST ? undefined : { version: LATEST }),
    previous: async () => undefined,
    up: migrateToLatest,
    down: async () => {
      throw new Error("No previous schema to migrate to.");
    },
    migrateTo: async (target, options) => {
      if (target !== LATEST) throw new Error(`Invalid version ${target}`);
      return migrateToLatest(options);
    },
    migrateToLatest,
  };
}

/**
 * `createMigrator(hotUpdater)`: the native database's migrator, or the JS adapter's own
 * (`kyselyAdapter`, `mongoAdapter`) when the server runs on one.
 */
function createMigrator(hotUpdater) {
  const { server, database } = instanceOf(hotUpdater);
  if (server.hasNativeMigrations) return nativeMigrator(server);
  if (typeof database === "function" && typeof database.createMigrator === "function") return database.createMigrator();
  throw new Error("createMigrator is only available for Kysely/MongoDB database adapters.");
}

function providerOf(database) {
  const name = database && database.name;
  if (name === "sqlite" || name === "postgresql" || name === "mysql") return name;
  return undefined;
}

/**
 * `generateSchema(hotUpdater, version, name?)`: for native databases, the SQL DDL of that schema
 * version (for teams that review or run migrations themselves); for JS adapters, the adapter's own.
 */
function generateSchema(hotUpdater, version = "latest", name) {
  const { database } = instanceOf(hotUpdater);
  if (version !== "latest" && !VERSIONS.includes(version)) throw new Error(`Unsupported Hot Updater schema version: ${version}`);
  const provider = providerOf(database);
  if (provider) {
    try {
      return { code: native.schemaSql(provider, version), path: name ?? "hot-updater-schema.sql" };
    } catch (error) {
      throw fromNative(error);
    }
  }
  if (typeof database === "function" && typeof database.generateSchema === "function") return database.generateSchema(version, name);
  throw new Error("generateSchema is only available for Drizzle/Prisma database adapters.");
}

module.exports = { createMigrator, generateSchema, HotUpdaterSchemaMigrationRequiredError, HOT_UPDATER_SERVER_VERSION };
