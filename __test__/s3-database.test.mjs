// Native s3Database against a real S3 server (s3s-fs, which verifies SigV4) and upstream's blob
// database (plugin-core 0.36.3 `createBlobDatabasePlugin` on the AWS SDK, see
// helpers/upstream-s3-database.mjs):
// - the same writes give the same objects, byte for byte, with the same content type and
//   cache-control on every PutObject, and the same CloudFront paths;
// - interchange both ways on one bucket (what one writes the other reads), under a basePath;
// - the parity corpus (update checks, bundle API, mutations) against upstream's server;
// - freshness: our writes are seen through the marker object, upstream's within `maxAgeMs`;
// - CloudFront invalidations reach a loopback stand-in of its API, signed with SigV4.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import http from "node:http";
import net from "node:net";

import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createHotUpdater as createUpstreamHotUpdater } from "@hot-updater/server";

import { createHotUpdater, s3Database } from "../index.mjs";
import { S3_CREDENTIALS, S3_REGION, startS3Server } from "./helpers/s3.mjs";
import { upstreamS3Database } from "./helpers/upstream-s3-database.mjs";
import { parityStorage } from "./helpers/parity-storage.mjs";
import { NIL, eventually, makeApiRequests, makeBundles, makeUpdateRequests, smallBundle } from "./helpers/fixtures.mjs";
import { compareAll, seed } from "./helpers/compare.mjs";

const MARKER = "_hot-updater-rs.marker.json";
const BUCKETS = ["layout-ours", "layout-theirs", "shared-a", "shared-b", "parity-ours", "parity-theirs", "fresh", "cf-db", "closing"];
const DEFAULTS = { storages: [parityStorage()], basePath: "/hot-updater", routes: { updateCheck: true, bundles: true } };

let s3;
const cleanups = [];

before(async () => {
  s3 = await startS3Server({ buckets: BUCKETS });
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
  await s3?.stop();
});

const bid = (n) => `01900000-0000-7000-8000-${String(n).padStart(12, "0")}`;

/** Our server on `bucketName` (through `endpoint`, default the S3 server itself). */
function ours(bucketName, extra = {}, { endpoint = s3.endpoint, options = {} } = {}) {
  const hotUpdater = createHotUpdater({ ...DEFAULTS, ...options, database: s3Database({ bucketName, endpoint, region: S3_REGION, credentials: S3_CREDENTIALS, ...extra }) });
  cleanups.push(() => hotUpdater.close());
  return hotUpdater;
}

/** upstream's server on its blob database (the fixture), on `bucketName`. */
function theirs(bucketName, extra = {}) {
  const u = upstreamS3Database({ bucketName, endpoint: s3.endpoint, region: S3_REGION, credentials: S3_CREDENTIALS, ...extra });
  cleanups.push(() => u.close());
  return { hotUpdater: createUpstreamHotUpdater({ ...DEFAULTS, database: u.database }), invalidations: u.invalidations };
}

/** Every object of a bucket but our marker: key → { body, contentType, cacheControl }. */
async function dump(bucket) {
  const out = {};
  let token;
  do {
    const res = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const { Key } of res.Contents ?? []) {
      if (Key.endsWith(MARKER)) continue;
      const obj = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key }));
      out[Key] = { body: await obj.Body.transformToString(), contentType: obj.ContentType, cacheControl: obj.CacheControl };
    }
    token = res.NextContinuationToken;
  } while (token);
  return out;
}

