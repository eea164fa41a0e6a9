"use strict";
// `hot-updater-rs/db`: migrations and schema output, with upstream's names.

const native = require("./lib/binding.js");
const { fromNative, configError } = require("./lib/errors.js");
const { HOT_UPDATER_SERVER_VERSION, INSTANCE } = require("./lib/server.js");
const { HotUpdaterSchemaMigrationRequiredError } = require("./lib/plugins.js");

// Schema versions are defined once, natively (src/db/sql/schema.rs).
const LATEST = native.SCHEMA_VERSION;
const VERSIONS = native.schemaVersions();

function instanceOf(hotUpdater) {
  const instance = hotUpdater && hotUpdater[INSTANCE];
  if (!instance) throw configError("Database tooling requires a hotUpdater instance created by hot-updater-rs.", Error);
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
    throw configError("Hot Updater migrations support only mode: 'from-schema'.", Error);
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
      throw configError("No previous schema to migrate to.", Error);
    },
    migrateTo: async (target, options) => {
      if (target !== LATEST) throw configError(`Invalid version ${target}`, Error);
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
  throw configError("createMigrator is only available for Kysely/MongoDB database adapters.", Error);
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
  if (version !== "latest" && !VERSIONS.includes(version)) throw configError(`Unsupported Hot Updater schema version: ${version}`, Error);
  const provider = providerOf(database);
  if (provider) {
    try {
      return { code: native.schemaSql(provider, version), path: name ?? "hot-updater-schema.sql" };
    } catch (error) {
      throw fromNative(error);
    }
  }
  if (typeof database === "function" && typeof database.generateSchema === "function") return database.generateSchema(version, name);
  throw configError("generateSchema is only available for Drizzle/Prisma database adapters.", Error);
}

module.exports = { createMigrator, generateSchema, HotUpdaterSchemaMigrationRequiredError, HOT_UPDATER_SERVER_VERSION };
