// withCloudFrontSignedUrl / s3LambdaEdgeStorage: CloudFront signed URLs made natively, compared
// byte for byte with @aws-sdk/cloudfront-signer's getSignedUrl (the signer upstream's
// @hot-updater/aws calls) for the same URL, key, key pair id and expiry, and each signature checked
// independently with node:crypto's RSA-SHA1 verifier. Keys are generated per run; nothing here
// reaches past loopback (CloudFront itself cannot run here, so URLs are compared and verified,
// not fetched; the wrapped S3 storage is the local s3s-fs server).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createVerify, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { getSignedUrl } from "@aws-sdk/cloudfront-signer";

import { S3_CREDENTIALS, S3_REGION, s3sBinary, startS3Server } from "./helpers/s3.mjs";
import { SDK, bundleId, check, checkPath, storageBundle } from "./helpers/storage.mjs";

const require = createRequire(import.meta.url);
const binding = require("../lib/binding.js");
const native = await import("../index.mjs");

const { privateKey: PKCS8, publicKey: PUBLIC } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const { privateKey: PKCS1, publicKey: PKCS1_PUBLIC } = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

/** upstream's steps before signing: the base URL with the URI's pathname and no query. */
function upstreamResource(publicBaseUrl, storageUri) {
  const url = new URL(publicBaseUrl);
  url.pathname = new URL(storageUri).pathname;
  url.search = "";
  return url.toString();
}

/** Verifies the signature of a canned-policy URL with node:crypto, from the URL's own parts. */
function verifyCanned(signedUrl, publicKey = PUBLIC) {
  const at = signedUrl.lastIndexOf("Expires=");
  const resource = signedUrl.slice(0, at - 1);
  const params = new URLSearchParams(signedUrl.slice(at));
  const policy = JSON.stringify({ Statement: [{ Resource: resource, Condition: { DateLessThan: { "AWS:EpochTime": Number(params.get("Expires")) } } }] });
  const signature = Buffer.from(params.get("Signature").replace(/-/g, "+").replace(/_/g, "=").replace(/~/g, "/"), "base64");
  return createVerify("RSA-SHA1").update(policy).verify(publicKey, signature);
}

const URLS = [
  "https://d111111abcdef8.cloudfront.net/releases/bundle.zip",
  "https://d111111abcdef8.cloudfront.net/releases/logo%402x.png",
  "https://d111111abcdef8.cloudfront.net/a b/c+d/(x)!*'~.zip",
  "https://d111111abcdef8.cloudfront.net/%ED%95%9C%EA%B8%80/b%C3%BCndle%20z%20(1).zip",
  "https://d111111abcdef8.cloudfront.net/한글/bündle.zip",
  "https://d111111abcdef8.cloudfront.net/bad%E0%A4%Aescape/%ED%A0%80/x%zz",
  "https://d111111abcdef8.cloudfront.net/a//b/",
  "https://d111111abcdef8.cloudfront.net/",
  "https://d111111abcdef8.cloudfront.net",
  "http://127.0.0.1:8080/bundles/x.zip",
  "https://user:pw@cdn.example.com:8443/k.zip",
  "https://cdn.example.com/p?a=1&b&&c=x y&d=%2f+q",
  "https://cdn.example.com/p?it's=a%zz&k=a=b&u=%C3%BC&emoji=😀",
  "https://cdn.example.com/p?&&",
  "https://cdn.example.com/p#frag",
  "wss://cdn.example.com/socket",
];
const DATES = [new Date("2026-01-01T00:00:00Z"), new Date(1_800_000_000_499), new Date(1_800_000_000_500), new Date(4_102_444_800_000)];
const KEY_IDS = ["K2JCJMDEHXQW5F", "APKA!'()*~ x"];

test("signed URLs equal @aws-sdk/cloudfront-signer's for many URLs, dates, key ids and key encodings", () => {
  let compared = 0;
  for (const url of URLS) {
    for (const date of DATES) {
      for (const keyPairId of KEY_IDS) {
        for (const privateKey of [PKCS8, PKCS1]) {
          const theirs = getSignedUrl({ url, keyPairId, privateKey, dateLessThan: date.toISOString() });
          const ours = binding.cloudFrontSignedUrl(url, keyPairId, privateKey, Math.round(date.getTime() / 1000));
          assert.equal(ours, theirs, `${url} ${date.toISOString()} ${keyPairId}`);
          compared++;
        }
      }
    }
    const signed = binding.cloudFrontSignedUrl(url, "K", PKCS8, 1_900_000_000);
    assert.ok(verifyCanned(signed), `signature verifies for ${url}`);
  }
  assert.equal(compared, URLS.length * DATES.length * KEY_IDS.length * 2);
  // A tampered signature or expiry does not verify (the check above can fail).
  const good = binding.cloudFrontSignedUrl(URLS[0], "K", PKCS8, 1_900_000_000);
  assert.equal(verifyCanned(good.replace("Expires=1900000000", "Expires=1900000001")), false);
  assert.equal(verifyCanned(good.replace(/Signature=./, (m) => (m.endsWith("A") ? "Signature=B" : "Signature=A"))), false);
});

