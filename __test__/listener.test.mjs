// `hotUpdater.listen()`: the built-in HTTP/1.1 server. Parity through it (upstream's
// @hot-updater/server through `handler` vs ours over loopback HTTP), fileStorage through it,
// `auth`, limits (body, headers, slow clients), keep-alive, graceful close, AbortSignal, and that
// a closed listener lets Node exit. Real servers on 127.0.0.1 with ephemeral ports.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import http from "node:http";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createHash, randomBytes } from "node:crypto";

import { createHotUpdater, sqliteDatabase, postgresDatabase, fileStorage } from "../index.mjs";
import { createUpstream } from "./helpers/upstream.mjs";
import { createUpstreamServer } from "./helpers/upstream-servers.mjs";
import { pgDatabase } from "./helpers/servers.mjs";
import { parityStorage } from "./helpers/parity-storage.mjs";
import { makeApiRequests, makeBundles, makeUpdateRequests } from "./helpers/fixtures.mjs";
import { compareAll, seed } from "./helpers/compare.mjs";

const ROOT = mkdtempSync(join(tmpdir(), "hu-listener-"));
after(() => rmSync(ROOT, { recursive: true, force: true }));
const INDEX = fileURLToPath(new URL("../index.mjs", import.meta.url));
const BASE = "/hot-updater";
const routes = { updateCheck: true, bundles: true };
let seq = 0;
const work = () => mkdtempSync(join(ROOT, `w${++seq}-`));

/** `handler`-shaped access to a listener: the same Request, sent over loopback HTTP. */
function overHttp(port) {
  return {
    async handler(request) {
      const u = new URL(request.url);
      const init = { method: request.method, headers: request.headers };
      if (request.method !== "GET" && request.method !== "HEAD") init.body = await request.arrayBuffer();
      return fetch(`http://127.0.0.1:${port}${u.pathname}${u.search}`, init);
    },
  };
}

/** Raw HTTP/1.1 over one socket: writes `chunks` (with `gapMs` between), resolves with everything read until close or `idleMs`. */
function raw(port, chunks, { gapMs = 0, idleMs = 3000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let data = "";
    let timer = null;
    const finish = (closed) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ data, closed });
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), idleMs);
    };
    socket.on("data", (d) => {
      data += d.toString("latin1");
      arm();
    });
    socket.on("close", () => finish(true));
    socket.on("error", (e) => (e.code === "ECONNRESET" ? finish(true) : reject(e)));
    socket.on("connect", async () => {
      arm();
      for (const [i, c] of chunks.entries()) {
        if (i > 0 && gapMs) await new Promise((r) => setTimeout(r, gapMs));
        if (!socket.destroyed) socket.write(c);
      }
    });
  });
}

const statusOf = (text) => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);

async function ourServer(dir, options = {}) {
  const hotUpdater = createHotUpdater({ database: sqliteDatabase({ path: join(dir, "ours.db") }), basePath: BASE, routes, ...options });
  const listener = await hotUpdater.listen({ port: 0, host: "127.0.0.1", ...(options.listen ?? {}) });
  return {
    hotUpdater,
    listener,
    url: (p) => `http://127.0.0.1:${listener.port}${p}`,
    async close() {
      await listener.close();
      await hotUpdater.close();
    },
  };
}

const variants = {
  // Update checks answered natively from the snapshot, the JS storage plugin through the bridge.
  "native SQLite, JS storage plugin": { storages: () => [parityStorage()] },
  // Every answer native, no JS at all.
  "native SQLite, no storage plugins": { storages: () => [] },
  "native PostgreSQL, JS storage plugin": { server: true, storages: () => [parityStorage()] },
};

