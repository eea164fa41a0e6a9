// A real local S3 server per test: s3s-fs (installed by `scripts/s3-server.sh --install`) on a free
// port of 127.0.0.1 with fixed test credentials. It verifies SigV4 signatures, so a URL or a
// request signed wrongly is refused just as AWS would refuse it. Buckets and objects are created
// with the AWS SDK (a devDependency), stopped by pid.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

// The SDK warns once per process that it will soon need Node 22; the tests do not care.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

/** The credentials `scripts/s3-server.sh` also uses (local test server only). */
export const S3_CREDENTIALS = { accessKeyId: "hot-updater-test", secretAccessKey: "hot-updater-test-secret" };
export const S3_REGION = "us-east-1";

/** Path of the s3s-fs binary, or null when it is not installed. */
export function s3sBinary() {
  const bin = process.env.S3S_FS_BIN ?? join(process.env.CARGO_HOME ?? join(homedir(), ".cargo"), "bin", "s3s-fs");
  return existsSync(bin) ? bin : null;
}

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Spawns s3s-fs on `port` over `dataDir`, accepting the one key pair `credentials`. */
async function spawnS3s(bin, port, dataDir, credentials) {
  const args = ["--host", "127.0.0.1", "--port", String(port), "--access-key", credentials.accessKeyId, "--secret-key", credentials.secretAccessKey, dataDir];
  const child = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, RUST_LOG: "error", NO_COLOR: "1" } });
  const state = { child, stderr: "", exited: new Promise((resolve) => child.once("exit", resolve)) };
  child.stderr.on("data", (chunk) => {
    if (state.stderr.length < 65536) state.stderr += chunk;
  });
  let up = false;
  for (let i = 0; i < 200 && child.exitCode === null && !up; i++) {
    up = await canConnect(port);
    if (!up) await new Promise((r) => setTimeout(r, 50));
  }
  if (!up) {
    child.kill();
    throw new Error(`s3s-fs did not start on 127.0.0.1:${port}: ${state.stderr}`);
  }
  return state;
}

function sdkClient(endpoint, credentials) {
  return new S3Client({
    region: S3_REGION,
    endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
    // Plain signed uploads (no aws-chunked trailers): the simplest thing for any S3 server.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/**
 * Starts s3s-fs and creates `buckets`. s3s-fs accepts exactly one key pair (`credentials`, the
 * test keys unless given). Returns `{ endpoint, port, pid, client, put, remove, restart, stop }`;
 * `put(bucket, key, body)` uploads with a signed PutObject; `restart(credentials)` stops the
 * server and starts it again on the same port and data, accepting only the new key pair (what
 * AWS does when temporary credentials are rotated and the old ones expire).
 */
export async function startS3Server({ buckets = [], credentials = S3_CREDENTIALS } = {}) {
  const bin = s3sBinary();
  if (!bin) throw new Error("s3s-fs is not installed: run `bash scripts/s3-server.sh --install`");
  const dir = mkdtempSync(join(tmpdir(), "hu-s3-"));
  mkdirSync(join(dir, "data"));
  const port = await freePort();
  let server;
  try {
    server = await spawnS3s(bin, port, join(dir, "data"), credentials);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  // Never outlive the test process, even when it ends without calling stop().
  const killOnExit = () => server.child.kill();
  process.once("exit", killOnExit);
  const endpoint = `http://127.0.0.1:${port}`;
  let client = sdkClient(endpoint, credentials);
  for (const Bucket of buckets) await client.send(new CreateBucketCommand({ Bucket }));
  const halt = async () => {
    if (server.child.exitCode === null) {
      process.kill(server.child.pid, "SIGTERM");
      await server.exited;
    }
  };
  return {
    endpoint,
    port,
    get pid() {
      return server.child.pid;
    },
    get client() {
      return client;
    },
    /** Server log so far (errors only), for failure messages. */
    log: () => server.stderr,
    put: (Bucket, Key, Body) => client.send(new PutObjectCommand({ Bucket, Key, Body })),
    remove: (Bucket, Key) => client.send(new DeleteObjectCommand({ Bucket, Key })),
    async restart(next) {
      await halt();
      client.destroy();
      server = await spawnS3s(bin, port, join(dir, "data"), next);
      client = sdkClient(endpoint, next);
    },
    async stop() {
      process.removeListener("exit", killOnExit);
      client.destroy();
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The runtime profile of `@hot-updater/aws` 0.36.3's `s3Storage` (SPEC §6.3) on the same AWS SDK
 * version it pins (3.1066.0). That package version is not on the npm registry (its newest there
 * is 0.30.12, which predates runtime profiles), so the parity test uses this restatement of its
 * behaviour: SDK presigning for the URI's bucket, GetObject for texts, `NoSuchKey` → null.
 */
export async function sdkS3Storage({ bucketName, ...clientConfig }) {
  const { GetObjectCommand } = await import("@aws-sdk/client-s3");
  const { getSignedUrl } = await import("@aws-sdk/s3-request-presigner");
  const client = new S3Client({ ...clientConfig, credentials: { ...clientConfig.credentials } });
  const parse = (uri) => {
    const url = new URL(uri);
    let key = url.pathname.slice(1);
    try {
      key = decodeURIComponent(key);
    } catch {
      // keep the raw key, as plugin-core does
    }
    return { bucket: url.hostname, key };
  };
  const plugin = {
    name: "s3Storage",
    supportedProtocol: "s3",
    profiles: {
      runtime: {
        async getDownloadUrl(uri) {
          const { bucket, key } = parse(uri);
          if (!bucket || !key) throw new Error("Invalid S3 storage URI: missing bucket or key");
          try {
            return { fileUrl: await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: 3600 }) };
          } catch (error) {
            throw new Error(`Failed to presign S3 URL: ${error.message}`);
          }
        },
        async readText(uri) {
          const { bucket, key } = parse(uri);
          if (bucket !== bucketName) throw new Error(`Bucket name mismatch: expected "${bucketName}", but found "${bucket}".`);
          try {
            const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
            return res.Body ? await res.Body.transformToString() : null;
          } catch (error) {
            if (error && error.name === "NoSuchKey") return null;
            throw error;
          }
        },
      },
    },
  };
  return { plugin, close: () => client.destroy() };
}

/** "20261130T111200Z" -> Date. */
function amzDateToDate(stamp) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  if (!m) throw new Error(`not an X-Amz-Date: ${stamp}`);
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

/**
 * What `@aws-sdk/s3-request-presigner` (upstream's presigner) gives for the same GetObject, keys
 * and signing time as `url` (a presigned URL of ours): the URL must come out identical.
 */
export async function jsPresignLike(url, { endpoint, region = S3_REGION, credentials, forcePathStyle = true }) {
  const { GetObjectCommand } = await import("@aws-sdk/client-s3");
  const { getSignedUrl } = await import("@aws-sdk/s3-request-presigner");
  const u = new URL(url);
  const [, bucket, ...rest] = u.pathname.split("/");
  const key = rest.map(decodeURIComponent).join("/");
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  const client = new S3Client({ region, endpoint, forcePathStyle, credentials: { accessKeyId, secretAccessKey, sessionToken } });
  try {
    return await getSignedUrl(client, new GetObjectCommand({ Bucket: decodeURIComponent(bucket), Key: key }), {
      expiresIn: Number(u.searchParams.get("X-Amz-Expires")),
      signingDate: amzDateToDate(u.searchParams.get("X-Amz-Date")),
    });
  } finally {
    client.destroy();
  }
}