test("the signer's errors: bad keys and schemes", () => {
  assert.throws(() => binding.cloudFrontSignedUrl("https://d.net/x", "K", "not a key", 1), /not an RSA private key/);
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256", privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey;
  assert.throws(() => binding.cloudFrontSignedUrl("https://d.net/x", "K", ec, 1), /not an RSA private key/);
  assert.throws(() => getSignedUrl({ url: "ftp://d.net/x", keyPairId: "K", privateKey: PKCS8, dateLessThan: "2030-01-01" }), /Invalid URI scheme/);
  assert.throws(() => binding.cloudFrontSignedUrl("ftp://d.net/x", "K", PKCS8, 1), /Invalid URI scheme/);
});

const BASES = ["https://d111111abcdef8.cloudfront.net", "https://cdn.example.com/ignored/prefix/?q=1", "https://u:p@cdn.example.com:8443/", "https://cdn.example.com/#frag", "http://[::1]:9000/x"];
const STORAGE_URIS = [
  "s3://bucket/releases/bundle.zip",
  "s3://bucket/releases/logo%402x.png",
  "s3://bucket/bundles/0195a000/bündle z (1).zip",
  "s3://bucket/a b/c+d/(x)!*'~&=;,$:@.zip",
  "s3://bucket/%E0%A4%A/%zz/%2F/%25",
  "s3://bucket/한글/😀.zip",
  "s3://bucket/a\\b/c\"d<e>f`g{h}i|j^k",
  "s3://bucket/dir/../up/./here.zip",
  "s3://bucket/q?x=1",
  "s3://bucket/h#frag",
  "s3://bucket",
  "s3://bucket/",
  "s3://BUCKET.with.dots/key",
];

test("the URL signed for a storage URI is the one upstream's wrapper builds", () => {
  for (const base of BASES) {
    for (const uri of STORAGE_URIS) {
      const resource = upstreamResource(base, uri);
      assert.equal(binding.cloudFrontResourceUrl(base, uri), resource, `${base} + ${uri}`);
      const theirs = getSignedUrl({ url: resource, keyPairId: "K1", privateKey: PKCS1, dateLessThan: new Date(1_800_000_000_000).toISOString() });
      assert.equal(binding.cloudFrontSignedUrl(resource, "K1", PKCS1, 1_800_000_000), theirs);
    }
  }
});

// --- through createHotUpdater ---

const BUCKET = "cf-bundles";
const KEYS = ["releases/bundle.zip", "bundles/0195a000/bündle z (1).zip", "a b/logo@2x (1)!.zip", "한글/😀.zip"];
const MANIFEST = JSON.stringify({ bundleId: bundleId("20"), assets: { "a.txt": { fileHash: "h-a" } } });
let tmp;
let s3 = null;
const cleanups = [];

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "hu-cf-test-"));
  if (s3sBinary()) {
    s3 = await startS3Server({ buckets: [BUCKET] });
    await s3.put(BUCKET, "manifests/m.json", MANIFEST);
  }
});