for (const [name, variant] of Object.entries(variants)) {
  test(`parity through listen(): ${name}`, { timeout: 120_000 }, async (t) => {
    const dir = work();
    const storages = variant.storages();
    const cleanups = [];
    t.after(async () => {
      for (const c of cleanups.reverse()) await c();
    });
    let upstream;
    let database;
    if (variant.server) {
      const [refDb, ourDb] = [pgDatabase(), pgDatabase()];
      cleanups.push(() => refDb.drop(), () => ourDb.drop());
      upstream = await createUpstreamServer("postgresql", refDb.url, { storages });
      database = postgresDatabase({ connectionString: ourDb.url, autoMigrate: true });
    } else {
      upstream = await createUpstream(join(dir, "upstream.db"), { storages });
      database = sqliteDatabase({ path: join(dir, "ours.db") });
    }
    cleanups.push(() => upstream.close());
    const ours = createHotUpdater({ database, storages, basePath: BASE, routes });
    cleanups.push(() => ours.close());
    const listener = await ours.listen({ port: 0, host: "127.0.0.1" });
    cleanups.push(() => listener.close());
    const remote = overHttp(listener.port);

    const bundles = makeBundles(150);
    await seed(upstream.hotUpdater, bundles);
    await seed(remote, bundles); // seeded through the listener's bundle API

    let compared = 0;
    compared += await compareAll(upstream.hotUpdater, remote, makeUpdateRequests(bundles, 600), "update checks");
    compared += await compareAll(upstream.hotUpdater, remote, makeApiRequests(bundles, 200), "bundle API");
    const mutations = bundles
      .filter((_, i) => i % 29 === 0)
      .map((b, i) => ({ path: `${BASE}/api/bundles/${b.id}`, init: { method: "PATCH", body: JSON.stringify(i % 2 ? { enabled: !b.enabled } : { rolloutCohortCount: 250 }) } }));
    mutations.push({ path: `${BASE}/api/bundles/${bundles[5].id}`, init: { method: "DELETE" } });
    mutations.push({ path: `${BASE}/api/bundles/${bundles[6].id}`, init: { method: "PATCH", body: JSON.stringify({ id: "other" }) } });
    mutations.push({ path: `${BASE}/api/bundles/missing-id`, init: { method: "PATCH", body: "{}" } });
    mutations.push({ path: `${BASE}/api/bundles`, init: { method: "POST", body: "" } });
    compared += await compareAll(upstream.hotUpdater, remote, mutations, "mutations", { sequential: true });
    compared += await compareAll(upstream.hotUpdater, remote, makeUpdateRequests(bundles, 300, 99), "update checks after mutations");
    t.diagnostic(`${compared} requests compared (status, content type, body)`);
    assert.ok(compared >= 1100);
  });
}

test("listen() answers as handler() does, headers included", async (t) => {
  const s = await ourServer(work());
  t.after(() => s.close());
  await seed(overHttp(s.listener.port), makeBundles(20));
  for (const path of [`${BASE}/version`, `${BASE}/api/bundles?limit=3`, `${BASE}/app-version/ios/1.0.0/production/${"0".repeat(8)}-0000-0000-0000-000000000000/${"0".repeat(8)}-0000-0000-0000-000000000000`, `${BASE}/nope`, "/elsewhere"]) {
    const viaHandler = await s.hotUpdater.handler(new Request(`http://127.0.0.1:${s.listener.port}${path}`));
    const viaListener = await fetch(s.url(path));
    assert.equal(viaListener.status, viaHandler.status, path);
    assert.equal(viaListener.headers.get("content-type"), viaHandler.headers.get("content-type"), path);
    assert.equal(await viaListener.text(), await viaHandler.text(), path);
  }
  assert.equal(s.listener.host, "127.0.0.1");
});

