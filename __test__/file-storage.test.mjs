// fileStorage end to end: real servers (Hono on @hono/node-server, 127.0.0.1, ephemeral ports),
// a native SQLite database, and a client that sends exactly the requests upstream's
// `standaloneStorage` (@hot-updater/standalone 0.36.3) sends: multipart `file` + `key` to
// `<baseUrl>/upload`, JSON `{ storageUri }` to `/delete` (DELETE), `/readText` and
// `/getDownloadUrl` (POST), and HEAD on the download URL for `exists`. That package is not on the
// registry this project installs from, so the client is restated here from its source.
//
// Every HTTP test runs on two hosts: Hono on @hono/node-server in front of `handler` (bearer auth
// as Hono middleware), and the built-in `listen()` (bearer auth as `createHotUpdater`'s `auth`),
// which serves downloads, `readText` and `delete` from disk itself and forwards uploads to
// `handler`. `__test__/file-storage-listen.test.mjs` runs this file with HOT_UPDATER_TEST_HOST=listen.
//
// Run: node --test __test__/file-storage.test.mjs __test__/file-storage-listen.test.mjs
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { brotliCompressSync, brotliDecompressSync } from "node:zlib";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { createHotUpdater, fileStorage, sqliteDatabase } from "../index.mjs";

const require = createRequire(import.meta.url);
const TEST_TIMEOUT_MS = 60_000;
const TOKEN = "file-storage-test-token";
const AUTH = { Authorization: `Bearer ${TOKEN}` };
const SDK = { "Hot-Updater-SDK-Version": "0.31.0" };
const NIL = "00000000-0000-0000-0000-000000000000";
const BASE_PATH = "/hot-updater";
/** `hono` (the default) or `listen`: which server the HTTP tests run against. */
const HOST = process.env.HOT_UPDATER_TEST_HOST ?? "hono";
if (HOST !== "hono" && HOST !== "listen") throw new Error(`HOT_UPDATER_TEST_HOST must be hono or listen, not ${HOST}`);
/** Options of tests that do not depend on the host: run once, under Hono. */
const HOSTLESS = { skip: HOST !== "hono" && "host-independent: runs under Hono only" };

const ROOT = mkdtempSync(join(tmpdir(), "hu-file-storage-"));
after(() => rmSync(ROOT, { recursive: true, force: true }));

const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");
let seq = 0;
const bundleId = () => `0195a000-0000-7000-8000-${String(++seq).padStart(12, "0")}`;

/**
 * A server like example/server.mjs (bearer auth in front of `/hot-updater/api/*`), or like
 * example/standalone.mjs under HOT_UPDATER_TEST_HOST=listen.
 */
async function startServer({ storage = {}, routes = { updateCheck: true, bundles: true }, auth = true } = {}) {
  const work = mkdtempSync(join(ROOT, "srv-"));
  const dir = join(work, "files");
  const hotUpdater = createHotUpdater({
    database: sqliteDatabase({ path: join(work, "db.sqlite") }),
    storages: [fileStorage({ dir, ...storage })],
    basePath: BASE_PATH,
    routes,
    ...(HOST === "listen" && auth ? { auth: { bearerToken: TOKEN } } : {}),
  });
  if (HOST === "listen") {
    const listener = await hotUpdater.listen({ port: 0, host: "127.0.0.1" });
    const origin = `http://127.0.0.1:${listener.port}`;
    return {
      work,
      dir,
      origin,
      port: listener.port,
      base: `${origin}${BASE_PATH}`,
      hotUpdater,
      async close() {
        await listener.close();
        await hotUpdater.close();
      },
    };
  }
  const app = new Hono();
  if (auth) app.use(`${BASE_PATH}/api/*`, bearerAuth({ token: TOKEN }));
  app.all(`${BASE_PATH}/*`, (c) => hotUpdater.handler(c.req.raw));
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    work,
    dir,
    origin,
    port: server.address().port,
    base: `${origin}${BASE_PATH}`,
    hotUpdater,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
      await hotUpdater.close();
    },
  };
}

/** Upstream `standaloneStorage` request shapes, pointed at `<server><basePath>/api/storage`. */
function standaloneClient(baseUrl, commonHeaders = AUTH) {
  async function getDownloadUrl(storageUri) {
    const res = await fetch(`${baseUrl}/getDownloadUrl`, { method: "POST", headers: { ...commonHeaders }, body: JSON.stringify({ storageUri }) });
    if (!res.ok) throw new Error(`Failed to get download URL: ${res.statusText}`);
    return { fileUrl: (await res.json()).fileUrl };
  }
  return {
    async upload(key, filePath, type = "application/octet-stream") {
      const form = new FormData();
      form.append("file", new Blob([readFileSync(filePath)], { type }), basename(filePath));
      form.append("key", key);
      const res = await fetch(`${baseUrl}/upload`, { method: "POST", headers: { ...commonHeaders }, body: form });
      if (!res.ok) throw new Error(`Failed to upload bundle: ${res.status} ${await res.text()}`);
      const { storageUri } = await res.json();
      if (!storageUri) throw new Error("Failed to upload bundle - no storageUri in response");
      return { storageUri };
    },
    async delete(storageUri) {
      const res = await fetch(`${baseUrl}/delete`, { method: "DELETE", headers: { ...commonHeaders }, body: JSON.stringify({ storageUri }) });
      if (!res.ok) throw new Error(`Failed to delete bundle: ${res.statusText}`);
    },
    async readText(storageUri) {
      const res = await fetch(`${baseUrl}/readText`, { method: "POST", headers: { ...commonHeaders }, body: JSON.stringify({ storageUri }) });
      return res.ok ? res.text() : null;
    },
    async exists(storageUri) {
      const { fileUrl } = await getDownloadUrl(storageUri);
      return (await fetch(fileUrl, { method: "HEAD" })).ok;
    },
    getDownloadUrl,
  };
}

