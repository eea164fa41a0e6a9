// Native s3Storage / r2Storage against a real S3 server that verifies signatures (s3s-fs):
// presigned downloads, tampering and expiry, manifest enrichment, error paths, caching, and
// parity of whole update-check responses with upstream's server on the AWS SDK.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createHotUpdater, r2Storage, s3Storage, sqliteDatabase } from "../index.mjs";
import { S3_CREDENTIALS, S3_REGION, freePort, jsPresignLike, sdkS3Storage, startS3Server } from "./helpers/s3.mjs";
import { createUpstream } from "./helpers/upstream.mjs";
import { check, download } from "./helpers/storage.mjs";

const BUCKET = "hot-updater";
const NIL = "00000000-0000-0000-0000-000000000000";
const id = (n) => `0195a000-0000-7000-8000-0000000000${n}`;
const A = id("0a"); // the installed bundle
const B = id("0b"); // the update

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const uri = (proto, key) => `${proto}://${BUCKET}/${key.split("/").map(encodeURIComponent).join("/")}`;

// Objects in the bucket. Keys with spaces and non-ASCII exercise encoding end to end.
const ZIP_B = `bundles/${B}/bündle z.zip`;
const OBJECTS = {
  [ZIP_B]: randomBytes(200_000),
  [`bundles/${A}/bundle.zip`]: randomBytes(1000),
  [`bundles/${B}/files/index.ios.bundle.br`]: randomBytes(5000),
  [`bundles/${B}/files/assets/logo 1.png`]: randomBytes(3000),
  [`bundles/${B}/manifest.json`]: JSON.stringify({ bundleId: B, assets: { "index.ios.bundle": { fileHash: "idx-b" }, "assets/logo 1.png": { fileHash: "logo" } } }),
  [`bundles/${A}/manifest.json`]: JSON.stringify({ bundleId: A, assets: { "index.ios.bundle": { fileHash: "idx-a" }, "assets/logo 1.png": { fileHash: "logo" } } }),
  [`bundles/cache/manifest.json`]: JSON.stringify({ bundleId: id("0c"), assets: { "a.txt": { fileHash: "v1" } } }),
};

function bundle(bundleId, channel, proto, { zip = ZIP_B, manifest = `bundles/${B}/manifest.json`, files = `bundles/${B}/files`, bucket } = {}) {
  const u = (key) => (bucket ? uri(proto, key).replace(`://${BUCKET}/`, `://${bucket}/`) : uri(proto, key));
  return {
    id: bundleId,
    platform: "ios",
    shouldForceUpdate: false,
    enabled: true,
    fileHash: `file-${bundleId.slice(-2)}`,
    gitCommitHash: null,
    message: `bundle ${bundleId.slice(-2)}`,
    channel,
    storageUri: uri(proto, zip),
    targetAppVersion: "1.x",
    fingerprintHash: null,
    manifestStorageUri: manifest && u(manifest),
    manifestFileHash: manifest && `sig:${bundleId.slice(-2)}`,
    assetBaseStorageUri: uri(proto, files),
  };
}

// One channel per scenario, so each update check finds exactly the bundle it is about.
const BUNDLES = [
  bundle(A, "production", "s3", { zip: `bundles/${A}/bundle.zip`, manifest: `bundles/${A}/manifest.json` }),
  bundle(B, "production", "s3"),
  bundle(id("0c"), "cache", "s3", { manifest: "bundles/cache/manifest.json" }),
  bundle(id("0d"), "missing", "s3", { manifest: `bundles/${id("0d")}/manifest.json` }),
  bundle(id("0e"), "mismatch", "s3", { bucket: "other-bucket" }),
  bundle(id("0f"), "r2", "r2"),
];

const checkPath = (channel, bundleId = NIL) => `/hot-updater/app-version/ios/1.0.0/${channel}/${NIL}/${bundleId}`;

let s3;
let tmp;
const cleanups = [];

before(async () => {
  s3 = await startS3Server({ buckets: [BUCKET, "other-bucket"] });
  for (const [key, body] of Object.entries(OBJECTS)) await s3.put(BUCKET, key, body);
  tmp = mkdtempSync(join(tmpdir(), "hu-s3-test-"));
});

