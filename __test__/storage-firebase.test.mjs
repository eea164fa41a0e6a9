// Native firebaseStorage (gs:// URIs) against a local Cloud Storage stand-in that verifies V4 and
// V2 signed URLs with the service account's public key: the stand-in itself is first checked
// with URLs made by @google-cloud/storage and by upstream's plugin (firebase-admin), then native
// URLs are downloaded, compared byte for byte with the libraries' URLs, tampered with and let
// expire; manifests are read through the stand-in; and whole update-check answers are compared
// with upstream's server on @hot-updater/firebase's firebaseStorage.
//
// Facts about the real service the stand-in relies on (see helpers/gcs-standin.mjs):
// - V4 canonical request, canonical query (X-Goog-Signature excluded, sorted by code point),
//   canonical headers, "host must be one of the header names", X-Goog-Expires at most 604800,
//   UNSIGNED-PAYLOAD for signed URLs, and the reserved characters ?=!#$&'()*+,:;@[]" always
//   percent-encoded in the resource path: cloud.google.com/storage/docs/authentication/canonical-requests
// - V2 string to sign (verb, Content-MD5, Content-Type, Expires, extension headers, resource):
//   cloud.google.com/storage/docs/access-control/signed-urls-v2
// - Expired signed URLs: HTTP 400 <Code>ExpiredToken</Code> ("Invalid argument." for V4,
//   "The provided token has expired." / "Request has expired: <Expires>" for V2): github.com/floci-io/floci-gcp
//   pull 33, docs.extendtech.net (GCS signed URLs), github.com/fog/fog-google issue 264.
// - Bad signature: 403 <Code>SignatureDoesNotMatch</Code> "The request signature we calculated does
//   not match the signature you provided. Check your Google secret key and signing method." with
//   <StringToSign>, XML prolog <?xml version='1.0' encoding='UTF-8'?>: github.com/edenlabllc/ehealth.api
//   issue 945, github.com/googleapis/google-api-java-client issue 880.
// - Missing object: 404 NoSuchKey "The specified key does not exist."; XML API error format and
//   codes: cloud.google.com/storage/docs/xml-api/reference-status.
// - A signed header missing from the request: 400 MalformedSecurityHeader.
// - @google-cloud/storage 7.22 (read, not copied): V2 is getSignedUrl's default; V4 signs
//   `host` as the endpoint's host name without port; the object name is encoded per path segment
//   with encodeURIComponent plus !'()*; query parameters are RFC 3986-encoded.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createSign, generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inspect } from "node:util";

import { Storage } from "@google-cloud/storage";
import { cert, deleteApp, getApps } from "firebase-admin/app";
import { firebaseStorage as upstreamFirebaseStorage } from "@hot-updater/firebase";

import { startGcsStandin } from "./helpers/gcs-standin.mjs";
import { createUpstream } from "./helpers/upstream.mjs";
import { check, download as fetchFile } from "./helpers/storage.mjs";

// Upstream's firebase-admin client would follow these to an emulator; the tests want neither.
delete process.env.STORAGE_EMULATOR_HOST;
delete process.env.FIREBASE_STORAGE_EMULATOR_HOST;

// If the native module does not load, the stand-in tests still run and every native test
// fails, saying why.
let native = null;
let nativeMissing = null;
try {
  // Loaded through require first: a failing ESM import of the CommonJS entry also surfaces as an
  // unhandled rejection in Node 20, which would fail this file.
  createRequire(import.meta.url)("../index.js");
  native = await import("../index.mjs");
  if (typeof native.firebaseStorage !== "function") nativeMissing = "index.mjs does not export firebaseStorage yet";
} catch (error) {
  nativeMissing = `index.mjs does not load: ${String(error?.message ?? error).split("\n")[0]}`;
}
const nativeTest = (name, options, fn) =>
  test(name, { timeout: 60_000, ...options }, async (t) => {
    if (nativeMissing) assert.fail(nativeMissing);
    return fn(t);
  });

const BUCKET = "hot-updater-test.appspot.com";
const OTHER_BUCKET = "other-bucket";
const PROJECT_ID = "hot-updater-test";
const GOOGLE = "https://storage.googleapis.com";
const NIL = "00000000-0000-0000-0000-000000000000";
const id = (n) => `0195a000-0000-7000-8000-0000000000${n}`;
const A = id("0a"); // the installed bundle
const B = id("0b"); // the update

function serviceAccount(clientEmail) {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return { clientEmail, privateKey, publicKeyPem: publicKey };
}
/** Known to the stand-in. */
const MAIN = serviceAccount(`firebase-adminsdk-test@${PROJECT_ID}.iam.gserviceaccount.com`);
/** A second key of the same account that the stand-in does not know (a deleted key, say). */
const ROTATED = { ...serviceAccount(MAIN.clientEmail) };
/** An account the stand-in does not know at all. */
const STRANGER = serviceAccount(`stranger@${PROJECT_ID}.iam.gserviceaccount.com`);
/** Known to the stand-in; used through GOOGLE_APPLICATION_CREDENTIALS and key files. */
const FILE_ACCOUNT = serviceAccount(`key-file@${PROJECT_ID}.iam.gserviceaccount.com`);

const keyFileJson = (sa) => ({
  type: "service_account",
  project_id: PROJECT_ID,
  private_key_id: "0123456789abcdef",
  private_key: sa.privateKey,
  client_email: sa.clientEmail,
  client_id: "100000000000000000000",
  token_uri: "https://oauth2.googleapis.com/token",
});

/** Whether `text` contains any part of a private key of these tests. */
function leaksKey(text) {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return true;
  return [MAIN, ROTATED, STRANGER, FILE_ACCOUNT].some((sa) =>
    sa.privateKey
      .split("\n")
      .filter((line) => line.length >= 16 && !line.startsWith("-----"))
      .some((line) => text.includes(line) || text.includes(line.slice(0, 24))),
  );
}

