// MongoDB seeding on SecantusDB (a MongoDB-wire server from PyPI, scripts/mongo-server.sh), started
// by the harness as a one-node replica set on 127.0.0.1:27493 and stopped at the end. A fresh
// database per size: the collections and indexes by upstream's own `mongoAdapter` migrator, the
// documents by insertMany in the layout upstream's adapter writes (checked first against
// documents written by upstream's own insertBundle), and the database dropped at the end.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCRIPT = "scripts/mongo-server.sh";
export const MONGO_PORT = 27493;
export const mongoUrl = (database) => `mongodb://127.0.0.1:${MONGO_PORT}/${database}`;

let serverPid = null;

/** Whether the MongoDB benchmark can run: { ok, note }. */
export async function mongoStatus() {
  try {
    await import("mongodb");
  } catch {
    return { ok: false, note: "MongoDB skipped: the `mongodb` driver is not installed (upstream's mongoAdapter needs it; it is a devDependency): run `npm ci`." };
  }
  const bin = execFileSync("bash", [SCRIPT, "--bin"], { cwd: ROOT, encoding: "utf8" }).trim();
  if (!existsSync(`${ROOT}${bin}`)) return { ok: false, note: `MongoDB skipped: SecantusDB is not installed (bash ${SCRIPT} --install).` };
  return { ok: true };
}

export function startMongo() {
  serverPid ??= execFileSync("bash", [SCRIPT, "--start", String(MONGO_PORT)], { cwd: ROOT, encoding: "utf8" }).trim();
  return serverPid;
}

export function stopMongo() {
  if (serverPid) execFileSync("bash", [SCRIPT, "--stop", serverPid], { cwd: ROOT, stdio: "ignore" });
  serverPid = null;
}

async function withClient(fn) {
  const { MongoClient } = await import("mongodb");
  const client = new MongoClient(`mongodb://127.0.0.1:${MONGO_PORT}/`, { serverSelectionTimeoutMS: 10_000 });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/** Upstream's server on database `name` through its own mongoAdapter: { hotUpdater, close }. */
export async function upstreamMongo(name, options = {}) {
  const [{ MongoClient }, { createHotUpdater }, { mongoAdapter }] = await Promise.all([
    import("mongodb"),
    import("@hot-updater/server"),
    import("@hot-updater/server/adapters/mongodb"),
  ]);
  const client = new MongoClient(mongoUrl(name), { serverSelectionTimeoutMS: 10_000 });
  const hotUpdater = createHotUpdater({ database: mongoAdapter({ client }), basePath: "/hot-updater", routes: { updateCheck: true, bundles: true }, ...options });
  return { hotUpdater, close: () => client.close() };
}

async function migrate(name) {
  const { createMigrator } = await import("@hot-updater/server/db");
  const upstream = await upstreamMongo(name);
  try {
    await (await createMigrator(upstream.hotUpdater).migrateToLatest()).execute();
  } finally {
    await upstream.close();
  }
}

/** A bundle as upstream's mongoAdapter stores it (snake_case, native booleans, objects, arrays). */
function bundleDoc(b) {
  return {
    id: b.id,
    platform: b.platform,
    should_force_update: b.shouldForceUpdate,
    enabled: b.enabled,
    file_hash: b.fileHash,
    git_commit_hash: b.gitCommitHash ?? null,
    message: b.message ?? null,
    channel: b.channel,
    storage_uri: b.storageUri,
    target_app_version: b.targetAppVersion ?? null,
    fingerprint_hash: b.fingerprintHash ?? null,
    metadata: b.metadata ?? {},
    manifest_storage_uri: b.manifestStorageUri ?? null,
    manifest_file_hash: b.manifestFileHash ?? null,
    asset_base_storage_uri: b.assetBaseStorageUri ?? null,
    rollout_cohort_count: b.rolloutCohortCount ?? 1000,
    target_cohorts: b.targetCohorts ?? null,
  };
}

function patchDocs(b) {
  return (b.patches ?? []).map((p, index) => ({
    id: `${b.id}:${p.baseBundleId}`,
    bundle_id: b.id,
    base_bundle_id: p.baseBundleId,
    base_file_hash: p.baseFileHash,
    patch_file_hash: p.patchFileHash,
    patch_storage_uri: p.patchStorageUri,
    order_index: index,
  }));
}

async function insertAll(client, name, bundles) {
  const db = client.db(name);
  for (let i = 0; i < bundles.length; i += 2000) {
    const slice = bundles.slice(i, i + 2000);
    await db.collection("bundles").insertMany(slice.map(bundleDoc));
    const patches = slice.flatMap(patchDocs);
    if (patches.length > 0) await db.collection("bundle_patches").insertMany(patches);
  }
}

/** Creates and seeds database `name`; returns { url, seedMs }. */
export async function seedMongo(name, bundles) {
  const started = performance.now();
  await withClient((client) => client.db(name).dropDatabase());
  await migrate(name);
  await withClient((client) => insertAll(client, name, bundles));
  return { url: mongoUrl(name), seedMs: performance.now() - started };
}

export async function dropMongo(name) {
  if (!serverPid) return;
  await withClient((client) => client.db(name).dropDatabase());
}

async function dump(client, name) {
  const db = client.db(name);
  const opts = { projection: { _id: 0 }, promoteValues: false, promoteLongs: false };
  const { BSON } = await import("mongodb");
  const shape = (docs) => docs.map((d) => BSON.EJSON.serialize(d, { relaxed: false }));
  return {
    bundles: shape(await db.collection("bundles").find({}, opts).sort({ id: 1 }).toArray()),
    patches: shape(await db.collection("bundle_patches").find({}, opts).sort({ id: 1 }).toArray()),
  };
}

/**
 * The bulk documents must be the documents upstream itself writes: seed `bundles` both ways
 * (insertMany, and upstream's insertBundle through its mongoAdapter) and compare them field by
 * field, BSON types included (fields in name order: servers may store them in either order).
 */
export async function checkMongoSeeder(bundles) {
  const tag = `hu_bench_check_${process.pid}`;
  const [bulk, viaApi] = [`${tag}_bulk`, `${tag}_api`];
  try {
    await seedMongo(bulk, bundles);
    await migrate(viaApi);
    const upstream = await upstreamMongo(viaApi);
    try {
      for (const b of bundles) await upstream.hotUpdater.insertBundle(b);
    } finally {
      await upstream.close();
    }
    const sorted = (doc) => Object.fromEntries(Object.entries(doc).sort(([a], [b]) => a.localeCompare(b)));
    const [a, b] = await withClient(async (client) => [await dump(client, bulk), await dump(client, viaApi)]);
    const norm = (d) => ({ bundles: d.bundles.map(sorted), patches: d.patches.map(sorted) });
    if (!isDeepStrictEqual(norm(a), norm(b))) {
      const i = a.bundles.findIndex((doc, k) => !isDeepStrictEqual(sorted(doc), sorted(b.bundles[k] ?? {})));
      throw new Error(`MongoDB seeder documents differ from upstream's own inserts; first bundle: ${JSON.stringify({ bulk: a.bundles[i], upstream: b.bundles[i] })}`);
    }
    return a.bundles.length + a.patches.length;
  } finally {
    await dropMongo(bulk).catch(() => {});
    await dropMongo(viaApi).catch(() => {});
  }
}