/** A loopback TCP proxy to the S3 server that records what clients send (request heads). */
async function recordingProxy() {
  const streams = [];
  const sockets = new Set();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    const record = { text: "" };
    streams.push(record);
    const upstream = net.connect(s3.port, "127.0.0.1");
    client.on("data", (d) => {
      record.text += d.toString("latin1");
      upstream.write(d);
    });
    upstream.pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  // Another client's idle keep-alive connection would hold close() until that client's pool
  // times it out (upstream's SDK client, say): end them first.
  cleanups.push(() => new Promise((resolve) => (server.close(resolve), sockets.forEach((s) => s.destroy()))));
  const requests = () => {
    const out = [];
    for (const { text } of streams) {
      for (const m of text.matchAll(/(GET|PUT|DELETE|HEAD|POST) (\S+) HTTP\/1\.1\r\n([\s\S]*?)\r\n\r\n/g)) {
        const headers = Object.fromEntries(m[3].split("\r\n").map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
        out.push({ method: m[1], path: m[2], headers });
      }
    }
    return out;
  };
  return { endpoint: `http://127.0.0.1:${server.address().port}`, requests, clear: () => streams.forEach((s) => (s.text = "")), open: () => sockets.size };
}

// ---- a loopback stand-in of CloudFront's API, which checks SigV4 like CloudFront ----

const sha256 = (s) => createHash("sha256").update(s).digest("hex");
const hmac = (key, s) => createHmac("sha256", key).update(s).digest();

/** Recomputes the SigV4 signature of a request received by the stand-in; returns an error text or null. */
function sigv4Problem(req, body) {
  const auth = req.headers.authorization ?? "";
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return `bad Authorization: ${auth}`;
  const [, keyId, date, region, service, signedHeaders, signature] = m;
  if (keyId !== S3_CREDENTIALS.accessKeyId || region !== "us-east-1" || service !== "cloudfront") return `wrong scope: ${auth}`;
  const amzDate = req.headers["x-amz-date"];
  const names = signedHeaders.split(";");
  if (!names.includes("host") || !names.includes("x-amz-date")) return `headers not signed: ${signedHeaders}`;
  const [path, query = ""] = req.url.split("?");
  const canonical = [req.method, path, query, names.map((n) => `${n}:${String(req.headers[n]).trim()}\n`).join(""), signedHeaders, sha256(body)].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256(canonical)].join("\n");
  let k = hmac(`AWS4${S3_CREDENTIALS.secretAccessKey}`, date);
  for (const part of [region, service, "aws4_request"]) k = hmac(k, part);
  return hmac(k, toSign).toString("hex") === signature ? null : "signature mismatch";
}

async function cloudFrontStandIn({ status = "InProgress", fail = false } = {}) {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const problem = sigv4Problem(req, body);
      const paths = [...body.matchAll(/<Path>([^<]*)<\/Path>/g)].map((x) => x[1].replaceAll("&amp;", "&"));
      received.push({ method: req.method, url: req.url, body, paths, problem });
      res.setHeader("content-type", "text/xml");
      if (problem) {
        res.statusCode = 403;
        res.end(`<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>${problem}</Message></Error></ErrorResponse>`);
      } else if (fail) {
        res.statusCode = 500;
        res.end("<ErrorResponse><Error><Code>ServiceUnavailable</Code><Message>try later</Message></Error></ErrorResponse>");
      } else if (req.method === "POST") {
        res.statusCode = 201;
        res.end(`<?xml version="1.0"?><Invalidation><Id>INV${received.length}</Id><Status>${status}</Status></Invalidation>`);
      } else {
        res.end(`<?xml version="1.0"?><Invalidation><Id>${req.url.split("/").pop()}</Id><Status>Completed</Status></Invalidation>`);
      }
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { endpoint: `http://127.0.0.1:${server.address().port}`, received };
}

// ---- the same writes, the same objects ----