/** Writes `bytes` to a scratch file named `name` and uploads it under `key`. */
async function uploadBytes(client, key, name, bytes) {
  const folder = mkdtempSync(join(ROOT, "up-"));
  const file = join(folder, name);
  writeFileSync(file, bytes);
  try {
    return await client.upload(key, file);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function bundle(overrides) {
  return {
    platform: "ios",
    shouldForceUpdate: false,
    enabled: true,
    gitCommitHash: null,
    message: "file storage",
    channel: "production",
    targetAppVersion: "1.0.0",
    fingerprintHash: null,
    ...overrides,
  };
}

async function register(srv, b) {
  const res = await fetch(`${srv.base}/api/bundles`, { method: "POST", headers: { ...AUTH, "Content-Type": "application/json" }, body: JSON.stringify([b]) });
  assert.equal(res.status, 201, await res.text());
}

async function updateCheck(srv, currentBundleId = NIL) {
  const res = await fetch(`${srv.base}/app-version/ios/1.0.0/production/${NIL}/${currentBundleId}/1`, { headers: SDK });
  assert.equal(res.status, 200);
  return res.json();
}

/** A raw request whose path is sent verbatim (no client-side URL normalisation). */
function rawGet(port, path) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method: "GET", timeout: 5000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

const tmpFiles = (srv) => (existsSync(join(srv.dir, ".hot-updater", "tmp")) ? readdirSync(join(srv.dir, ".hot-updater", "tmp")) : []);

async function waitFor(predicate, ms = 5000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await predicate()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

test(`[${HOST}] round trip: standaloneStorage upload → POST /api/bundles → update check → download by fileUrl`, { timeout: TEST_TIMEOUT_MS }, async () => {
  const srv = await startServer();
  try {
    const client = standaloneClient(`${srv.base}/api/storage`);
    const id = bundleId();
    const zip = randomBytes(300 * 1024 + 17);
    const { storageUri } = await uploadBytes(client, `bundles/${id}`, "bundle.zip", zip);
    assert.equal(storageUri, `file-storage://local/bundles/${id}/bundle.zip`);
    assert.equal(await client.exists(storageUri), true);

    await register(srv, bundle({ id, fileHash: sha256(zip), storageUri }));
    const info = await updateCheck(srv);
    assert.equal(info.status, "UPDATE");
    assert.equal(info.id, id);
    assert.equal(info.fileUrl, `${srv.base}/files/bundles/${id}/bundle.zip`);

    const res = await fetch(info.fileUrl);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/zip");
    assert.equal(res.headers.get("content-length"), String(zip.length));
    assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    assert.equal(res.headers.get("etag"), `"${info.fileHash}"`);
    assert.equal(sha256(Buffer.from(await res.arrayBuffer())), info.fileHash);

    // The management API answers like a standalone storage server would.
    assert.deepEqual(await client.getDownloadUrl(storageUri), { fileUrl: info.fileUrl });
    assert.equal(await client.readText(`file-storage://local/bundles/${id}/missing.json`), null);
    await client.delete(storageUri);
    assert.equal(await client.exists(storageUri), false);
    assert.equal((await fetch(info.fileUrl)).status, 404);
    await assert.rejects(client.delete(storageUri), /Failed to delete bundle/);
    assert.deepEqual(tmpFiles(srv), []);
    assert.equal(existsSync(join(srv.dir, "bundles")), false, "empty folders are pruned");
  } finally {
    await srv.close();
  }
});

test(`[${HOST}] management routes sit under /api/ (auth) and only with routes.bundles; downloads need neither`, { timeout: TEST_TIMEOUT_MS }, async () => {
  const srv = await startServer();
  const readOnly = await startServer({ routes: { updateCheck: true, bundles: false }, auth: false });
  try {
    const anonymous = standaloneClient(`${srv.base}/api/storage`, {});
    await assert.rejects(uploadBytes(anonymous, "bundles/x", "bundle.zip", Buffer.from("zip")), /401/);
    for (const op of ["readText", "getDownloadUrl"]) {
      const res = await fetch(`${srv.base}/api/storage/${op}`, { method: "POST", body: JSON.stringify({ storageUri: "file-storage://local/a" }) });
      assert.equal(res.status, 401, op);
    }
    const ro = standaloneClient(`${readOnly.base}/api/storage`, {});
    await assert.rejects(uploadBytes(ro, "bundles/x", "bundle.zip", Buffer.from("zip")), /404/);
    mkdirSync(join(readOnly.dir, "bundles", "x"), { recursive: true });
    writeFileSync(join(readOnly.dir, "bundles", "x", "bundle.zip"), "zip");
    const res = await fetch(`${readOnly.base}/files/bundles/x/bundle.zip`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "zip");
    // Wrong methods fall through to the router's 404.
    assert.equal((await fetch(`${readOnly.base}/files/bundles/x/bundle.zip`, { method: "DELETE" })).status, 404);
  } finally {
    await srv.close();
    await readOnly.close();
  }
});

test(`[${HOST}] downloads: ETag/If-None-Match → 304, single Range → 206, bad ranges → 416, HEAD, content types`, { timeout: TEST_TIMEOUT_MS }, async () => {
  const srv = await startServer();
  try {
    const client = standaloneClient(`${srv.base}/api/storage`);
    const data = randomBytes(100_000);
    const { storageUri } = await uploadBytes(client, "bundles/r", "bundle.zip", data);
    const { fileUrl } = await client.getDownloadUrl(storageUri);
    const etag = `"${sha256(data)}"`;

    let res = await fetch(fileUrl, { headers: { "If-None-Match": etag } });
    assert.equal(res.status, 304);
    assert.equal(res.headers.get("etag"), etag);
    assert.equal((await res.arrayBuffer()).byteLength, 0);
    for (const header of [`W/${etag}`, `"nope", ${etag}`, "*"]) {
      assert.equal((await fetch(fileUrl, { headers: { "If-None-Match": header } })).status, 304, header);
    }
    res = await fetch(fileUrl, { headers: { "If-None-Match": '"other"' } });
    assert.equal(res.status, 200);
    await res.arrayBuffer();

    const ranges = [
      ["bytes=0-99", 0, 99],
      ["bytes=99990-", 99990, 99999],
      ["bytes=-10", 99990, 99999],
      ["bytes=500-100000000", 500, 99999],
      ["bytes=-200000", 0, 99999],
    ];
    for (const [range, start, end] of ranges) {
      res = await fetch(fileUrl, { headers: { Range: range } });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get("content-range"), `bytes ${start}-${end}/100000`, range);
      assert.equal(res.headers.get("content-length"), String(end - start + 1), range);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(data.subarray(start, end + 1)), range);
    }
    for (const range of ["bytes=100000-", "bytes=200000-200010", "bytes=abc", "bytes=5-1", "bytes=-0", "bytes=-", "bytes=1-2-3"]) {
      res = await fetch(fileUrl, { headers: { Range: range } });
      assert.equal(res.status, 416, range);
      assert.equal(res.headers.get("content-range"), "bytes */100000", range);
      await res.arrayBuffer();
    }
    // Several ranges, another unit, or a stale If-Range: the whole file.
    for (const headers of [{ Range: "bytes=0-1,5-6" }, { Range: "items=0-1" }, { Range: "bytes=0-1", "If-Range": '"stale"' }]) {
      res = await fetch(fileUrl, { headers });
      assert.equal(res.status, 200, JSON.stringify(headers));
      assert.equal((await res.arrayBuffer()).byteLength, 100_000);
    }
    res = await fetch(fileUrl, { headers: { Range: "bytes=0-1", "If-Range": etag } });
    assert.equal(res.status, 206);
    await res.arrayBuffer();

    res = await fetch(fileUrl, { method: "HEAD" });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), "100000");
    assert.equal(res.headers.get("accept-ranges"), "bytes");
    assert.equal(res.headers.get("etag"), etag);

    const types = { "manifest.json": "application/json", "index.ios.bundle.br": "application/x-brotli", "index.android.bundle": "application/javascript", "blob.bin": "application/octet-stream", "noext": "application/octet-stream", "bundle.tar.br": "application/x-tar" };
    for (const [name, type] of Object.entries(types)) {
      const up = await uploadBytes(client, "types", name, Buffer.from("x"));
      res = await fetch((await client.getDownloadUrl(up.storageUri)).fileUrl);
      assert.equal(res.headers.get("content-type"), type, name);
      assert.equal(res.headers.get("content-encoding"), null, name);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", name);
      assert.equal(res.headers.get("content-disposition"), null, name);
      assert.equal(await res.text(), "x");
    }
    // Types a browser would render as a page never come back as one: HTML, XML and friends are
    // octet-stream, an SVG keeps its type but is an attachment; every file answer says nosniff,
    // including 304s, HEAD, ranges and readText.
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const active = { "logo.svg": ["image/svg+xml", "attachment"], "LOGO.SVG": ["image/svg+xml", "attachment"], "page.html": ["application/octet-stream", null], "page.htm": ["application/octet-stream", null], "doc.xhtml": ["application/octet-stream", null], "feed.xml": ["application/octet-stream", null], "notes.txt": ["text/plain; charset=utf-8", null] };
    for (const [name, [type, disposition]] of Object.entries(active)) {
      const up = await uploadBytes(client, "active", name, svg);
      const url = (await client.getDownloadUrl(up.storageUri)).fileUrl;
      const answers = [await fetch(url), await fetch(url, { method: "HEAD" }), await fetch(url, { headers: { Range: "bytes=0-3" } })];
      answers.push(await fetch(url, { headers: { "If-None-Match": answers[0].headers.get("etag") ?? "*" } }));
      answers.push(await fetch(`${srv.base}/api/storage/readText`, { method: "POST", headers: AUTH, body: JSON.stringify({ storageUri: up.storageUri }) }));
      assert.deepEqual(answers.map((r) => r.status), [200, 200, 206, 304, 200], name);
      for (const r of answers) {
        assert.equal(r.headers.get("x-content-type-options"), "nosniff", `${name} ${r.status}`);
        assert.equal(r.headers.get("content-security-policy"), "default-src 'none'; sandbox", `${name} ${r.status}`);
        assert.equal(r.headers.get("content-disposition"), disposition, `${name} ${r.status}`);
        if (r.status !== 304) assert.equal(r.headers.get("content-type"), type, `${name} ${r.status}`);
        await r.arrayBuffer();
      }
    }
    // An empty file is a valid download.
    const empty = await uploadBytes(client, "types", "empty.zip", Buffer.alloc(0));
    res = await fetch((await client.getDownloadUrl(empty.storageUri)).fileUrl);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-length"), "0");
    assert.equal(res.headers.get("etag"), `"${sha256(Buffer.alloc(0))}"`);
  } finally {
    await srv.close();
  }
});

