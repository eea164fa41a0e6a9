// The reference for the native s3Database: upstream's blob database (plugin-core 0.36.3
// `createBlobDatabasePlugin`, the code `@hot-updater/aws`'s `s3Database` is made of) wired to S3
// by this fixture with `@aws-sdk/client-s3`. `@hot-updater/aws` 0.36.3 is not on the registry
// here, so its S3 operations are restated from its source (plugins/aws/src/s3Database.ts):
// GetObject + JSON.parse with NoSuchKey → null, PutObject of JSON.stringify with the key's
// content type and `CacheControl: max-age=31536000`, DeleteObject, and the delimiter walk that
// finds `update.json` keys. CloudFront is not called: the paths upstream would invalidate are
// recorded in `invalidations` (one array per commit), to compare with what ours sends.
import { createBlobDatabasePlugin } from "@hot-updater/plugin-core";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";

const LIST_CONCURRENCY = 4;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

async function inParallel(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const segments = (prefix) => prefix.split("/").filter(Boolean);
const lastSegment = (prefix) => segments(prefix).at(-1);
const asDirectory = (prefix) => (!prefix || prefix.endsWith("/") ? prefix : `${prefix}/`);

function makeOperations({ bucketName, basePath, client, invalidations, apiBasePath = "/api/check-update" }) {
  const base = (basePath ?? "").replace(/^\/+|\/+$/g, "");
  const toKey = (key) => [base, key].filter(Boolean).join("/");
  const fromKey = (key) => (base && key.startsWith(`${base}/`) ? key.slice(base.length + 1) : key);
  const root = asDirectory(toKey(""));
  const rel = (key) => (root && key.startsWith(root) ? key.slice(root.length) : key);

  async function listOnce(prefix, delimited) {
    const keys = [];
    const prefixes = new Set();
    let token;
    do {
      const res = await client.send(new ListObjectsV2Command({ Bucket: bucketName, Prefix: prefix, Delimiter: delimited ? "/" : undefined, ContinuationToken: token }));
      for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
      for (const p of res.CommonPrefixes ?? []) if (p.Prefix) prefixes.add(p.Prefix);
      token = res.NextContinuationToken;
    } while (token);
    return { keys, prefixes: [...prefixes] };
  }

  async function walk(prefix) {
    const { keys, prefixes } = await listOnce(prefix, true);
    const depth = segments(rel(prefix)).length;
    if (depth >= 2) return [...keys.filter((k) => k.endsWith("/update.json")), ...prefixes.map((p) => `${p}update.json`)];
    const uuidFolders = depth === 0 ? prefixes.filter((p) => UUID_V7.test(lastSegment(p) ?? "")) : [];
    const next = depth === 0 ? prefixes.filter((p) => !uuidFolders.includes(p)) : prefixes.filter((p) => ["ios", "android"].includes(lastSegment(p)));
    const nested = (await inParallel(next, LIST_CONCURRENCY, walk)).flat();
    const channels = new Set(uuidFolders.map(lastSegment));
    const scans = [...new Set([...channels].map((c) => `${root}${c[0]}`))];
    const flat = (await inParallel(scans, LIST_CONCURRENCY, async (s) => (await listOnce(s, false)).keys)).flat();
    const uuidKeys = flat.filter((k) => {
      const parts = rel(k).split("/");
      return parts.length === 4 && channels.has(parts[0]) && ["ios", "android"].includes(parts[1]) && parts[2] !== "" && parts[3] === "update.json";
    });
    return [...nested, ...uuidKeys];
  }

  return {
    apiBasePath,
    listObjects: async (prefix) => [...new Set(await walk(asDirectory(toKey(prefix))))].map(fromKey),
    loadObject: async (key) => {
      try {
        const res = await client.send(new GetObjectCommand({ Bucket: bucketName, Key: toKey(key) }));
        if (!res.Body) return null;
        return JSON.parse(await res.Body.transformToString());
      } catch (error) {
        if (error && error.name === "NoSuchKey") return null;
        throw error;
      }
    },
    uploadObject: async (key, data) => {
      await client.send(new PutObjectCommand({ Bucket: bucketName, Key: toKey(key), Body: JSON.stringify(data), ContentType: "application/json", CacheControl: "max-age=31536000" }));
    },
    deleteObject: async (key) => {
      await client.send(new DeleteObjectCommand({ Bucket: bucketName, Key: toKey(key) }));
    },
    shouldSkipLoadObjectError: (error) => error instanceof Error && error.name === "S3ArchivedObjectError",
    invalidatePaths: async (paths) => {
      if (paths.length > 0) invalidations.push(paths);
    },
  };
}

/**
 * upstream's `s3Database(config)` on this fixture's S3 operations: returns `{ database, invalidations, close }`
 * where `database` is the plugin factory upstream's `createHotUpdater` takes.
 */
export function upstreamS3Database({ bucketName, basePath, apiBasePath, ...clientConfig }) {
  const client = new S3Client({ ...clientConfig, forcePathStyle: true, requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" });
  const invalidations = [];
  const make = createBlobDatabasePlugin({ name: "s3Database", factory: (config) => makeOperations({ ...config, client, invalidations }) });
  return { database: make({ bucketName, basePath, apiBasePath }), invalidations, close: () => client.destroy() };
}