test("the same writes leave the same objects as upstream's plugin (byte for byte) and invalidate the same paths", async () => {
  const cf = await cloudFrontStandIn({ status: "Completed" });
  const proxy = await recordingProxy();
  const mine = ours("layout-ours", { cloudfrontDistributionId: "EDIST1", cloudfrontEndpoint: cf.endpoint }, { endpoint: proxy.endpoint });
  const ref = theirs("layout-theirs");
  const ops = [
    ["insert", smallBundle(1, { targetAppVersion: "1.0.0" })],
    ["insert", smallBundle(2, { targetAppVersion: ">= 1.0.0  <  2.0.0" })],
    ["insert", smallBundle(3, { targetAppVersion: null, fingerprintHash: "fp-1" })],
    // Both set: stored under the version folder only.
    ["insert", smallBundle(4, { targetAppVersion: "2.1.0", fingerprintHash: "fp-2" })],
    ["insert", smallBundle(5, { channel: "beta", platform: "android", extraKey: { kept: [1, 2.5, "x"] } })],
    ["insert", smallBundle(6, { targetAppVersion: "1.0.0", message: 'ü \u2028 "quoted" </tag>' })],
    ["insert", smallBundle(7, { channel: "spaced channel", targetAppVersion: "~ 3.0", rolloutCohortCount: 17 })],
    ["update", bid(1), { message: "changed", metadata: { app_version: "1.0.0" } }],
    ["update", bid(2), { channel: "beta" }],
    ["update", bid(6), { targetAppVersion: "1.2.0" }],
    ["update", bid(3), { rolloutCohortCount: 250, targetCohorts: ["qa"] }],
    ["update", bid(4), { fingerprintHash: null }],
    ["delete", bid(5)],
    ["delete", bid(1)],
    ["delete", bid(404)],
  ];
  let step = 0;
  for (const [op, a, b] of ops) {
    for (const { hotUpdater } of [{ hotUpdater: mine }, ref]) {
      if (op === "insert") await hotUpdater.insertBundle(a);
      else if (op === "update") await hotUpdater.updateBundleById(a, b);
      else await hotUpdater.deleteBundleById(a);
    }
    step++;
    const [x, y] = [await dump("layout-ours"), await dump("layout-theirs")];
    assert.deepEqual(Object.keys(x).sort(), Object.keys(y).sort(), `keys after step ${step}`);
    for (const key of Object.keys(y)) assert.equal(x[key].body, y[key].body, `${key} after step ${step}`);
  }
  const final = await dump("layout-ours");
  assert.ok(final["production/ios/1.0.0/update.json"] === undefined && final["production/ios/1.2.0/update.json"], "emptied files are deleted");
  assert.ok(final["production/ios/>=1.0.0 <2.0.0/update.json"] === undefined && final["beta/ios/>=1.0.0 <2.0.0/update.json"], "normalised target folder, moved with its channel");
  assert.equal(final["production/ios/target-app-versions.json"].body, JSON.stringify(["2.1.0", "1.2.0"]));
  assert.equal(final["beta/android/target-app-versions.json"].body, "[]");
  assert.ok(!Object.keys(final).some((k) => k.includes("/fp-2/")), "a bundle with both is not under its fingerprint");
  // What both stored reads back the same through S3 (metadata as the server keeps it).
  const y = await dump("layout-theirs");
  for (const key of Object.keys(y)) assert.deepEqual([final[key].contentType, final[key].cacheControl], [y[key].contentType, y[key].cacheControl], key);
  // On the wire: every PutObject of ours carries upstream's content type and cache-control.
  const puts = proxy.requests().filter((r) => r.method === "PUT");
  assert.ok(puts.length >= ops.length, `PutObject requests seen: ${puts.length}`);
  for (const p of puts) {
    assert.equal(p.headers["content-type"], "application/json", p.path);
    assert.equal(p.headers["cache-control"], "max-age=31536000", p.path);
  }
  // CloudFront: one signed CreateInvalidation per change, with upstream's paths in its order.
  assert.deepEqual(cf.received.filter((r) => r.problem), []);
  assert.ok(cf.received.every((r) => r.method === "POST" && r.url === "/2020-05-31/distribution/EDIST1/invalidation"));
  assert.deepEqual(cf.received.map((r) => r.paths), ref.invalidations);
  assert.ok(cf.received.every((r) => /<CallerReference>invalidation-\d{13}<\/CallerReference>/.test(r.body)));
  assert.equal(ref.invalidations.length, ops.length - 1, "the delete of a missing id changes nothing");
  // The hidden fingerprint: both answer the fingerprint check of a bundle with both set with nothing.
  await mine.insertBundle(smallBundle(8, { targetAppVersion: "5.0.0", fingerprintHash: "fp-8" }));
  await ref.hotUpdater.insertBundle(smallBundle(8, { targetAppVersion: "5.0.0", fingerprintHash: "fp-8" }));
  for (const args of [
    { _updateStrategy: "fingerprint", platform: "ios", fingerprintHash: "fp-8", bundleId: NIL, channel: "production" },
    { _updateStrategy: "appVersion", platform: "ios", appVersion: "5.0.0", bundleId: NIL, channel: "production" },
  ]) {
    assert.deepEqual(await mine.getAppUpdateInfo(args), await ref.hotUpdater.getAppUpdateInfo(args), JSON.stringify(args));
  }
  assert.equal(await mine.getAppUpdateInfo({ _updateStrategy: "fingerprint", platform: "ios", fingerprintHash: "fp-8", bundleId: NIL, channel: "production" }), null);
});

// ---- interchange on one bucket ----

