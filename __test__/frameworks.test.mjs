// Framework integration tests: real HTTP servers on 127.0.0.1 (ephemeral ports) for Hono on
// @hono/node-server, Express 5 through toNodeHandler, and Elysia on Bun, each exercised over
// `fetch` against both the in-memory JS database plugin and the native `sqliteDatabase`.
//
// Run: node --test __test__/frameworks.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { serve } from "@hono/node-server";
import express from "express";
import { Hono } from "hono";
import { createHotUpdater, HOT_UPDATER_SERVER_VERSION, sqliteDatabase } from "../index.mjs";
import { toNodeHandler } from "../node.mjs";
import { memoryDatabase } from "./helpers/memory-db.mjs";
import { failingStorage, mockDownloadUrl, mockStorage } from "./helpers/mock-storage.mjs";
import { makeBundles, makeUpdateRequests } from "./helpers/fixtures.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BUN = join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "bun.exe" : "bun");
const ELYSIA_FIXTURE = join(ROOT, "__test__", "fixtures", "elysia-server.mjs");
const EXIT_FIXTURE = join(ROOT, "__test__", "fixtures", "exit-after-close.mjs");

const REQUEST_TIMEOUT_MS = 5_000;
const PROCESS_TIMEOUT_MS = 10_000;
const TEST_TIMEOUT_MS = 60_000;
const HANDLER_ERROR_PREFIX = "Hot Updater handler error:";

const NIL = "00000000-0000-0000-0000-000000000000";
const SDK_HEADER = { "Hot-Updater-SDK-Version": "0.31.0" };

function bundle(overrides) {
  return {
    platform: "ios",
    shouldForceUpdate: false,
    enabled: true,
    gitCommitHash: null,
    message: null,
    channel: "production",
    targetAppVersion: null,
    fingerprintHash: null,
    ...overrides,
  };
}

const BUNDLE_A = bundle({
  id: "01960000-0000-7000-8000-000000000001",
  fileHash: "hash-a",
  message: "first release",
  storageUri: "storage://my-app/bundle-a.zip",
  targetAppVersion: "1.0.0",
});
const BUNDLE_B = bundle({
  id: "01960000-0000-7000-8000-000000000002",
  fileHash: "hash-b",
  channel: "beta",
  storageUri: "https://cdn.example.com/bundle-b.zip",
  targetAppVersion: "1.x.x",
});
const BUNDLE_C = bundle({
  id: "01960000-0000-7000-8000-000000000003",
  platform: "android",
  fileHash: "hash-c",
  storageUri: "storage://my-app/bundle-c.zip",
  fingerprintHash: "fingerprint-c",
});

const expectedUpdate = (b, fileUrl) => ({
  id: b.id,
  message: b.message,
  shouldForceUpdate: b.shouldForceUpdate,
  status: "UPDATE",
  fileHash: b.fileHash,
  fileUrl,
});

// ---------------------------------------------------------------------------------------------
// HTTP helpers

/** One request with a timeout; answers status, headers, raw text and the parsed JSON (if any). */
async function request(baseUrl, path, { method = "GET", headers = {}, body, json } = {}) {
  const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["content-type"] = "application/json";
  } else if (body !== undefined) {
    init.body = body;
  }
  const res = await fetch(`${baseUrl}${path}`, init);
  const text = await res.text();
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: parsed };
}

function assertJsonType(res) {
  assert.match(res.headers.get("content-type") ?? "", /^application\/json\b/);
}

function withTimeout(promise, ms, message) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The exit of a child process as `{ code, signal }` (resolves at once if it already exited). */
function exitOf(child) {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}

// ---------------------------------------------------------------------------------------------
// Databases

/** A fresh database for one server: the JS memory plugin or native SQLite on a temp file. */
function makeDatabase(kind) {
  if (kind === "memory") {
    const plugin = memoryDatabase();
    return { kind, database: plugin, plugin, cleanup() {} };
  }
  const path = join(tmpdir(), `hot-updater-rs-test-${randomUUID()}.db`);
  return {
    kind,
    path,
    plugin: null,
    // Built lazily so that a throwing `sqliteDatabase` fails the test that uses it.
    get database() {
      return sqliteDatabase({ path });
    },
    cleanup() {
      for (const file of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) rmSync(file, { force: true });
    },
  };
}

