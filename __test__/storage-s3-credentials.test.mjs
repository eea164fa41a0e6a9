// Native s3Storage with credentials from the AWS SDK's default chain, against s3s-fs (which checks
// every signature): an ECS-style container credentials endpoint, an EC2 instance-metadata
// (IMDSv2) stand-in, web identity against an STS stand-in, a shared credentials file profile and
// credential_process, temporary credentials that expire and are rotated while the server keeps
// answering, and no credentials at all. Each case runs our server in a child process whose
// environment is the case's (the SDK reads the environment), with every other source switched
// off; all stand-ins listen on 127.0.0.1, and no AWS endpoint is ever contacted (instance
// metadata is disabled except in its own case, and the config files are empty temp files).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { S3_CREDENTIALS, S3_REGION, jsPresignLike, startS3Server } from "./helpers/s3.mjs";
import { storageBundle } from "./helpers/storage.mjs";

const BUCKET = "hu-chain";
const NIL = "00000000-0000-0000-0000-000000000000";
const bundleId = (n) => `0195a000-0000-7000-8000-0000000001${n}`;
const ZIP = "bundles/chain/bündle.zip";
const ZIP_BYTES = randomBytes(50_000);
const MANIFEST = (n) => `bundles/${n}/manifest.json`;
const sha256 = (bytes) => createHash("sha256").update(bytes).digest("hex");

/** One bundle per channel; each has its own manifest, so every check makes one GetObject. */
function bundle(n, channel) {
  return storageBundle(n, channel, `s3://${BUCKET}/${ZIP.split("/").map(encodeURIComponent).join("/")}`, {
    id: bundleId(n),
    fileHash: `file-${n}`,
    manifestStorageUri: `s3://${BUCKET}/${MANIFEST(n)}`,
    manifestFileHash: `sig:${n}`,
    assetBaseStorageUri: `s3://${BUCKET}/bundles/${n}/files`,
  });
}
const CHANNELS = ["c0", "c1", "c2", "c3"];
const BUNDLES = CHANNELS.map((c, i) => bundle(String(i).padStart(2, "0"), c));
const checkPath = (channel) => `/hot-updater/app-version/ios/1.0.0/${channel}/${NIL}/${NIL}`;

let s3;
let tmp;
const cleanups = [];

before(async () => {
  s3 = await startS3Server({ buckets: [BUCKET] });
  await s3.put(BUCKET, ZIP, ZIP_BYTES);
  for (const b of BUNDLES) {
    const n = b.id.slice(-2);
    await s3.put(BUCKET, MANIFEST(n), JSON.stringify({ bundleId: b.id, assets: { "index.ios.bundle": { fileHash: `idx-${n}` } } }));
    // The index bundle is stored Brotli-compressed (upstream looks for `<asset>.br`).
    await s3.put(BUCKET, `bundles/${n}/files/index.ios.bundle.br`, `bundle ${n}`);
  }
  tmp = mkdtempSync(join(tmpdir(), "hu-s3-chain-"));
  writeFileSync(join(tmp, "empty"), "");
});

