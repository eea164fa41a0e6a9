// Several storages at once, chosen by the storage URI's protocol: the migration scenario (old
// bundles on one provider, new ones on another, all still served). One of our servers carries
// s3Storage + supabaseStorage + firebaseStorage (V2) + fileStorage + a custom JS plugin + r2Storage;
// bundles point at s3://, supabase-storage://, gs://, file-storage://, custom://, r2://, plain
// http(s):// and unknown protocols. Every download URL is fetched from the local server it must
// come from (s3s-fs, the Supabase and Cloud Storage stand-ins, a small origin for the custom
// plugin and plain http, and our handler itself for fileStorage) and compared by SHA-256; then
// the same requests are answered by upstream's @hot-updater/server with upstream's plugins.
//
// Run: node --test __test__/storage-dispatch.test.mjs
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { cert, deleteApp, getApps } from "firebase-admin/app";
import { firebaseStorage as upstreamFirebaseStorage } from "@hot-updater/firebase";
import { supabaseStorage as upstreamSupabaseStorage } from "@hot-updater/supabase";

import { createHotUpdater, fileStorage, firebaseStorage, r2Storage, s3Storage, sqliteDatabase, supabaseStorage } from "../index.mjs";
import { startGcsStandin } from "./helpers/gcs-standin.mjs";
import { S3_CREDENTIALS, S3_REGION, sdkS3Storage, startS3Server } from "./helpers/s3.mjs";
import { startSupabaseStandin } from "./helpers/supabase-standin.mjs";
import { createUpstream } from "./helpers/upstream.mjs";
import { NIL, check, download as fetchFile, originPlugin, sha256, startOrigin } from "./helpers/storage.mjs";

// Upstream's firebase-admin client would follow these to an emulator; the tests want neither.
delete process.env.STORAGE_EMULATOR_HOST;
delete process.env.FIREBASE_STORAGE_EMULATOR_HOST;

const TEST_TIMEOUT = { timeout: 90_000 };
const S3_BUCKET = "legacy-bucket";
const SB_BUCKET = "new-bucket";
const GCS_BUCKET = "hu-dispatch.appspot.com";
const GCS_OTHER_BUCKET = "other-gcs-bucket";
const PROJECT_ID = "hu-dispatch";
const GOOGLE = "https://storage.googleapis.com";
const id = (n) => `0195a000-0000-7000-8000-0000000000${n}`;

const { privateKey: GCS_PRIVATE_KEY, publicKey: GCS_PUBLIC_KEY } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const GCS_EMAIL = `firebase-adminsdk-test@${PROJECT_ID}.iam.gserviceaccount.com`;
const gcsCredential = () => cert({ projectId: PROJECT_ID, clientEmail: GCS_EMAIL, privateKey: GCS_PRIVATE_KEY });

// ---------------------------------------------------------------------------------------------
// Artifacts: per bundle a zip, a manifest and two legacy-layout assets (`files/...`); all bundles
// share the logo's hash, so an update between two bundles changes only the JS bundle.

const keys = (n) => ({
  zip: `bundles/${id(n)}/bundle.zip`,
  manifest: `bundles/${id(n)}/manifest.json`,
  files: `bundles/${id(n)}/files`,
  index: `bundles/${id(n)}/files/index.ios.bundle.br`,
  logo: `bundles/${id(n)}/files/assets/logo.png`,
});
const ART = {};
const artifacts = (n) =>
  (ART[n] ??= {
    zip: randomBytes(20_000 + parseInt(n, 16) * 101),
    manifest: JSON.stringify({ bundleId: id(n), assets: { "index.ios.bundle": { fileHash: `idx-${n}` }, "assets/logo.png": { fileHash: "logo-shared" } } }),
    index: randomBytes(3000),
    logo: randomBytes(2000),
  });

/** Objects per provider, key → bytes (custom and plain live on the local origin server). */
const STORE = { s3: {}, supabase: {}, gs: {}, file: {}, custom: {}, plain: {} };
function place(provider, n, parts) {
  const a = artifacts(n);
  const k = keys(n);
  for (const part of parts) {
    if (part === "files") {
      STORE[provider][k.index] = a.index;
      STORE[provider][k.logo] = a.logo;
    } else {
      STORE[provider][k[part]] = a[part];
    }
  }
}
const ALL = ["zip", "manifest", "files"];
place("s3", "01", ALL);
place("supabase", "02", ALL);
place("gs", "03", ALL);
place("file", "04", ALL);
place("custom", "05", ALL);
place("plain", "06", ALL);
place("s3", "08", ["zip"]); // served through r2Storage (r2:// on the same S3 API)
place("gs", "09", ["zip"]);
place("gs", "0a", ["zip"]); // the mixed bundle: zip on GCS ...
place("s3", "0a", ["manifest"]); // ... manifest on S3 ...
place("supabase", "0a", ["files"]); // ... assets on Supabase
place("s3", "10", ALL); // migration: the installed bundle on the old provider ...
place("supabase", "11", ALL); // ... the update on the new one
place("s3", "12", ["zip"]);
place("supabase", "13", ["zip"]);