test(`[${HOST}] no path traversal: dot segments, encoded separators, absolute paths, backslashes, NUL, symlinks`, { timeout: TEST_TIMEOUT_MS }, async () => {
  const srv = await startServer();
  try {
    const secret = `secret-${randomBytes(8).toString("hex")}`;
    writeFileSync(join(srv.work, "secret.txt"), secret);
    writeFileSync(join(srv.dir, "inside.txt"), "inside");
    symlinkSync(join(srv.work, "secret.txt"), join(srv.dir, "escape.txt"));
    symlinkSync(srv.work, join(srv.dir, "escape-dir"));
    const paths = [
      "/files/../secret.txt",
      "/files/../../../../etc/passwd",
      "/files/%2e%2e/secret.txt",
      "/files/%2E%2E/%2e%2e/etc/passwd",
      "/files/..%2fsecret.txt",
      "/files/..%2Fsecret.txt",
      "/files/x/..%2f..%2fsecret.txt",
      "/files/..%5csecret.txt",
      "/files/..\\secret.txt",
      "/files/%5c..%5csecret.txt",
      "/files//etc/passwd",
      "/files/%2fetc%2fpasswd",
      `/files/${encodeURIComponent(join(srv.work, "secret.txt"))}`,
      "/files/inside.txt%00.zip",
      "/files/inside.txt%2500",
      "/files/escape.txt",
      "/files/escape-dir/secret.txt",
      "/files/.hot-updater/tmp",
      "/files/%zz",
    ];
    for (const p of paths) {
      const res = await rawGet(srv.port, `${BASE_PATH}${p}`);
      assert.ok(res.status === 400 || res.status === 404, `${p} → ${res.status}`);
      assert.ok(!res.body.includes(secret), `${p} leaked the secret`);
      // Paths that normalise to somewhere outside /hot-updater never reach the handler (Hono's 404).
      // (A raw backslash is refused by @hono/node-server itself, with an empty 400.)
      if (res.status === 400 && res.body !== "") assert.ok(JSON.parse(res.body).error, `${p} answers a JSON error`);
    }
    // The same paths handed to the handler directly, with no framework in front.
    for (const p of paths) {
      const res = await srv.hotUpdater.handler(new Request(`http://127.0.0.1${BASE_PATH}${p}`));
      const body = await res.text();
      assert.ok(res.status === 400 || res.status === 404, `direct ${p} → ${res.status}`);
      assert.ok(!body.includes(secret) && JSON.parse(body).error, `direct ${p}`);
    }
    assert.equal((await rawGet(srv.port, `${BASE_PATH}/files/inside.txt`)).body, "inside");

    const client = standaloneClient(`${srv.base}/api/storage`);
    for (const uri of ["file-storage://local/..%2fsecret.txt", "file-storage://local/escape.txt", "file-storage://local/escape-dir/secret.txt", "file-storage://other/inside.txt", "s3://bucket/inside.txt"]) {
      const text = await client.readText(uri);
      assert.ok(text === null, `${uri} → ${text}`);
    }
    for (const uri of ["file-storage://local/..%2fsecret.txt", "file-storage://local/a%5cb", "file-storage://x/a"]) {
      const res = await fetch(`${srv.base}/api/storage/getDownloadUrl`, { method: "POST", headers: AUTH, body: JSON.stringify({ storageUri: uri }) });
      assert.equal(res.status, 400, uri);
    }
    // Deleting through a symlinked folder must not touch what it points to.
    const del = await fetch(`${srv.base}/api/storage/delete`, { method: "DELETE", headers: AUTH, body: JSON.stringify({ storageUri: "file-storage://local/escape-dir/secret.txt" }) });
    assert.equal(del.status, 404);
    assert.equal(readFileSync(join(srv.work, "secret.txt"), "utf8"), secret);

    // Upload keys and file names are held to the same rules.
    for (const [key, name] of [["../outside", "bundle.zip"], ["/abs", "bundle.zip"], ["a\\b", "bundle.zip"], [".hot-updater/meta", "x.json"], ["escape-dir", "planted.zip"]]) {
      await assert.rejects(uploadBytes(client, key, name, Buffer.from("evil")), /Failed to upload bundle: 400/, `${key}/${name}`);
    }
    const form = new FormData();
    form.append("file", new Blob([Buffer.from("evil")]), "../../evil.zip");
    form.append("key", "bundles");
    const res = await fetch(`${srv.base}/api/storage/upload`, { method: "POST", headers: AUTH, body: form });
    assert.equal(res.status, 400);
    assert.equal(existsSync(join(srv.work, "evil.zip")), false);
    assert.equal(existsSync(join(srv.work, "planted.zip")), false);
    assert.equal(existsSync(join(ROOT, "evil.zip")), false);
    assert.deepEqual(tmpFiles(srv), []);
  } finally {
    await srv.close();
  }
});