after(async () => {
  for (const c of cleanups.reverse()) await c();
  if (s3) await s3.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const bundle = (n, channel, key, extra) => storageBundle(n, channel, `s3://${BUCKET}/${key}`, extra);

let dbCount = 0;
async function server(storages) {
  const hotUpdater = native.createHotUpdater({
    database: native.sqliteDatabase({ path: join(tmp, `cf-${dbCount++}.db`) }),
    storages,
    basePath: "/hot-updater",
  });
  cleanups.push(() => hotUpdater.close());
  for (const [i, key] of KEYS.entries()) await hotUpdater.insertBundle(bundle(`1${i}`, `key-${i}`, key));
  return hotUpdater;
}

const s3Config = () => ({ bucketName: BUCKET, region: S3_REGION, credentials: S3_CREDENTIALS, endpoint: s3 ? s3.endpoint : "http://127.0.0.1:9", forcePathStyle: true });

/** Checks a signed fileUrl: expiry within the window, byte-equal to getSignedUrl's, verifying. */
function assertSigned(fileUrl, { base, key, keyPairId, privateKey, publicKey = PUBLIC, expiresSeconds = 31_536_000, startedMs, endedMs }) {
  const expires = Number(new URL(fileUrl).searchParams.get("Expires"));
  assert.ok(expires >= Math.round((startedMs + expiresSeconds * 1000) / 1000) && expires <= Math.round((endedMs + expiresSeconds * 1000) / 1000), `Expires ${expires}`);
  const resource = upstreamResource(base, `s3://${BUCKET}/${key}`);
  const theirs = getSignedUrl({ url: resource, keyPairId, privateKey, dateLessThan: new Date(expires * 1000).toISOString() });
  assert.equal(fileUrl, theirs);
  assert.ok(verifyCanned(fileUrl, publicKey), "signature verifies with node:crypto");
}

test("update checks answer CloudFront-signed fileUrls (withCloudFrontSignedUrl over s3Storage)", { timeout: 60_000 }, async () => {
  let keyCalls = 0;
  const base = "https://d111111abcdef8.cloudfront.net/ignored";
  const storage = native.withCloudFrontSignedUrl(native.s3Storage(s3Config()), {
    keyPairId: "K2JCJMDEHXQW5F",
    publicBaseUrl: base,
    expiresSeconds: 3600,
    getPrivateKey: async () => {
      keyCalls++;
      return PKCS8;
    },
  });
  assert.equal(storage.name, "s3StorageWithCloudFrontSignedUrl");
  assert.equal(storage.supportedProtocol, "s3");
  const hotUpdater = await server([storage]);
  for (const [i, key] of KEYS.entries()) {
    const startedMs = Date.now();
    const { status, json } = await check(hotUpdater, checkPath(`key-${i}`));
    const endedMs = Date.now();
    assert.equal(status, 200);
    assert.equal(json.id, bundleId(`1${i}`));
    assertSigned(json.fileUrl, { base, key, keyPairId: "K2JCJMDEHXQW5F", privateKey: PKCS8, expiresSeconds: 3600, startedMs, endedMs });
  }
  assert.equal(keyCalls, 1, "the key is fetched once and kept");
});

test("s3LambdaEdgeStorage: same URLs, manifests read through the wrapped S3 storage", { timeout: 60_000, skip: s3sBinary() ? false : "s3s-fs is not installed" }, async () => {
  const storage = native.s3LambdaEdgeStorage({ ...s3Config(), keyPairId: "KEDGE", publicBaseUrl: "https://edge.example.com", getPrivateKey: () => PKCS1 });
  assert.equal(native.awsLambdaEdgeStorage, native.s3LambdaEdgeStorage);
  const hotUpdater = await server([storage]);
  await hotUpdater.insertBundle(
    bundle("20", "manifest", "m/bundle.zip", { manifestStorageUri: `s3://${BUCKET}/manifests/m.json`, manifestFileHash: "sig", assetBaseStorageUri: `s3://${BUCKET}/m/files` }),
  );
  const startedMs = Date.now();
  const { status, json, text } = await check(hotUpdater, checkPath("manifest"));
  const endedMs = Date.now();
  assert.equal(status, 200, text);
  assertSigned(json.fileUrl, { base: "https://edge.example.com", key: "m/bundle.zip", keyPairId: "KEDGE", privateKey: PKCS1, publicKey: PKCS1_PUBLIC, startedMs, endedMs });
  // The manifest came from the local S3 server through the wrapped storage.
  assert.ok(text.includes("h-a"), text);
});

test("publicBaseUrl as a function of the request context; JS plugin bases; key errors", { timeout: 60_000 }, async () => {
  const seen = [];
  // A JS storage plugin as the base (a stand-in for any upstream plugin with protocol s3).
  const plugin = {
    name: "plainS3",
    supportedProtocol: "s3",
    profiles: {
      runtime: {
        getDownloadUrl: async (uri) => ({ fileUrl: uri.replace("s3://", "https://origin.example/") }),
        readText: async (uri) => (uri === `s3://${BUCKET}/manifests/m.json` ? MANIFEST : null),
      },
    },
  };
  let fail = true;
  const storage = native.withCloudFrontSignedUrl(() => plugin, {
    keyPairId: "KFN",
    publicBaseUrl: (context) => {
      seen.push(context?.request?.url);
      return new URL(context.request.url).origin;
    },
    getPrivateKey: async () => {
      if (fail) {
        fail = false;
        throw new Error("key store unavailable");
      }
      return PKCS8;
    },
  });
  assert.equal(storage.name, "plainS3WithCloudFrontSignedUrl");
  const hotUpdater = await server([storage]);
  const first = await check(hotUpdater, checkPath("key-0"));
  assert.equal(first.status, 500);
  assert.match(first.text, /key store unavailable/);
  const request = new Request(`https://d2zkxggbe748dg.cloudfront.net${checkPath("key-1")}`, { headers: SDK });
  const startedMs = Date.now();
  // The request context as a framework integration passes it (upstream hands it to the resolver).
  const res = await hotUpdater.handler(request, { request });
  const endedMs = Date.now();
  const json = await res.json();
  assert.equal(res.status, 200);
  assertSigned(json.fileUrl, { base: "https://d2zkxggbe748dg.cloudfront.net", key: KEYS[1], keyPairId: "KFN", privateKey: PKCS8, startedMs, endedMs });
  assert.ok(seen.includes(request.url), "the resolver saw the request");

  // Manifests are read by the wrapped plugin; the assets' URLs are signed as well.
  await hotUpdater.insertBundle(bundle("20", "manifest", "m/bundle.zip", { manifestStorageUri: `s3://${BUCKET}/manifests/m.json`, manifestFileHash: "sig", assetBaseStorageUri: `s3://${BUCKET}/m/files` }));
  const withManifest = new Request(`https://d2zkxggbe748dg.cloudfront.net${checkPath("manifest")}`, { headers: SDK });
  const started2 = Date.now();
  const answer = await (await hotUpdater.handler(withManifest, { request: withManifest })).json();
  const ended2 = Date.now();
  const signed = { base: "https://d2zkxggbe748dg.cloudfront.net", keyPairId: "KFN", privateKey: PKCS8, startedMs: started2, endedMs: ended2 };
  assertSigned(answer.fileUrl, { ...signed, key: "m/bundle.zip" });
  assert.ok(answer.changedAssets && answer.changedAssets["a.txt"], JSON.stringify(answer));
  assert.equal(answer.changedAssets["a.txt"].fileHash, "h-a");
  assertSigned(answer.changedAssets["a.txt"].file.url, { ...signed, key: "m/files/a.txt" });
  assertSigned(answer.manifestUrl, { ...signed, key: "manifests/m.json" });
});

test("a key that is not an RSA PEM is a 500 with a clear message, and configs are checked", async () => {
  const storage = native.withCloudFrontSignedUrl(native.s3Storage(s3Config()), { keyPairId: "K", publicBaseUrl: "https://d.net", getPrivateKey: () => "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" });
  const hotUpdater = await server([storage]);
  const { status, text } = await check(hotUpdater, checkPath("key-0"));
  assert.equal(status, 500);
  assert.match(text, /not an RSA private key/);
  assert.ok(!text.includes("AAAA"));

  // The SSM form needs @aws-sdk/client-ssm, which this package does not install.
  let ssmInstalled = true;
  try {
    require.resolve("@aws-sdk/client-ssm");
  } catch {
    ssmInstalled = false;
  }
  if (!ssmInstalled) {
    const viaSsm = native.withCloudFrontSignedUrl(native.s3Storage(s3Config()), { keyPairId: "K", publicBaseUrl: "https://d.net", ssmParameterName: "/cf/key", ssmRegion: "us-east-1" });
    const answer = await check(await server([viaSsm]), checkPath("key-0"));
    assert.equal(answer.status, 500);
    assert.match(answer.text, /@aws-sdk\/client-ssm/);
  }

  const base = native.s3Storage(s3Config());
  const bad = [
    [{ publicBaseUrl: "https://d.net", getPrivateKey: () => PKCS8 }, /keyPairId/],
    [{ keyPairId: "K", getPrivateKey: () => PKCS8 }, /publicBaseUrl/],
    [{ keyPairId: "K", publicBaseUrl: "ftp://d.net", getPrivateKey: () => PKCS8 }, /publicBaseUrl/],
    [{ keyPairId: "K", publicBaseUrl: "https://d.net" }, /getPrivateKey|ssmParameterName/],
    [{ keyPairId: "K", publicBaseUrl: "https://d.net", ssmParameterName: "/cf/key" }, /ssmRegion/],
    [{ keyPairId: "K", publicBaseUrl: "https://d.net", getPrivateKey: "pem" }, /getPrivateKey/],
    [{ keyPairId: "K", publicBaseUrl: "https://d.net", getPrivateKey: () => PKCS8, ssmParameterName: "x", ssmRegion: "us-east-1" }, /either/],
    [{ keyPairId: "K", publicBaseUrl: "https://d.net", getPrivateKey: () => PKCS8, expiresSeconds: -1 }, /expiresSeconds/],
  ];
  for (const [config, message] of bad) assert.throws(() => native.withCloudFrontSignedUrl(base, config), message, JSON.stringify(config));
  assert.throws(() => native.withCloudFrontSignedUrl({}, { keyPairId: "K", publicBaseUrl: "https://d.net", getPrivateKey: () => PKCS8 }), /storage/);
  assert.throws(() => native.withCloudFrontSignedUrl(native.fileStorage({ dir: tmp }), { keyPairId: "K", publicBaseUrl: "https://d.net", getPrivateKey: () => PKCS8 }), /fileStorage/);
  // No credentials leak into the marker.
  assert.ok(!JSON.stringify(storage).includes("PRIVATE"));
});