const serverOptions = (database, storages) => ({
  database,
  storages,
  basePath: "/hot-updater",
  routes: { updateCheck: true, bundles: true },
});

// ---------------------------------------------------------------------------------------------
// Servers. Each start function answers `{ baseUrl, stop(), logs() }`; `stop` closes exactly what
// the function started.

async function closeNodeServer(server) {
  server.closeAllConnections();
  await new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}

/** Collects console.error output of this process while an in-process server runs. */
function captureConsoleError() {
  const original = console.error;
  const lines = [];
  console.error = (...args) => {
    lines.push(args.map((a) => (a instanceof Error ? a.stack ?? a.message : String(a))).join(" "));
  };
  return { lines, restore: () => (console.error = original) };
}

async function startHono({ database, storages, style }) {
  const hotUpdater = createHotUpdater(serverOptions(database, storages));
  const app = new Hono();
  if (style === "mount") app.mount("/hot-updater", hotUpdater.handler);
  else app.all("/hot-updater/*", (c) => hotUpdater.handler(c.req.raw));
  let server;
  try {
    const address = await new Promise((resolve, reject) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, resolve);
      server.once("error", reject);
    });
    return {
      baseUrl: `http://127.0.0.1:${address.port}`,
      async stop() {
        await closeNodeServer(server);
        await hotUpdater.close();
      },
    };
  } catch (error) {
    if (server?.listening) await closeNodeServer(server);
    await hotUpdater.close();
    throw error;
  }
}

async function startExpress({ database, storages, bodyParser }) {
  const hotUpdater = createHotUpdater(serverOptions(database, storages));
  const app = express();
  if (bodyParser) app.use(express.json());
  app.use("/hot-updater", toNodeHandler(hotUpdater));
  let server;
  try {
    await new Promise((resolve, reject) => {
      server = app.listen(0, "127.0.0.1", (error) => (error ? reject(error) : resolve()));
      server.once("error", reject);
    });
    return {
      baseUrl: `http://127.0.0.1:${server.address().port}`,
      async stop() {
        await closeNodeServer(server);
        await hotUpdater.close();
      },
    };
  } catch (error) {
    if (server?.listening) await closeNodeServer(server);
    await hotUpdater.close();
    throw error;
  }
}

/** Fails (never skips) when the `bun` devDependency is not installed. */
function requireBun() {
  if (!existsSync(BUN)) {
    assert.fail(`Bun is required for the Elysia tests but ${BUN} does not exist. Install the devDependencies (npm ci) so that the \`bun\` package provides it.`);
  }
  const version = spawnSync(BUN, ["--version"], { encoding: "utf8", timeout: PROCESS_TIMEOUT_MS });
  if (version.status !== 0) {
    assert.fail(`Bun at ${BUN} does not run: ${version.error?.message ?? version.stderr}`);
  }
  return version.stdout.trim();
}

/** Spawns the Elysia fixture under Bun and waits for the port it prints. */
async function startElysia({ db, storage }) {
  requireBun();
  const child = spawn(BUN, [ELYSIA_FIXTURE], {
    cwd: ROOT,
    env: { ...process.env, HU_DB: db.kind, HU_DB_PATH: db.path ?? "", HU_STORAGE: storage },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = exitOf(child);
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout });
  const firstLine = new Promise((resolve) => lines.once("line", resolve));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, "SIGKILL");
    await exited;
  };
  const earlyExit = exited.then(({ code, signal }) => {
    throw new Error(`Elysia fixture exited before listening (code ${code}, signal ${signal})`);
  });
  earlyExit.catch(() => {}); // consulted only while waiting for the port
  let port;
  try {
    const line = await withTimeout(
      Promise.race([firstLine, earlyExit]),
      PROCESS_TIMEOUT_MS,
      "Elysia fixture did not print its port in time",
    );
    port = JSON.parse(line).port;
    assert.equal(typeof port, "number", `unexpected first line from the Elysia fixture: ${line}`);
  } catch (error) {
    await kill();
    throw new Error(`${error.message}\nstderr:\n${stderr}`);
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    logs: () => stderr,
    async stop() {
      process.kill(child.pid, "SIGTERM");
      let result;
      try {
        result = await withTimeout(exited, PROCESS_TIMEOUT_MS, "Elysia fixture did not exit within 10 s of SIGTERM");
      } catch (error) {
        await kill();
        throw error;
      }
      assert.deepEqual(result, { code: 0, signal: null }, `Elysia fixture exit after SIGTERM; stderr:\n${stderr}`);
    },
  };
}