/** Every path below `folder` (folders and files, symlinks not followed), relative to it. */
function listTree(folder, prefix = "") {
  const out = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    out.push(rel);
    if (entry.isDirectory()) out.push(...listTree(join(folder, entry.name), rel));
  }
  return out;
}

test(`[${HOST}] uploads through a symlink pointing outside the storage create nothing outside it, at any depth`, { timeout: TEST_TIMEOUT_MS }, async () => {
  const srv = await startServer();
  try {
    const outside = join(srv.work, "outside");
    mkdirSync(outside);
    mkdirSync(join(srv.dir, "real"));
    mkdirSync(join(srv.dir, "inner"));
    symlinkSync(outside, join(srv.dir, "link"));
    symlinkSync(outside, join(srv.dir, "real", "nested-link"));
    symlinkSync(join(outside, "ghost"), join(srv.dir, "dangling"));
    symlinkSync(join(srv.dir, "inner"), join(srv.dir, "inside-link"));
    const client = standaloneClient(`${srv.base}/api/storage`);
    const keys = [
      "link",
      "link/a",
      "link/a/b/c",
      "link/a/b/c/d/e/f/g",
      "real/nested-link",
      "real/nested-link/x/y",
      "dangling",
      "dangling/x",
      "dangling/x/y/z",
    ];
    for (const key of keys) {
      await assert.rejects(uploadBytes(client, key, "bundle.zip", Buffer.from("evil")), /Failed to upload bundle: 400/, key);
    }
    assert.deepEqual(listTree(outside), [], "nothing was created outside the storage directory");
    assert.equal(existsSync(join(outside, "ghost")), false);
    assert.deepEqual(listTree(srv.work).filter((p) => !p.startsWith("files") && !p.startsWith("db.sqlite")), ["outside"]);
    assert.deepEqual(tmpFiles(srv), []);
    // A symlink to a folder inside the storage is still followed, and nested folders are created inside.
    const { storageUri } = await uploadBytes(client, "inside-link/p/q", "ok.zip", Buffer.from("fine"));
    assert.equal(storageUri, "file-storage://local/inside-link/p/q/ok.zip");
    assert.equal(readFileSync(join(srv.dir, "inner", "p", "q", "ok.zip"), "utf8"), "fine");
    assert.equal((await rawGet(srv.port, `${BASE_PATH}/files/inside-link/p/q/ok.zip`)).body, "fine");
    // A file in the way of a folder level is a conflict, and the file is left as it was.
    writeFileSync(join(srv.dir, "real", "plain"), "plain");
    await assert.rejects(uploadBytes(client, "real/plain/deeper", "x.zip", Buffer.from("x")), /Failed to upload bundle: 409/);
    assert.equal(readFileSync(join(srv.dir, "real", "plain"), "utf8"), "plain");
  } finally {
    await srv.close();
  }
});

