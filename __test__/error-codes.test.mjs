// Stable error codes: every code the code base can produce is listed in the README's "Error codes"
// table (and nothing else is), and errors that cross into JS carry one, configuration errors included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { createHotUpdater, sqliteDatabase, postgresDatabase, s3Storage, r2Storage, supabaseStorage, fileStorage } from "../index.mjs";
import { createMigrator } from "../db.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const CODE = /ERR_HOT_UPDATER_[A-Z_]+/g;

function sourceFiles(dir, ext) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path, ext));
    else if (ext.some((e) => name.endsWith(e))) out.push(path);
  }
  return out;
}

/** Codes spelled anywhere in the shipped code: the Rust core and the JS wrapper. */
function codesInCode() {
  const files = [...sourceFiles(join(root, "src"), [".rs"]), ...sourceFiles(join(root, "lib"), [".js"])];
  for (const name of readdirSync(root)) if (name.endsWith(".js")) files.push(join(root, name));
  const codes = new Set();
  for (const file of files) for (const m of readFileSync(file, "utf8").matchAll(CODE)) codes.add(m[0]);
  return codes;
}

/** The README table: code -> status column. */
function readmeTable() {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const start = readme.indexOf("\n## Error codes\n");
  assert.ok(start >= 0, "README has an 'Error codes' section");
  const section = readme.slice(start + 1, readme.indexOf("\n## ", start + 1));
  const rows = new Map();
  for (const line of section.split("\n")) {
    const m = /^\| `(ERR_HOT_UPDATER_[A-Z_]+)` \|(.*)\|(.*)\|$/.exec(line);
    if (m) rows.set(m[1], m[3].trim());
  }
  return rows;
}

test("every code the code base can produce is in the README table, and only those", () => {
  const inCode = codesInCode();
  const table = readmeTable();
  assert.ok(inCode.size >= 8, `found ${inCode.size} codes`);
  for (const code of inCode) assert.ok(table.has(code), `${code} is missing from the README's Error codes table`);
  for (const code of table.keys()) assert.ok(inCode.has(code), `${code} is in the README but not in the code`);
});

test("the README's statuses are those the native error kinds map to", () => {
  // src/http/response.rs: error_response. The mapping is restated from the source so that a
  // change there fails here until the README says the same.
  const source = readFileSync(join(root, "src/http/response.rs"), "utf8");
  const table = readmeTable();
  assert.match(source, /ErrorKind::BadRequest => Response::json\(400/);
  assert.match(table.get("ERR_HOT_UPDATER_BAD_REQUEST"), /^400/);
  assert.match(source, /ErrorKind::NotFound => Response::json\(404/);
  assert.match(table.get("ERR_HOT_UPDATER_NOT_FOUND"), /^404/);
  assert.match(source, /Response::json\(503/);
  assert.match(table.get("ERR_HOT_UPDATER_UNAVAILABLE"), /^503/);
  for (const code of ["DATABASE", "STORAGE", "PLUGIN", "INTERNAL"]) assert.match(table.get(`ERR_HOT_UPDATER_${code}`), /^500/);
});

function throwsCode(fn, code, pattern) {
  let caught;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught, "expected a throw");
  assert.equal(caught.code, code, `code of: ${caught.message}`);
  if (pattern) assert.match(caught.message, pattern);
  assert.ok(!caught.message.includes("\u0000"), "no raw native code in the message");
}

test("configuration errors carry ERR_HOT_UPDATER_CONFIG, from the JS checks and from the native ones", () => {
  const CONFIG = "ERR_HOT_UPDATER_CONFIG";
  throwsCode(() => sqliteDatabase({}), CONFIG, /`path`/);
  throwsCode(() => postgresDatabase({}), CONFIG, /connectionString/);
  throwsCode(() => s3Storage({}), CONFIG, /`bucketName` must be a non-empty string/);
  // An empty bucket and an out-of-range lifetime are refused by the native S3 configuration.
  throwsCode(() => s3Storage({ bucketName: "" }), CONFIG, /`bucketName` must be a non-empty string/);
  throwsCode(() => s3Storage({ bucketName: "b", expiresIn: 604801 }), CONFIG, /`expiresIn`/);
  throwsCode(() => r2Storage({ bucketName: "b" }), CONFIG, /`accountId` or `endpoint` is required/);
  throwsCode(() => supabaseStorage({ supabaseUrl: "ftp://x", supabaseServiceRoleKey: "k", bucketName: "b" }), CONFIG, /supabaseUrl/);
  throwsCode(() => fileStorage({}), CONFIG, /`dir`/);
  throwsCode(() => createHotUpdater({ database: {} }), CONFIG, /database plugins/);
  const dir = mkdtempSync(join(tmpdir(), "hu-codes-"));
  try {
    const database = sqliteDatabase({ path: join(dir, "db.sqlite") });
    throwsCode(() => createHotUpdater({ database, answerCache: 5 }), CONFIG, /answerCache/);
    throwsCode(() => createHotUpdater({ database, auth: {} }), CONFIG, /auth/);
    throwsCode(() => createHotUpdater({ database, trustedHosts: "x" }), CONFIG);
    // Native option checks (the S3 endpoint is parsed natively).
    throwsCode(() => createHotUpdater({ database, storages: [s3Storage({ bucketName: "b", endpoint: "ftp://x" })] }), CONFIG, /endpoint/);
    throwsCode(() => createMigrator({}), CONFIG);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("errors of the data methods carry the code of their kind", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-codes-"));
  const hu = createHotUpdater({ database: sqliteDatabase({ path: join(dir, "db.sqlite") }) });
  t.after(async () => {
    await hu.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await assert.rejects(hu.insertBundle(null), { code: "ERR_HOT_UPDATER_INTERNAL", message: /Invalid bundle payload/ });
  const base = { id: "01900000-0000-7000-8000-000000000001", platform: "ios", shouldForceUpdate: false, enabled: true, fileHash: "h", gitCommitHash: null, message: "m", channel: "production", storageUri: "s3://b/k", targetAppVersion: "1.x", fingerprintHash: null };
  await assert.rejects(hu.insertBundle({ ...base, rolloutCohortCount: 5000 }), { code: "ERR_HOT_UPDATER_INTERNAL", message: /rolloutCohortCount/ });
  await hu.insertBundle(base);
  // No storage for `s3://`: a storage error.
  await assert.rejects(hu.getAppUpdateInfo({ _updateStrategy: "appVersion", platform: "ios", appVersion: "1.0.0", bundleId: "00000000-0000-0000-0000-000000000000", channel: "production" }), {
    code: "ERR_HOT_UPDATER_STORAGE",
  });
});

test("a JS plugin's failure reaches the caller with a code", async () => {
  const plugin = {
    name: "throwing",
    getBundleById: async () => {
      throw new Error("plugin broke");
    },
    getBundles: async () => ({ data: [], pagination: {} }),
    getChannels: async () => [],
  };
  const hu = createHotUpdater({ database: plugin });
  await assert.rejects(hu.getBundleById("x"), (error) => typeof error.code === "string" && error.code.startsWith("ERR_HOT_UPDATER_") && /plugin broke/.test(error.message));
});