after(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await s3?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** An HTTP stand-in on 127.0.0.1 answering with `handler(req, body)`; counts its requests. */
async function standIn(handler) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      const { status = 200, headers = {}, text = "" } = handler(req, body) ?? {};
      res.writeHead(status, headers);
      res.end(text);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${server.address().port}`, requests };
}

/** The environment of a child: nothing of ours that the SDK reads, except `extra`. */
function chainEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
  return {
    ...env,
    HOME: tmp,
    AWS_CONFIG_FILE: join(tmp, "empty"),
    AWS_SHARED_CREDENTIALS_FILE: join(tmp, "empty"),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...extra,
  };
}

let childCount = 0;
/** Our server in a child process with `env`, serving BUNDLES through `s3Storage(storage)`. */
async function childServer(env, storage = {}) {
  const child = fork(new URL("./fixtures/s3-chain-server.mjs", import.meta.url), { env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const pending = new Map();
  let nextId = 0;
  const ready = new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`child exited with ${code}`)));
    child.on("message", (msg) => {
      if (msg.ready) return resolve();
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(msg.error));
      else p?.resolve(msg.result);
    });
  });
  const call = (msg) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    child.send({ ...msg, id });
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.send({ op: "close" });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill();
    }
  });
  await ready;
  const options = { bucketName: BUCKET, region: S3_REGION, endpoint: s3.endpoint, forcePathStyle: true, ...storage };
  await call({ op: "create", name: "s", db: join(tmp, `child-${childCount++}.db`), storage: options, bundles: BUNDLES });
  return {
    async check(channel) {
      const { status, text } = await call({ op: "check", name: "s", path: checkPath(channel) });
      return { status, text, json: JSON.parse(text) };
    },
  };
}

async function download(url) {
  const res = await fetch(url);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** A check whose answer is complete: presigned URL downloads, manifest read through GetObject. */
async function assertServes(server, channel, what) {
  const { status, json } = await server.check(channel);
  assert.equal(status, 200, `${what}: ${JSON.stringify(json)}`);
  const got = await download(json.fileUrl);
  assert.equal(got.status, 200, `${what}: s3s-fs refused ${json.fileUrl}: ${got.bytes}`);
  assert.equal(sha256(got.bytes), sha256(ZIP_BYTES));
  // The manifest was read with GetObject, signed with the same credentials.
  const n = json.id.slice(-2);
  assert.equal(json.manifestFileHash, `sig:${n}`, what);
  assert.equal(json.changedAssets["index.ios.bundle"].fileHash, `idx-${n}`, what);
  const asset = json.changedAssets["index.ios.bundle"].file.url;
  assert.equal((await download(asset)).bytes.toString(), `bundle ${n}`, asset);
  return new URL(json.fileUrl);
}

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Temporary credentials on the test key pair (s3s-fs accepts it) with a session token. */
const temporary = (token, expiresInMs = 3_600_000) => ({ ...S3_CREDENTIALS, sessionToken: token, expiration: Date.now() + expiresInMs });

test("ECS container credentials: presigned URLs s3s-fs accepts, equal to the JS presigner's", async () => {
  const creds = temporary("ecs-session-token/with+chars=");
  const ecs = await standIn((req) => {
    if (req.url !== "/v2/credentials/hu" || req.headers.authorization !== "ecs-auth-token") return { status: 403, text: "{}" };
    return {
      headers: { "content-type": "application/json" },
      text: JSON.stringify({ AccessKeyId: creds.accessKeyId, SecretAccessKey: creds.secretAccessKey, Token: creds.sessionToken, Expiration: iso(creds.expiration) }),
    };
  });
  const server = await childServer(chainEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${ecs.url}/v2/credentials/hu`, AWS_CONTAINER_AUTHORIZATION_TOKEN: "ecs-auth-token" }));
  const url = await assertServes(server, "c0", "ecs");
  assert.equal(url.searchParams.get("X-Amz-Security-Token"), creds.sessionToken);
  assert.ok(ecs.requests.length >= 1);
  // Byte for byte what upstream's presigner gives for the same keys and signing time.
  assert.equal(url.href, await jsPresignLike(url.href, { endpoint: s3.endpoint, credentials: creds }));
  // Credentials are cached by the SDK: more checks, no more credential requests.
  const before = ecs.requests.length;
  await assertServes(server, "c1", "ecs again");
  assert.equal(ecs.requests.length, before);
});