for (const [label, writer] of [
  ["ours writes, upstream's plugin reads", "ours"],
  ["upstream's plugin writes, ours reads", "theirs"],
]) {
  test(`interchange under a basePath: ${label}`, async () => {
    const bucket = writer === "ours" ? "shared-a" : "shared-b";
    const base = { basePath: "/tenants/app-1/" };
    const bundles = makeBundles(30, 5);
    const w = writer === "ours" ? { hotUpdater: ours(bucket, base) } : theirs(bucket, base);
    await seed(w.hotUpdater, bundles);
    await w.hotUpdater.updateBundleById(bundles[3].id, { channel: "moved", enabled: true });
    await w.hotUpdater.deleteBundleById(bundles[4].id);
    const keys = Object.keys(await dump(bucket));
    assert.ok(keys.length > 5 && keys.every((k) => k.startsWith("tenants/app-1/")), keys.join());
    // A fresh reader of each kind on the same bucket (upstream's plugin caches per instance).
    const reader = writer === "ours" ? theirs(bucket, base).hotUpdater : ours(bucket, { ...base, snapshot: false });
    const writerView = writer === "ours" ? w.hotUpdater : theirs(bucket, base).hotUpdater;
    let n = 0;
    n += await compareAll(writerView, reader, makeUpdateRequests(bundles, 150, 3), "update checks");
    n += await compareAll(writerView, reader, makeApiRequests(bundles, 40, 4), "bundle API");
    // Ours with its snapshot answers the same.
    n += await compareAll(writerView, ours(bucket, base), makeUpdateRequests(bundles, 150, 5), "update checks (snapshot)");
    assert.ok(n >= 340);
  });
}

// ---- the parity corpus ----

test("parity with upstream's server on its s3Database: update checks, bundle API, mutations", async (t) => {
  const mine = ours("parity-ours");
  const ref = theirs("parity-theirs");
  const bundles = makeBundles(60);
  await seed(ref.hotUpdater, bundles);
  await seed(mine, bundles);
  assert.deepEqual(await dump("parity-ours"), await dump("parity-theirs"), "the seeded layout");
  let compared = 0;
  compared += await compareAll(ref.hotUpdater, mine, makeUpdateRequests(bundles, 300), "update checks");
  compared += await compareAll(ref.hotUpdater, mine, makeApiRequests(bundles, 60), "bundle API");
  const mutations = [];
  for (const [i, b] of bundles.filter((_, i) => i % 9 === 0).entries()) {
    const body = i % 3 === 0 ? { enabled: !b.enabled } : i % 3 === 1 ? { rolloutCohortCount: 250, metadata: { x: i } } : { targetCohorts: ["qa"], message: null, channel: "beta" };
    mutations.push({ path: `/hot-updater/api/bundles/${b.id}`, init: { method: "PATCH", body: JSON.stringify(body) } });
  }
  mutations.push({ path: `/hot-updater/api/bundles/${bundles[5].id}`, init: { method: "DELETE" } });
  mutations.push({ path: `/hot-updater/api/bundles/${bundles[6].id}`, init: { method: "PATCH", body: JSON.stringify({ rolloutCohortCount: 1.5 }) } });
  mutations.push({ path: "/hot-updater/api/bundles/missing-id", init: { method: "PATCH", body: "{}" } });
  mutations.push({ path: "/hot-updater/api/bundles/missing-id", init: { method: "DELETE" } });
  mutations.push({ path: "/hot-updater/api/bundles", init: { method: "POST", body: JSON.stringify({ ...bundles[7], id: "01900000-0000-7000-8000-000000000001", targetAppVersion: null, fingerprintHash: null }) } });
  compared += await compareAll(ref.hotUpdater, mine, mutations, "mutations", { sequential: true });
  assert.deepEqual(await dump("parity-ours"), await dump("parity-theirs"), "the layout after the mutations");
  compared += await compareAll(ref.hotUpdater, mine, makeUpdateRequests(bundles, 150, 99), "update checks after mutations");
  compared += await compareAll(ref.hotUpdater, mine, makeApiRequests(bundles, 40, 98), "bundle API after mutations");
  t.diagnostic(`${compared} requests compared byte for byte`);
});

// ---- freshness ----