const FRAMEWORKS = [
  { name: "Hono app.mount", inProcess: true, start: (o) => startHono({ ...o, style: "mount" }) },
  { name: "Hono app.all + c.req.raw", inProcess: true, start: (o) => startHono({ ...o, style: "all" }) },
  { name: "Express 5 + express.json()", inProcess: true, expressJson: true, start: (o) => startExpress({ ...o, bodyParser: true }) },
  { name: "Express 5 without body parser", inProcess: true, start: (o) => startExpress({ ...o, bodyParser: false }) },
  { name: "Elysia on Bun", inProcess: false, start: (o) => startElysia(o) },
];

/**
 * Starts `framework` on a fresh database of `dbKind` and runs `body(server, db)`, then stops
 * the server, removes the database and restores console.error whatever happened.
 */
async function withServer(framework, dbKind, storage, body) {
  const db = makeDatabase(dbKind);
  const capture = framework.inProcess ? captureConsoleError() : null;
  let server;
  try {
    const storages = [storage === "failing" ? failingStorage() : mockStorage()];
    server = framework.inProcess
      ? await framework.start({ database: db.database, storages })
      : await framework.start({ db, storage });
    const logs = () => (capture ? capture.lines.join("\n") : server.logs());
    await body(server, db, logs);
  } finally {
    try {
      if (server) await server.stop();
    } finally {
      capture?.restore();
      db.cleanup();
    }
  }
}

/** Log lines that start with upstream's prefix (Bun also prints source excerpts containing it). */
const countHandlerErrors = (text) => text.split("\n").filter((line) => line.startsWith(HANDLER_ERROR_PREFIX)).length;

// ---------------------------------------------------------------------------------------------
// The scenario every framework × database runs.