const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");
const gsUri = (key, bucket = BUCKET) => `gs://${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;

// Object names with spaces, non-ASCII, !'()* and other reserved characters, one channel each.
const KEYS = [
  `bundles/${id("10")}/bundle.zip`,
  `bundles/${id("11")}/plain ü (1)*!'.zip`,
  `bundles/${id("12")}/日本語/файл ~tilde_-.zip`,
  `bundles/${id("13")}/a+b=c&d;e,f@g$h:i[j].zip`,
  `bundles/${id("14")}/100% q?x#y.zip`,
];
const OTHER_KEY = `bundles/${id("15")}/from-other-bucket.zip`;

const OBJECTS = {
  [`bundles/${B}/bündle z (1).zip`]: randomBytes(200_000),
  [`bundles/${A}/bundle.zip`]: randomBytes(1000),
  [`bundles/${B}/files/index.ios.bundle.br`]: randomBytes(5000),
  [`bundles/${B}/files/assets/logo 1.png`]: randomBytes(3000),
  [`bundles/${B}/manifest.json`]: JSON.stringify({ bundleId: B, assets: { "index.ios.bundle": { fileHash: "idx-b" }, "assets/logo 1.png": { fileHash: "logo" } } }),
  [`bundles/${A}/manifest.json`]: JSON.stringify({ bundleId: A, assets: { "index.ios.bundle": { fileHash: "idx-a" }, "assets/logo 1.png": { fileHash: "logo" } } }),
  [`bundles/cache/manifest.json`]: JSON.stringify({ bundleId: id("0c"), assets: { "a.txt": { fileHash: "v1" } } }),
  [OTHER_KEY]: randomBytes(777),
  ...Object.fromEntries(KEYS.map((key) => [key, randomBytes(1500)])),
};

function bundle(bundleId, channel, { zip = `bundles/${B}/bündle z (1).zip`, manifest = `bundles/${B}/manifest.json`, files = `bundles/${B}/files`, manifestBucket, storageUri, fingerprintHash = null } = {}) {
  return {
    id: bundleId,
    platform: "ios",
    shouldForceUpdate: false,
    enabled: true,
    fileHash: `file-${bundleId.slice(-2)}`,
    gitCommitHash: null,
    message: `bundle ${bundleId.slice(-2)}`,
    channel,
    storageUri: storageUri ?? gsUri(zip),
    targetAppVersion: fingerprintHash ? null : "1.x",
    fingerprintHash,
    manifestStorageUri: manifest ? gsUri(manifest, manifestBucket) : null,
    manifestFileHash: manifest ? `sig:${bundleId.slice(-2)}` : null,
    assetBaseStorageUri: manifest ? gsUri(files) : null,
  };
}

// One channel per scenario, so each update check finds exactly the bundle it is about.
const BUNDLES = [
  bundle(A, "production", { zip: `bundles/${A}/bundle.zip`, manifest: `bundles/${A}/manifest.json` }),
  bundle(B, "production"),
  bundle(id("0c"), "cache", { manifest: "bundles/cache/manifest.json" }),
  bundle(id("0d"), "missing", { manifest: `bundles/${id("0d")}/manifest.json` }),
  bundle(id("0e"), "mismatch", { manifestBucket: OTHER_BUCKET }),
  // Without manifests: everything upstream can answer without Google's OAuth (see the parity test).
  ...KEYS.map((key, i) => bundle(id(`1${i}`), `key-${i}`, { zip: key, manifest: null })),
  bundle(id("15"), "otherbucket", { storageUri: gsUri(OTHER_KEY, OTHER_BUCKET), manifest: null }),
  bundle(id("16"), "nokey", { storageUri: `gs://${BUCKET}`, manifest: null }),
  bundle(id("17"), "fp", { zip: KEYS[1], manifest: null, fingerprintHash: "fp-1" }),
];

const checkPath = (channel, bundleId = NIL) => `/hot-updater/app-version/ios/1.0.0/${channel}/${NIL}/${bundleId}`;
const fingerprintPath = (channel, fingerprint) => `/hot-updater/fingerprint/ios/${fingerprint}/${channel}/${NIL}/${NIL}`;

let standin;
let tmp;
const cleanups = [];

before(async () => {
  standin = await startGcsStandin({
    serviceAccounts: [MAIN, FILE_ACCOUNT].map(({ clientEmail, publicKeyPem }) => ({ clientEmail, publicKeyPem })),
    buckets: { [BUCKET]: OBJECTS, [OTHER_BUCKET]: { [`bundles/${B}/manifest.json`]: OBJECTS[`bundles/${B}/manifest.json`] } },
  });
  tmp = mkdtempSync(join(tmpdir(), "hu-gcs-test-"));
});