let s3; // s3s-fs
let sb; // Supabase stand-in
let gcs; // Cloud Storage stand-in
let origin; // local origin for custom:// (through the JS plugins) and plain http://
let tmp;
let fileDir;
const cleanups = [];

/** The URI of `key` on `provider`. */
function uri(provider, key) {
  switch (provider) {
    case "s3":
      return `s3://${S3_BUCKET}/${key}`;
    case "r2":
      return `r2://${S3_BUCKET}/${key}`;
    case "supabase":
      return `supabase-storage://${SB_BUCKET}/${key}`;
    case "gs":
      return `gs://${GCS_BUCKET}/${key}`;
    case "file":
      return `file-storage://local/${key}`;
    case "custom":
      return `custom://store/${key}`;
    case "plain":
      return `${origin.url}/plain/${key}`;
    case "https":
      return `https://cdn.example.invalid/${key}`;
    case "ftp":
      return `ftp://files.example.invalid/${key}`;
    default:
      throw new Error(`unknown provider ${provider}`);
  }
}

/**
 * What our main server must answer for `key` on `provider`: `{ exact }` or `{ prefix }` of the URL
 * and `local: false` when it must not be fetched (an outside CDN).
 */
function expectedUrl(provider, key) {
  switch (provider) {
    case "s3":
    case "r2":
      return { prefix: `${s3.endpoint}/${S3_BUCKET}/${key}?X-Amz-Algorithm=AWS4-HMAC-SHA256&` };
    case "supabase":
      return { prefix: `${sb.url}/storage/v1/object/sign/${SB_BUCKET}/${key}?token=` };
    case "gs":
      return { prefix: `${gcs.endpoint}/${GCS_BUCKET}/${key}?GoogleAccessId=` };
    case "file":
      return { exact: `http://localhost/hot-updater/files/${key}` };
    case "custom":
      return { exact: `${origin.url}/first/${key}` };
    case "plain":
      return { exact: `${origin.url}/plain/${key}` };
    case "https":
      return { exact: uri("https", key), local: false };
    default:
      throw new Error(`unknown provider ${provider}`);
  }
}

function assertUrl(url, provider, key, what) {
  const want = expectedUrl(provider, key);
  if (want.exact) assert.equal(url, want.exact, what);
  else assert.ok(typeof url === "string" && url.startsWith(want.prefix), `${what}: ${url} should start with ${want.prefix}`);
  if (provider === "s3") assert.match(new URL(url).searchParams.get("X-Amz-Credential"), /\/us-east-1\/s3\/aws4_request$/, what);
  if (provider === "r2") assert.match(new URL(url).searchParams.get("X-Amz-Credential"), /\/auto\/s3\/aws4_request$/, what);
  if (provider === "gs") assert.deepEqual([...new URL(url).searchParams.keys()], ["GoogleAccessId", "Expires", "Signature"], what);
}

function bundle(n, channel, { zip, manifest, assets, storageUri, manifestStorageUri, assetBaseStorageUri, targetAppVersion = "1.x", enabled = true }) {
  const k = keys(n);
  const a = artifacts(n);
  const m = manifestStorageUri ?? (manifest ? uri(manifest, k.manifest) : null);
  return {
    id: id(n),
    platform: "ios",
    shouldForceUpdate: false,
    enabled,
    fileHash: sha256(a.zip),
    gitCommitHash: null,
    message: `bundle ${n}`,
    channel,
    storageUri: storageUri ?? uri(zip, k.zip),
    targetAppVersion,
    fingerprintHash: null,
    manifestStorageUri: m,
    manifestFileHash: m ? `sig:${n}` : null,
    assetBaseStorageUri: m ? (assetBaseStorageUri ?? uri(assets, k.files)) : null,
  };
}

/**
 * Channel "production": one bundle per provider, each for its own app version, as after a few
 * storage migrations. `parity`: upstream can answer it too (no gs manifest, no fileStorage, no r2).
 */
const PROD = [
  { n: "01", v: "1.0.0", zip: "s3", manifest: "s3", assets: "s3", parity: true },
  { n: "02", v: "2.0.0", zip: "supabase", manifest: "supabase", assets: "supabase", parity: true },
  { n: "03", v: "3.0.0", zip: "gs", manifest: "gs", assets: "gs" },
  { n: "04", v: "4.0.0", zip: "file", manifest: "file", assets: "file" },
  { n: "05", v: "5.0.0", zip: "custom", manifest: "custom", assets: "custom", parity: true },
  { n: "06", v: "6.0.0", zip: "plain", manifest: "plain", assets: "plain", parity: true },
  { n: "07", v: "7.0.0", zip: "https", parity: true },
  { n: "08", v: "8.0.0", zip: "r2" },
  { n: "09", v: "9.0.0", zip: "gs", parity: true },
  { n: "0a", v: "10.0.0", zip: "gs", manifest: "s3", assets: "supabase", parity: true },
];

