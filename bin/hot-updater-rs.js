#!/usr/bin/env node
"use strict";
// `npx hot-updater-rs`: migrate a database to upstream's latest schema, or print the schema.

const { existsSync, statSync } = require("node:fs");
const { dirname, resolve } = require("node:path");
const { parseArgs } = require("node:util");

const USAGE = `usage: hot-updater-rs migrate --database <url> [--dry-run] [--connect-timeout <seconds>]
       hot-updater-rs schema [--provider sqlite|postgresql|mysql] [--version latest]
       hot-updater-rs explain --database <url> --platform ios|android
                      (--app-version <v> | --fingerprint <hash>) [--channel production]
                      [--bundle-id <installed id>] [--min-bundle-id <id>] [--cohort <c>] [--json]

  --database         an SQLite file (./data/hot-updater.db or sqlite:./file.db),
                     postgres://user@host/db, mysql://user@host/db (mariadb:// too),
                     or mongodb://user@host/db (mongodb+srv:// too)
  --dry-run          print the SQL (for MongoDB: the steps) a migration would run;
                     changes and creates nothing
  --connect-timeout  seconds to wait for a PostgreSQL/MySQL/MongoDB connection (default 5)
  --provider         schema: the SQL dialect (default sqlite)
  --version          schema: the schema version (default latest)
  explain            why an update check with these parameters gets its answer: every bundle
                     of the platform and channel, taken or skipped and why (the server's own
                     decision code; --json prints the whole explanation)
  -h, --help         this text`;

