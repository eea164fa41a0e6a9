// `createHotUpdater({ auth, trustedHosts })` on real servers (127.0.0.1, ephemeral ports): Hono on
// @hono/node-server with `app.mount` and with `app.all`, and Express through `toNodeHandler`, over
// a native SQLite database and a `fileStorage`. The management routes answer 401 without the
// right credentials however the handler is mounted (the doubled base path included); update
// checks, `/version` and downloads stay public; `trustedHosts` keeps client-chosen hosts out of
// download URLs.
//
// Run: node --test __test__/auth.test.mjs
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import express from "express";
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { createHotUpdater, fileStorage, sqliteDatabase } from "../index.mjs";
import { toNodeHandler } from "../node.mjs";

const TEST_TIMEOUT_MS = 60_000;
const BASE = "/hot-updater";
const TOKEN = "s3cret-token-for-auth-tests";
const NIL = "00000000-0000-0000-0000-000000000000";
const SDK = { "Hot-Updater-SDK-Version": "0.31.0" };
const ROOT = mkdtempSync(join(tmpdir(), "hu-auth-"));
after(() => rmSync(ROOT, { recursive: true, force: true }));

let seq = 0;
const bundleId = () => `0195b000-0000-7000-8000-${String(++seq).padStart(12, "0")}`;

function newHotUpdater(extra = {}, storage = {}) {
  const work = mkdtempSync(join(ROOT, "srv-"));
  return createHotUpdater({
    database: sqliteDatabase({ path: join(work, "db.sqlite") }),
    storages: [fileStorage({ dir: join(work, "files"), ...storage })],
    basePath: BASE,
    routes: { updateCheck: true, bundles: true },
    ...extra,
  });
}