/** Unknown protocols, one channel each: [channel, bundles, current bundle id or NIL, protocol]. */
const UNKNOWN = () => [
  ["ftp-zip", [bundle("14", "ftp-zip", { storageUri: uri("ftp", keys("14").zip) })], NIL, "ftp"],
  ["ftp-manifest", [bundle("15", "ftp-manifest", { zip: "s3", manifestStorageUri: uri("ftp", keys("15").manifest), assetBaseStorageUri: uri("s3", keys("01").files), storageUri: uri("s3", keys("01").zip) })], NIL, "ftp"],
  [
    "ftp-current",
    [
      bundle("16", "ftp-current", { storageUri: uri("s3", keys("01").zip), manifestStorageUri: uri("ftp", keys("16").manifest), assetBaseStorageUri: uri("s3", keys("01").files) }),
      bundle("17", "ftp-current", { storageUri: uri("s3", keys("01").zip), manifestStorageUri: uri("s3", keys("01").manifest), assetBaseStorageUri: uri("s3", keys("01").files) }),
    ],
    id("16"),
    "ftp",
  ],
  ["ftp-assets", [bundle("18", "ftp-assets", { storageUri: uri("s3", keys("01").zip), manifestStorageUri: uri("s3", keys("01").manifest), assetBaseStorageUri: uri("ftp", keys("18").files) })], NIL, "ftp"],
  ["ftp-upper", [bundle("1c", "ftp-upper", { storageUri: `FTP://files.example.invalid/${keys("1c").zip}` })], NIL, "ftp"],
  // No prefix matching: file: is not file-storage:, s3a: is not s3:.
  ["file-uri", [bundle("1a", "file-uri", { storageUri: "file:///etc/passwd" })], NIL, "file"],
  ["s3a", [bundle("1b", "s3a", { storageUri: `s3a://${S3_BUCKET}/${keys("01").zip}` })], NIL, "s3a"],
  ["plus", [bundle("1d", "plus", { storageUri: `hu+ftp://files.example.invalid/${keys("1d").zip}` })], NIL, "hu+ftp"],
];

/** Upper-case schemes (WHATWG URL parsing lowercases the protocol): [n, channel, provider, uri, bundle whose zip it is]. */
const UPPER = () => [
  ["1e", "upper-s3", "s3", `S3://${S3_BUCKET}/${keys("01").zip}`, "01"],
  ["1f", "upper-supabase", "supabase", `Supabase-Storage://${SB_BUCKET}/${keys("02").zip}`, "02"],
  ["20", "upper-gs", "gs", `GS://${GCS_BUCKET}/${keys("09").zip}`, "09"],
  ["21", "upper-https", "https", `HTTPS://cdn.example.invalid/${keys("21").zip}`, null],
];

let BUNDLES; // built once the servers' addresses are known

function buildBundles() {
  const out = PROD.map((p) => bundle(p.n, "production", { ...p, targetAppVersion: p.v.replace(/\.0$/, ".x") }));
  out.push(
    bundle("10", "switch", { zip: "s3", manifest: "s3", assets: "s3" }),
    bundle("11", "switch", { zip: "supabase", manifest: "supabase", assets: "supabase" }),
    bundle("12", "rollback", { zip: "s3" }),
    bundle("13", "rollback", { zip: "supabase", enabled: false }),
    // A gs manifest in another bucket: both servers refuse it before any network call.
    bundle("19", "gs-mismatch", { storageUri: uri("gs", keys("09").zip), manifestStorageUri: `gs://${GCS_OTHER_BUCKET}/${keys("19").manifest}`, assetBaseStorageUri: uri("gs", keys("19").files) }),
  );
  for (const [, bundles] of UNKNOWN()) out.push(...bundles);
  for (const [n, channel, , storageUri] of UPPER()) out.push(bundle(n, channel, { storageUri }));
  return out;
}

// ---------------------------------------------------------------------------------------------
// The local origin: /first/… and /second/… for the two custom plugins, /impostor/… for a JS
// plugin that claims s3, /plain/… for plain http URIs.

/** A custom JS storage plugin on the local origin (see helpers/storage.mjs). */
const jsPlugin = (tag, protocol = "custom") => originPlugin(origin, tag, protocol);

