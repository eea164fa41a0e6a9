#!/usr/bin/env node
"use strict";
// `npx hot-updater-rs migrate --database <url>`: migrate a database to upstream's latest schema.
//   --database sqlite:./data/hot-updater.db | ./file.db | postgres://… | mysql://…
//   --dry-run   print the SQL without running it
//   schema --provider sqlite|postgresql|mysql [--version latest]   print the DDL

const { createHotUpdater, sqliteDatabase, postgresDatabase, mysqlDatabase } = require("../index.js");
const { createMigrator } = require("../db.js");
const native = require("../lib/binding.js");

function parseArgs(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--dry-run") out.dryRun = true;
    else if (arg.startsWith("--")) out[arg.slice(2)] = argv[++i];
    else out._.push(arg);
  }
  return out;
}

function databaseFrom(url) {
  if (!url) throw new Error("--database is required (a SQLite path, postgres://… or mysql://…)");
  if (/^postgres(ql)?:\/\//.test(url)) return postgresDatabase({ connectionString: url, autoMigrate: false, snapshot: false });
  if (/^(mysql|mariadb):\/\//.test(url)) return mysqlDatabase({ connectionString: url.replace(/^mariadb:/, "mysql:"), autoMigrate: false, snapshot: false });
  return sqliteDatabase({ path: url.replace(/^sqlite:(\/\/)?/, ""), autoMigrate: false, snapshot: false });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const command = args._[0];
  if (command === "schema") {
    process.stdout.write(`${native.schemaSql(args.provider ?? "sqlite", args.version ?? "latest")}\n`);
    return;
  }
  if (command !== "migrate") {
    console.log("usage: hot-updater-rs migrate --database <url> [--dry-run]\n       hot-updater-rs schema --provider sqlite|postgresql|mysql [--version latest]");
    process.exitCode = command ? 2 : 0;
    return;
  }
  const hotUpdater = createHotUpdater({ database: databaseFrom(args.database) });
  try {
    const migrator = createMigrator(hotUpdater);
    const before = await migrator.getVersion();
    const result = await migrator.migrateToLatest();
    const sql = result.getSQL();
    if (!sql) {
      console.log(`Schema is current (${before}). Nothing to do.`);
    } else if (args.dryRun) {
      console.log(sql);
    } else {
      await result.execute();
      console.log(`Migrated from ${before ?? "an empty database"} to ${await migrator.getVersion()} (${result.operations.length} statements).`);
    }
  } finally {
    await hotUpdater.close();
  }
}

main().catch((error) => {
  console.error(`hot-updater-rs: ${error.message}`);
  process.exitCode = 1;
});