test("fileStorage through listen(): upload, download (Range, 304, HEAD), readText, getDownloadUrl, delete", async (t) => {
  const dir = work();
  const s = await ourServer(dir, { storages: [fileStorage({ dir: join(dir, "files"), maxUploadBytes: 1024 * 1024 })] });
  t.after(() => s.close());
  const bytes = Buffer.from("hello bundle ".repeat(100));
  const form = new FormData();
  form.append("file", new Blob([bytes]), "bundle.zip");
  form.append("key", "bundles/one");
  const up = await fetch(s.url(`${BASE}/api/storage/upload`), { method: "POST", body: form });
  assert.equal(up.status, 200);
  const { storageUri } = await up.json();
  assert.equal(storageUri, "file-storage://local/bundles/one/bundle.zip");

  const got = await fetch(s.url(`${BASE}/files/bundles/one/bundle.zip`));
  assert.equal(got.status, 200);
  assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
  const etag = got.headers.get("etag");
  assert.equal(etag, `"${createHash("sha256").update(bytes).digest("hex")}"`);
  assert.equal(got.headers.get("content-type"), "application/zip");

  const part = await fetch(s.url(`${BASE}/files/bundles/one/bundle.zip`), { headers: { Range: "bytes=6-11" } });
  assert.equal(part.status, 206);
  assert.equal(await part.text(), "bundle");
  assert.equal(part.headers.get("content-range"), `bytes 6-11/${bytes.length}`);
  const cached = await fetch(s.url(`${BASE}/files/bundles/one/bundle.zip`), { headers: { "If-None-Match": etag } });
  assert.equal(cached.status, 304);
  const head = await fetch(s.url(`${BASE}/files/bundles/one/bundle.zip`), { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), String(bytes.length));
  assert.equal((await fetch(s.url(`${BASE}/files/bundles/none.zip`))).status, 404);
  assert.equal((await fetch(s.url(`${BASE}/files/..%2f..%2fetc/passwd`))).status, 400);

  const text = await fetch(s.url(`${BASE}/api/storage/readText`), { method: "POST", body: JSON.stringify({ storageUri }) });
  assert.equal(await text.text(), bytes.toString());
  const url = await (await fetch(s.url(`${BASE}/api/storage/getDownloadUrl`), { method: "POST", body: JSON.stringify({ storageUri }) })).json();
  assert.equal(url.fileUrl, s.url(`${BASE}/files/bundles/one/bundle.zip`));
  const bad = await fetch(s.url(`${BASE}/api/storage/readText`), { method: "POST", body: "[]" });
  assert.equal(bad.status, 400);

  const big = new FormData();
  big.append("file", new Blob([Buffer.alloc(3 * 1024 * 1024)]), "big.zip");
  big.append("key", "bundles/big");
  assert.equal((await fetch(s.url(`${BASE}/api/storage/upload`), { method: "POST", body: big })).status, 413);

  const del = await fetch(s.url(`${BASE}/api/storage/delete`), { method: "DELETE", body: JSON.stringify({ storageUri }) });
  assert.deepEqual(await del.json(), { success: true });
  assert.equal((await fetch(s.url(`${BASE}/files/bundles/one/bundle.zip`))).status, 404);
});

/**
 * Runs `script` (an ES module printing one JSON line; `process.argv[1]` is `url`) in a child
 * process while this process's JavaScript is blocked for 6 s; its parsed line and when the block
 * ended.
 */
async function whileBlocked(script, url) {
  const child = spawn(process.execPath, ["--input-type=module", "-e", script, url], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const blockedUntil = Date.now() + 6000;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 6000);
  assert.equal(await exited, 0);
  return { got: JSON.parse(out), blockedUntil };
}

