// Bad input gets a clear answer with the right status, never a crash, and loses no data.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createHotUpdater, sqliteDatabase, postgresDatabase, s3Storage } from "../index.mjs";

const NIL = "00000000-0000-0000-0000-000000000000";
const routes = { updateCheck: true, bundles: true };
const bundle = {
  id: "01900000-0000-7000-8000-000000000001",
  platform: "ios",
  shouldForceUpdate: false,
  enabled: true,
  fileHash: "h",
  gitCommitHash: null,
  message: "m",
  channel: "production",
  storageUri: "https://cdn.example.com/1.zip",
  targetAppVersion: "1.x",
  fingerprintHash: null,
};

function server(t) {
  const dir = mkdtempSync(join(tmpdir(), "hu-bad-"));
  const hu = createHotUpdater({ database: sqliteDatabase({ path: join(dir, "db.sqlite") }), basePath: "/hot-updater", routes });
  t.after(async () => {
    await hu.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return hu;
}

async function send(hu, path, init) {
  const res = await hu.handler(new Request(`http://localhost${path}`, init));
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), json: JSON.parse(text) };
}

test("malformed bodies, paths and parameters answer JSON errors and keep data", async (t) => {
  const hu = server(t);
  const quiet = t.mock.method(console, "error", () => {});
  assert.equal((await send(hu, "/hot-updater/api/bundles", { method: "POST", body: JSON.stringify([bundle]) })).status, 201);

  const cases = [
    ["POST", "/hot-updater/api/bundles", "{not json", 500, /JSON/],
    ["POST", "/hot-updater/api/bundles", "", 500, /JSON/],
    ["POST", "/hot-updater/api/bundles", "null", 500, /bundle/i],
    ["POST", "/hot-updater/api/bundles", JSON.stringify({ ...bundle, id: 5 }), 500, /id|string/i],
    ["POST", "/hot-updater/api/bundles", JSON.stringify({ ...bundle, targetAppVersion: null }), 500, /either targetAppVersion or fingerprintHash/],
    ["POST", "/hot-updater/api/bundles", JSON.stringify({ ...bundle, rolloutCohortCount: -1 }), 500, /rolloutCohortCount/],
    ["PATCH", `/hot-updater/api/bundles/${bundle.id}`, "[", 500, /JSON/],
    ["PATCH", `/hot-updater/api/bundles/${bundle.id}`, "42", 400, /Invalid bundle payload/],
    ["PATCH", `/hot-updater/api/bundles/${bundle.id}`, JSON.stringify({ enabled: "yes" }), 500, /enabled|bool/i],
    ["GET", "/hot-updater/api/bundles?limit=1e400", undefined, 400, /'limit'/],
    ["GET", "/hot-updater/api/bundles?page=-1", undefined, 400, /'page'/],
    ["GET", "/hot-updater/api/bundles?%zz=1&limit=%", undefined, 400, /'limit'/],
    ["GET", `/hot-updater/app-version/ios/1.0.0/production/${NIL}/${NIL}/%E0%A4%A`, undefined, 200, null],
    ["GET", `/hot-updater/app-version/windows/1.0.0/production/${NIL}/${NIL}`, undefined, 400, /Invalid platform/],
    ["GET", `/hot-updater/app-version/ios//production/${NIL}/${NIL}`, undefined, 400, /Missing route parameter: appVersion/],
    ["GET", `/hot-updater/app-version/ios/${"9".repeat(50000)}/production/${NIL}/${NIL}`, undefined, 200, null],
    ["GET", `/hot-updater/app-version/ios/%00%ff/prod%2Fx/${NIL}/${NIL}`, undefined, 200, null],
    // WHATWG URL parsing resolves `%2e%2e` as `..`, as upstream sees it: no route.
    ["GET", `/hot-updater/app-version/ios/1.0/%2e%2e/${NIL}/${NIL}`, undefined, 404, /Not found/],
    ["GET", "/hot-updater/api/bundles/%00", undefined, 404, /Bundle not found/],
    ["DELETE", "/hot-updater/api/bundles/..%2f..%2fetc", undefined, 200, null],
  ];
  for (const [method, path, body, status, message] of cases) {
    const res = await send(hu, path, { method, body });
    assert.equal(res.status, status, `${method} ${path.slice(0, 80)}: ${JSON.stringify(res.json)}`);
    assert.equal(res.type, "application/json");
    if (message) assert.match(res.json.error === "Internal server error" ? res.json.message : res.json.error, message, `${method} ${path.slice(0, 80)}`);
  }
  quiet.mock.restore();

  // Nothing above changed the stored bundle.
  const stored = await send(hu, `/hot-updater/api/bundles/${bundle.id}`);
  assert.equal(stored.status, 200);
  assert.equal(stored.json.enabled, true);
  assert.equal(stored.json.targetAppVersion, "1.x");
});

test("huge bodies are refused with 413 before they are parsed", async (t) => {
  const hu = server(t);
  const big = "x".repeat(17 * 1024 * 1024);
  const res = await send(hu, "/hot-updater/api/bundles", { method: "POST", body: big });
  assert.equal(res.status, 413);
  assert.deepEqual(res.json, { error: "Payload too large" });
});

test("broken configurations throw clear errors at construction", () => {
  assert.throws(() => createHotUpdater({}), /only supports database plugins/);
  assert.throws(() => createHotUpdater({ database: {} }), /only supports database plugins/);
  assert.throws(() => sqliteDatabase({}), /`path` must be a non-empty string/);
  assert.throws(() => postgresDatabase({}), /connectionString/);
  assert.throws(
    () => createHotUpdater({ database: postgresDatabase({ connectionString: "not a url" }) }),
    (err) => err.code === "ERR_HOT_UPDATER_CONFIG" && /PostgreSQL|connection|URL/i.test(err.message),
  );
  assert.throws(
    () => createHotUpdater({ database: sqliteDatabase({ path: ":memory:" }), storages: [{ name: "half", supportedProtocol: "x", profiles: {} }] }),
    /half does not implement the runtime storage profile for protocol "x"\./,
  );
  assert.throws(() => s3Storage({ region: "us-east-1" }), /bucket/i);
});

test("a database that cannot be opened fails the request with a message naming the path, and no secret", async (t) => {
  const hu = createHotUpdater({ database: sqliteDatabase({ path: "/proc/hot-updater-rs-cannot-exist/db.sqlite" }), basePath: "/hot-updater", routes });
  t.after(() => hu.close());
  const quiet = t.mock.method(console, "error", () => {});
  const res = await send(hu, "/hot-updater/api/bundles");
  assert.equal(res.status, 500);
  assert.match(res.json.message, /\/proc\/hot-updater-rs-cannot-exist\/db\.sqlite/);
  const pg = createHotUpdater({ database: postgresDatabase({ connectionString: "postgres://user:s3cret-pass@127.0.0.1:1/db", acquireTimeoutMs: 2000 }), basePath: "/hot-updater", routes });
  t.after(() => pg.close());
  const refused = await send(pg, "/hot-updater/api/bundles");
  assert.equal(refused.status, 500);
  assert.doesNotMatch(JSON.stringify(refused.json), /s3cret-pass/);
  assert.match(refused.json.message, /127\.0\.0\.1:1/);
  for (const call of quiet.mock.calls) assert.doesNotMatch(String(call.arguments[1]), /s3cret-pass/);
  quiet.mock.restore();
});
