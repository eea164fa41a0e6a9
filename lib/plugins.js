"use strict";
// Resolves the database and storage options the way upstream does, and runs JS plugins for the
// native core through one bridge function.

const { messageOf, configError, CODES } = require("./errors.js");

// Native databases and storages are plain `{ name, supportedProtocol }` objects; their options
// (connection strings, keys) live here, out of reach of `util.inspect` and JSON.stringify.
const nativeOptions = new WeakMap();

/** Marks `target` as a native plugin with `option`; returns `target`. */
function markNative(target, option) {
  nativeOptions.set(target, option);
  return target;
}

/** The native option of a plugin made by our factories, if it is one. */
function nativeOption(value) {
  return value && typeof value === "object" ? nativeOptions.get(value) : undefined;
}
/** The schema version a JS database plugin must report (defined natively, src/db/sql/schema.rs). */
const SUPPORTED_SCHEMA_VERSION = require("./binding.js").SCHEMA_VERSION;

class HotUpdaterSchemaMigrationRequiredError extends Error {
  constructor(adapterName, currentVersion) {
    super(
      currentVersion === undefined || currentVersion === null
        ? `Hot Updater database schema is not initialized for ${adapterName}. Run \`hot-updater db migrate\` before using this adapter.`
        : `Hot Updater database schema version ${currentVersion} is not supported by ${adapterName}. Run \`hot-updater db migrate\` to upgrade to ${SUPPORTED_SCHEMA_VERSION}.`,
    );
    this.name = "HotUpdaterSchemaMigrationRequiredError";
    this.adapterName = adapterName;
    this.currentVersion = currentVersion;
    this.code = CODES.DATABASE;
  }
}

function isDatabasePlugin(value) {
  return typeof value === "object" && value !== null && "getBundleById" in value && "getBundles" in value && "getChannels" in value;
}

// What upstream's official adapter factories (`kyselyAdapter`, `drizzleAdapter`, `prismaAdapter`,
// `mongoAdapter` of @hot-updater/server 0.36) return, recognised by structure: a zero-argument
// factory made by plugin-core's `createDatabasePlugin`, carrying exactly the adapter's own
// properties, whose instances have exactly createDatabasePlugin's members with `getUpdateInfo`
// still the lazy accessor createDatabasePlugin installs. A hand-written plugin (an object, or a
// factory of plain objects) never has that accessor; a plugin of one's own made with
// createDatabasePlugin lacks the adapter's factory properties. A name alone decides nothing.
const OFFICIAL_ADAPTERS = {
  kysely: { extra: "createMigrator", providers: ["postgresql", "mysql", "sqlite"] },
  mongodb: { extra: "createMigrator", providers: ["mongodb"] },
  drizzle: { extra: "generateSchema", providers: ["postgresql", "mysql", "sqlite"] },
  prisma: { extra: "generateSchema", providers: ["postgresql", "mysql", "sqlite"] },
};
const PLUGIN_CORE_MEMBERS = ["appendBundle", "commitBundle", "deleteBundle", "getBundleById", "getBundles", "getChannels", "getUpdateInfo", "name", "onUnmount", "updateBundle"];

/** Whether `factory` (with `instance`, one plugin it made, untouched yet) is an official adapter. */
function isOfficialAdapter(factory, instance) {
  if (typeof factory !== "function" || factory.length !== 0) return false;
  const shape = OFFICIAL_ADAPTERS[factory.adapterName];
  if (!shape || !Object.hasOwn(OFFICIAL_ADAPTERS, factory.adapterName)) return false;
  const keys = Object.keys(factory).sort();
  const expected = ["adapterName", "provider", shape.extra].sort();
  if (keys.join() !== expected.join() || typeof factory[shape.extra] !== "function" || !shape.providers.includes(factory.provider)) return false;
  if (!instance || typeof instance !== "object" || Object.getPrototypeOf(instance) !== Object.prototype) return false;
  if (Object.keys(instance).sort().join() !== PLUGIN_CORE_MEMBERS.join() || instance.name !== factory.adapterName) return false;
  const lazy = Object.getOwnPropertyDescriptor(instance, "getUpdateInfo");
  return typeof lazy.get === "function" && lazy.set === undefined && lazy.configurable === true;
}