test("fileStorage downloads are served from disk without JavaScript: streamed in chunks, ranges across chunk edges, clients gone mid-download", { timeout: 60_000 }, async (t) => {
  const dir = work();
  const files = join(dir, "files");
  const s = await ourServer(dir, { storages: [fileStorage({ dir: files })] });
  t.after(() => s.close());
  // Not a multiple of the listener's 256 KiB read chunk, and put in place by hand (no record yet).
  const bytes = randomBytes(3 * 1024 * 1024 + 12_345);
  mkdirSync(join(files, "big"), { recursive: true });
  writeFileSync(join(files, "big", "bundle.zip"), bytes);
  const url = s.url(`${BASE}/files/big/bundle.zip`);
  const sha = (b) => createHash("sha256").update(b).digest("hex");

  const whole = await fetch(url);
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get("content-length"), String(bytes.length));
  assert.equal(sha(Buffer.from(await whole.arrayBuffer())), sha(bytes));
  const chunk = 256 * 1024;
  for (const [start, end] of [[chunk - 3, chunk + 3], [10, 3 * chunk + 7], [bytes.length - chunk - 1, bytes.length - 1], [0, 0]]) {
    const part = await fetch(url, { headers: { Range: `bytes=${start}-${end}` } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), `bytes ${start}-${end}/${bytes.length}`);
    assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(start, end + 1)), `${start}-${end}`);
  }

  // Clients that read a little and go away: the server lets go of the file and keeps serving.
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve, reject) => {
      const req = http.get(url, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", (e) => (e.code === "ECONNRESET" ? resolve() : reject(e)));
    });
  }
  const again = await fetch(url);
  assert.equal(sha(Buffer.from(await again.arrayBuffer())), sha(bytes));

  // The ETag comes from the native background hash, and a download completes while this
  // process's JavaScript is blocked: the download never entered JavaScript.
  const etag = `"${sha(bytes)}"`;
  const until = Date.now() + 10_000;
  while ((await fetch(url, { method: "HEAD" })).headers.get("etag") !== etag) {
    assert.ok(Date.now() < until, "no ETag after 10 s");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const script = `const r = await fetch(process.argv[1]); const b = Buffer.from(await r.arrayBuffer()); const { createHash } = await import("node:crypto"); console.log(JSON.stringify({ status: r.status, etag: r.headers.get("etag"), sha: createHash("sha256").update(b).digest("hex"), at: Date.now() }));`;
  const { got, blockedUntil } = await whileBlocked(script, url);
  assert.deepEqual({ status: got.status, etag: got.etag, sha: got.sha }, { status: 200, etag, sha: sha(bytes) });
  assert.ok(got.at < blockedUntil, "the download finished while JavaScript was blocked");
});

test("fileStorage uploads are received without JavaScript: a multi-megabyte upload is stored while the process's JavaScript is blocked", { timeout: 60_000 }, async (t) => {
  const dir = work();
  const files = join(dir, "files");
  const s = await ourServer(dir, { storages: [fileStorage({ dir: files })] });
  t.after(() => s.close());
  const script = `
    const { randomBytes, createHash } = await import("node:crypto");
    const bytes = randomBytes(4 * 1024 * 1024 + 3);
    const form = new FormData();
    form.append("file", new Blob([bytes]), "bundle.zip");
    form.append("key", "up/one");
    const r = await fetch(process.argv[1], { method: "POST", body: form });
    console.log(JSON.stringify({ status: r.status, body: await r.json(), sha: createHash("sha256").update(bytes).digest("hex"), at: Date.now() }));`;
  const { got, blockedUntil } = await whileBlocked(script, s.url(`${BASE}/api/storage/upload`));
  assert.deepEqual(got.body, { storageUri: "file-storage://local/up/one/bundle.zip" });
  assert.ok(got.at < blockedUntil, "the upload was answered while JavaScript was blocked");
  const stored = await fetch(s.url(`${BASE}/files/up/one/bundle.zip`));
  assert.equal(stored.headers.get("etag"), `"${got.sha}"`, "the record written with the upload gives the ETag at once");
  assert.equal(createHash("sha256").update(Buffer.from(await stored.arrayBuffer())).digest("hex"), got.sha);
});

test("auth.bearerToken is checked natively; auth.verify refuses listen()", async (t) => {
  const s = await ourServer(work(), { auth: { bearerToken: "s3cret" } });
  t.after(() => s.close());
  const denied = await fetch(s.url(`${BASE}/api/bundles`));
  assert.equal(denied.status, 401);
  assert.equal(denied.headers.get("www-authenticate"), "Bearer");
  assert.deepEqual(await denied.json(), { error: "Unauthorized" });
  assert.equal((await fetch(s.url(`${BASE}/api/bundles`), { headers: { Authorization: "Bearer wrong" } })).status, 401);
  assert.equal((await fetch(s.url(`${BASE}/API/bundles`))).status, 401, "case-insensitive, as lib/auth.js");
  const ok = await fetch(s.url(`${BASE}/api/bundles`), { headers: { Authorization: "  bearer   s3cret " } });
  assert.equal(ok.status, 200);
  assert.equal((await fetch(s.url(`${BASE}/version`))).status, 200, "public routes stay public");

  // `auth.exempt` opens exactly the named operate routes, as handler()'s guard does.
  const open = await ourServer(work(), { auth: { bearerToken: "s3cret", exempt: ["health"] }, routes: { ...routes, health: true, metrics: true } });
  t.after(() => open.close());
  assert.equal((await fetch(open.url(`${BASE}/api/health`))).status, 200, "exempt: health without a token");
  assert.equal((await fetch(open.url(`${BASE}/api/metrics`))).status, 401, "not exempt: metrics needs the token");
  assert.equal((await fetch(open.url(`${BASE}/api/bundles`))).status, 401);
  const metrics = await fetch(open.url(`${BASE}/api/metrics`), { headers: { Authorization: "Bearer s3cret" } });
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get("content-type"), /^text\/plain; version=0\.0\.4/, "Prometheus text, as handler() serves it");
  assert.match(await metrics.text(), /^# (HELP|TYPE) hot_updater_/m);

  const withVerify = createHotUpdater({ database: sqliteDatabase({ path: ":memory:" }), auth: { verify: () => true } });
  t.after(() => withVerify.close());
  await assert.rejects(withVerify.listen({ port: 0, host: "127.0.0.1" }), (e) => e.code === "ERR_HOT_UPDATER_CONFIG" && /auth\.verify/.test(e.message));
});