// ---------------------------------------------------------------------------------------------

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "hu-dispatch-test-"));
  fileDir = join(tmp, "files");
  const originObjects = new Map();
  for (const [key, body] of Object.entries(STORE.custom)) originObjects.set(`first/${key}`, Buffer.from(body));
  for (const [key, body] of Object.entries(STORE.plain)) originObjects.set(`plain/${key}`, Buffer.from(body));
  // The second custom plugin's copy of bundle 05 differs in every byte that matters.
  originObjects.set(`second/${keys("05").zip}`, randomBytes(777));
  originObjects.set(`second/${keys("05").manifest}`, Buffer.from(JSON.stringify({ bundleId: id("05"), assets: { "second-only.txt": { fileHash: "second" } } })));
  originObjects.set(`second/${keys("05").files}/second-only.txt`, Buffer.from("second"));
  originObjects.set(`impostor/${keys("01").zip}`, randomBytes(555));
  origin = await startOrigin(originObjects);

  // Keep every server that did start, so `after` stops it even when another failed to start.
  const started = await Promise.allSettled([
    startS3Server({ buckets: [S3_BUCKET] }),
    startSupabaseStandin({ buckets: { [SB_BUCKET]: STORE.supabase } }),
    startGcsStandin({ serviceAccounts: [{ clientEmail: GCS_EMAIL, publicKeyPem: GCS_PUBLIC_KEY }], buckets: { [GCS_BUCKET]: STORE.gs } }),
  ]);
  [s3, sb, gcs] = started.map((r) => (r.status === "fulfilled" ? r.value : undefined));
  const failed = started.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  for (const [key, body] of Object.entries(STORE.s3)) await s3.put(S3_BUCKET, key, body);
  for (const [key, body] of Object.entries(STORE.file)) {
    mkdirSync(dirname(join(fileDir, key)), { recursive: true });
    writeFileSync(join(fileDir, key), body);
  }
  BUNDLES = buildBundles();
}, TEST_TIMEOUT);