test(`[${HOST}] size limit: an oversized upload gets 413 and leaves nothing (declared or streamed length)`, { timeout: TEST_TIMEOUT_MS }, async () => {
  const srv = await startServer({ storage: { maxUploadBytes: 64 * 1024 } });
  try {
    const client = standaloneClient(`${srv.base}/api/storage`);
    // Exactly the limit is fine.
    await uploadBytes(client, "ok", "bundle.zip", randomBytes(64 * 1024));
    await assert.rejects(uploadBytes(client, "big", "bundle.zip", randomBytes(64 * 1024 + 1)), /Failed to upload bundle: 413/);

    // Declared far beyond the limit: refused before the body is read.
    const huge = new FormData();
    huge.append("file", new Blob([randomBytes(3 * 1024 * 1024)]), "bundle.zip");
    huge.append("key", "huge");
    let res = await fetch(`${srv.base}/api/storage/upload`, { method: "POST", headers: AUTH, body: huge });
    assert.equal(res.status, 413);
    assert.equal(res.headers.get("connection"), "close", "the unread body rules out keep-alive");
    await res.text();

    // No length given (chunked): counted while streaming.
    const boundary = "----hu-test-boundary";
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bundle.zip"\r\nContent-Type: application/zip\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nstreamed\r\n--${boundary}--\r\n`);
    const chunks = [head, ...Array.from({ length: 20 }, () => randomBytes(16 * 1024)), tail];
    const body = new ReadableStream({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    res = await fetch(`${srv.base}/api/storage/upload`, { method: "POST", headers: { ...AUTH, "Content-Type": `multipart/form-data; boundary=${boundary}` }, body, duplex: "half" });
    assert.equal(res.status, 413);
    assert.match(await res.text(), /Payload too large/);
    assert.ok(await waitFor(() => tmpFiles(srv).length === 0), `temporary files left: ${tmpFiles(srv)}`);
    for (const key of ["big", "huge", "streamed"]) assert.equal(existsSync(join(srv.dir, key)), false, key);
    assert.equal((await fetch(`${srv.base}/files/streamed/bundle.zip`)).status, 404);
    assert.equal((await fetch(`${srv.base}/files/ok/bundle.zip`)).status, 200);
  } finally {
    await srv.close();
  }
});

test(`[${HOST}] an upload aborted mid-body (client destroys the socket) leaves nothing served`, { timeout: TEST_TIMEOUT_MS }, async () => {
  const srv = await startServer();
  try {
    const boundary = "----hu-abort";
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bundle.zip"\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\naborted\r\n--${boundary}--\r\n`);
    const fileSize = 1024 * 1024;
    const req = httpRequest({
      host: "127.0.0.1",
      port: srv.port,
      method: "POST",
      path: `${BASE_PATH}/api/storage/upload`,
      headers: { ...AUTH, "Content-Type": `multipart/form-data; boundary=${boundary}`, "Content-Length": head.length + fileSize + tail.length },
    });
    req.on("error", () => {});
    req.write(head);
    req.write(randomBytes(256 * 1024));
    // The server is streaming this upload into a temporary file...
    assert.ok(await waitFor(() => tmpFiles(srv).some((f) => f.endsWith(".part"))), "upload started");
    req.destroy();
    // ...and drops it when the client goes away.
    assert.ok(await waitFor(() => tmpFiles(srv).length === 0), `temporary files left: ${tmpFiles(srv)}`);
    assert.equal(existsSync(join(srv.dir, "aborted")), false);
    assert.equal((await fetch(`${srv.base}/files/aborted/bundle.zip`)).status, 404);

    // A body that ends before the closing boundary is refused the same way.
    const truncated = Buffer.concat([head, randomBytes(1000), tail.subarray(0, 20)]);
    const res = await fetch(`${srv.base}/api/storage/upload`, { method: "POST", headers: { ...AUTH, "Content-Type": `multipart/form-data; boundary=${boundary}` }, body: truncated });
    assert.equal(res.status, 400);
    assert.deepEqual(tmpFiles(srv), []);
  } finally {
    await srv.close();
  }
});

test(`[${HOST}] concurrent uploads of one key: each answers, the survivor is whole and its ETag is its own hash`, { timeout: TEST_TIMEOUT_MS }, async () => {
  const srv = await startServer();
  try {
    const client = standaloneClient(`${srv.base}/api/storage`);
    const bodies = Array.from({ length: 8 }, () => randomBytes(200 * 1024));
    const results = await Promise.all(bodies.map((b) => uploadBytes(client, "bundles/same", "bundle.zip", b)));
    for (const r of results) assert.equal(r.storageUri, "file-storage://local/bundles/same/bundle.zip");
    const res = await fetch(`${srv.base}/files/bundles/same/bundle.zip`);
    const got = Buffer.from(await res.arrayBuffer());
    assert.ok(bodies.some((b) => b.equals(got)), "the file is one of the uploads, intact");
    const etag = res.headers.get("etag");
    if (etag !== null) assert.equal(etag, `"${sha256(got)}"`);
    // Without a matching record the ETag is computed in the background, never guessed.
    assert.ok(await waitFor(async () => (await fetch(`${srv.base}/files/bundles/same/bundle.zip`, { method: "HEAD" })).headers.get("etag") === `"${sha256(got)}"`));
    assert.deepEqual(tmpFiles(srv), []);
  } finally {
    await srv.close();
  }
});

test(`[${HOST}] files put in place by hand are served, and get an ETag from a background hash`, { timeout: TEST_TIMEOUT_MS }, async () => {
  const srv = await startServer();
  try {
    mkdirSync(join(srv.dir, "manual"), { recursive: true });
    writeFileSync(join(srv.dir, "manual", "a.zip"), "first");
    const url = `${srv.base}/files/manual/a.zip`;
    assert.equal(await (await fetch(url)).text(), "first");
    assert.ok(await waitFor(async () => (await fetch(url, { method: "HEAD" })).headers.get("etag") === `"${sha256("first")}"`));
    // Replaced behind the server's back: the old record no longer applies.
    rmSync(join(srv.dir, "manual", "a.zip"));
    writeFileSync(join(srv.dir, "manual", "a.zip"), "second!");
    const res = await fetch(url, { headers: { "If-None-Match": `"${sha256("first")}"` } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "second!");
    assert.notEqual(res.headers.get("etag"), `"${sha256("first")}"`);
  } finally {
    await srv.close();
  }
});

test(`[${HOST}] manifest enrichment from files on disk: changedAssets and manifestUrl download the right bytes`, { timeout: TEST_TIMEOUT_MS }, async () => {
  const srv = await startServer();
  try {
    const client = standaloneClient(`${srv.base}/api/storage`);
    const id = bundleId();
    const zip = randomBytes(50_000);
    const { storageUri } = await uploadBytes(client, `bundles/${id}`, "bundle.zip", zip);

    // As `hot-updater deploy` does: content-addressed assets under `assets/sha256/<xx>/<hash><ext>`,
    // the Hermes bundle brotli-compressed as `<hash>.br`, the manifest next to the archive.
    const jsBundle = Buffer.from(`console.log(${JSON.stringify(randomBytes(2000).toString("hex"))});`);
    const assets = {
      "index.ios.bundle": { original: jsBundle, stored: brotliCompressSync(jsBundle), ext: ".br" },
      "assets/logo@2x.png": { original: randomBytes(3000), ext: ".png" },
      "assets/fonts/한글 font.ttf": { original: randomBytes(1500), ext: ".ttf" },
    };
    const manifest = { bundleId: id, assets: {} };
    for (const [assetPath, a] of Object.entries(assets)) {
      a.hash = sha256(a.original);
      manifest.assets[assetPath] = { fileHash: a.hash };
      await uploadBytes(client, `assets/sha256/${a.hash.slice(0, 2)}`, `${a.hash}${a.ext}`, a.stored ?? a.original);
    }
    const manifestText = JSON.stringify(manifest);
    const manifestUpload = await uploadBytes(client, `bundles/${id}`, "manifest.json", Buffer.from(manifestText));
    assert.equal(await client.readText(manifestUpload.storageUri), manifestText);
    // The CLI derives the asset base by rewriting the bundle URI's path.
    const assetBase = new URL(storageUri);
    assetBase.pathname = "/assets";

    await register(srv, bundle({ id, fileHash: sha256(zip), storageUri, manifestStorageUri: manifestUpload.storageUri, manifestFileHash: `sig:${sha256(manifestText)}`, assetBaseStorageUri: assetBase.toString() }));
    const info = await updateCheck(srv);
    assert.equal(info.id, id);
    assert.equal(info.manifestUrl, `${srv.base}/files/bundles/${id}/manifest.json`);
    assert.equal(await (await fetch(info.manifestUrl)).text(), manifestText);
    assert.deepEqual(Object.keys(info.changedAssets), Object.keys(assets));
    for (const [assetPath, a] of Object.entries(assets)) {
      const entry = info.changedAssets[assetPath];
      assert.equal(entry.fileHash, a.hash);
      const res = await fetch(entry.file.url);
      assert.equal(res.status, 200, assetPath);
      let bytes = Buffer.from(await res.arrayBuffer());
      if (entry.file.compression === "br") bytes = brotliDecompressSync(bytes);
      assert.equal(sha256(bytes), a.hash, assetPath);
    }
    assert.equal(info.changedAssets["index.ios.bundle"].file.compression, "br");
    assert.equal(sha256(Buffer.from(await (await fetch(info.fileUrl)).arrayBuffer())), info.fileHash);

    // Deleting a folder removes everything below it (upstream storages delete by prefix).
    await client.delete(`file-storage://local/assets`);
    assert.equal(existsSync(join(srv.dir, "assets")), false);
    const after = await updateCheck(srv);
    for (const entry of Object.values(after.changedAssets ?? {})) assert.equal((await fetch(entry.file.url)).status, 404);
  } finally {
    await srv.close();
  }
});

test(`[${HOST}] publicBaseUrl: download URLs point there; without a request only publicBaseUrl works`, { timeout: TEST_TIMEOUT_MS }, async () => {
  const srv = await startServer({ storage: { publicBaseUrl: "https://cdn.example.com/ota/" } });
  try {
    const client = standaloneClient(`${srv.base}/api/storage`);
    const id = bundleId();
    const zip = Buffer.from("zip bytes");
    const { storageUri } = await uploadBytes(client, `bundles/${id}`, "bundle.zip", zip);
    await register(srv, bundle({ id, fileHash: sha256(zip), storageUri }));
    const info = await updateCheck(srv);
    assert.equal(info.fileUrl, `https://cdn.example.com/ota/bundles/${id}/bundle.zip`);
    assert.deepEqual(await client.getDownloadUrl(storageUri), { fileUrl: info.fileUrl });
    const direct = await srv.hotUpdater.getAppUpdateInfo({ _updateStrategy: "appVersion", platform: "ios", appVersion: "1.0.0", bundleId: NIL, channel: "production" });
    assert.equal(direct.fileUrl, info.fileUrl);
  } finally {
    await srv.close();
  }
  const local = await startServer();
  try {
    const id = bundleId();
    await register(local, bundle({ id, fileHash: "h", storageUri: `file-storage://local/bundles/${id}/bundle.zip` }));
    await assert.rejects(
      local.hotUpdater.getAppUpdateInfo({ _updateStrategy: "appVersion", platform: "ios", appVersion: "1.0.0", bundleId: NIL, channel: "production" }),
      /publicBaseUrl/,
    );
  } finally {
    await local.close();
  }
});

test("fileStorage options are checked at construction", HOSTLESS, () => {
  assert.throws(() => fileStorage({}), /`dir` must be a non-empty string/);
  assert.throws(() => fileStorage({ dir: join(ROOT, "o"), publicBaseUrl: "ftp://x" }), /publicBaseUrl/);
  assert.throws(() => fileStorage({ dir: join(ROOT, "o"), publicBaseUrl: "https://x/?a=1" }), /publicBaseUrl/);
  assert.throws(() => fileStorage({ dir: join(ROOT, "o"), maxUploadBytes: 0 }), /maxUploadBytes/);
  const s = fileStorage({ dir: join(ROOT, "o") });
  assert.equal(s.name, "fileStorage");
  assert.equal(s.supportedProtocol, "file-storage");
  assert.ok(existsSync(join(ROOT, "o")));
});

test("multipart reader: any chunking gives the same parts; malformed bodies are refused", HOSTLESS, () => {
  const { MultipartParser, MultipartError, boundaryOf, parseContentDisposition } = require("../lib/multipart.js");
  assert.equal(boundaryOf("multipart/form-data; boundary=abc"), "abc");
  assert.equal(boundaryOf('Multipart/Form-Data; charset=utf-8; boundary="a b:c"'), "a b:c");
  assert.equal(boundaryOf("application/json"), null);
  assert.equal(boundaryOf("multipart/form-data"), null);
  assert.equal(boundaryOf(`multipart/form-data; boundary=${"x".repeat(71)}`), null);
  assert.deepEqual(parseContentDisposition('form-data; name="file"; filename="a%22b.zip"'), { name: "file", filename: 'a"b.zip' });
  assert.deepEqual(parseContentDisposition(`form-data; name=key`), { name: "key", filename: undefined });
  assert.deepEqual(parseContentDisposition(`form-data; name="file"; filename="x"; filename*=UTF-8''%ED%95%9C.zip`), { name: "file", filename: "한.zip" });
  assert.deepEqual(parseContentDisposition('form-data; name="f\\"q"'), { name: 'f"q', filename: undefined });

  const boundary = "----b0undary";
  // The file contains near-misses of the delimiter.
  const file = Buffer.concat([randomBytes(3000), Buffer.from(`\r\n--${boundary.slice(0, -1)}X\r\n-`), randomBytes(500), Buffer.from("\r\n--")]);
  const body = Buffer.concat([
    Buffer.from(`preamble\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="b.zip"\r\nContent-Type: application/zip\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}  \r\nContent-Disposition: form-data; name="key"\r\n\r\nbundles/1\r\n--${boundary}\r\n\r\nno headers\r\n--${boundary}--\r\nepilogue`),
  ]);
  const run = (sizes) => {
    const parser = new MultipartParser(boundary);
    const parts = [];
    let at = 0;
    let i = 0;
    const take = (events) => {
      for (const ev of events) {
        if (ev.type === "part") parts.push({ headers: ev.headers, data: [] });
        else if (ev.type === "data") parts.at(-1).data.push(Buffer.from(ev.chunk));
      }
    };
    while (at < body.length) {
      const n = sizes[i++ % sizes.length];
      take(parser.push(body.subarray(at, at + n)));
      at += n;
    }
    take(parser.end());
    return parts.map((p) => ({ headers: p.headers, data: Buffer.concat(p.data) }));
  };
  const whole = run([body.length]);
  assert.equal(whole.length, 3);
  assert.ok(whole[0].data.equals(file));
  assert.equal(whole[0].headers["content-type"], "application/zip");
  assert.equal(whole[1].data.toString(), "bundles/1");
  assert.deepEqual(whole[2], { headers: {}, data: Buffer.from("no headers") });
  for (const sizes of [[1], [2, 3], [7], [13, 1, 64], [boundary.length + 3]]) {
    const parts = run(sizes);
    assert.equal(parts.length, 3, String(sizes));
    parts.forEach((p, i) => assert.ok(p.data.equals(whole[i].data), `${sizes} part ${i}`));
  }
  const bad = (text) => () => {
    const parser = new MultipartParser(boundary);
    parser.push(Buffer.from(text));
    parser.end();
  };
  assert.throws(bad(`--${boundary}\r\nContent-Disposition: form-data; name="a"\r\n\r\nabc`), MultipartError);
  assert.throws(bad(`--${boundary}\r\nno colon here\r\n\r\nabc\r\n--${boundary}--`), MultipartError);
  assert.throws(bad(`--${boundary}junk\r\n\r\n`), MultipartError);
  assert.throws(bad("x".repeat(70 * 1024)), MultipartError);
  assert.throws(bad(`--${boundary}\r\n${"h: v\r\n".repeat(4000)}\r\n`), MultipartError);
});

test(`[${HOST}] an upload arriving in tiny chunks is stored byte for byte`, { timeout: TEST_TIMEOUT_MS }, async () => {
  const srv = await startServer();
  try {
    const boundary = "xYz";
    const file = Buffer.concat([randomBytes(4000), Buffer.from("\r\n--xY\r\n--x"), randomBytes(100)]);
    const whole = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bundle.zip"\r\n\r\n`),
      file,
      Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\ntiny\r\n--${boundary}--\r\n`),
    ]);
    let at = 0;
    const body = new ReadableStream({
      pull(controller) {
        if (at >= whole.length) return controller.close();
        const n = 1 + (at % 5);
        controller.enqueue(whole.subarray(at, at + n));
        at += n;
      },
    });
    const res = await fetch(`${srv.base}/api/storage/upload`, { method: "POST", headers: { ...AUTH, "Content-Type": `multipart/form-data; boundary=${boundary}` }, body, duplex: "half" });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { storageUri: "file-storage://local/tiny/bundle.zip" });
    const got = Buffer.from(await (await fetch(`${srv.base}/files/tiny/bundle.zip`)).arrayBuffer());
    assert.ok(got.equals(file));
  } finally {
    await srv.close();
  }
});

test("Express through toNodeHandler: uploads and downloads keep every byte", { ...HOSTLESS, timeout: TEST_TIMEOUT_MS }, async () => {
  const { default: express } = await import("express");
  const { toNodeHandler } = await import("../node.mjs");
  const work = mkdtempSync(join(ROOT, "express-"));
  const hotUpdater = createHotUpdater({
    database: sqliteDatabase({ path: join(work, "db.sqlite") }),
    storages: [fileStorage({ dir: join(work, "files") })],
    basePath: BASE_PATH,
    routes: { updateCheck: true, bundles: true },
  });
  const app = express();
  app.all(`${BASE_PATH}/*splat`, toNodeHandler(hotUpdater));
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  try {
    const base = `http://127.0.0.1:${server.address().port}${BASE_PATH}`;
    const client = standaloneClient(`${base}/api/storage`, {});
    const data = randomBytes(150_000);
    const { storageUri } = await uploadBytes(client, "bundles/e", "bundle.zip", data);
    const { fileUrl } = await client.getDownloadUrl(storageUri);
    assert.equal(fileUrl, `${base}/files/bundles/e/bundle.zip`);
    let res = await fetch(fileUrl);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("etag"), `"${sha256(data)}"`);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(data));
    res = await fetch(fileUrl, { headers: { Range: "bytes=10-20" } });
    assert.equal(res.status, 206);
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(data.subarray(10, 21)));
    res = await fetch(fileUrl, { headers: { "If-None-Match": `"${sha256(data)}"` } });
    assert.equal(res.status, 304);
    assert.equal(await client.exists(storageUri), true);
    assert.equal(await client.readText(storageUri), data.toString("utf8"));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(() => resolve()));
    await hotUpdater.close();
  }
});