test("listen() options are checked", async (t) => {
  const h = createHotUpdater({ database: sqliteDatabase({ path: ":memory:" }) });
  t.after(() => h.close());
  for (const bad of [{ port: -1 }, { port: 70000 }, { port: 1.5 }, { host: "" }, { signal: {} }, { headersTimeoutMs: 0 }, { maxHeaderBytes: 10 }]) {
    await assert.rejects(h.listen(bad), (e) => e.code === "ERR_HOT_UPDATER_CONFIG", JSON.stringify(bad));
  }
  const first = await h.listen({ port: 0, host: "127.0.0.1" });
  t.after(() => first.close());
  await assert.rejects(h.listen({ port: first.port, host: "127.0.0.1" }), /cannot listen/);
  const aborted = AbortSignal.abort();
  await assert.rejects(h.listen({ port: 0, host: "127.0.0.1", signal: aborted }), (e) => e.name === "AbortError");
});

test("limits: body size, header count and size, slow head, slow body", async (t) => {
  const s = await ourServer(work(), { listen: { headersTimeoutMs: 400, requestTimeoutMs: 400, maxHeaders: 20 } });
  t.after(() => s.close());
  const port = s.listener.port;
  const tooLarge = await raw(port, [`POST ${BASE}/api/bundles HTTP/1.1\r\nHost: x\r\nContent-Length: ${17 * 1024 * 1024}\r\n\r\n{`]);
  assert.equal(statusOf(tooLarge.data), 413);
  assert.match(tooLarge.data, /connection: close/i);
  assert.match(tooLarge.data, /"Payload too large"/);

  const chunked = await fetch(s.url(`${BASE}/api/bundles`), {
    method: "POST",
    duplex: "half",
    body: new ReadableStream({
      start(c) {
        for (let i = 0; i < 17; i++) c.enqueue(new Uint8Array(1024 * 1024));
        c.close();
      },
    }),
  }).catch((e) => e);
  // Either the 413 arrives or the socket is closed under the rest of the body.
  if (!(chunked instanceof Error)) assert.equal(chunked.status, 413);

  const manyHeaders = Array.from({ length: 30 }, (_, i) => `X-H${i}: ${i}\r\n`).join("");
  assert.equal(statusOf((await raw(port, [`GET ${BASE}/version HTTP/1.1\r\nHost: x\r\n${manyHeaders}\r\n`])).data), 431);
  const hugeHeader = `X-Big: ${"a".repeat(70 * 1024)}\r\n`;
  const huge = await raw(port, [`GET ${BASE}/version HTTP/1.1\r\nHost: x\r\n${hugeHeader}\r\n`]);
  assert.equal(statusOf(huge.data), 431, huge.data.slice(0, 80));

  const slowHead = await raw(port, [`GET ${BASE}/version HTTP/1.1\r\n`, "Host: x\r\n"], { gapMs: 1500 });
  assert.ok(slowHead.closed, "a client that does not finish its head is disconnected");
  assert.ok(!/"version"/.test(slowHead.data));

  const slowBody = await raw(port, [`POST ${BASE}/api/bundles HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n[`, "]"], { gapMs: 1500 });
  assert.equal(statusOf(slowBody.data), 408);

  const ok = await raw(port, [`GET ${BASE}/version HTTP/1.1\r\nHost: x\r\n\r\n`], { idleMs: 300 });
  assert.equal(statusOf(ok.data), 200, "still serving");
});