after(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await Promise.all(getApps().map((app) => deleteApp(app)));
  await Promise.all([s3?.stop(), sb?.stop(), gcs?.stop(), origin?.close()]);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const s3Config = (extra = {}) => ({ region: S3_REGION, endpoint: s3.endpoint, forcePathStyle: true, credentials: S3_CREDENTIALS, bucketName: S3_BUCKET, ...extra });
const sbConfig = () => ({ supabaseUrl: sb.url, supabaseServiceRoleKey: sb.serviceKey, bucketName: SB_BUCKET });
const gcsConfig = (extra = {}) => ({ storageBucket: GCS_BUCKET, credential: gcsCredential(), apiEndpoint: gcs.endpoint, signedUrlVersion: "v2", ...extra });

/** The storages of our main server, in the brief's order (plus r2Storage last). */
const mainStorages = (custom = jsPlugin("first")) => [
  s3Storage(s3Config()),
  supabaseStorage(sbConfig()),
  firebaseStorage(gcsConfig()),
  fileStorage({ dir: fileDir }),
  custom,
  r2Storage({ endpoint: s3.endpoint, bucketName: S3_BUCKET, credentials: S3_CREDENTIALS }),
];

let dbCount = 0;
/** Our server (`options` added to createHotUpdater's) on a fresh SQLite file with all bundles. */
async function ours(storages, options = {}) {
  const hotUpdater = createHotUpdater({
    database: sqliteDatabase({ path: join(tmp, `ours-${dbCount++}.db`) }),
    storages,
    basePath: "/hot-updater",
    routes: { updateCheck: true, bundles: true },
    ...options,
  });
  cleanups.push(() => hotUpdater.close());
  for (const b of BUNDLES) await hotUpdater.insertBundle(b);
  return hotUpdater;
}

/** Upstream's server (Kysely + SQLite) with `storages`, on a fresh file with all bundles. */
async function theirs(storages) {
  const upstream = await createUpstream(join(tmp, `upstream-${dbCount++}.db`), { storages });
  cleanups.push(() => upstream.close());
  for (const b of BUNDLES) await upstream.hotUpdater.insertBundle(b);
  return upstream.hotUpdater;
}

/** Upstream's plugins for the same providers: the AWS SDK's s3 profile, @hot-updater/supabase, @hot-updater/firebase. */
async function upstreamStorages(custom = jsPlugin("first")) {
  const sdk = await sdkS3Storage(s3Config());
  cleanups.push(() => sdk.close());
  // firebase-admin keeps one default app per process, initialised by the plugin's first use.
  return [sdk.plugin, upstreamSupabaseStorage(sbConfig()), upstreamFirebaseStorage({ storageBucket: GCS_BUCKET, credential: gcsCredential() }), custom];
}

const checkPath = (channel, appVersion = "1.0.0", bundleId = NIL) => `/hot-updater/app-version/ios/${appVersion}/${channel}/${NIL}/${bundleId}`;

async function assertDownloads(url, expected, server, what) {
  const got = await fetchFile(url, { server });
  assert.equal(got.status, 200, `${what}: ${url} → ${got.status} ${got.bytes.toString().slice(0, 300)}`);
  assert.equal(sha256(got.bytes), sha256(expected), `${what}: wrong bytes from ${url}`);
}

/**
 * Collects console.error until the test ends: both servers log "Hot Updater handler error:" with
 * the error for every 500 answer; the tests check those logs instead of printing them.
 */
function captureErrorLog(t) {
  const original = console.error;
  const logs = [];
  console.error = (...args) => logs.push(args);
  t.after(() => {
    console.error = original;
  });
  return logs;
}

/** Runs `fn` and asserts that it logged exactly one handler error with `message`. */
async function loggedOnce(logs, message, fn, what) {
  const since = logs.length;
  const result = await fn();
  const entries = logs.slice(since);
  assert.equal(entries.length, 1, `${what}: ${entries.length} error logs`);
  assert.equal(entries[0][0], "Hot Updater handler error:", what);
  assert.equal(entries[0][1]?.message, message, what);
  return result;
}

const BASE_KEYS = ["id", "message", "shouldForceUpdate", "status", "fileHash", "fileUrl"];
const ENRICHED_KEYS = [...BASE_KEYS, "changedAssets", "manifestFileHash", "manifestUrl"];

/** Checks an enriched answer: asset and manifest URLs from the right providers, exact bytes. */
async function assertEnrichment(json, { n, manifest, assets }, server, expectedAssets = ["index.ios.bundle", "assets/logo.png"]) {
  const what = `bundle ${n}`;
  assert.deepEqual(Object.keys(json), ENRICHED_KEYS, what);
  assert.equal(json.manifestFileHash, `sig:${n}`, what);
  assert.deepEqual(Object.keys(json.changedAssets), expectedAssets, what);
  const k = keys(n);
  const a = artifacts(n);
  const assetFiles = { "index.ios.bundle": [k.index, a.index, `idx-${n}`], "assets/logo.png": [k.logo, a.logo, "logo-shared"] };
  for (const path of expectedAssets) {
    const [key, bytes, hash] = assetFiles[path];
    const entry = json.changedAssets[path];
    assert.equal(entry.fileHash, hash, `${what} ${path}`);
    assertUrl(entry.file.url, assets, key, `${what} ${path}`);
    assert.equal(entry.file.compression, path === "index.ios.bundle" ? "br" : undefined, `${what} ${path}`);
    await assertDownloads(entry.file.url, bytes, server, `${what} ${path}`);
  }
  assertUrl(json.manifestUrl, manifest, k.manifest, `${what} manifestUrl`);
  await assertDownloads(json.manifestUrl, Buffer.from(a.manifest), server, `${what} manifestUrl`);
}

// ---------------------------------------------------------------------------------------------

test("each bundle is answered with a URL of its own storage, which downloads the exact bytes", TEST_TIMEOUT, async () => {
  const custom = jsPlugin("first");
  const server = await ours(mainStorages(custom));
  for (const p of PROD) {
    const path = checkPath("production", p.v);
    const first = await check(server, path);
    assert.equal(first.status, 200, `${p.n}: ${first.text}`);
    assert.equal(first.json.id, id(p.n));
    assert.equal(first.json.status, "UPDATE");
    assert.equal(first.json.fileHash, sha256(artifacts(p.n).zip));
    assertUrl(first.json.fileUrl, p.zip, keys(p.n).zip, `bundle ${p.n} fileUrl`);
    if (expectedUrl(p.zip, keys(p.n).zip).local !== false) await assertDownloads(first.json.fileUrl, artifacts(p.n).zip, server, `bundle ${p.n}`);
    else assert.deepEqual(Object.keys(first.json), BASE_KEYS, "a plain https URI passes through unchanged");
    // A second check (cached URLs, the synchronous path) gives the same answer.
    assert.deepEqual((await check(server, path)).json, first.json, `bundle ${p.n}: second check`);
  }
  // Upper-case schemes are dispatched like lower-case ones (a plain HTTPS URI still passes through as written).
  for (const [n, channel, provider, storageUri, source] of UPPER()) {
    const { status, json, text } = await check(server, checkPath(channel));
    assert.equal(status, 200, `${channel}: ${text}`);
    assert.equal(json.id, id(n));
    if (source === null) {
      assert.equal(json.fileUrl, storageUri, channel);
      continue;
    }
    assertUrl(json.fileUrl, provider, keys(source).zip, channel);
    await assertDownloads(json.fileUrl, artifacts(source).zip, server, channel);
  }
  // Each provider was really asked: Supabase signed, Cloud Storage served the V2 download and
  // the V4 manifest read, the custom plugin resolved its URIs.
  assert.ok(sb.requests.some((r) => r.method === "POST" && r.path.startsWith(`/storage/v1/object/sign/${SB_BUCKET}`)));
  assert.ok(gcs.requests.some((r) => r.key === keys("03").zip && r.version === "v2" && r.status === 200));
  assert.ok(gcs.requests.some((r) => r.key === keys("03").manifest && r.version === "v4" && r.status === 200));
  assert.ok(custom.calls.some(([op, u]) => op === "getDownloadUrl" && u === uri("custom", keys("05").zip)));
  assert.ok(custom.calls.some(([op, u]) => op === "readText" && u === uri("custom", keys("05").manifest)));
  assert.ok(origin.requests.some((r) => r.path === `plain/${keys("06").manifest}`), "the plain http manifest was fetched");
});

test("a manifest on a provider enriches the answer with asset URLs of the assets' provider", TEST_TIMEOUT, async () => {
  const server = await ours(mainStorages());
  for (const p of PROD.filter((x) => x.manifest)) {
    const { status, json, text } = await check(server, checkPath("production", p.v));
    assert.equal(status, 200, `${p.n}: ${text}`);
    await assertEnrichment(json, p, server);
  }
  // With publicBaseUrl, fileStorage's URLs point there while the manifest is still read from disk,
  // and the JS API works without a request; the other storages are unaffected.
  const cdn = await ours([s3Storage(s3Config()), fileStorage({ dir: fileDir, publicBaseUrl: "https://files.example.invalid/ota/" })]);
  const args = { _updateStrategy: "appVersion", platform: "ios", appVersion: "4.0.0", bundleId: NIL, channel: "production" };
  for (const json of [(await check(cdn, checkPath("production", "4.0.0"))).json, await cdn.getAppUpdateInfo(args)]) {
    assert.equal(json.fileUrl, `https://files.example.invalid/ota/${keys("04").zip}`);
    assert.equal(json.changedAssets["index.ios.bundle"].file.url, `https://files.example.invalid/ota/${keys("04").index}`);
    assert.equal(json.manifestUrl, `https://files.example.invalid/ota/${keys("04").manifest}`);
  }
  assertUrl((await check(cdn, checkPath("production", "1.0.0"))).json.fileUrl, "s3", keys("01").zip, "s3 next to fileStorage with publicBaseUrl");
  // Bundles without a manifest get no enrichment.
  for (const p of PROD.filter((x) => !x.manifest)) {
    assert.deepEqual(Object.keys((await check(server, checkPath("production", p.v))).json), BASE_KEYS, p.n);
  }
});

test("migration: an app on an S3 bundle updates to a Supabase bundle; the rollback target stays on S3", TEST_TIMEOUT, async (t) => {
  const logs = captureErrorLog(t);
  const server = await ours(mainStorages());
  // A fresh install: the whole bundle and every asset from Supabase.
  const fresh = await check(server, checkPath("switch"));
  assert.equal(fresh.status, 200, fresh.text);
  assert.equal(fresh.json.id, id("11"));
  assertUrl(fresh.json.fileUrl, "supabase", keys("11").zip, "fresh fileUrl");
  await assertDownloads(fresh.json.fileUrl, artifacts("11").zip, server, "fresh fileUrl");
  await assertEnrichment(fresh.json, { n: "11", manifest: "supabase", assets: "supabase" }, server);

  // From bundle 10 (S3): its manifest (only on S3) is read, so only the changed asset is listed.
  const fromS3 = await check(server, checkPath("switch", "1.0.0", id("10")));
  assert.equal(fromS3.status, 200, fromS3.text);
  assert.equal(fromS3.json.id, id("11"));
  assertUrl(fromS3.json.fileUrl, "supabase", keys("11").zip, "update fileUrl");
  await assertEnrichment(fromS3.json, { n: "11", manifest: "supabase", assets: "supabase" }, server, ["index.ios.bundle"]);

  // Already on the newest.
  assert.deepEqual((await check(server, checkPath("switch", "1.0.0", id("11")))).json, { status: "UP_TO_DATE" });

  // The new bundle (Supabase) was disabled: the app goes back to the old one, still on S3.
  const back = await check(server, checkPath("rollback", "1.0.0", id("13")));
  assert.equal(back.status, 200, back.text);
  assert.equal(back.json.status, "ROLLBACK");
  assert.equal(back.json.id, id("12"));
  assertUrl(back.json.fileUrl, "s3", keys("12").zip, "rollback fileUrl");
  await assertDownloads(back.json.fileUrl, artifacts("12").zip, server, "rollback fileUrl");

  // A server configured with the old provider only cannot serve the new bundles.
  const oldOnly = await ours([s3Storage(s3Config())]);
  const refused = await loggedOnce(logs, "No storage plugin for protocol: supabase-storage", () => check(oldOnly, checkPath("switch")), "old provider only");
  assert.equal(refused.status, 500);
  assert.deepEqual(refused.json, { error: "Internal server error", message: "No storage plugin for protocol: supabase-storage" });
  assert.equal((await check(oldOnly, checkPath("production", "1.0.0"))).status, 200);
});

test("an unknown protocol anywhere in the answer is a 500 JSON error naming it, exactly as upstream's", TEST_TIMEOUT, async (t) => {
  const logs = captureErrorLog(t);
  const server = await ours(mainStorages());
  const upstream = await theirs(await upstreamStorages());
  for (const [channel, , current, protocol] of UNKNOWN()) {
    const path = checkPath(channel, "1.0.0", current);
    const expected = { error: "Internal server error", message: `No storage plugin for protocol: ${protocol}` };
    const mine = await loggedOnce(logs, expected.message, () => check(server, path), channel);
    assert.equal(mine.status, 500, `${channel}: ${mine.text}`);
    assert.deepEqual(mine.json, expected, channel);
    assert.match(mine.contentType ?? "", /^application\/json/, channel);
    assert.deepEqual(await check(server, path), mine, `${channel}: second check`);
    const ref = await loggedOnce(logs, expected.message, () => check(upstream, path), `${channel} upstream`);
    assert.equal(ref.status, 500, `${channel} upstream: ${ref.text}`);
    assert.equal(mine.text, ref.text, `${channel}: the body, byte for byte`);
    assert.equal(mine.contentType, ref.contentType, channel);
  }
  // The JS API rejects with the same message on both.
  const args = { _updateStrategy: "appVersion", platform: "ios", appVersion: "1.0.0", bundleId: NIL, channel: "ftp-zip" };
  await assert.rejects(server.getAppUpdateInfo(args), { message: "No storage plugin for protocol: ftp" });
  await assert.rejects(upstream.getAppUpdateInfo(args), { message: "No storage plugin for protocol: ftp" });
  // The same bundles with a storage for the protocol are served.
  const withFtp = await ours([...mainStorages(), jsPlugin("plain", "ftp")]);
  const ftpZip = await check(withFtp, checkPath("ftp-zip"));
  assert.equal(ftpZip.status, 200, ftpZip.text);
  assert.equal(ftpZip.json.fileUrl, `${origin.url}/plain/${keys("14").zip}`);
});

test("the first storage claiming a protocol wins (JS and JS, native and JS, native and native), as upstream", TEST_TIMEOUT, async () => {
  const path05 = checkPath("production", "5.0.0");
  const path01 = checkPath("production", "1.0.0");

  // Two custom JS plugins for `custom`: only the first is ever asked.
  const [firstOurs, secondOurs] = [jsPlugin("first"), jsPlugin("second")];
  const server = await ours([firstOurs, secondOurs]);
  const mine = await check(server, path05);
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.json.fileUrl, `${origin.url}/first/${keys("05").zip}`);
  await assertDownloads(mine.json.fileUrl, artifacts("05").zip, server, "custom fileUrl");
  await assertEnrichment(mine.json, { n: "05", manifest: "custom", assets: "custom" }, server);
  assert.ok(firstOurs.calls.length >= 2, JSON.stringify(firstOurs.calls));
  assert.deepEqual(secondOurs.calls, [], "the second plugin for the same protocol is never called");
  const [firstTheirs, secondTheirs] = [jsPlugin("first"), jsPlugin("second")];
  const upstream = await theirs([firstTheirs, secondTheirs]);
  assert.equal((await check(upstream, path05)).text, mine.text);
  assert.deepEqual(secondTheirs.calls, []);
  assert.deepEqual(
    firstOurs.calls.map(([op]) => op).sort(),
    firstTheirs.calls.map(([op]) => op).sort(),
    "the first plugin is asked the same questions",
  );

  // A JS plugin claiming s3 after the native s3Storage is never asked; before it, it wins.
  const lateImpostor = jsPlugin("impostor", "s3");
  const nativeFirst = await ours([s3Storage(s3Config()), lateImpostor]);
  const real = await check(nativeFirst, path01);
  assert.equal(real.status, 200, real.text);
  assertUrl(real.json.fileUrl, "s3", keys("01").zip, "native first");
  await assertDownloads(real.json.fileUrl, artifacts("01").zip, nativeFirst, "native first");
  assert.deepEqual(Object.keys(real.json), ENRICHED_KEYS);
  assert.deepEqual(lateImpostor.calls, []);

  const earlyImpostor = jsPlugin("impostor", "s3");
  const jsFirst = await ours([earlyImpostor, s3Storage(s3Config())]);
  const fake = await check(jsFirst, path01);
  assert.equal(fake.status, 200, fake.text);
  assert.equal(fake.json.fileUrl, `${origin.url}/impostor/${keys("01").zip}`);
  assert.deepEqual(Object.keys(fake.json), BASE_KEYS, "the impostor's readText finds no manifest");
  assert.ok(earlyImpostor.calls.some(([op]) => op === "readText"));

  // Upstream, with the AWS SDK's s3 plugin in place of the native one, in both orders.
  const sdk = await sdkS3Storage(s3Config());
  cleanups.push(() => sdk.close());
  const upstreamNativeFirst = await theirs([sdk.plugin, jsPlugin("impostor", "s3")]);
  const upstreamJsFirst = await theirs([jsPlugin("impostor", "s3"), sdk.plugin]);
  assert.equal(normalize((await check(upstreamNativeFirst, path01)).text), normalize(real.text));
  assert.equal((await check(upstreamJsFirst, path01)).text, fake.text);

  // Two native s3Storages: the first one's publicBaseUrl is used, for the bundle and its assets.
  const twoNative = await ours([s3Storage(s3Config({ publicBaseUrl: "https://cdn-one.example.invalid/" })), s3Storage(s3Config({ publicBaseUrl: "https://cdn-two.example.invalid/" }))]);
  const cdn = await check(twoNative, path01);
  assert.equal(cdn.status, 200, cdn.text);
  assert.equal(cdn.json.fileUrl, `https://cdn-one.example.invalid/${keys("01").zip}`);
  assert.equal(cdn.json.changedAssets["assets/logo.png"].file.url, `https://cdn-one.example.invalid/${keys("01").logo}`);
  assert.equal(cdn.json.manifestUrl, `https://cdn-one.example.invalid/${keys("01").manifest}`);
});