test("EC2 instance metadata (IMDSv2) stand-in", async () => {
  const creds = temporary("imds-session-token");
  const token = "imds-token-123";
  const imds = await standIn((req) => {
    if (req.method === "PUT" && req.url === "/latest/api/token") return { headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" }, text: token };
    if (req.headers["x-aws-ec2-metadata-token"] !== token) return { status: 401 };
    if (req.url === "/latest/meta-data/iam/security-credentials/") return { text: "hu-role" };
    if (req.url === "/latest/meta-data/iam/security-credentials/hu-role") {
      const body = { Code: "Success", LastUpdated: iso(Date.now()), Type: "AWS-HMAC", AccessKeyId: creds.accessKeyId, SecretAccessKey: creds.secretAccessKey, Token: creds.sessionToken, Expiration: iso(creds.expiration) };
      return { text: JSON.stringify(body) };
    }
    return { status: 404 };
  });
  const server = await childServer(chainEnv({ AWS_EC2_METADATA_DISABLED: "false", AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url }));
  const url = await assertServes(server, "c0", "imds");
  assert.equal(url.searchParams.get("X-Amz-Security-Token"), creds.sessionToken);
  assert.ok(imds.requests.some((r) => r.method === "PUT") && imds.requests.some((r) => r.url.endsWith("/hu-role")), JSON.stringify(imds.requests.map((r) => r.url)));
});

test("web identity: AssumeRoleWithWebIdentity against an STS stand-in (AWS_ENDPOINT_URL_STS)", async () => {
  const creds = temporary("sts-session-token");
  const tokenFile = join(tmp, "web-identity-token");
  writeFileSync(tokenFile, "eyJ.web-identity.jwt");
  const sts = await standIn((req, body) => {
    const form = new URLSearchParams(body);
    if (form.get("Action") !== "AssumeRoleWithWebIdentity" || form.get("WebIdentityToken") !== "eyJ.web-identity.jwt" || form.get("RoleArn") !== "arn:aws:iam::123456789012:role/hu") {
      return { status: 400, text: "<ErrorResponse><Error><Code>InvalidParameter</Code><Message>unexpected request</Message></Error></ErrorResponse>" };
    }
    const xml =
      `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>` +
      `<SubjectFromWebIdentityToken>system:serviceaccount:ota:hu</SubjectFromWebIdentityToken>` +
      `<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/hu/${form.get("RoleSessionName")}</Arn><AssumedRoleId>AROAEXAMPLE:hu</AssumedRoleId></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>${creds.accessKeyId}</AccessKeyId><SecretAccessKey>${creds.secretAccessKey}</SecretAccessKey>` +
      `<SessionToken>${creds.sessionToken}</SessionToken><Expiration>${iso(creds.expiration)}</Expiration></Credentials>` +
      `</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`;
    return { headers: { "content-type": "text/xml" }, text: xml };
  });
  const server = await childServer(
    chainEnv({ AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_ROLE_ARN: "arn:aws:iam::123456789012:role/hu", AWS_ROLE_SESSION_NAME: "hu-session", AWS_ENDPOINT_URL_STS: sts.url, AWS_REGION: S3_REGION }),
  );
  const url = await assertServes(server, "c0", "web identity");
  assert.equal(url.searchParams.get("X-Amz-Security-Token"), creds.sessionToken);
  assert.equal(sts.requests.length, 1);
  assert.equal(new URLSearchParams(sts.requests[0].body).get("RoleSessionName"), "hu-session");
});

test("shared credentials file profile and credential_process", async () => {
  const credsFile = join(tmp, "credentials");
  writeFileSync(credsFile, `[default]\naws_access_key_id = wrong\naws_secret_access_key = wrong\n\n[hu]\naws_access_key_id = ${S3_CREDENTIALS.accessKeyId}\naws_secret_access_key = ${S3_CREDENTIALS.secretAccessKey}\n`);
  const profile = await childServer(chainEnv({ AWS_SHARED_CREDENTIALS_FILE: credsFile, AWS_PROFILE: "hu" }));
  const url = await assertServes(profile, "c0", "profile");
  assert.match(url.searchParams.get("X-Amz-Credential"), new RegExp(`^${S3_CREDENTIALS.accessKeyId}/`));
  assert.equal(url.searchParams.get("X-Amz-Security-Token"), null);

  const script = join(tmp, "creds-process.mjs");
  const out = { Version: 1, AccessKeyId: S3_CREDENTIALS.accessKeyId, SecretAccessKey: S3_CREDENTIALS.secretAccessKey, SessionToken: "process-token", Expiration: iso(Date.now() + 3_600_000) };
  writeFileSync(script, `process.stdout.write(${JSON.stringify(JSON.stringify(out))});\n`);
  const config = join(tmp, "config-process");
  writeFileSync(config, `[profile proc]\ncredential_process = ${process.execPath} ${script}\n`);
  const proc = await childServer(chainEnv({ AWS_CONFIG_FILE: config, AWS_PROFILE: "proc" }));
  const purl = await assertServes(proc, "c0", "credential_process");
  assert.equal(purl.searchParams.get("X-Amz-Security-Token"), "process-token");
});

test("no credentials and no region anywhere: upstream's messages, no AWS endpoint contacted", async () => {
  const none = await childServer(chainEnv({}));
  const { status, json } = await none.check("c0");
  assert.equal(status, 500);
  assert.equal(json.message, "Failed to presign S3 URL: Could not load credentials from any providers");
  const noRegion = await childServer(chainEnv({}), { region: undefined, credentials: S3_CREDENTIALS });
  const r = await noRegion.check("c0");
  assert.equal(r.status, 500);
  assert.equal(r.json.message, "Failed to presign S3 URL: Region is missing");
});

test("temporary credentials that expire are refreshed; cached URLs never outlive them", { timeout: 60_000 }, async (t) => {
  // s3s-fs accepts one key pair: it is restarted with the second pair when the first expires
  // (as AWS stops accepting expired temporary credentials); the same data stays.
  const first = { accessKeyId: "ASIAFIRSTGEN", secretAccessKey: "first-generation-secret", sessionToken: "token-1" };
  const second = { accessKeyId: "ASIASECONDGEN", secretAccessKey: "second-generation-secret", sessionToken: "token-2" };
  await s3.restart(first);
  t.after(() => s3.restart(S3_CREDENTIALS));
  const issuedAt = Date.now();
  // 12 s: the SDK refreshes 10 s (minus up to 5 s of jitter) before expiry, so within 2-7 s.
  const firstExpiry = issuedAt + 12_000;
  let current = { ...first, expiration: firstExpiry };
  const ecs = await standIn(() => ({
    headers: { "content-type": "application/json" },
    text: JSON.stringify({ AccessKeyId: current.accessKeyId, SecretAccessKey: current.secretAccessKey, Token: current.sessionToken, Expiration: iso(current.expiration) }),
  }));
  const server = await childServer(chainEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${ecs.url}/creds` }));
  const a = await assertServes(server, "c0", "first generation");
  assert.match(a.searchParams.get("X-Amz-Credential"), /^ASIAFIRSTGEN\//);
  // From now on the endpoint hands out the next generation, as ECS does before expiry.
  current = { ...second, expiration: Date.now() + 3_600_000 };

  // The URL is served from the cache while the first keys are still in use, and replaced by one
  // signed with the second keys before the first expire, long before half of expiresIn (30 min).
  let rotatedAt = null;
  while (Date.now() < firstExpiry) {
    const { json } = await server.check("c0");
    const key = new URL(json.fileUrl).searchParams.get("X-Amz-Credential").split("/")[0];
    if (key === "ASIASECONDGEN") {
      rotatedAt = Date.now();
      break;
    }
    assert.equal(key, "ASIAFIRSTGEN");
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(rotatedAt !== null, "the URL was still signed with the first keys when they expired");
  assert.ok(ecs.requests.length >= 2, `credential requests: ${ecs.requests.length}`);

  // The first keys expire; the server only accepts the second pair now.
  await new Promise((r) => setTimeout(r, Math.max(0, firstExpiry - Date.now())));
  await s3.restart(second);
  assert.equal((await download(a.href)).status, 403, "an URL signed with expired keys is refused");
  const b = await assertServes(server, "c1", "second generation");
  assert.match(b.searchParams.get("X-Amz-Credential"), /^ASIASECONDGEN\//);
  assert.equal(b.searchParams.get("X-Amz-Security-Token"), "token-2");
  const c0 = await server.check("c0");
  assert.equal((await download(c0.json.fileUrl)).status, 200);
});