test("freshness: our writes are seen through the marker, upstream's within maxAgeMs; a steady probe is one GetObject", async (t) => {
  const check = (server) => server.getAppUpdateInfo({ _updateStrategy: "appVersion", platform: "ios", appVersion: "1.0.0", bundleId: NIL, channel: "production" }).then((r) => r?.id ?? null);
  const MAX_AGE = 1500;
  const a = ours("fresh", { snapshot: { probeIntervalMs: 100, maxAgeMs: MAX_AGE } });
  const proxy = await recordingProxy();
  const b = ours("fresh", { snapshot: { probeIntervalMs: 100, maxAgeMs: 600_000 } }, { endpoint: proxy.endpoint });
  const ref = theirs("fresh");
  await a.insertBundle(smallBundle(1));
  assert.equal(await check(a), bid(1));
  assert.equal(await check(b), bid(1));

  // Upstream's plugin writes: `a` sees it once its snapshot is older than maxAgeMs.
  await ref.hotUpdater.insertBundle(smallBundle(2));
  const started = Date.now();
  await eventually(() => check(a), (id) => id === bid(2), MAX_AGE + 3000);
  t.diagnostic(`upstream's write seen after ${Date.now() - started} ms (maxAgeMs ${MAX_AGE})`);
  // `b` (maxAgeMs 10 min) keeps its snapshot: nothing tells it about a write by another tool...
  assert.equal(await check(b), bid(1));
  // ...and in that steady state each probe is one GetObject of the marker, nothing else.
  proxy.clear();
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(await check(b), bid(1));
  }
  const seen = proxy.requests();
  assert.ok(seen.length >= 1, "probes ran");
  assert.deepEqual([...new Set(seen.map((r) => `${r.method} ${r.path.split("?")[0]}`))], [`GET /fresh/${MARKER}`]);
  // A write through another instance of ours rewrites the marker: `b` rebuilds at its next probe.
  await a.insertBundle(smallBundle(3));
  await eventually(() => check(b), (id) => id === bid(3), 3000);
});

test("close() lets go of the S3 client: its keep-alive connections end, and the next request opens new ones", async () => {
  const proxy = await recordingProxy();
  const server = ours("closing", {}, { endpoint: proxy.endpoint });
  const check = () => server.getAppUpdateInfo({ _updateStrategy: "appVersion", platform: "ios", appVersion: "1.0.0", bundleId: NIL, channel: "production" }).then((r) => r?.id ?? null);
  await server.insertBundle(smallBundle(1));
  assert.equal(await check(), bid(1));
  assert.ok(proxy.open() >= 1, "the client keeps a connection open");
  await server.close();
  await eventually(async () => proxy.open(), (n) => n === 0, 5000);
  assert.equal(await check(), bid(1), "reopened on the next request");
  assert.ok(proxy.open() >= 1);
});

// ---- CloudFront ----

test("CloudFront: waits for completion when asked, logs or reports failures, nothing without a distribution", async () => {
  const waiting = await cloudFrontStandIn({ status: "InProgress" });
  const w = ours("cf-db", { cloudfrontDistributionId: "EWAIT", cloudfrontEndpoint: waiting.endpoint, shouldWaitForInvalidation: true, apiBasePath: "/hot-updater" });
  await w.insertBundle(smallBundle(1, { targetAppVersion: "1.0.0" }));
  assert.deepEqual(
    waiting.received.map((r) => [r.method, r.url, r.problem]),
    [
      ["POST", "/2020-05-31/distribution/EWAIT/invalidation", null],
      ["GET", "/2020-05-31/distribution/EWAIT/invalidation/INV1", null],
    ],
  );
  assert.deepEqual(waiting.received[0].paths, ["/hot-updater/app-version/ios/1.0.0/production/*", "/hot-updater/app-version/ios/1.0/production/*", "/hot-updater/app-version/ios/1/production/*"]);

  const failing = await cloudFrontStandIn({ fail: true });
  const lenient = ours("cf-db", { cloudfrontDistributionId: "EFAIL", cloudfrontEndpoint: failing.endpoint });
  await lenient.insertBundle(smallBundle(2, { fingerprintHash: "f g", targetAppVersion: null }));
  assert.equal((await lenient.getBundleById(bid(2)))?.id, bid(2), "the change stands");
  assert.deepEqual(failing.received[0].paths, ["/api/check-update/fingerprint/ios/f%20g/production/*"]);
  const strict = ours("cf-db", { cloudfrontDistributionId: "EFAIL", cloudfrontEndpoint: failing.endpoint, shouldWaitForInvalidation: true });
  await assert.rejects(strict.insertBundle(smallBundle(3)), /CloudFront CreateInvalidation failed: ServiceUnavailable: try later/);

  const none = await cloudFrontStandIn();
  const off = ours("cf-db", { cloudfrontDistributionId: "", cloudfrontEndpoint: none.endpoint });
  await off.insertBundle(smallBundle(4));
  assert.equal(none.received.length, 0);
});

test("s3Database: option errors are clear", () => {
  assert.throws(() => s3Database({}), /s3Database: `bucketName` must be a non-empty string/);
  assert.throws(() => s3Database({ bucketName: "b", credentials: () => ({}) }), /credential provider functions are not supported/);
  assert.throws(() => s3Database({ bucketName: "b", shouldWaitForInvalidation: "yes" }), /`shouldWaitForInvalidation` must be a boolean/);
  assert.equal(s3Database({ bucketName: "b" }).name, "s3Database");
});