const SNAPSHOT_KEYS = ["probeIntervalMs", "maxAgeMs", "serveStaleForMs", "probeTimeoutMs"];

/** Checks `createHotUpdater`'s `snapshot` option: `true`, `false` or `{ probeIntervalMs, maxAgeMs, ... }`. */
function snapshotOption(value) {
  if (value === undefined || typeof value === "boolean") return value;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw configError("createHotUpdater: `snapshot` must be true, false or an object of options.", TypeError);
  }
  for (const key of Object.keys(value)) {
    if (!SNAPSHOT_KEYS.includes(key)) throw configError(`createHotUpdater: unknown \`snapshot\` option \`${key}\` (known: ${SNAPSHOT_KEYS.join(", ")}).`, TypeError);
    const v = value[key];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) throw configError(`createHotUpdater: \`snapshot.${key}\` must be a non-negative integer (milliseconds).`, TypeError);
  }
  return { ...value };
}

/**
 * Resolves `options.database` into native options plus, for JS plugins, the plugin handles.
 * `snapshot` is `createHotUpdater`'s option: for a JS plugin it decides whether update checks are
 * answered from the snapshot (default: on for upstream's official adapters, off otherwise); a
 * native database takes it when its own factory was given none.
 */
function resolveDatabase(database, snapshot) {
  const chosen = snapshotOption(snapshot);
  if (nativeOption(database)) {
    const option = nativeOption(database);
    if (chosen === undefined || option.snapshot !== undefined) return { option, js: null };
    return { option: { ...option, snapshot: chosen }, js: null };
  }
  const isFactory = typeof database === "function";
  if (!isFactory && !isDatabasePlugin(database)) {
    throw configError("@hot-updater/server only supports database plugins.", Error);
  }
  const read = isFactory ? database() : database;
  // Before anything reads `getUpdateInfo` (which replaces createDatabasePlugin's accessor).
  const official = isFactory && isOfficialAdapter(database, read);
  const useSnapshot = chosen === undefined ? official : chosen;
  const adapterName = isFactory && database.adapterName !== undefined ? database.adapterName : read.name;
  const migratorFactory = isFactory && typeof database.createMigrator === "function" ? database.createMigrator : null;
  const js = {
    read,
    mutation: () => (isFactory ? database() : database),
    migratorFactory,
    adapterName,
  };
  const option = {
    kind: "js",
    adapterName: String(adapterName ?? ""),
    hasUpdateInfo: typeof read.getUpdateInfo === "function",
    hasMigrator: migratorFactory !== null,
  };
  if (useSnapshot) {
    option.snapshot = useSnapshot;
    option.hasChangeMarker = typeof read.changeMarker === "function";
  }
  return { option, js };
}

/** Resolves `options.storages` (or the deprecated `storagePlugins`). */
function resolveStorages(storages) {
  const out = [];
  const js = [];
  // The JS parts of `withCloudFrontSignedUrl` storages (key and base-URL providers), by index.
  const cloudFront = [];
  for (const entry of storages) {
    const option = nativeOption(entry);
    if (option && option.kind === "cloudFront") {
      const { plugin, privateKey, publicBaseUrl } = option.providers;
      let base = option.base;
      if (plugin) {
        base = { kind: "js", protocol: String(plugin.supportedProtocol), index: js.length };
        js.push(plugin);
      }
      out.push({ kind: "cloudFront", base, signing: { ...option.signing, keyIndex: cloudFront.length } });
      cloudFront.push({ privateKey, publicBaseUrl });
      continue;
    }
    if (option) {
      out.push(option);
      continue;
    }
    const plugin = typeof entry === "function" ? entry() : entry;
    if (!plugin || !plugin.profiles || !plugin.profiles.runtime) {
      const name = plugin && plugin.name;
      const protocol = plugin && plugin.supportedProtocol;
      throw configError(`${name} does not implement the runtime storage profile for protocol "${protocol}".`, Error);
    }
    out.push({ kind: "js", protocol: String(plugin.supportedProtocol), index: js.length });
    js.push(plugin);
  }
  return { options: out, js, cloudFront };
}