const OPTIONS = {
  database: { type: "string" },
  "dry-run": { type: "boolean" },
  "connect-timeout": { type: "string" },
  provider: { type: "string" },
  version: { type: "string" },
  platform: { type: "string" },
  "app-version": { type: "string" },
  fingerprint: { type: "string" },
  channel: { type: "string" },
  "bundle-id": { type: "string" },
  "min-bundle-id": { type: "string" },
  cohort: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

class UsageError extends Error {}

function sqlitePath(url) {
  return url.replace(/^sqlite:(\/\/)?/, "");
}

/** The database the command runs on, or null for an SQLite file that a dry run must not create. */
function databaseFrom(url, { dryRun, connectTimeoutMs }) {
  const { sqliteDatabase, postgresDatabase, mysqlDatabase, mongoDatabase } = require("../index.js");
  const pool = { autoMigrate: false, snapshot: false, maxConnections: 1, acquireTimeoutMs: connectTimeoutMs };
  if (/^postgres(ql)?:\/\//.test(url)) return postgresDatabase({ connectionString: url, ...pool });
  if (/^(mysql|mariadb):\/\//.test(url)) return mysqlDatabase({ connectionString: url.replace(/^mariadb:/, "mysql:"), ...pool });
  if (/^mongodb(\+srv)?:\/\//.test(url)) {
    return mongoDatabase({ url, autoMigrate: false, snapshot: false, maxConnections: 1, serverSelectionTimeoutMs: connectTimeoutMs, connectTimeoutMs });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new UsageError(`unsupported database URL ${url.split("://")[0]}:// (use postgres://, mysql://, mongodb:// or an SQLite path)`);
  }
  const path = sqlitePath(url);
  if (path !== ":memory:") {
    const folder = dirname(resolve(path));
    if (!existsSync(folder) || !statSync(folder).isDirectory()) {
      throw new UsageError(`the folder of the SQLite file does not exist: ${folder} (nothing was created; check the path)`);
    }
    if (existsSync(path) && !statSync(path).isFile()) throw new UsageError(`not a file: ${path}`);
    if (dryRun && !existsSync(path)) return null;
  }
  return sqliteDatabase({ path, autoMigrate: false, snapshot: false });
}

async function migrate(args) {
  if (!args.database) throw new UsageError("--database is required (an SQLite path, postgres://…, mysql://… or mongodb://…)");
  const seconds = args["connect-timeout"] === undefined ? 5 : Number(args["connect-timeout"]);
  if (!(seconds > 0 && seconds <= 600)) throw new UsageError("--connect-timeout takes seconds between 0 and 600");
  const dryRun = Boolean(args["dry-run"]);
  const database = databaseFrom(args.database, { dryRun, connectTimeoutMs: Math.round(seconds * 1000) });
  const native = require("../lib/binding.js");
  if (!database) {
    console.log(`-- ${sqlitePath(args.database)} does not exist; migrating would create it with:`);
    console.log(native.schemaSql("sqlite", "latest"));
    return;
  }
  const { createHotUpdater } = require("../index.js");
  const { createMigrator } = require("../db.js");
  const hotUpdater = createHotUpdater({ database });
  try {
    const migrator = createMigrator(hotUpdater);
    const before = await migrator.getVersion();
    const result = await migrator.migrateToLatest();
    const sql = result.getSQL();
    if (!sql) {
      console.log(`Schema is current (${before}). Nothing to do.`);
    } else if (dryRun) {
      console.log(sql);
    } else {
      const steps = result.operations.length;
      console.log(`Migrating from ${before ?? "an empty database"}: ${steps} statement${steps === 1 ? "" : "s"}`);
      for (const [i, op] of result.operations.entries()) console.log(`  ${i + 1}/${steps} ${summary(op)}`);
      const started = performance.now();
      await result.execute();
      const ms = performance.now() - started;
      console.log(`Migrated from ${before ?? "an empty database"} to ${await migrator.getVersion()} (${steps} statements in ${ms.toFixed(0)} ms).`);
    }
  } finally {
    await hotUpdater.close();
  }
}

/** The first line of a migration statement, shortened, for the progress output. */
function summary(op) {
  const text = typeof op === "string" ? op : (op && (op.sql ?? op.description ?? op.name)) || JSON.stringify(op);
  const line = String(text).trim().split("\n")[0];
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

const NIL = "00000000-0000-0000-0000-000000000000";

async function explain(args) {
  if (!args.database) throw new UsageError("--database is required");
  if (args.platform !== "ios" && args.platform !== "android") throw new UsageError("--platform ios or --platform android is required");
  if ((args["app-version"] === undefined) === (args.fingerprint === undefined)) throw new UsageError("give exactly one of --app-version and --fingerprint");
  const database = databaseFrom(args.database, { dryRun: true, connectTimeoutMs: 5000 });
  if (!database) throw new UsageError(`no such SQLite file: ${sqlitePath(args.database)}`);
  const { createHotUpdater } = require("../index.js");
  const hotUpdater = createHotUpdater({ database, basePath: "/", routes: { explain: true } });
  try {
    const kind = args["app-version"] !== undefined ? "app-version" : "fingerprint";
    const target = args["app-version"] ?? args.fingerprint;
    const parts = [kind, args.platform, target, args.channel ?? "production", args["min-bundle-id"] ?? NIL, args["bundle-id"] ?? NIL];
    if (args.cohort !== undefined) parts.push(args.cohort);
    const url = `http://localhost/api/explain/${parts.map(encodeURIComponent).join("/")}`;
    const res = await hotUpdater.handler(new Request(url));
    const body = await res.json();
    if (res.status !== 200) throw new Error(body.message ?? body.error ?? `status ${res.status}`);
    if (args.json) {
      console.log(JSON.stringify(body, null, 2));
      return;
    }
    const d = body.decision;
    console.log(`decision: ${d.status === null ? "no update (null / UP_TO_DATE)" : `${d.status} ${d.id}`}`);
    console.log(`  ${d.reason}`);
    console.log(`${body.bundlesConsidered} bundle${body.bundlesConsidered === 1 ? "" : "s"} of ${args.platform}/${args.channel ?? "production"}${body.truncated ? " (list truncated)" : ""}:`);
    for (const b of body.bundles) console.log(`  ${b.id}  ${b.result.padEnd(27)} ${b.reason}`);
    if (!body.agrees) console.log("note: the database's own update check answered differently (a JS plugin with its own getUpdateInfo?)");
  } finally {
    await hotUpdater.close();
  }
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs({ args: process.argv.slice(2), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error.message);
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === "help" || !command) {
    console.log(USAGE);
    return;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${positionals[1]}`);
  if (command === "schema") {
    const native = require("../lib/binding.js");
    process.stdout.write(`${native.schemaSql(values.provider ?? "sqlite", values.version ?? "latest")}\n`);
    return;
  }
  if (command === "migrate") return migrate(values);
  if (command === "explain") return explain(values);
  throw new UsageError(`unknown command ${command}`);
}

main().catch((error) => {
  console.error(`hot-updater-rs: ${error.message}`);
  if (error instanceof UsageError) console.error(`\n${USAGE}`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