after(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await Promise.all(getApps().map((app) => deleteApp(app)));
  await standin?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Helpers

/** GET (or `method`) of a URL on the stand-in; refuses to send anything elsewhere. */
async function download(url, options = {}) {
  const got = await fetchFile(url, options);
  return { ...got, code: /<Code>([^<]*)<\/Code>/.exec(got.text)?.[1] ?? null };
}

/** A storage.googleapis.com URL pointed at the stand-in (V2 does not sign the host). */
function atStandin(url) {
  assert.ok(url.startsWith(`${GOOGLE}/`), url);
  return standin.endpoint + url.slice(GOOGLE.length);
}

/** @google-cloud/storage's signed URL for `key` (V2 by default, like upstream). */
async function librarySignedUrl(key, { sa = MAIN, endpoint = standin.endpoint, bucket = BUCKET, ...options } = {}) {
  const storage = new Storage({ credentials: { client_email: sa.clientEmail, private_key: sa.privateKey }, projectId: PROJECT_ID, ...(endpoint ? { apiEndpoint: endpoint } : {}) });
  const [url] = await storage.bucket(bucket).file(key).getSignedUrl({ action: "read", expires: Date.now() + 3600_000, ...options });
  return url;
}

/** The same signature with one digit changed. */
function tamperSignature(url) {
  const u = new URL(url);
  const name = u.searchParams.has("X-Goog-Signature") ? "X-Goog-Signature" : "Signature";
  const sig = u.searchParams.get(name);
  const i = Math.floor(sig.length / 2);
  const flipped = sig[i] === "A" ? "B" : sig[i] === "a" ? "b" : /[0-9]/.test(sig[i]) ? String((Number(sig[i]) + 1) % 10) : "A";
  u.searchParams.set(name, sig.slice(0, i) + flipped + sig.slice(i + 1));
  return u.href;
}

/** Runs `fn` until it starts and ends within one wall-clock second (V2 URLs carry the second). */
async function withinOneSecond(fn, attempts = 4) {
  for (let i = 0; i < attempts; i++) {
    const start = Math.floor(Date.now() / 1000);
    const result = await fn();
    if (Math.floor(Date.now() / 1000) === start) return result;
  }
  throw new Error(`could not finish within one second in ${attempts} attempts (machine too slow?)`);
}

let dbCount = 0;
/** Our server (`options` added to createHotUpdater's) on a fresh SQLite file with all fixture bundles. */
async function ours(storages, options = {}) {
  const hotUpdater = native.createHotUpdater({
    database: native.sqliteDatabase({ path: join(tmp, `ours-${dbCount++}.db`) }),
    storages,
    basePath: "/hot-updater",
    routes: { updateCheck: true, bundles: true },
    ...options,
  });
  cleanups.push(() => hotUpdater.close());
  for (const b of BUNDLES) await hotUpdater.insertBundle(b);
  return hotUpdater;
}

const firebaseConfig = (extra = {}) => ({ storageBucket: BUCKET, credential: cert({ projectId: PROJECT_ID, clientEmail: MAIN.clientEmail, privateKey: MAIN.privateKey }), apiEndpoint: standin.endpoint, ...extra });

// firebase-admin keeps one default app per process; upstream's plugin initialises it on first use
// (`getApps().length ? getApp() : initializeApp(config)`) and reuses it afterwards, so every use of
// upstream's plugin in this file goes through this one configuration.
const UPSTREAM_CONFIG = { storageBucket: BUCKET, credential: cert({ projectId: PROJECT_ID, clientEmail: MAIN.clientEmail, privateKey: MAIN.privateKey }) };
let upstreamPluginInstance;
const upstreamPlugin = () => (upstreamPluginInstance ??= upstreamFirebaseStorage(UPSTREAM_CONFIG)());

/** A V4 URL signed here by hand, for requests the library will not make. */
function handSignedV4(path, { sa = MAIN, host = "127.0.0.1", signedPath = path, method = "GET", date = new Date(), expires = 3600, extra = {} } = {}) {
  const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const stamp = date.toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
  const scope = `${stamp.slice(0, 8)}/auto/storage/goog4_request`;
  const query = { "X-Goog-Algorithm": "GOOG4-RSA-SHA256", "X-Goog-Credential": `${sa.clientEmail}/${scope}`, "X-Goog-Date": stamp, "X-Goog-Expires": String(expires), "X-Goog-SignedHeaders": "host", ...extra };
  const canonicalQuery = Object.entries(query)
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .sort()
    .join("&");
  const canonicalRequest = `${method}\n${signedPath}\n${canonicalQuery}\nhost:${host}\n\nhost\nUNSIGNED-PAYLOAD`;
  const toSign = `GOOG4-RSA-SHA256\n${stamp}\n${scope}\n${sha256(canonicalRequest)}`;
  const signature = createSign("RSA-SHA256").update(toSign).sign(sa.privateKey, "hex");
  return `${standin.endpoint}${path}?${canonicalQuery}&X-Goog-Signature=${signature}`;
}

const encodedPath = (key, bucket = BUCKET) => `/${bucket}/${key.split("/").map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join("/")}`;

// ---------------------------------------------------------------------------------------------
// The stand-in, checked with URLs made by Google's library and by upstream's plugin

test("stand-in: @google-cloud/storage's V4 and V2 URLs are accepted and give the exact bytes", { timeout: 60_000 }, async () => {
  for (const key of [...KEYS, `bundles/${B}/bündle z (1).zip`]) {
    for (const version of ["v4", "v2"]) {
      const url = await librarySignedUrl(key, { version });
      assert.ok(url.startsWith(`${standin.endpoint}${encodedPath(key)}?`), url);
      const got = await download(url);
      assert.equal(got.status, 200, `${version} ${key}: ${got.text}`);
      assert.equal(sha256(got.bytes), sha256(OBJECTS[key]), `${version} ${key}`);
      assert.equal(got.headers.get("content-length"), String(OBJECTS[key].length));
      const last = standin.requests.at(-1);
      assert.deepEqual([last.version, last.signer, last.status, last.key], [version, MAIN.clientEmail, 200, key]);
    }
  }
});

test("stand-in: upstream's plugin (firebase-admin with cert) makes V2 URLs the stand-in accepts", { timeout: 60_000 }, async () => {
  for (const key of KEYS) {
    const { fileUrl } = await upstreamPlugin().profiles.runtime.getDownloadUrl(gsUri(key));
    const url = new URL(fileUrl);
    assert.equal(url.origin + url.pathname, `${GOOGLE}${encodedPath(key)}`);
    assert.deepEqual([...url.searchParams.keys()], ["GoogleAccessId", "Expires", "Signature"]);
    assert.equal(url.searchParams.get("GoogleAccessId"), MAIN.clientEmail);
    const got = await download(atStandin(fileUrl));
    assert.equal(got.status, 200, got.text);
    assert.equal(sha256(got.bytes), sha256(OBJECTS[key]));
  }
  // Upstream signs on the configured bucket whatever bucket the URI names, and needs a key.
  const { fileUrl } = await upstreamPlugin().profiles.runtime.getDownloadUrl(gsUri(OTHER_KEY, OTHER_BUCKET));
  assert.ok(fileUrl.startsWith(`${GOOGLE}/${BUCKET}/bundles/`), fileUrl);
  await assert.rejects(upstreamPlugin().profiles.runtime.getDownloadUrl(`gs://${BUCKET}`), { message: "Invalid Firebase storage URI: missing key" });
});

test("stand-in: tampered, re-pointed, extended, wrongly keyed and unsigned requests are refused", { timeout: 60_000 }, async () => {
  const key = KEYS[1];
  const prolog = "<?xml version='1.0' encoding='UTF-8'?><Error><Code>";
  for (const version of ["v4", "v2"]) {
    const url = await librarySignedUrl(key, { version });
    assert.equal((await download(url)).status, 200);

    const tampered = await download(tamperSignature(url));
    assert.equal(tampered.status, 403, tampered.text);
    assert.equal(tampered.code, "SignatureDoesNotMatch");
    assert.ok(tampered.text.startsWith(prolog), tampered.text);
    assert.match(tampered.text, /<StringToSign>/);
    if (version === "v4") assert.match(tampered.text, /<CanonicalRequest>GET\n\/hot-updater-test\.appspot\.com\//);

    // The signature of one object does not open another.
    const other = await download(url.replace(encodedPath(key), encodedPath(KEYS[0])));
    assert.deepEqual([other.status, other.code], [403, "SignatureDoesNotMatch"]);

    // A parameter added after signing changes the canonical query (V4) and is refused; V2 ignores it.
    const extended = await download(`${url}&response-content-type=text%2Fplain`);
    assert.equal(extended.status, version === "v4" ? 403 : 200, extended.text);

    // The right account name with a key the service does not have, and an unknown account.
    for (const sa of [ROTATED, STRANGER]) {
      const wrong = await download(await librarySignedUrl(key, { version, sa }));
      assert.deepEqual([wrong.status, wrong.code], [403, "SignatureDoesNotMatch"], `${version} ${sa.clientEmail}`);
    }
  }
  const unsigned = await download(`${standin.endpoint}${encodedPath(key)}`);
  assert.deepEqual([unsigned.status, unsigned.code], [403, "AccessDenied"]);
  // Without a valid signature nothing tells whether an object exists.
  const bad = await download(tamperSignature((await librarySignedUrl("no/such object", { version: "v4" }))));
  assert.deepEqual([bad.status, bad.code], [403, "SignatureDoesNotMatch"]);
});

test("stand-in: expired and over-long URLs are refused", { timeout: 60_000 }, async (t) => {
  t.after(() => standin.setClockOffset(0));
  const key = KEYS[0];
  const v4 = await librarySignedUrl(key, { version: "v4", expires: Date.now() + 60_000 });
  const v2 = await librarySignedUrl(key, { version: "v2", expires: Date.now() + 60_000 });
  assert.equal((await download(v4)).status, 200);
  assert.equal((await download(v2)).status, 200);
  standin.setClockOffset(61_000);
  const expiredV4 = await download(v4);
  assert.deepEqual([expiredV4.status, expiredV4.code], [400, "ExpiredToken"], expiredV4.text);
  assert.match(expiredV4.text, /<Message>Invalid argument\.<\/Message>/);
  const expiredV2 = await download(v2);
  assert.deepEqual([expiredV2.status, expiredV2.code], [400, "ExpiredToken"], expiredV2.text);
  assert.match(expiredV2.text, /<Details>Request has expired: \d+<\/Details>/);
  standin.setClockOffset(0);

  // In real time too: a URL that became valid ten seconds ago and lives eleven seconds.
  const now = Date.now();
  const short = await librarySignedUrl(key, { version: "v4", accessibleAt: now - 10_000, expires: now + 1000 });
  assert.equal((await download(short)).status, 200);
  await new Promise((r) => setTimeout(r, 2100));
  assert.equal((await download(short)).status, 400);

  // X-Goog-Expires over seven days, and a URL not valid yet.
  const tooLong = await download(handSignedV4(encodedPath(key), { expires: 604801 }));
  assert.deepEqual([tooLong.status, tooLong.code], [400, "MalformedSecurityHeader"], tooLong.text);
  assert.equal((await download(handSignedV4(encodedPath(key), { expires: 604800 }))).status, 200);
  const future = await download(handSignedV4(encodedPath(key), { date: new Date(Date.now() + 120_000) }));
  assert.equal(future.status, 400, future.text);
});

test("stand-in: the host and the resource path are canonicalised as Cloud Storage does", { timeout: 60_000 }, async () => {
  const key = KEYS[1]; // "plain ü (1)*!'.zip"
  // The library signs `host` as the endpoint's host name without port; another name is refused.
  const forLocalhost = await librarySignedUrl(key, { version: "v4", endpoint: `http://localhost:${standin.port}` });
  assert.match(forLocalhost, /^http:\/\/localhost:\d+\//);
  const refused = await download(forLocalhost.replace(/^http:\/\/localhost:/, "http://127.0.0.1:"));
  assert.deepEqual([refused.status, refused.code], [403, "SignatureDoesNotMatch"]);
  assert.match(refused.text, /host:127\.0\.0\.1\n/);
  assert.equal((await download(handSignedV4(encodedPath(key), { host: "127.0.0.1" }))).status, 200);
  assert.equal((await download(handSignedV4(encodedPath(key), { host: `127.0.0.1:${standin.port}` }))).status, 403);

  // Reserved characters sent literally still count as percent-encoded in the resource path...
  const url = await librarySignedUrl(key, { version: "v4" });
  const literal = url.replace("%281%29%2A%21%27", "(1)*!'");
  assert.notEqual(literal, url);
  assert.equal((await download(literal)).status, 200);
  // ...so a signature over the literal form does not match.
  const literalPath = encodedPath(key).replace("%281%29%2A%21%27", "(1)*!'");
  const overLiteral = await download(handSignedV4(literalPath));
  assert.deepEqual([overLiteral.status, overLiteral.code], [403, "SignatureDoesNotMatch"]);
  assert.equal((await download(handSignedV4(literalPath, { signedPath: encodedPath(key) }))).status, 200);
  // HEAD needs a signature for HEAD.
  const head = await download(handSignedV4(encodedPath(key), { method: "HEAD" }), { method: "HEAD" });
  assert.deepEqual([head.status, head.bytes.length, head.headers.get("content-length")], [200, 0, String(OBJECTS[key].length)]);
  assert.equal((await download(handSignedV4(encodedPath(key)), { method: "HEAD" })).status, 403);
});

test("stand-in: after a valid signature, missing objects and buckets are 404 NoSuchKey / NoSuchBucket", { timeout: 30_000 }, async () => {
  const noKey = await download(await librarySignedUrl(`bundles/${B}/nothing here.zip`, { version: "v4" }));
  assert.deepEqual([noKey.status, noKey.code], [404, "NoSuchKey"], noKey.text);
  assert.match(noKey.text, /<Message>The specified key does not exist\.<\/Message>/);
  const noBucket = await download(await librarySignedUrl("a.zip", { version: "v2", bucket: "no-such-bucket" }));
  assert.deepEqual([noBucket.status, noBucket.code], [404, "NoSuchBucket"], noBucket.text);
});

test("stand-in: refuse and hang switches, and the request log", { timeout: 30_000 }, async () => {
  const own = await startGcsStandin({ serviceAccounts: [{ clientEmail: MAIN.clientEmail, publicKeyPem: MAIN.publicKeyPem }], buckets: { b: { k: "hello" } } });
  try {
    const url = await librarySignedUrl("k", { version: "v4", endpoint: own.endpoint, bucket: "b" });
    assert.equal((await download(url)).text, "hello");
    await own.setMode("refuse");
    await assert.rejects(download(url), (e) => e.cause?.code === "ECONNREFUSED");
    await own.setMode("hang");
    const t0 = Date.now();
    await assert.rejects(download(url, { timeoutMs: 500 }), { name: "TimeoutError" });
    assert.ok(Date.now() - t0 < 3000);
    await own.setMode("normal");
    assert.equal((await download(url)).text, "hello");
    own.put("b", "k", "changed");
    assert.equal((await download(url)).text, "changed");
    assert.deepEqual(
      own.requests.map((r) => r.status),
      [200, "hung", 200, 200],
    );
    assert.ok(own.requests.every((r) => r.method === "GET" && r.url.startsWith("/b/k?X-Goog-Algorithm=")));
  } finally {
    await own.stop();
  }
});

// ---------------------------------------------------------------------------------------------
// Native firebaseStorage

nativeTest("native V4 (default): fileUrls download the exact bytes and equal @google-cloud/storage's URL for the same second", {}, async () => {
  const viaStandin = await ours([native.firebaseStorage(firebaseConfig({ cache: false }))]);
  const viaGoogle = await ours([native.firebaseStorage(firebaseConfig({ apiEndpoint: undefined, cache: false }))]);
  for (const [i, key] of KEYS.entries()) {
    for (const [server, endpoint] of [[viaStandin, standin.endpoint], [viaGoogle, null]]) {
      const { status, json, text } = await check(server, checkPath(`key-${i}`));
      assert.equal(status, 200, text);
      const url = new URL(json.fileUrl);
      assert.equal(url.origin + url.pathname, `${endpoint ?? GOOGLE}${encodedPath(key)}`);
      assert.equal(url.searchParams.get("X-Goog-Expires"), "3600");
      const date = url.searchParams.get("X-Goog-Date");
      const seconds = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15)) / 1000;
      assert.ok(Math.abs(Date.now() / 1000 - seconds) < 30, `X-Goog-Date ${date} is not now`);
      const expected = await librarySignedUrl(key, { version: "v4", endpoint, accessibleAt: seconds * 1000, expires: (seconds + 3600) * 1000 });
      assert.equal(json.fileUrl, expected, key);
      if (endpoint) {
        const got = await download(json.fileUrl);
        assert.equal(got.status, 200, got.text);
        assert.equal(sha256(got.bytes), sha256(OBJECTS[key]));
      }
    }
  }
});

nativeTest("native V2: fileUrls equal upstream's getDownloadUrl byte for byte and download the exact bytes", {}, async () => {
  // No answer cache: a retried comparison (withinOneSecond) must sign afresh, as upstream does.
  const viaGoogle = await ours([native.firebaseStorage(firebaseConfig({ apiEndpoint: undefined, signedUrlVersion: "v2", cache: false }))], { answerCache: false });
  const viaStandin = await ours([native.firebaseStorage(firebaseConfig({ signedUrlVersion: "v2", cache: false }))]);
  for (const [i, key] of KEYS.entries()) {
    const [mine, theirs] = await withinOneSecond(() => Promise.all([check(viaGoogle, checkPath(`key-${i}`)), upstreamPlugin().profiles.runtime.getDownloadUrl(gsUri(key))]));
    assert.equal(mine.status, 200, mine.text);
    assert.equal(mine.json.fileUrl, theirs.fileUrl, key);

    const { json } = await check(viaStandin, checkPath(`key-${i}`));
    const url = new URL(json.fileUrl);
    assert.equal(url.origin + url.pathname, `${standin.endpoint}${encodedPath(key)}`);
    assert.deepEqual([...url.searchParams.keys()], ["GoogleAccessId", "Expires", "Signature"]);
    const got = await download(json.fileUrl);
    assert.equal(got.status, 200, got.text);
    assert.equal(sha256(got.bytes), sha256(OBJECTS[key]));
    assert.equal(standin.requests.at(-1).version, "v2");
  }
});

nativeTest("native: tampered and re-pointed URLs are refused", {}, async () => {
  for (const signedUrlVersion of ["v4", "v2"]) {
    const server = await ours([native.firebaseStorage(firebaseConfig({ signedUrlVersion }))]);
    const { json } = await check(server, checkPath("key-1"));
    assert.equal((await download(json.fileUrl)).status, 200);
    const tampered = await download(tamperSignature(json.fileUrl));
    assert.deepEqual([tampered.status, tampered.code], [403, "SignatureDoesNotMatch"], signedUrlVersion);
    const repointed = await download(json.fileUrl.replace(encodedPath(KEYS[1]), encodedPath(KEYS[0])));
    assert.deepEqual([repointed.status, repointed.code], [403, "SignatureDoesNotMatch"], signedUrlVersion);
    // Cached: the next check gives the same URL.
    assert.equal((await check(server, checkPath("key-1"))).json.fileUrl, json.fileUrl);
  }
});

nativeTest("native: expiresIn sets the lifetime and the stand-in refuses the URL after it", {}, async (t) => {
  t.after(() => standin.setClockOffset(0));
  for (const signedUrlVersion of ["v4", "v2"]) {
    const server = await ours([native.firebaseStorage(firebaseConfig({ signedUrlVersion, expiresIn: 5, cache: false }))]);
    const { json } = await check(server, checkPath("key-0"));
    const url = new URL(json.fileUrl);
    if (signedUrlVersion === "v4") assert.equal(url.searchParams.get("X-Goog-Expires"), "5");
    else assert.ok(Math.abs(Number(url.searchParams.get("Expires")) - (Date.now() / 1000 + 5)) < 3, json.fileUrl);
    assert.equal((await download(json.fileUrl)).status, 200);
    standin.setClockOffset(10_000);
    const expired = await download(json.fileUrl);
    assert.deepEqual([expired.status, expired.code], [400, "ExpiredToken"], `${signedUrlVersion}: ${expired.text}`);
    standin.setClockOffset(0);
  }
});

nativeTest("native: manifest enrichment reads through the stand-in with V4 and its asset URLs download", {}, async () => {
  for (const signedUrlVersion of ["v4", "v2"]) {
    const server = await ours([native.firebaseStorage(firebaseConfig({ signedUrlVersion }))]);
    const first = standin.requests.length;
    const fresh = await check(server, checkPath("production"));
    assert.equal(fresh.status, 200, fresh.text);
    assert.deepEqual(Object.keys(fresh.json), ["id", "message", "shouldForceUpdate", "status", "fileHash", "fileUrl", "changedAssets", "manifestFileHash", "manifestUrl"]);
    assert.equal(fresh.json.id, B);
    assert.deepEqual(Object.keys(fresh.json.changedAssets), ["index.ios.bundle", "assets/logo 1.png"]);
    assert.equal(fresh.json.changedAssets["index.ios.bundle"].file.compression, "br");
    assert.equal(fresh.json.manifestFileHash, "sig:0b");
    // The manifest was read with a V4 URL whatever signedUrlVersion says (no OAuth token needed).
    const reads = standin.requests.slice(first).filter((r) => r.key === `bundles/${B}/manifest.json`);
    assert.ok(reads.length >= 1, JSON.stringify(standin.requests.slice(first)));
    assert.ok(reads.every((r) => r.status === 200 && r.version === "v4" && r.signer === MAIN.clientEmail), JSON.stringify(reads));
    for (const [path, key] of [["index.ios.bundle", `bundles/${B}/files/index.ios.bundle.br`], ["assets/logo 1.png", `bundles/${B}/files/assets/logo 1.png`]]) {
      const assetUrl = fresh.json.changedAssets[path].file.url;
      assert.equal(new URL(assetUrl).searchParams.has(signedUrlVersion === "v4" ? "X-Goog-Signature" : "Signature"), true, assetUrl);
      const got = await download(assetUrl);
      assert.equal(got.status, 200, got.text);
      assert.equal(sha256(got.bytes), sha256(OBJECTS[key]));
    }
    assert.equal((await download(fresh.json.manifestUrl)).text, OBJECTS[`bundles/${B}/manifest.json`]);
    assert.equal(sha256((await download(fresh.json.fileUrl)).bytes), sha256(OBJECTS[`bundles/${B}/bündle z (1).zip`]));

    // From the installed bundle A only the changed asset is listed (A's manifest is read too).
    const fromA = (await check(server, checkPath("production", A))).json;
    assert.deepEqual(Object.keys(fromA.changedAssets), ["index.ios.bundle"]);
  }
});

nativeTest("native: a missing manifest object means no enrichment, not an error", {}, async () => {
  const server = await ours([native.firebaseStorage(firebaseConfig())]);
  const first = standin.requests.length;
  const { status, json, text } = await check(server, checkPath("missing"));
  assert.equal(status, 200, text);
  assert.deepEqual(Object.keys(json), ["id", "message", "shouldForceUpdate", "status", "fileHash", "fileUrl"]);
  const miss = standin.requests.slice(first).find((r) => r.key === `bundles/${id("0d")}/manifest.json`);
  assert.deepEqual([miss?.status, miss?.code], [404, "NoSuchKey"], "the manifest was looked up with a valid signature");
  assert.equal((await download(json.fileUrl)).status, 200);
});

nativeTest("native: a manifest in another bucket fails with upstream's message", {}, async () => {
  const server = await ours([native.firebaseStorage(firebaseConfig())]);
  const { status, json } = await check(server, checkPath("mismatch"));
  assert.equal(status, 500);
  assert.deepEqual(json, { error: "Internal server error", message: `Bucket name mismatch: expected "${BUCKET}", but found "${OTHER_BUCKET}".` });
});

nativeTest("native: URIs of another bucket are signed on the configured one; a URI without key fails like upstream", {}, async () => {
  const server = await ours([native.firebaseStorage(firebaseConfig())]);
  const other = await check(server, checkPath("otherbucket"));
  assert.equal(other.status, 200, other.text);
  assert.ok(other.json.fileUrl.startsWith(`${standin.endpoint}${encodedPath(OTHER_KEY)}?`), other.json.fileUrl);
  assert.equal(sha256((await download(other.json.fileUrl)).bytes), sha256(OBJECTS[OTHER_KEY]));
  const nokey = await check(server, checkPath("nokey"));
  assert.equal(nokey.status, 500, nokey.text);
  assert.deepEqual(nokey.json, { error: "Internal server error", message: "Invalid Firebase storage URI: missing key" });
});

nativeTest("native: manifest texts are cached by URI unless cache: false", {}, async (t) => {
  const original = OBJECTS["bundles/cache/manifest.json"];
  t.after(() => standin.put(BUCKET, "bundles/cache/manifest.json", original));
  const cached = await ours([native.firebaseStorage(firebaseConfig())]);
  const uncached = await ours([native.firebaseStorage(firebaseConfig({ cache: false }))]);
  assert.equal((await check(cached, checkPath("cache"))).json.changedAssets["a.txt"].fileHash, "v1");
  standin.put(BUCKET, "bundles/cache/manifest.json", JSON.stringify({ bundleId: id("0c"), assets: { "a.txt": { fileHash: "v2" } } }));
  assert.equal((await check(cached, checkPath("cache"))).json.changedAssets["a.txt"].fileHash, "v1");
  assert.equal((await check(uncached, checkPath("cache"))).json.changedAssets["a.txt"].fileHash, "v2");
});

nativeTest("native: an endpoint that refuses connections or never answers gives a 500 JSON answer in time", { timeout: 60_000 }, async () => {
  const own = await startGcsStandin({ serviceAccounts: [{ clientEmail: MAIN.clientEmail, publicKeyPem: MAIN.publicKeyPem }], buckets: { [BUCKET]: OBJECTS } });
  cleanups.push(() => own.stop());
  const server = await ours([native.firebaseStorage(firebaseConfig({ apiEndpoint: own.endpoint, cache: false, connectTimeoutMs: 1000, requestTimeoutMs: 1500 }))]);
  assert.equal((await check(server, checkPath("production"))).status, 200);
  for (const mode of ["refuse", "hang"]) {
    await own.setMode(mode);
    const t0 = Date.now();
    const { status, json, text } = await check(server, checkPath("production"));
    const elapsed = Date.now() - t0;
    assert.equal(status, 500, `${mode}: ${text}`);
    assert.equal(json.error, "Internal server error");
    assert.match(json.message, /127\.0\.0\.1/, `${mode}: the message names the host`);
    assert.ok(elapsed < 1500 + 3500, `${mode}: answered after ${elapsed} ms`);
    assert.ok(!leaksKey(text) && !text.includes("X-Goog-Signature") && !text.includes("GoogleAccessId"), text);
  }
  await own.setMode("normal");
  assert.equal((await check(server, checkPath("production"))).status, 200);
});

nativeTest("native: credential forms, key files and GOOGLE_APPLICATION_CREDENTIALS", {}, async (t) => {
  const saved = process.env.GOOGLE_APPLICATION_CREDENTIALS;
  t.after(() => {
    if (saved === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved;
  });
  const keyFile = join(tmp, "key-file.json");
  writeFileSync(keyFile, JSON.stringify(keyFileJson(FILE_ACCOUNT)));
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  const forms = [
    [MAIN, { credential: cert({ projectId: PROJECT_ID, clientEmail: MAIN.clientEmail, privateKey: MAIN.privateKey }) }],
    [MAIN, { credential: { clientEmail: MAIN.clientEmail, privateKey: MAIN.privateKey } }],
    [MAIN, { credential: { client_email: MAIN.clientEmail, private_key: MAIN.privateKey } }],
    [FILE_ACCOUNT, { serviceAccount: keyFileJson(FILE_ACCOUNT) }],
    [FILE_ACCOUNT, { serviceAccount: keyFile }],
  ];
  for (const [sa, creds] of forms) {
    for (const signedUrlVersion of ["v4", "v2"]) {
      const storage = native.firebaseStorage({ storageBucket: BUCKET, apiEndpoint: standin.endpoint, signedUrlVersion, ...creds });
      const { json, text } = await check(await ours([storage]), checkPath("key-0"));
      const url = new URL(json?.fileUrl ?? "http://invalid/");
      const who = signedUrlVersion === "v4" ? url.searchParams.get("X-Goog-Credential")?.split("/")[0] : url.searchParams.get("GoogleAccessId");
      assert.equal(who, sa.clientEmail, `${Object.keys(creds)[0]} ${signedUrlVersion}: ${text}`);
      assert.equal((await download(json.fileUrl)).status, 200);
    }
  }
  // Nothing given: the key file named by GOOGLE_APPLICATION_CREDENTIALS.
  process.env.GOOGLE_APPLICATION_CREDENTIALS = keyFile;
  const fromEnv = await ours([native.firebaseStorage({ storageBucket: BUCKET, apiEndpoint: standin.endpoint })]);
  const { json } = await check(fromEnv, checkPath("key-0"));
  assert.equal(new URL(json.fileUrl).searchParams.get("X-Goog-Credential").split("/")[0], FILE_ACCOUNT.clientEmail);
  assert.equal((await download(json.fileUrl)).status, 200);
});

nativeTest("native: configuration errors are clear TypeErrors that never show the private key", {}, async (t) => {
  const saved = process.env.GOOGLE_APPLICATION_CREDENTIALS;
  t.after(() => {
    if (saved === undefined) delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    else process.env.GOOGLE_APPLICATION_CREDENTIALS = saved;
  });
  delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  const body = MAIN.privateKey.split("\n").filter((l) => !l.startsWith("-----"));
  const truncated = `${MAIN.privateKey.split("\n").slice(0, 8).join("\n")}\n-----END PRIVATE KEY-----\n`;
  const garbage = `-----BEGIN PRIVATE KEY-----\n${body[3]}\n${body[4]}\n-----END PRIVATE KEY-----\n`;
  const cases = [
    ["no key", { storageBucket: BUCKET }, /credential|serviceAccount|GOOGLE_APPLICATION_CREDENTIALS/],
    ["missing storageBucket", { credential: { clientEmail: MAIN.clientEmail, privateKey: MAIN.privateKey } }, /storageBucket/],
    ["empty storageBucket", { storageBucket: "", credential: { clientEmail: MAIN.clientEmail, privateKey: MAIN.privateKey } }, /storageBucket/],
    ["truncated PEM", { storageBucket: BUCKET, credential: { clientEmail: MAIN.clientEmail, privateKey: truncated } }, /private ?key/i],
    ["garbage PEM", { storageBucket: BUCKET, credential: { clientEmail: MAIN.clientEmail, privateKey: garbage } }, /private ?key/i],
    ["not a PEM", { storageBucket: BUCKET, credential: { clientEmail: MAIN.clientEmail, privateKey: body.join("") } }, /private ?key/i],
    ["no client email", { storageBucket: BUCKET, credential: { privateKey: MAIN.privateKey } }, /client_?email/i],
    ["missing key file", { storageBucket: BUCKET, serviceAccount: join(tmp, "does-not-exist.json") }, /does-not-exist\.json|service ?account/i],
    ["bad signedUrlVersion", { ...firebaseConfig(), signedUrlVersion: "v3" }, /signedUrlVersion/],
    ["bad expiresIn", { ...firebaseConfig(), expiresIn: 604801 }, /expiresIn/],
    ["bad apiEndpoint", { ...firebaseConfig(), apiEndpoint: "ftp://storage.example" }, /apiEndpoint/],
  ];
  // The error may come from firebaseStorage(config) or, at the latest, from createHotUpdater.
  const configError = (config) => {
    let stage = "firebaseStorage()";
    try {
      const storage = native.firebaseStorage(config);
      stage = "createHotUpdater()";
      const server = native.createHotUpdater({ database: native.sqliteDatabase({ path: join(tmp, `config-${dbCount++}.db`) }), storages: [storage], basePath: "/hot-updater", routes: { updateCheck: true } });
      server.close();
    } catch (error) {
      return { caught: error, stage };
    }
    return { caught: null, stage: "nowhere" };
  };
  for (const [what, config, pattern] of cases) {
    const { caught, stage } = configError(config);
    assert.ok(caught, `${what}: no error`);
    assert.ok(caught instanceof TypeError, `${what}: thrown by ${stage} as ${caught?.name} (code ${caught?.code}), not TypeError: ${caught?.message}`);
    assert.match(caught.message, pattern, what);
    assert.ok(!leaksKey(caught.message) && !leaksKey(String(caught.stack)) && !leaksKey(inspect(caught)), `${what}: the error shows key material: ${caught.message}`);
  }
  // A constructed storage shows no key when printed or serialised (the native options, key
  // included, sit in a non-enumerable symbol property, as for s3Storage's credentials).
  const storage = native.firebaseStorage(firebaseConfig());
  assert.equal(storage.name, "firebaseStorage");
  assert.equal(storage.supportedProtocol, "gs");
  assert.ok(!leaksKey(JSON.stringify(storage) ?? "") && !leaksKey(inspect(storage, { depth: 5 })));
});

nativeTest("parity with upstream's server on @hot-updater/firebase's firebaseStorage (bundles without manifests)", { timeout: 120_000 }, async () => {
  // Upstream's readText downloads through the JSON API with a Google OAuth token, which cannot be
  // had here, so only answers that need nothing but getDownloadUrl are compared: bundles without
  // manifests, with V2 URLs on https://storage.googleapis.com from both sides (signed locally, no
  // traffic). Both servers sign afresh on every check (ours with cache: false) so that URLs made
  // within the same second are identical.
  const upstream = await createUpstream(join(tmp, "upstream.db"), { storages: [upstreamFirebaseStorage(UPSTREAM_CONFIG)] });
  cleanups.push(() => upstream.close());
  for (const b of BUNDLES) await upstream.hotUpdater.insertBundle(b);
  const server = await ours([native.firebaseStorage({ storageBucket: BUCKET, credential: UPSTREAM_CONFIG.credential, signedUrlVersion: "v2", cache: false })], { answerCache: false });
  const paths = [...KEYS.map((_, i) => checkPath(`key-${i}`)), checkPath("otherbucket"), checkPath("nokey"), checkPath("nothing"), fingerprintPath("fp", "fp-1"), fingerprintPath("fp", "fp-2")];
  for (const path of paths) {
    const [theirs, mine] = await withinOneSecond(() => Promise.all([check(upstream.hotUpdater, path), check(server, path)]));
    assert.equal(mine.status, theirs.status, `${path}: ${mine.text} vs ${theirs.text}`);
    assert.equal(mine.text, theirs.text, path);
    if (theirs.json?.fileUrl) {
      const got = await download(atStandin(mine.json.fileUrl));
      assert.equal(got.status, 200, `${path}: ${got.text}`);
      const key = decodeURIComponent(new URL(mine.json.fileUrl).pathname.slice(`/${BUCKET}/`.length));
      assert.equal(sha256(got.bytes), sha256(OBJECTS[key]), path);
    }
  }
  // The fingerprint check and the key-less URI were really exercised.
  assert.equal((await check(server, fingerprintPath("fp", "fp-1"))).json.id, id("17"));
  assert.equal((await check(upstream.hotUpdater, checkPath("nokey"))).status, 500);
});