/** Starts `hotUpdater` behind one of the hosts; `middleware` adds upstream's usual bearerAuth on `<base>/api/*`. */
async function startHost(style, hotUpdater, { middleware = false } = {}) {
  let server;
  if (style === "express") {
    const app = express();
    app.use(BASE, toNodeHandler(hotUpdater));
    server = await new Promise((resolve, reject) => {
      const s = app.listen(0, "127.0.0.1", (error) => (error ? reject(error) : resolve(s)));
    });
  } else {
    const app = new Hono();
    if (middleware) app.use(`${BASE}/api/*`, bearerAuth({ token: TOKEN }));
    if (style === "mount") app.mount(BASE, hotUpdater.handler);
    else app.all(`${BASE}/*`, (c) => hotUpdater.handler(c.req.raw));
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    await new Promise((resolve) => server.once("listening", resolve));
  }
  const port = server.address().port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A raw HTTP request: the path is sent verbatim and any Host header can be set. */
function raw(port, method, path, headers = {}, body = undefined) {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method, headers, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

const bearer = (token) => ({ Authorization: `Bearer ${token}` });

function bundle(overrides) {
  return {
    id: bundleId(),
    platform: "ios",
    shouldForceUpdate: false,
    enabled: true,
    fileHash: "hash",
    gitCommitHash: null,
    message: "auth",
    channel: "production",
    targetAppVersion: "1.0.0",
    fingerprintHash: null,
    storageUri: "file-storage://local/bundles/b/bundle.zip",
    ...overrides,
  };
}

function uploadForm(key, name, text) {
  const form = new FormData();
  form.append("file", new Blob([Buffer.from(text)]), name);
  form.append("key", key);
  return form;
}

function assertUnauthorized(res, body, label) {
  assert.equal(res.status, 401, label);
  assert.equal((res.headers.get ? res.headers.get("www-authenticate") : res.headers["www-authenticate"]) ?? null, "Bearer", label);
  assert.deepEqual(JSON.parse(body), { error: "Unauthorized" }, label);
}

/** Every management route, at the normal and at the doubled base path. */
function managementRequests() {
  const list = [];
  for (const prefix of [BASE, `${BASE}${BASE}`]) {
    list.push(["GET", `${prefix}/api/bundles`]);
    list.push(["GET", `${prefix}/api/bundles/channels`]);
    list.push(["GET", `${prefix}/api/bundles/${NIL}`]);
    list.push(["POST", `${prefix}/api/bundles`, JSON.stringify([bundle()])]);
    list.push(["PATCH", `${prefix}/api/bundles/${NIL}`, JSON.stringify({ enabled: false })]);
    list.push(["DELETE", `${prefix}/api/bundles/${NIL}`]);
    list.push(["POST", `${prefix}/api/storage/getDownloadUrl`, JSON.stringify({ storageUri: "file-storage://local/a.zip" })]);
    list.push(["POST", `${prefix}/api/storage/readText`, JSON.stringify({ storageUri: "file-storage://local/a.zip" })]);
    list.push(["DELETE", `${prefix}/api/storage/delete`, JSON.stringify({ storageUri: "file-storage://local/a.zip" })]);
    list.push(["POST", `${prefix}/api/storage/upload`, "form"]);
    list.push(["GET", `${prefix}/api/bundles/`]);
  }
  return list;
}

async function send(origin, [method, path, body], headers) {
  const init = { method, headers: { ...headers } };
  if (body === "form") init.body = uploadForm("bundles/x", "up.zip", "payload");
  else if (body !== undefined) {
    init.body = body;
    init.headers["Content-Type"] = "application/json";
  }
  const res = await fetch(`${origin}${path}`, init);
  return { res, body: await res.text() };
}

test("without `auth`, a middleware on <base>/api/* is bypassed through the doubled base path behind app.mount (why `auth` exists)", { timeout: TEST_TIMEOUT_MS }, async () => {
  const hotUpdater = newHotUpdater();
  const host = await startHost("mount", hotUpdater, { middleware: true });
  try {
    assert.equal((await fetch(`${host.origin}${BASE}/api/bundles`)).status, 401);
    const res = await fetch(`${host.origin}${BASE}${BASE}/api/bundles`);
    assert.equal(res.status, 200, "upstream-compatible default: the handler also accepts the doubled path");
    assert.ok(Array.isArray((await res.json()).data));
  } finally {
    await host.close();
    await hotUpdater.close();
  }
});

for (const style of ["mount", "all", "express"]) {
  test(`auth.bearerToken (${style}): every management route needs the token, at any base path; public routes stay open`, { timeout: TEST_TIMEOUT_MS }, async () => {
    const hotUpdater = newHotUpdater({ auth: { bearerToken: TOKEN } });
    const host = await startHost(style, hotUpdater);
    try {
      const wrong = [{}, bearer("wrong"), bearer(`${TOKEN}x`), bearer(TOKEN.slice(0, -1)), { Authorization: TOKEN }, { Authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString("base64")}` }, { Authorization: `Bearer ${TOKEN} extra` }, { Authorization: "Bearer" }];
      // Behind app.all the handler sees the whole path, so the doubled base path is not a route
      // at all there (404 with or without a token); behind app.mount and Express's app.use the
      // host strips one base path and the handler the other, so it is the management route.
      const doubledIsRoute = style !== "all";
      for (const req of managementRequests()) {
        const doubled = req[1].startsWith(`${BASE}${BASE}/`);
        for (const headers of doubled && !doubledIsRoute ? [...wrong, bearer(TOKEN)] : wrong) {
          const { res, body } = await send(host.origin, req, headers);
          const label = `${style} ${req[0]} ${req[1]} ${JSON.stringify(headers)}`;
          if (doubled && !doubledIsRoute) assert.equal(res.status, 404, `${label} ${body}`);
          else assertUnauthorized(res, body, label);
        }
      }
      // Case and encoding variants of the prefix never reach a route without the token.
      for (const path of [`${BASE}/API/bundles`, `${BASE}/Api/storage/upload`, `${BASE}/api`]) {
        const res = await fetch(`${host.origin}${path}`);
        assert.equal(res.status, 401, path);
        await res.text();
      }
      // The right token (scheme in any case) passes, at the normal and the doubled base path.
      for (const prefix of doubledIsRoute ? [BASE, `${BASE}${BASE}`] : [BASE]) {
        for (const headers of [bearer(TOKEN), { Authorization: `bearer ${TOKEN}` }]) {
          const res = await fetch(`${host.origin}${prefix}/api/bundles`, { headers });
          assert.equal(res.status, 200, `${prefix} ${JSON.stringify(headers)}`);
          assert.ok(Array.isArray((await res.json()).data));
        }
      }
      const b = bundle({ storageUri: "file-storage://local/bundles/ok/bundle.zip" });
      let res = await fetch(`${host.origin}${BASE}/api/bundles`, { method: "POST", headers: { ...bearer(TOKEN), "Content-Type": "application/json" }, body: JSON.stringify([b]) });
      assert.equal(res.status, 201, await res.text());
      res = await fetch(`${host.origin}${BASE}/api/storage/upload`, { method: "POST", headers: bearer(TOKEN), body: uploadForm("bundles/ok", "bundle.zip", "zip-bytes") });
      assert.deepEqual(await res.json(), { storageUri: "file-storage://local/bundles/ok/bundle.zip" });

      // Public: /version, update checks (with a download URL), the download itself.
      res = await fetch(`${host.origin}${BASE}/version`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { version: "0.36.3" });
      res = await fetch(`${host.origin}${BASE}/app-version/ios/1.0.0/production/${NIL}/${NIL}`, { headers: SDK });
      assert.equal(res.status, 200);
      const update = await res.json();
      assert.equal(update.id, b.id);
      res = await fetch(update.fileUrl);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), "zip-bytes");
      // Without routes.bundles nothing changes for public routes; unknown paths stay 404.
      res = await fetch(`${host.origin}${BASE}/nope`);
      assert.equal(res.status, 404);
      await res.text();
    } finally {
      await host.close();
      await hotUpdater.close();
    }
  });
}

test("auth.verify: only `true` lets a request in; a throw, a rejection or a truthy non-boolean denies (and a failure is logged)", { timeout: TEST_TIMEOUT_MS }, async () => {
  const logged = [];
  const original = console.error;
  console.error = (...args) => logged.push(args.map(String).join(" "));
  const seen = [];
  const hotUpdater = newHotUpdater({
    auth: {
      async verify(request, context) {
        seen.push(context);
        const key = request.headers.get("x-key");
        if (key === "throw") throw new Error("verifier exploded");
        if (key === "reject") return Promise.reject(new Error("verifier rejected"));
        if (key === "truthy") return "yes";
        return key === "good";
      },
    },
  });
  const hosts = [await startHost("mount", hotUpdater), await startHost("all", hotUpdater), await startHost("express", hotUpdater)];
  try {
    for (const host of hosts) {
      const paths = host === hosts[1] ? [`${BASE}/api/bundles`] : [`${BASE}/api/bundles`, `${BASE}${BASE}/api/bundles`];
      for (const path of paths) {
        for (const key of [null, "bad", "throw", "reject", "truthy"]) {
          const res = await fetch(`${host.origin}${path}`, { headers: key ? { "x-key": key } : {} });
          assertUnauthorized(res, await res.text(), `${host.origin}${path} ${key}`);
        }
        const res = await fetch(`${host.origin}${path}`, { headers: { "x-key": "good" } });
        assert.equal(res.status, 200, path);
        await res.json();
      }
      const res = await fetch(`${host.origin}${BASE}/version`, { headers: { "x-key": "throw" } });
      assert.equal(res.status, 200, "public routes never call verify");
      await res.text();
    }
    assert.ok(logged.some((l) => l.includes("verifier exploded")), "a throwing verify is logged");
    assert.ok(logged.some((l) => l.includes("verifier rejected")), "a rejecting verify is logged");
    // Called directly, the handler hands verify the caller's context.
    const ctx = { tenant: "t1" };
    const res = await hotUpdater.handler(new Request(`http://127.0.0.1${BASE}/api/bundles`, { headers: { "x-key": "good" } }), ctx);
    assert.equal(res.status, 200);
    assert.equal(seen.at(-1), ctx);
  } finally {
    console.error = original;
    for (const host of hosts) await host.close();
    await hotUpdater.close();
  }
});

test("invalid `auth` and `trustedHosts` fail at createHotUpdater with a TypeError", () => {
  const bad = [
    { auth: "token" },
    { auth: [] },
    { auth: {} },
    { auth: { bearerToken: "" } },
    { auth: { bearerToken: "   " } },
    { auth: { bearerToken: "two words" } },
    { auth: { bearerToken: 42 } },
    { auth: { verify: true } },
    { auth: { bearerToken: "t", verify: () => true } },
    { trustedHosts: "example.com" },
    { trustedHosts: [""] },
    { trustedHosts: ["example.com/path"] },
    { trustedHosts: ["user@example.com"] },
    { trustedHosts: ["example.com:0"] },
    { trustedHosts: ["example.com:70000"] },
    { trustedHosts: ["http://example.com"] },
    { trustedHosts: [42] },
  ];
  for (const extra of bad) {
    assert.throws(() => newHotUpdater(extra), (e) => e instanceof TypeError && /createHotUpdater: `(auth|trustedHosts)/.test(e.message), JSON.stringify(extra));
  }
  for (const extra of [{ auth: { bearerToken: "t" } }, { auth: { verify: async () => true } }, { trustedHosts: [] }, { trustedHosts: ["Example.COM", "127.0.0.1:3000", "[::1]:8080", "[::1]"] }, { auth: null, trustedHosts: null }]) {
    newHotUpdater(extra).close();
  }
});

test("trustedHosts: download URLs use only listed hosts; others get a 400 naming the fix; publicBaseUrl wins; without the option any host (upstream parity)", { timeout: TEST_TIMEOUT_MS }, async () => {
  const cases = [
    { extra: { trustedHosts: ["127.0.0.1"] }, storage: {}, evil: "reject" },
    { extra: { trustedHosts: ["localhost:1"] }, storage: {}, evil: "reject", self: "reject" },
    { extra: { trustedHosts: ["127.0.0.1"] }, storage: { publicBaseUrl: "https://cdn.example.com/ota" }, evil: "cdn" },
    { extra: {}, storage: {}, evil: "reflect" },
  ];
  for (const { extra, storage, evil, self } of cases) {
    const hotUpdater = newHotUpdater(extra, storage);
    const host = await startHost("all", hotUpdater);
    try {
      const b = bundle({ storageUri: "file-storage://local/bundles/t/bundle.zip" });
      assert.equal((await hotUpdater.insertBundle(b)), undefined);
      const check = `${BASE}/app-version/ios/1.0.0/production/${NIL}/${NIL}`;
      const label = JSON.stringify({ extra, storage });
      for (const [hostHeader, expect] of [[`127.0.0.1:${host.port}`, self ?? (storage.publicBaseUrl ? "cdn" : "self")], ["evil.example", evil]]) {
        const update = await raw(host.port, "GET", check, { ...SDK, Host: hostHeader });
        const urlAnswer = await raw(host.port, "POST", `${BASE}/api/storage/getDownloadUrl`, { Host: hostHeader, "Content-Type": "application/json" }, JSON.stringify({ storageUri: b.storageUri }));
        for (const [res, pick] of [[update, (j) => j.fileUrl], [urlAnswer, (j) => j.fileUrl]]) {
          if (expect === "reject") {
            assert.equal(res.status, 400, `${label} ${hostHeader} ${res.body}`);
            const { error } = JSON.parse(res.body);
            assert.match(error, /trustedHosts/);
            assert.match(error, /publicBaseUrl/);
            assert.ok(!res.body.includes("evil.example"), "the untrusted host is not echoed");
          } else {
            assert.equal(res.status, 200, `${label} ${hostHeader} ${res.body}`);
            const url = pick(JSON.parse(res.body));
            const want = {
              self: `http://127.0.0.1:${host.port}${BASE}/files/bundles/t/bundle.zip`,
              cdn: "https://cdn.example.com/ota/bundles/t/bundle.zip",
              reflect: `http://evil.example${BASE}/files/bundles/t/bundle.zip`,
            }[expect];
            assert.equal(url, want, `${label} ${hostHeader}`);
          }
        }
      }
    } finally {
      await host.close();
      await hotUpdater.close();
    }
  }
});
