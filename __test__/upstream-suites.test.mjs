// Upstream's shared test suites (restated in ./suites), run twice over:
//   (a) against upstream @hot-updater/server itself (Kysely + better-sqlite3), which proves
//       the restated expectations, and
//   (b) against hot-updater-rs on native SQLite (snapshot on, the default, and off), and on
//       PostgreSQL / MariaDB when reachable (a database per suite run, created and dropped with
//       the psql / mysql clients). The JS bridge runs them in adapters.test.mjs.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { coerce, satisfies } from "verkit";

import { createHotUpdater, mysqlDatabase, postgresDatabase, sqliteDatabase } from "../index.mjs";
import { createUpstream } from "./helpers/upstream.mjs";
import { parityStorage } from "./helpers/parity-storage.mjs";
import { defineUpdateInfoCases, rolloutPosition } from "./suites/update-info.mjs";
import { defineSemverCases } from "./suites/semver.mjs";
import { defineBundleMethodCases } from "./suites/bundle-methods.mjs";
import { defineHandlerCases } from "./suites/handler.mjs";
import { bundleMethodsTarget, updateInfoTarget } from "./helpers/suite-targets.mjs";

const DEFAULTS = { basePath: "/hot-updater", routes: { updateCheck: true, bundles: true } };

// ---- external database servers ----
const PSQL = ["-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-qAtc"];
const MYSQL = ["-h", "127.0.0.1", "-u", "root", "-e"];
const run = (cmd, args) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 }).toString();
const reachable = (cmd, args) => {
  try {
    run(cmd, [...args, "SELECT 1"]);
    return true;
  } catch {
    return false;
  }
};
const HAS_PG = reachable("psql", PSQL);
const HAS_MYSQL = reachable("mysql", MYSQL);
let serial = 0;
const dbName = () => `hu_suites_${process.pid}_${++serial}`;

// ---- backends: each opens a server with createHotUpdater options (no `database`) ----
function sqliteFile(open) {
  return async (options) => {
    const dir = mkdtempSync(join(tmpdir(), "hu-suites-"));
    try {
      const server = await open(join(dir, "db.sqlite"), options);
      const close = async () => {
        try {
          await server.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      };
      return { hotUpdater: server.hotUpdater, close };
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  };
}

function ours(database, options) {
  const hotUpdater = createHotUpdater({ database, storages: [parityStorage()], ...DEFAULTS, ...options });
  return { hotUpdater, close: () => hotUpdater.close() };
}

function serverDatabase({ create, drop, connect }) {
  return async (options) => {
    const name = dbName();
    create(name);
    let server;
    try {
      server = ours(connect(name), options);
    } catch (error) {
      drop(name);
      throw error;
    }
    return {
      hotUpdater: server.hotUpdater,
      close: async () => {
        try {
          await server.close();
        } finally {
          drop(name);
        }
      },
    };
  };
}

const BACKENDS = [
  { name: "upstream @hot-updater/server (reference)", open: sqliteFile((path, options) => createUpstream(path, { storages: [parityStorage()], ...options })) },
  // SQLite twice: update checks from the in-memory snapshot (the default) and straight from SQL.
  // The JS bridge runs the same suites in adapters.test.mjs (upstream's plugins on SQLite).
  { name: "hot-updater-rs / SQLite", open: sqliteFile((path, options) => ours(sqliteDatabase({ path }), options)) },
  { name: "hot-updater-rs / SQLite, snapshot off", open: sqliteFile((path, options) => ours(sqliteDatabase({ path, snapshot: false }), options)) },
  {
    name: "hot-updater-rs / PostgreSQL",
    // In CI (.ci/run starts both servers) a missing server is a failure, not a skip.
    skip: !HAS_PG && !process.env.CI && "PostgreSQL on 127.0.0.1 not reachable with psql",
    open: serverDatabase({
      create: (n) => run("psql", [...PSQL, `CREATE DATABASE ${n}`]),
      drop: (n) => run("psql", [...PSQL, `DROP DATABASE IF EXISTS ${n} WITH (FORCE)`]),
      connect: (n) => postgresDatabase({ connectionString: `postgres://postgres@127.0.0.1:5432/${n}`, autoMigrate: true }),
    }),
  },
  {
    name: "hot-updater-rs / MariaDB",
    skip: !HAS_MYSQL && !process.env.CI && "MariaDB on 127.0.0.1:3306 not reachable with mysql",
    open: serverDatabase({
      create: (n) => run("mysql", [...MYSQL, `CREATE DATABASE ${n}`]),
      drop: (n) => run("mysql", [...MYSQL, `DROP DATABASE IF EXISTS ${n}`]),
      connect: (n) => mysqlDatabase({ connectionString: `mysql://root@127.0.0.1:3306/${n}`, autoMigrate: true }),
    }),
  },
];

// ---- the runs ----
test("our rollout-position helper agrees with @hot-updater/core", async (t) => {
  // @hot-updater/core arrives with @hot-updater/server; it is not a direct dependency.
  const core = await import("@hot-updater/core").catch(() => null);
  if (!core) return t.skip("@hot-updater/core is not installed");
  const { getNumericCohortRolloutPosition } = core;
  for (const id of ["0195715d-42db-7475-9204-31819efc2f1d", "00000000-0000-0000-0000-000000000010", "00000000-0000-0000-0000-000000000023"]) {
    for (let cohort = 1; cohort <= 1000; cohort++) assert.equal(rolloutPosition(id, cohort), getNumericCohortRolloutPosition(id, cohort));
  }
});

describe("semverSatisfies: upstream (verkit, coerce then satisfies)", () => {
  defineSemverCases((range, version) => {
    try {
      const coerced = coerce(version);
      return coerced ? satisfies(coerced, range) : false;
    } catch {
      return false;
    }
  });
});

describe("semverSatisfies: hot-updater-rs binding", () => {
  defineSemverCases(createRequire(import.meta.url)("../lib/binding.js").semverSatisfies);
});

for (const backend of BACKENDS) {
  describe(backend.name, { skip: backend.skip || false }, () => {
    describe("update-info suite", () => defineUpdateInfoCases(updateInfoTarget(backend.open)));
    describe("bundle-methods suite", () => defineBundleMethodCases(bundleMethodsTarget(backend.open)));
    describe("handler suite", () => defineHandlerCases((options) => backend.open(options)));
  });
}