/**
 * The bridge the native core calls: `(op, ctxId, a, b) => Promise<string>`, answering a JSON
 * envelope so that whatever a plugin throws comes back as data.
 */
function createBridge({ db, storages, cloudFront = [], contexts }) {
  const ops = {
    "db.getBundleById": (ctx, id) => db.read.getBundleById(id, ctx),
    "db.getBundles": (ctx, options) => db.read.getBundles(JSON.parse(options), ctx),
    "db.getChannels": (ctx) => db.read.getChannels(ctx),
    "db.getUpdateInfo": (ctx, args) =>
      ctx === undefined ? db.read.getUpdateInfo(JSON.parse(args)) : db.read.getUpdateInfo(JSON.parse(args), ctx),
    "db.insert": async (ctx, bundle) => {
      const plugin = db.mutation();
      await plugin.appendBundle(JSON.parse(bundle), ctx);
      await plugin.commitBundle(ctx);
      return null;
    },
    "db.update": async (ctx, id, patchJson) => {
      const plugin = db.mutation();
      const current = await plugin.getBundleById(id, ctx);
      if (!current) throw new Error("targetBundleId not found");
      // The merged bundle was checked natively before this call (service::update_bundle_by_id).
      const patch = JSON.parse(patchJson);
      await plugin.updateBundle(id, patch, ctx);
      await plugin.commitBundle(ctx);
      return null;
    },
    "db.delete": async (ctx, id) => {
      const plugin = db.mutation();
      const current = await plugin.getBundleById(id, ctx);
      if (!current) return null;
      await plugin.deleteBundle(current, ctx);
      await plugin.commitBundle(ctx);
      return null;
    },
    "db.ready": async () => {
      const version = await db.migratorFactory().getVersion();
      if (version !== SUPPORTED_SCHEMA_VERSION) {
        throw new HotUpdaterSchemaMigrationRequiredError(db.adapterName, version);
      }
      return null;
    },
    "db.changeMarker": async () => {
      const marker = await db.read.changeMarker();
      if (typeof marker !== "string" && typeof marker !== "number") throw new Error("changeMarker() must return a string or a number");
      return marker;
    },
    "storage.getDownloadUrl": async (ctx, index, uri) => {
      const result = await storages[Number(index)].profiles.runtime.getDownloadUrl(uri, ctx);
      return result ? result.fileUrl : null;
    },
    "storage.readText": (ctx, index, uri) => storages[Number(index)].profiles.runtime.readText(uri, ctx),
    "cloudfront.privateKey": async (ctx, index) => {
      const key = await cloudFront[Number(index)].privateKey();
      if (typeof key !== "string" || key === "") throw new Error("withCloudFrontSignedUrl: getPrivateKey() must resolve to a PEM string");
      return key;
    },
    "cloudfront.publicBaseUrl": async (ctx, index) => {
      const url = await cloudFront[Number(index)].publicBaseUrl(ctx);
      if (!url) throw new Error("CloudFront publicBaseUrl resolver returned an empty URL");
      return String(url);
    },
  };
  return async function hotUpdaterBridge(op, ctxId, a, b) {
    try {
      const fn = ops[op];
      if (!fn) throw new Error(`Unknown bridge operation: ${op}`);
      const ctx = ctxId === 0 ? undefined : contexts.get(ctxId);
      const value = await fn(ctx, a, b);
      return JSON.stringify({ ok: value === undefined ? null : value });
    } catch (error) {
      return JSON.stringify({ err: messageOf(error) });
    }
  };
}

module.exports = { markNative, nativeOption, HotUpdaterSchemaMigrationRequiredError, resolveDatabase, resolveStorages, createBridge };