// ---------------------------------------------------------------------------------------------
// Parity of whole answers with upstream's server on upstream's plugins.

const claims = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());

/**
 * An answer with only the time-dependent parts of signed URLs blanked: S3's date and signature
 * (and the credential's day), Supabase's token reduced to its claims without iat/exp. gs V2 URLs
 * are compared as they are (both sides sign within the same second).
 */
function normalize(text) {
  return text
    .replace(/X-Amz-Date=\d{8}T\d{6}Z/g, "X-Amz-Date=DATE")
    .replace(/X-Amz-Signature=[0-9a-f]{64}/g, "X-Amz-Signature=SIG")
    .replace(/X-Amz-Credential=([^%&]+)%2F\d{8}%2F/g, "X-Amz-Credential=$1%2FDAY%2F")
    .replace(/token=([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/g, (_, token) => {
      const { iat, exp, ...rest } = claims(token);
      return `token=<${JSON.stringify(rest)};ttl=${exp - iat}>`;
    });
}

/** Runs `fn` until it starts and ends within one wall-clock second (V2 URLs carry the second). */
async function withinOneSecond(fn, attempts = 5) {
  for (let i = 0; i < attempts; i++) {
    const start = Math.floor(Date.now() / 1000);
    const result = await fn();
    if (Math.floor(Date.now() / 1000) === start) return result;
  }
  throw new Error(`could not finish within one second in ${attempts} attempts (machine too slow?)`);
}

/** A URL of either server, fetchable here: storage.googleapis.com URLs are sent to the stand-in (V2 does not sign the host). */
const fetchable = (url) => (url.startsWith(`${GOOGLE}/`) ? gcs.endpoint + url.slice(GOOGLE.length) : url);

test("parity with upstream's server on upstream's plugins (S3 SDK, Supabase, Firebase V2, custom)", TEST_TIMEOUT, async (t) => {
  captureErrorLog(t); // the expected 500 answers are logged by both servers
  const upstream = await theirs(await upstreamStorages());
  // Like upstream's plugin, signs V2 URLs on storage.googleapis.com, afresh on every check (no URL
  // cache, no answer cache).
  const server = await ours([s3Storage(s3Config()), supabaseStorage(sbConfig()), firebaseStorage(gcsConfig({ apiEndpoint: undefined, cache: false })), fileStorage({ dir: fileDir }), jsPlugin("first")], {
    // A retried comparison (withinOneSecond) must sign afresh, as upstream does.
    answerCache: false,
  });
  const paths = [
    ...PROD.filter((p) => p.parity).map((p) => checkPath("production", p.v)),
    checkPath("production", "99.0.0"),
    checkPath("switch"),
    checkPath("switch", "1.0.0", id("10")),
    checkPath("switch", "1.0.0", id("11")),
    checkPath("rollback", "1.0.0", id("13")),
    checkPath("gs-mismatch"),
    ...UPPER().map(([, channel]) => checkPath(channel)),
    ...UNKNOWN().map(([channel, , current]) => checkPath(channel, "1.0.0", current)),
  ];
  const seen = new Set();
  for (const path of paths) {
    const [ref, mine] = await withinOneSecond(() => Promise.all([check(upstream, path), check(server, path)]));
    assert.equal(mine.status, ref.status, `${path}: ${mine.text} vs upstream ${ref.text}`);
    assert.equal(normalize(mine.text), normalize(ref.text), path);
    seen.add(`${mine.status}:${mine.json?.status ?? mine.json?.message ?? "null"}`);
    if (ref.json?.fileUrl && new URL(ref.json.fileUrl).hostname !== "cdn.example.invalid") {
      // Both URLs work and give the same bytes.
      const [a, b] = await Promise.all([fetchFile(fetchable(ref.json.fileUrl)), fetchFile(fetchable(mine.json.fileUrl))]);
      assert.equal(a.status, 200, `${path} upstream: ${a.bytes.toString().slice(0, 200)}`);
      assert.equal(b.status, 200, `${path}: ${b.bytes.toString().slice(0, 200)}`);
      assert.equal(sha256(a.bytes), sha256(b.bytes), path);
    }
  }
  // The comparison covered updates, a rollback, no update, the bucket check and unknown protocols.
  for (const kind of ["200:UPDATE", "200:ROLLBACK", "200:UP_TO_DATE", `500:Bucket name mismatch: expected "${GCS_BUCKET}", but found "${GCS_OTHER_BUCKET}".`, "500:No storage plugin for protocol: ftp"]) {
    assert.ok(seen.has(kind), `${kind} not among ${[...seen].join(" | ")}`);
  }
});