after(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await s3?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const s3Config = (extra = {}) => ({ region: S3_REGION, endpoint: s3.endpoint, forcePathStyle: true, credentials: S3_CREDENTIALS, bucketName: BUCKET, ...extra });

let dbCount = 0;
/** Our server on a fresh SQLite file with all fixture bundles. */
async function ours(storages) {
  const hotUpdater = createHotUpdater({
    database: sqliteDatabase({ path: join(tmp, `ours-${dbCount++}.db`) }),
    storages,
    basePath: "/hot-updater",
    routes: { updateCheck: true, bundles: true },
  });
  cleanups.push(() => hotUpdater.close());
  for (const b of BUNDLES) await hotUpdater.insertBundle(b);
  return hotUpdater;
}

test("a presigned fileUrl downloads the uploaded bytes; tampered URLs are refused", async () => {
  const server = await ours([s3Storage(s3Config())]);
  const { status, json } = await check(server, checkPath("production"));
  assert.equal(status, 200);
  assert.equal(json.id, B);
  const url = new URL(json.fileUrl);
  assert.equal(url.origin + url.pathname, `${s3.endpoint}/${BUCKET}/bundles/${B}/b%C3%BCndle%20z.zip`);
  assert.equal(url.searchParams.get("X-Amz-Expires"), "3600");
  const got = await download(json.fileUrl);
  assert.equal(got.status, 200, got.bytes.toString());
  assert.equal(sha256(got.bytes), sha256(OBJECTS[ZIP_B]));
  // Byte for byte what upstream's presigner (@aws-sdk/s3-request-presigner) gives for the same
  // keys and signing time.
  assert.equal(json.fileUrl, await jsPresignLike(json.fileUrl, { endpoint: s3.endpoint, credentials: S3_CREDENTIALS }));

  const sig = url.searchParams.get("X-Amz-Signature");
  const badSig = new URL(json.fileUrl);
  badSig.searchParams.set("X-Amz-Signature", sig.slice(0, -1) + (sig.endsWith("0") ? "1" : "0"));
  assert.equal((await download(badSig.href)).status, 403);
  const otherKey = json.fileUrl.replace("b%C3%BCndle%20z.zip", "manifest.json");
  assert.equal((await download(otherKey)).status, 403);

  // Reused from the cache on the next check: the same URL, byte for byte.
  assert.equal((await check(server, checkPath("production"))).json.fileUrl, json.fileUrl);
});

test("an expired presigned URL is refused", async () => {
  const server = await ours([s3Storage(s3Config({ expiresIn: 1, cache: false }))]);
  const { json } = await check(server, checkPath("production"));
  assert.equal(new URL(json.fileUrl).searchParams.get("X-Amz-Expires"), "1");
  assert.equal((await download(json.fileUrl)).status, 200);
  await new Promise((r) => setTimeout(r, 2100));
  assert.equal((await download(json.fileUrl)).status, 403);
});

test("manifest enrichment reads through S3 and its asset URLs download", async () => {
  const server = await ours([s3Storage(s3Config())]);
  const fresh = (await check(server, checkPath("production"))).json;
  assert.deepEqual(Object.keys(fresh), ["id", "message", "shouldForceUpdate", "status", "fileHash", "fileUrl", "changedAssets", "manifestFileHash", "manifestUrl"]);
  assert.deepEqual(Object.keys(fresh.changedAssets), ["index.ios.bundle", "assets/logo 1.png"]);
  assert.equal(fresh.changedAssets["index.ios.bundle"].file.compression, "br");
  assert.equal(fresh.manifestFileHash, "sig:0b");
  for (const [path, key] of [["index.ios.bundle", `bundles/${B}/files/index.ios.bundle.br`], ["assets/logo 1.png", `bundles/${B}/files/assets/logo 1.png`]]) {
    const got = await download(fresh.changedAssets[path].file.url);
    assert.equal(got.status, 200);
    assert.equal(sha256(got.bytes), sha256(OBJECTS[key]));
  }
  assert.equal((await download(fresh.manifestUrl)).bytes.toString(), OBJECTS[`bundles/${B}/manifest.json`]);

  // From the installed bundle A only the changed asset is listed (A's manifest is read too).
  const fromA = (await check(server, checkPath("production", A))).json;
  assert.deepEqual(Object.keys(fromA.changedAssets), ["index.ios.bundle"]);
});

test("a missing manifest object means no enrichment, not an error", async () => {
  const server = await ours([s3Storage(s3Config())]);
  const { status, json } = await check(server, checkPath("missing"));
  assert.equal(status, 200);
  assert.deepEqual(Object.keys(json), ["id", "message", "shouldForceUpdate", "status", "fileHash", "fileUrl"]);
  assert.equal((await download(json.fileUrl)).status, 200);
});

test("a manifest in another bucket fails with upstream's message", async () => {
  const server = await ours([s3Storage(s3Config())]);
  const { status, json } = await check(server, checkPath("mismatch"));
  assert.equal(status, 500);
  assert.deepEqual(json, { error: "Internal server error", message: 'Bucket name mismatch: expected "hot-updater", but found "other-bucket".' });
});

test("an endpoint that refuses connections gives a 500 JSON answer, not a hang", { timeout: 60_000 }, async () => {
  const port = await freePort();
  const server = await ours([s3Storage(s3Config({ endpoint: `http://127.0.0.1:${port}`, requestTimeoutMs: 3000 }))]);
  const { status, json, text } = await check(server, checkPath("production"));
  assert.equal(status, 500);
  assert.equal(json.error, "Internal server error");
  assert.match(json.message, new RegExp(`^S3 request to 127\\.0\\.0\\.1:${port} failed: could not connect`));
  assert.ok(!text.includes(S3_CREDENTIALS.secretAccessKey) && !text.includes("X-Amz-Signature"), text);
});

test("r2Storage serves r2:// URIs through the same S3 API", async () => {
  const server = await ours([r2Storage({ endpoint: s3.endpoint, bucketName: BUCKET, credentials: S3_CREDENTIALS })]);
  const { status, json } = await check(server, checkPath("r2"));
  assert.equal(status, 200);
  const url = new URL(json.fileUrl);
  assert.match(url.searchParams.get("X-Amz-Credential"), /\/auto\/s3\/aws4_request$/);
  assert.equal(json.fileUrl, await jsPresignLike(json.fileUrl, { endpoint: s3.endpoint, region: "auto", credentials: S3_CREDENTIALS }));
  assert.equal(sha256((await download(json.fileUrl)).bytes), sha256(OBJECTS[ZIP_B]));
  assert.deepEqual(Object.keys(json.changedAssets), ["index.ios.bundle", "assets/logo 1.png"]);
  assert.equal((await download(json.changedAssets["assets/logo 1.png"].file.url)).status, 200);
  // r2Storage only accepts the configured bucket.
  const mismatch = await ours([r2Storage({ endpoint: s3.endpoint, bucketName: "other-bucket", credentials: S3_CREDENTIALS })]);
  assert.equal((await check(mismatch, checkPath("r2"))).json.message, 'Bucket name mismatch: expected "other-bucket", but found "hot-updater".');
});

test("publicBaseUrl gives unsigned URLs while manifests are still read with credentials", async () => {
  const server = await ours([s3Storage(s3Config({ publicBaseUrl: "https://cdn.example.com/ota/" }))]);
  const { json } = await check(server, checkPath("production"));
  assert.equal(json.fileUrl, `https://cdn.example.com/ota/bundles/${B}/b%C3%BCndle%20z.zip`);
  assert.equal(json.changedAssets["assets/logo 1.png"].file.url, `https://cdn.example.com/ota/bundles/${B}/files/assets/logo%201.png`);
  assert.equal(json.manifestUrl, `https://cdn.example.com/ota/bundles/${B}/manifest.json`);
});

test("manifest texts are cached by URI unless cache: false", async () => {
  const cached = await ours([s3Storage(s3Config())]);
  const uncached = await ours([s3Storage(s3Config({ cache: false }))]);
  const before = (await check(cached, checkPath("cache"))).json;
  assert.equal(before.changedAssets["a.txt"].fileHash, "v1");
  await s3.put(BUCKET, "bundles/cache/manifest.json", JSON.stringify({ bundleId: id("0c"), assets: { "a.txt": { fileHash: "v2" } } }));
  assert.equal((await check(cached, checkPath("cache"))).json.changedAssets["a.txt"].fileHash, "v1");
  assert.equal((await check(uncached, checkPath("cache"))).json.changedAssets["a.txt"].fileHash, "v2");
});

test("configuration: upstream's environment fallbacks and checks", async (t) => {
  const saved = { ...process.env };
  t.after(() => {
    for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "AWS_REGION", "AWS_S3_FORCE_PATH_STYLE"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey, AWS_ENDPOINT_URL: s3.endpoint, AWS_REGION: S3_REGION });
  // Endpoint, path style, region and credentials all come from the environment.
  const server = await ours([s3Storage({ bucketName: BUCKET })]);
  const { json } = await check(server, checkPath("production"));
  assert.ok(json.fileUrl.startsWith(`${s3.endpoint}/${BUCKET}/`), json.fileUrl);
  assert.equal((await download(json.fileUrl)).status, 200);

  const storage = s3Storage({ bucketName: BUCKET });
  assert.deepEqual({ ...storage }, { name: "s3Storage", supportedProtocol: "s3" });
  assert.ok(!JSON.stringify(storage).includes(S3_CREDENTIALS.secretAccessKey));
  assert.throws(() => s3Storage({}), /`bucketName` must be a non-empty string/);
  assert.throws(() => s3Storage({ bucketName: "b", credentials: async () => S3_CREDENTIALS }), /provider functions are not supported/);
  assert.throws(() => s3Storage({ bucketName: "b", expiresIn: 604801 }), /`expiresIn`/);
  assert.throws(() => r2Storage({ bucketName: "b", credentials: S3_CREDENTIALS }), /`accountId` or `endpoint` is required/);
  // Upstream's deprecated Wrangler mode (no credentials) fails at request time with its message.
  const wrangler = await ours([r2Storage({ accountId: "acc", bucketName: BUCKET, cloudflareApiToken: "t" })]);
  assert.equal(
    (await check(wrangler, checkPath("r2"))).json.message,
    "r2Storage runtime profile requires R2 S3 credentials. Wrangler-based R2 access is only supported by the node profile.",
  );
});

/** A response with the per-request parts of presigned URLs (date, signature) blanked. */
function normalize(text) {
  return text
    .replace(/X-Amz-Date=\d{8}T\d{6}Z/g, "X-Amz-Date=DATE")
    .replace(/X-Amz-Signature=[0-9a-f]{64}/g, "X-Amz-Signature=SIG")
    .replace(/X-Amz-Credential=([^%&]+)%2F\d{8}%2F/g, "X-Amz-Credential=$1%2FDAY%2F");
}

test("parity with @hot-updater/server on the AWS SDK's s3Storage behaviour", async () => {
  const sdk = await sdkS3Storage(s3Config());
  const upstream = await createUpstream(join(tmp, "upstream.db"), { storages: [sdk.plugin] });
  cleanups.push(async () => {
    sdk.close();
    await upstream.close();
  });
  for (const b of BUNDLES) await upstream.hotUpdater.insertBundle(b);
  const server = await ours([s3Storage(s3Config())]);
  const paths = [checkPath("production"), checkPath("production", A), checkPath("missing"), checkPath("mismatch"), checkPath("cache"), checkPath("nothing")];
  for (const path of paths) {
    const [theirs, mine] = await Promise.all([check(upstream.hotUpdater, path), check(server, path)]);
    assert.equal(mine.status, theirs.status, path);
    assert.equal(normalize(mine.text), normalize(theirs.text), path);
    if (theirs.json && theirs.json.fileUrl) {
      // Both URLs are accepted by the server and give the same bytes.
      const [a, b] = await Promise.all([download(theirs.json.fileUrl), download(mine.json.fileUrl)]);
      assert.equal(a.status, 200);
      assert.equal(sha256(a.bytes), sha256(b.bytes));
    }
  }
});
