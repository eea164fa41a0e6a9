// `hot-updater-rs explain` (the explain route's decision code against a database URL) and the
// progress output of `hot-updater-rs migrate`, on SQLite files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { createHotUpdater, sqliteDatabase } from "../index.mjs";
import { NIL, smallBundle } from "./helpers/fixtures.mjs";

const BIN = fileURLToPath(new URL("../bin/hot-updater-rs.js", import.meta.url));
const cli = (...args) =>
  new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }));
  });

test("explain from the command line gives the update check's decision and the reasons", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-operate-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "cli.db");
  const hu = createHotUpdater({ database: sqliteDatabase({ path }), storages: [] });
  const partial = smallBundle(1, { rolloutCohortCount: 100, storageUri: "https://example.invalid/1.zip" });
  const disabled = smallBundle(2, { enabled: false });
  const older = smallBundle(0, { storageUri: "https://example.invalid/0.zip" });
  for (const b of [older, partial, disabled]) await hu.insertBundle(b);
  const answers = {};
  for (const cohort of ["1", "2", "3", "4", "5", "6", "7", "8"]) {
    answers[cohort] = await hu.getAppUpdateInfo({ _updateStrategy: "appVersion", platform: "ios", appVersion: "1.0.0", bundleId: older.id, channel: "production", minBundleId: NIL, cohort });
  }
  await hu.close();

  for (const [cohort, answer] of Object.entries(answers)) {
    const out = await cli("explain", "--database", path, "--platform", "ios", "--app-version", "1.0.0", "--bundle-id", older.id, "--cohort", cohort, "--json");
    assert.equal(out.code, 0, out.stderr);
    const e = JSON.parse(out.stdout);
    assert.deepEqual({ status: e.decision.status, id: e.decision.id }, answer === null ? { status: null, id: null } : { status: answer.status, id: answer.id });
    assert.equal(e.agrees, true);
    const byId = Object.fromEntries(e.bundles.map((b) => [b.id, b.result]));
    assert.equal(byId[disabled.id], "disabled");
    assert.equal(byId[partial.id], answer && answer.id === partial.id ? "chosen-update" : "outside-rollout");
  }
  const text = await cli("explain", "--database", path, "--platform", "ios", "--app-version", "1.0.0");
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^decision: /);
  assert.match(text.stdout, /3 bundles of ios\/production:/);
  assert.match(text.stdout, new RegExp(`${disabled.id}\\s+disabled\\s+the bundle is disabled`));

  const usage = await cli("explain", "--database", path, "--platform", "web", "--app-version", "1.0.0");
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--platform ios or --platform android/);
  const missing = await cli("explain", "--database", join(dir, "nope.db"), "--platform", "ios", "--app-version", "1.0.0");
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such SQLite file/);
});

test("migrate lists the statements it runs and the time they took", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-operate-migrate-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const out = await cli("migrate", "--database", join(dir, "fresh.db"));
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.trim().split("\n");
  const head = /^Migrating from an empty database: (\d+) statements?$/.exec(lines[0]);
  assert.ok(head, out.stdout);
  const n = Number(head[1]);
  assert.ok(n >= 1);
  for (let i = 1; i <= n; i++) assert.match(lines[i], new RegExp(`^  ${i}/${n} \\S`));
  assert.match(lines[n + 1], new RegExp(`^Migrated from an empty database to \\S+ \\(${n} statements in \\d+ ms\\)\\.$`));
  const again = await cli("migrate", "--database", join(dir, "fresh.db"));
  assert.match(again.stdout, /Schema is current/);
});