test("keep-alive: several requests on one connection, idle connections end", async (t) => {
  const s = await ourServer(work(), { listen: { headersTimeoutMs: 500 } });
  t.after(() => s.close());
  const req = `GET ${BASE}/version HTTP/1.1\r\nHost: x\r\n\r\n`;
  const { data, closed } = await raw(s.listener.port, [req, req, req], { gapMs: 50, idleMs: 3000 });
  assert.equal(data.match(/HTTP\/1\.1 200/g)?.length, 3);
  assert.ok(closed, "the idle connection was closed by the server after headersTimeoutMs");
});

test("close() finishes in-flight requests, then refuses connections; signal closes", async () => {
  const dir = work();
  const hotUpdater = createHotUpdater({ database: sqliteDatabase({ path: join(dir, "db.sqlite") }), basePath: BASE, routes });
  const listener = await hotUpdater.listen({ port: 0, host: "127.0.0.1" });
  const port = listener.port;
  // A request whose body arrives after close() was called.
  const body = JSON.stringify(makeBundles(1));
  const socket = net.connect(port, "127.0.0.1");
  await new Promise((r) => socket.once("connect", r));
  let answer = "";
  socket.on("data", (d) => (answer += d));
  const ended = new Promise((r) => socket.once("close", r));
  socket.write(`POST ${BASE}/api/bundles HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
  await new Promise((r) => setTimeout(r, 100));
  const closing = listener.close();
  await new Promise((r) => setTimeout(r, 100));
  socket.write(body.slice(10));
  await closing;
  await ended;
  assert.equal(statusOf(answer), 201, answer);
  await assert.rejects(fetch(`http://127.0.0.1:${port}${BASE}/version`));
  await listener.close(); // idempotent

  const controller = new AbortController();
  const second = await hotUpdater.listen({ port: 0, host: "127.0.0.1", signal: controller.signal });
  assert.equal((await fetch(`http://127.0.0.1:${second.port}${BASE}/version`)).status, 200);
  controller.abort();
  await second.close();
  await assert.rejects(fetch(`http://127.0.0.1:${second.port}${BASE}/version`));
  await hotUpdater.close();
});

test("a process with a closed (or aborted) listener exits by itself; an open one stays", () => {
  const script = (how) => `
    import { createHotUpdater, sqliteDatabase } from ${JSON.stringify(INDEX)};
    const h = createHotUpdater({ database: sqliteDatabase({ path: ":memory:" }) });
    const ac = new AbortController();
    const l = await h.listen({ port: 0, host: "127.0.0.1", signal: ac.signal });
    const r = await fetch("http://127.0.0.1:" + l.port + "/api/version");
    console.log(r.status);
    ${how}
  `;
  for (const how of ["await l.close(); await h.close();", "ac.abort();"]) {
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script(how)], { encoding: "utf8", timeout: 20_000 });
    assert.equal(run.status, 0, `${how}: ${run.stderr}`);
    assert.equal(run.stdout.trim(), "200");
  }
  const open = spawnSync(process.execPath, ["--input-type=module", "-e", script("")], { encoding: "utf8", timeout: 3000 });
  assert.equal(open.signal, "SIGTERM", "an open listener keeps the process alive");
  assert.equal(open.stdout.trim(), "200");
});

test("many concurrent keep-alive clients", async (t) => {
  const s = await ourServer(work());
  t.after(() => s.close());
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  t.after(() => agent.destroy());
  const get = () =>
    new Promise((resolve, reject) => {
      http.get(s.url(`${BASE}/version`), { agent }, (res) => {
        let text = "";
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve([res.statusCode, text]));
      }).on("error", reject);
    });
  const answers = await Promise.all(Array.from({ length: 2000 }, get));
  assert.ok(answers.every(([status, text]) => status === 200 && text === '{"version":"0.36.3"}'));
});