async function exerciseServer(t, framework, { baseUrl }, db, logs) {
  const api = (path, init) => request(baseUrl, `/hot-updater${path}`, init);
  let serverErrors = 0;
  const checkPath = (platform, target, channel, cohort) =>
    `/${target.startsWith("fingerprint") ? "fingerprint" : "app-version"}/${platform}/${target}/${channel}/${NIL}/${NIL}${cohort === undefined ? "" : `/${cohort}`}`;

  await t.test("GET /version", async () => {
    const res = await api("/version");
    assert.equal(res.status, 200);
    assertJsonType(res);
    assert.deepEqual(res.json, { version: "0.36.3" });
    assert.equal(HOT_UPDATER_SERVER_VERSION, "0.36.3");
  });

  await t.test("POST /api/bundles (one object, then an array)", async () => {
    let res = await api("/api/bundles", { method: "POST", json: BUNDLE_A });
    assert.equal(res.status, 201, res.text);
    assertJsonType(res);
    assert.deepEqual(res.json, { success: true });
    res = await api("/api/bundles", { method: "POST", json: [BUNDLE_B, BUNDLE_C] });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.json, { success: true });
  });

  await t.test("GET /api/bundles/:id round trip", async () => {
    for (const b of [BUNDLE_A, BUNDLE_B, BUNDLE_C]) {
      const res = await api(`/api/bundles/${b.id}`);
      assert.equal(res.status, 200, res.text);
      assertJsonType(res);
      // SQL adapters return every column (patches, metadata, …); compare what was sent.
      for (const [key, value] of Object.entries(b)) assert.deepEqual(res.json[key], value, `${b.id}.${key}`);
    }
  });

  await t.test("update check: app-version, with and without cohort", async () => {
    const expected = expectedUpdate(BUNDLE_A, mockDownloadUrl(BUNDLE_A.storageUri));
    let res = await api(checkPath("ios", "1.0.0", "production"));
    assert.equal(res.status, 200, res.text);
    assertJsonType(res);
    assert.deepEqual(res.json, expected);
    res = await api(checkPath("ios", "1.0.0", "production", "123"), { headers: SDK_HEADER });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, expected);
    // An http(s) storage URI passes through the mock storage unchanged.
    res = await api(checkPath("ios", "1.4.2", "beta", "1"));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, expectedUpdate(BUNDLE_B, BUNDLE_B.storageUri));
  });

  await t.test("update check: fingerprint", async () => {
    const res = await api(checkPath("android", "fingerprint-c", "production"));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, expectedUpdate(BUNDLE_C, mockDownloadUrl(BUNDLE_C.storageUri)));
  });

  await t.test("update check: no match gives UP_TO_DATE with the SDK header, null without", async () => {
    let res = await api(checkPath("ios", "2.0.0", "production"), { headers: SDK_HEADER });
    assert.equal(res.status, 200, res.text);
    assertJsonType(res);
    assert.deepEqual(res.json, { status: "UP_TO_DATE" });
    res = await api(checkPath("ios", "2.0.0", "production"));
    assert.equal(res.status, 200);
    assertJsonType(res);
    assert.equal(res.text, "null");
    res = await api(checkPath("ios", "2.0.0", "production", "123"), { headers: { "Hot-Updater-SDK-Version": "0.30.9" } });
    assert.equal(res.text, "null");
  });

  await t.test("bad platform → 400, unknown route → 404", async () => {
    let res = await api(checkPath("web", "1.0.0", "production"));
    assert.equal(res.status, 400);
    assertJsonType(res);
    assert.deepEqual(res.json, { error: "Invalid platform: web. Expected 'ios' or 'android'." });
    res = await api("/no-such-route");
    assert.equal(res.status, 404);
    assertJsonType(res);
    assert.deepEqual(res.json, { error: "Not found" });
    res = await api("/version", { method: "POST", json: {} });
    assert.equal(res.status, 404);
    assert.deepEqual(res.json, { error: "Not found" });
  });

  await t.test("GET /api/bundles: list, filters, cursor, channels", async () => {
    let res = await api("/api/bundles");
    assert.equal(res.status, 200, res.text);
    assertJsonType(res);
    assert.deepEqual(res.json.data.map((b) => b.id), [BUNDLE_C.id, BUNDLE_B.id, BUNDLE_A.id]);
    assert.deepEqual(res.json.pagination, { total: 3, hasNextPage: false, hasPreviousPage: false, currentPage: 1, totalPages: 1 });

    res = await api("/api/bundles?platform=ios&limit=1");
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.data.map((b) => b.id), [BUNDLE_B.id]);
    assert.deepEqual(res.json.pagination, {
      total: 2,
      hasNextPage: true,
      hasPreviousPage: false,
      currentPage: 1,
      totalPages: 2,
      nextCursor: BUNDLE_B.id,
    });

    res = await api(`/api/bundles?platform=ios&limit=1&after=${BUNDLE_B.id}`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.data.map((b) => b.id), [BUNDLE_A.id]);
    assert.deepEqual(res.json.pagination, {
      total: 2,
      hasNextPage: false,
      hasPreviousPage: true,
      currentPage: 2,
      totalPages: 2,
      previousCursor: BUNDLE_A.id,
    });

    res = await api("/api/bundles?limit=101");
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, { error: "The 'limit' query parameter must be a positive integer between 1 and 100." });

    res = await api("/api/bundles/channels");
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json, { data: { channels: ["beta", "production"] } });
  });

  await t.test("PATCH /api/bundles/:id", async () => {
    let res = await api(`/api/bundles/${BUNDLE_A.id}`, { method: "PATCH", json: { message: "patched", enabled: false } });
    assert.equal(res.status, 200, res.text);
    assertJsonType(res);
    assert.deepEqual(res.json, { success: true });
    res = await api(`/api/bundles/${BUNDLE_A.id}`);
    assert.equal(res.json.message, "patched");
    assert.equal(res.json.enabled, false);
    assert.equal(res.json.fileHash, BUNDLE_A.fileHash);
    // Disabled now: nothing to update to.
    res = await api(checkPath("ios", "1.0.0", "production"));
    assert.equal(res.text, "null");

    res = await api(`/api/bundles/${BUNDLE_A.id}`, { method: "PATCH", json: { id: BUNDLE_B.id, message: "x" } });
    assert.equal(res.status, 400);
    assert.deepEqual(res.json, { error: "Bundle id mismatch" });

    res = await api(`/api/bundles/${randomUUID()}`, { method: "PATCH", json: { message: "x" } });
    serverErrors += 1;
    assert.equal(res.status, 500);
    assertJsonType(res);
    assert.deepEqual(res.json, { error: "Internal server error", message: "targetBundleId not found" });
  });

  await t.test("DELETE /api/bundles/:id", async () => {
    let res = await api(`/api/bundles/${BUNDLE_A.id}`, { method: "DELETE" });
    assert.equal(res.status, 200, res.text);
    assertJsonType(res);
    assert.deepEqual(res.json, { success: true });
    res = await api(`/api/bundles/${BUNDLE_A.id}`);
    assert.equal(res.status, 404);
    assert.deepEqual(res.json, { error: "Bundle not found" });
    res = await api(`/api/bundles/${BUNDLE_A.id}`, { method: "DELETE" });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { success: true });
    res = await api("/api/bundles");
    assert.equal(res.json.pagination.total, 2);
  });

  await t.test("invalid bodies give JSON errors and the server keeps serving", async () => {
    let res = await api("/api/bundles", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    if (framework.expressJson) {
      // express.json() rejects the body itself (its own 400 error page); we are never called.
      assert.equal(res.status, 400);
    } else {
      serverErrors += 1;
      assert.equal(res.status, 500, res.text);
      assertJsonType(res);
      assert.equal(res.json.error, "Internal server error");
      assert.equal(typeof res.json.message, "string");
      assert.ok(res.json.message.length > 0);
    }

    res = await api("/api/bundles", { method: "POST", json: bundle({ id: randomUUID(), fileHash: "h", storageUri: "storage://x/y.zip" }) });
    serverErrors += 1;
    assert.equal(res.status, 500, res.text);
    assert.deepEqual(res.json, { error: "Internal server error", message: "Bundle must define either targetAppVersion or fingerprintHash." });

    res = await api("/version");
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { version: "0.36.3" });
  });

  await t.test("each 500 is logged once with upstream's prefix", async () => {
    assert.equal(countHandlerErrors(logs()), serverErrors, logs());
  });

  if (framework.inProcess && db.plugin) {
    await t.test("no context reaches the database plugin (framework args are discarded)", () => {
      assert.ok(db.plugin.contexts.length > 0);
      assert.ok(db.plugin.contexts.every((c) => c === undefined), "a plugin call received a context");
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Tests

test("bun is installed and loads the native addon (napi)", { timeout: TEST_TIMEOUT_MS }, () => {
  const version = requireBun();
  const script = `
    const m = require(${JSON.stringify(ROOT)});
    console.log(JSON.stringify({ version: m.HOT_UPDATER_SERVER_VERSION, createHotUpdater: typeof m.createHotUpdater, sqliteDatabase: typeof m.sqliteDatabase }));
  `;
  const run = spawnSync(BUN, ["-e", script], { cwd: ROOT, encoding: "utf8", timeout: PROCESS_TIMEOUT_MS });
  assert.equal(run.status, 0, `bun ${version} could not load the addon:\n${run.error?.message ?? ""}${run.stderr}`);
  assert.deepEqual(JSON.parse(run.stdout.trim()), { version: "0.36.3", createHotUpdater: "function", sqliteDatabase: "function" });
});

for (const dbKind of ["memory", "sqlite"]) {
  for (const framework of FRAMEWORKS) {
    test(`${framework.name} — ${dbKind} database`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
      await withServer(framework, dbKind, "mock", (server, db, logs) => exerciseServer(t, framework, server, db, logs));
    });
  }
}

for (const framework of FRAMEWORKS) {
  test(`${framework.name} — a throwing storage plugin gives 500 JSON and the server keeps serving`, { timeout: TEST_TIMEOUT_MS }, async () => {
    await withServer(framework, "memory", "failing", async ({ baseUrl }, _db, logs) => {
      const api = (path, init) => request(baseUrl, `/hot-updater${path}`, init);
      let res = await api("/api/bundles", { method: "POST", json: BUNDLE_A });
      assert.equal(res.status, 201, res.text);
      res = await api(`/app-version/ios/1.0.0/production/${NIL}/${NIL}`);
      assert.equal(res.status, 500, res.text);
      assertJsonType(res);
      assert.deepEqual(res.json, { error: "Internal server error", message: "storage exploded" });
      res = await api("/version");
      assert.equal(res.status, 200);
      assert.deepEqual(res.json, { version: "0.36.3" });
      res = await api("/api/bundles");
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.json.data.map((b) => b.id), [BUNDLE_A.id]);
      assert.equal(countHandlerErrors(logs()), 1, logs());
    });
  });
}

// The process must exit on its own once the user's resources are closed: the addon's
// threadsafe functions must not keep the event loop alive.
const EXIT_CASES = [];
for (const runtime of ["node", "bun"]) {
  for (const mode of ["close", "no-close"]) {
    for (const transport of ["handler", "http"]) EXIT_CASES.push({ runtime, mode, transport });
  }
}

for (const { runtime, mode, transport } of EXIT_CASES) {
  const label = `${runtime}: process exits by itself (${mode === "close" ? "after hotUpdater.close()" : "without close()"}, ${transport === "http" ? "after a node:http server.close()" : "in-process request only"})`;
  test(label, { timeout: TEST_TIMEOUT_MS }, async () => {
    const command = runtime === "node" ? process.execPath : BUN;
    if (runtime === "bun") requireBun();
    const args = [EXIT_FIXTURE, mode];
    if (transport === "http") args.push("http");
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    const exited = exitOf(child);
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
    let result;
    try {
      result = await withTimeout(exited, PROCESS_TIMEOUT_MS, `${runtime} did not exit within 10 s (the addon keeps it alive?)\nstdout: ${stdout}\nstderr: ${stderr}`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        process.kill(child.pid, "SIGKILL");
        await exited;
      }
    }
    assert.deepEqual(result, { code: 0, signal: null }, `stderr:\n${stderr}`);
    const report = JSON.parse(stdout.trim());
    assert.equal(report.created, 201);
    assert.equal(report.check, 200);
    assert.deepEqual(report.body, expectedUpdate({ ...BUNDLE_A, id: "00000000-0000-0000-0000-000000000001", message: null, fileHash: "hash" }, mockDownloadUrl("storage://bucket/bundle.zip")));
    if (transport === "http") assert.deepEqual(report.http, { status: 200, body: { version: "0.36.3" } });
  });
}

// The newcomer's example: starts on PORT=0, guards /api/* with HOT_UPDATER_TOKEN, stops on SIGTERM.
test("example/server.mjs serves, enforces HOT_UPDATER_TOKEN and shuts down on SIGTERM", { timeout: TEST_TIMEOUT_MS }, async () => {
  const cwd = join(tmpdir(), `hot-updater-rs-example-${randomUUID()}`); // ./data/hot-updater.db lands here
  mkdirSync(cwd, { recursive: true });
  const child = spawn(process.execPath, [join(ROOT, "example", "server.mjs")], {
    cwd,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", HOT_UPDATER_TOKEN: "example-token" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = exitOf(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk) => (stderr += chunk));
  try {
    const baseUrl = await withTimeout(
      new Promise((resolve, reject) => {
        const poll = () => {
          const match = /http:\/\/127\.0\.0\.1:(\d+)\/hot-updater/.exec(stdout);
          if (match) resolve(`http://127.0.0.1:${match[1]}`);
          else if (child.exitCode !== null || child.signalCode !== null) reject(new Error(`example exited early (code ${child.exitCode})`));
          else setTimeout(poll, 20);
        };
        poll();
      }),
      PROCESS_TIMEOUT_MS,
      "example/server.mjs did not print its URL in time",
    ).catch((error) => {
      throw new Error(`${error.message}\nstdout:\n${stdout}\nstderr:\n${stderr}`);
    });

    let res = await request(baseUrl, "/hot-updater/version");
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { version: "0.36.3" });
    res = await request(baseUrl, "/hot-updater/api/bundles");
    assert.equal(res.status, 401);
    res = await request(baseUrl, "/hot-updater/api/bundles", { headers: { Authorization: "Bearer wrong" } });
    assert.equal(res.status, 401);
    res = await request(baseUrl, "/hot-updater/api/bundles", { headers: { Authorization: "Bearer example-token" } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.pagination.total, 0);
    res = await request(baseUrl, `/hot-updater/app-version/ios/1.0.0/production/${NIL}/${NIL}`);
    assert.equal(res.status, 200);
    assert.equal(res.text, "null");

    process.kill(child.pid, "SIGTERM");
    const result = await withTimeout(exited, PROCESS_TIMEOUT_MS, "example/server.mjs did not exit within 10 s of SIGTERM");
    assert.deepEqual(result, { code: 0, signal: null }, `stderr:\n${stderr}`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid, "SIGKILL");
      await exited;
    }
    rmSync(cwd, { recursive: true, force: true });
  }
});

// `toNodeHandler(hotUpdater)` answers a warm GET within one native call, without building the
// Web Request and Response; the general way (`toNodeHandler({ handler })`) builds both. Both
// must answer the same bytes and headers, a JS storage plugin's URL included.
test("Express: the one-call GET path answers exactly as the general way, and skips the handler when warm", { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const dir = join(tmpdir(), `hu-quick-${randomUUID()}`);
  mkdirSync(dir, { recursive: true });
  const hotUpdater = createHotUpdater(serverOptions(sqliteDatabase({ path: join(dir, "db.sqlite") }), [mockStorage()]));
  let handled = 0;
  const handler = hotUpdater.handler;
  hotUpdater.handler = (...args) => (handled++, handler(...args));
  const bundles = makeBundles(60, 9).map((b, i) => ({ ...b, storageUri: `storage://my-app/${i}.zip` }));
  for (const b of bundles) await hotUpdater.insertBundle(b);
  const servers = [];
  t.after(async () => {
    for (const s of servers) await closeNodeServer(s);
    await hotUpdater.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const listen = async (nodeHandler) => {
    const app = express();
    app.use("/hot-updater", nodeHandler);
    const server = await new Promise((resolve, reject) => {
      const s = app.listen(0, "127.0.0.1", (error) => (error ? reject(error) : resolve(s)));
    });
    servers.push(server);
    return `http://127.0.0.1:${server.address().port}`;
  };
  const quick = await listen(toNodeHandler(hotUpdater));
  const general = await listen(toNodeHandler({ handler: (request) => hotUpdater.handler(request) }));
  const requests = [...makeUpdateRequests(bundles, 150, 4), { path: "/hot-updater/version" }, { path: "/hot-updater/version", sdk: "" }];
  const answer = async (base, { path, sdk }) => {
    const res = await fetch(`${base}${path}`, { headers: sdk === undefined ? {} : { "Hot-Updater-SDK-Version": sdk }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const headers = ["content-type", "content-length", "etag"].map((h) => res.headers.get(h));
    return JSON.stringify({ status: res.status, headers, body: await res.text() });
  };
  // Each request twice through the quick server: cold (general way inside), then warm.
  for (const r of requests) await answer(quick, r);
  const before = handled;
  let differ = 0;
  for (const r of requests) {
    const [a, b] = [await answer(quick, r), await answer(general, r)];
    if (a !== b) differ++;
    assert.equal(a, b, `${r.path} (sdk ${r.sdk})`);
  }
  assert.equal(differ, 0);
  const quickHandled = handled - before - requests.length;
  assert.ok(quickHandled < requests.length / 2, `the warm pass went through the handler ${quickHandled} times of ${requests.length}`);
  t.diagnostic(`${requests.length} requests compared; warm pass through the handler: ${quickHandled}`);
});
