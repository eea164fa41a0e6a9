"use strict";

const native = require("./binding.js");
const { fromNative, messageOf, configError } = require("./errors.js");
const { markNative, resolveDatabase, resolveStorages, createBridge } = require("./plugins.js");
const { createFileRoutes } = require("./file-routes.js");
const { s3StorageOption, r2StorageOption } = require("./s3.js");
const { s3DatabaseOption } = require("./s3-database.js");
const { supabaseStorageOption, firebaseStorageOption } = require("./cloud-storages.js");
const { withCloudFrontSignedUrl, s3LambdaEdgeStorage, awsLambdaEdgeStorage } = require("./cloudfront.js");
const { AnswerCache, answerCacheOptions } = require("./answer-cache.js");
const { jsonResponse } = require("./response.js");
const { authOption, createGuard, isManagementRequest } = require("./auth.js");
const { trustedHostsOption, withTrustedHosts } = require("./trusted-hosts.js");
const { createListen } = require("./listen.js");
const { operateOptions, startLogPump, pathOf } = require("./operate.js");

// Constants owned by the native core (src/napi/constants.rs), defined there once.
const HOT_UPDATER_SERVER_VERSION = native.SERVER_VERSION;
/** Marks objects made by this package's `createHotUpdater` (used by `hot-updater-rs/db`). */
const INSTANCE = Symbol.for("hot-updater-rs/instance");
const SDK_VERSION_HEADER = "Hot-Updater-SDK-Version";
/** Bodies larger than this are answered with 413 before they are read. */
const MAX_BODY_BYTES = native.MAX_BODY_BYTES;

/**
 * Request contexts live here while a request runs; the native side only sees their ids.
 */
function createContextTable() {
  const table = new Map();
  let next = 0;
  return {
    table,
    enter(context) {
      if (context === undefined) return 0;
      next = next >= 0x7fffffff ? 1 : next + 1;
      table.set(next, context);
      return next;
    },
    leave(id) {
      if (id !== 0) table.delete(id);
    },
  };
}

function isObjectContext(context) {
  return (typeof context === "object" && context !== null) || typeof context === "function";
}

const STALE = { "Hot-Updater-Snapshot": "stale" };

/** The JSON text of the native placeholder for `fileUrl` (see `service::FILE_URL_PLACEHOLDER`). */
const FILE_URL_PLACEHOLDER = JSON.stringify(native.FILE_URL_PLACEHOLDER);

function isHttpUrl(url) {
  try {
    const { protocol } = new URL(url);
    return protocol === "http:" || protocol === "https:";
  } catch {
    return false;
  }
}

/** Completes an update answer with the URL a JS storage plugin gives, with upstream's checks. */
async function withPluginUrl({ storageUri, body }, plugin, context, emit) {
  try {
    const result = await plugin.profiles.runtime.getDownloadUrl(storageUri, context);
    const url = result ? result.fileUrl : null;
    if (!url) throw new Error("Storage plugin returned empty fileUrl");
    if (typeof url !== "string" || !isHttpUrl(url)) {
      throw new Error("Storage plugin returned a local file path; runtime update checks require an HTTP(S) download URL.");
    }
    const at = body.lastIndexOf(FILE_URL_PLACEHOLDER);
    return jsonResponse(200, body.slice(0, at) + JSON.stringify(url) + body.slice(at + FILE_URL_PLACEHOLDER.length));
  } catch (error) {
    console.error("Hot Updater handler error:", error);
    if (emit) emit("error", { event: "storage.error", code: "ERR_HOT_UPDATER_STORAGE", message: native.redactLogText(messageOf(error)), storage: plugin.name });
    return jsonResponse(500, JSON.stringify({ error: "Internal server error", message: messageOf(error) }));
  }
}

const PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

/** The Web `Response` for a native answer; unexpected errors are logged like upstream. */
function toResponse(res) {
  if (res.errorMessage !== undefined && res.errorMessage !== null) {
    console.error("Hot Updater handler error:", new Error(res.errorMessage));
  }
  // The metrics route's Prometheus text is the only body that starts with `#` (see
  // `http::response::content_type`).
  if (res.body.charCodeAt(0) === 35) return new Response(res.body, { status: res.status, headers: { "Content-Type": PROMETHEUS_TEXT } });
  // `retryAfter`: a write refused while the database is unreachable (503, ours, not upstream's).
  const extra = res.stale ? STALE : res.retryAfter != null ? { "Retry-After": String(res.retryAfter) } : undefined;
  return jsonResponse(res.status, res.body, extra);
}

async function readBody(request) {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) return { tooLarge: true };
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) return { tooLarge: true };
  return { text };
}

/**
 * Creates the server: the same options and returned object as `@hot-updater/server`'s
 * `createHotUpdater`, with the work done natively.
 */
function createHotUpdater(options) {
  const opts = options ?? {};
  const allowed = authOption(opts.auth);
  const operate = operateOptions(opts);
  const trustedHosts = trustedHostsOption(opts.trustedHosts);
  const db = resolveDatabase(opts.database, opts.snapshot);
  const storages = resolveStorages(opts.storages ?? opts.storagePlugins ?? []);
  const contexts = createContextTable();
  const cacheOptions = answerCacheOptions(opts.answerCache);
  const answers = cacheOptions === null ? null : new AnswerCache(cacheOptions);
  const bridge = createBridge({ db: db.js, storages: storages.js, cloudFront: storages.cloudFront, contexts: contexts.table });
  const nativeOptions = {
    basePath: opts.basePath ?? "/api",
    routes: opts.routes,
    database: db.option,
    storages: withTrustedHosts(storages.options, trustedHosts),
    operate: operate.native,
  };
  let server;
  try {
    // The bridge is always given (JS plugins may be among the storages or be the database); it
    // is weak on the native side, so it never keeps the process alive.
    server = new native.NativeHotUpdater(JSON.stringify(nativeOptions), bridge);
  } catch (error) {
    throw fromNative(error);
  }
  // `fileStorage` downloads and its upload API: decided natively (`server.fileRoute`), streamed by lib/file-routes.js.
  const files = createFileRoutes(opts.storages ?? opts.storagePlugins ?? [], server);
  // `auth`: management routes answer 401 without it, however the handler is mounted (lib/auth.js).
  const guard = createGuard(allowed, server.basePath, opts.auth && opts.auth.exempt);
  // `logger`: native failure records, outage/recovery and rebuilds on an unref'd timer.
  const emit = operate.logger;
  const pump = emit === null ? null : startLogPump(server, emit);

  const call = async (method, args, context) => {
    const id = contexts.enter(context);
    try {
      const out = await server.call(method, JSON.stringify(args), id, isObjectContext(context));
      return JSON.parse(out);
    } catch (error) {
      throw fromNative(error);
    } finally {
      contexts.leave(id);
    }
  };

  // Not `async` itself: it returns `serve`'s promise, adding no tick of its own.
  function handler(request, context) {
    // Frameworks such as Hono's `mount` pass (request, env, executionCtx): then the second
    // argument is not a context, exactly as upstream decides.
    const ctx = arguments.length > 2 ? undefined : context;
    return emit === null ? serve(request, ctx) : timed(request, ctx);
  }

  /** `serve`, logging requests slower than `logger.slowMs` (path without its query). */
  async function timed(request, ctx) {
    const started = performance.now();
    const response = await serve(request, ctx);
    const ms = performance.now() - started;
    if (ms >= operate.slowMs) {
      emit("warn", { event: "request.slow", msg: "slow request", method: request.method, path: pathOf(request.url), status: response.status, durationMs: Math.round(ms * 10) / 10 });
    }
    return response;
  }

  /**
   * A GET within one native call: it confirms the answer kept for a repeated request while the
   * snapshot is unchanged (see answer-cache.js for when that is exactly the answer the native
   * side would give), or answers when nothing needs I/O (a warm snapshot). Returns the 200
   * answer's JSON text, a pending answer that needs a JS storage plugin's URL, or `undefined`.
   */
  function answerNow(url, sdk) {
    const key = sdk === null ? url : `${url}\n${sdk}`;
    const kept = answers === null ? undefined : answers.entry(key, performance.now());
    const now = kept === undefined ? server.handleSync(url, sdk, -1) : server.handleSync(url, sdk, kept.epoch, kept.slot);
    if (now === true) return kept.body;
    if (now && now.storageIndex === undefined) {
      if (answers !== null && now.epoch >= 0) answers.set(key, now.epoch, performance.now(), now.body, now.metricSlot);
      return now.body;
    }
    return now || undefined;
  }

  /**
   * `answerNow` for adapters that build no Web Request (node.js's `toNodeHandler`): the JSON
   * text of a GET answered 200 at once, the promised Response of one that needs a JS storage
   * plugin's URL, or `undefined` whenever `serve` must run instead (management and `fileStorage`
   * routes when those are configured, slow-request logging, an answer that needs I/O). `serve`
   * would give the same answer.
   */
  function quickGet(url, sdk) {
    if (emit !== null) return undefined;
    if (guard !== null && isManagementRequest(url, server.basePath)) return undefined;
    if (files !== null && files.mayOwn(url)) return undefined;
    const now = answerNow(url, sdk);
    if (now === undefined || typeof now === "string") return now;
    return withPluginUrl(now, storages.js[now.storageIndex], undefined, emit);
  }

  async function serve(request, ctx) {
    if (guard !== null) {
      const denied = await guard(request, ctx);
      if (denied !== null) return denied;
    }
    if (files !== null) {
      const answered = await files.handle(request);
      if (answered !== null) return answered;
    }
    const method = request.method;
    if (method === "GET") {
      const now = answerNow(request.url, request.headers.get(SDK_VERSION_HEADER));
      if (typeof now === "string") return jsonResponse(200, now);
      if (now) return withPluginUrl(now, storages.js[now.storageIndex], ctx, emit);
    }
    let body;
    if (method !== "GET" && method !== "HEAD") {
      const read = await readBody(request);
      if (read.tooLarge) return jsonResponse(413, JSON.stringify({ error: "Payload too large" }));
      body = read.text;
    }
    const id = contexts.enter(ctx);
    try {
      return toResponse(await server.handle(method, request.url, request.headers.get(SDK_VERSION_HEADER), body, id, isObjectContext(ctx)));
    } finally {
      contexts.leave(id);
    }
  }

  const api = {
    basePath: server.basePath,
    adapterName: server.adapterName,
    handler,
    getBundleById: (id, context) => call("getBundleById", [id], context),
    getUpdateInfo: (args, context) => call("getUpdateInfo", [args], context),
    getAppUpdateInfo: (args, context) => call("getAppUpdateInfo", [args], context),
    getChannels: (context) => call("getChannels", [], context),
    getBundles: (options, context) => call("getBundles", [options], context),
    insertBundle: async (bundle, context) => {
      await call("insertBundle", [bundle], context);
    },
    updateBundleById: async (bundleId, patch, context) => {
      await call("updateBundleById", [bundleId, patch], context);
    },
    deleteBundleById: async (bundleId, context) => {
      await call("deleteBundleById", [bundleId], context);
    },
  };
  // Prometheus text of this server's metrics (update checks are counted when `metrics: true` or
  // `routes.metrics` is set); the JS answer cache's size is added here.
  Object.defineProperty(api, "metrics", {
    enumerable: false,
    value: () => {
      const size = answers === null ? 0 : answers.size;
      return `${server.metricsText()}# HELP hot_updater_answer_cache_entries Update-check answers kept by the JS answer cache.\n# TYPE hot_updater_answer_cache_entries gauge\nhot_updater_answer_cache_entries ${size}\n`;
    },
  });
  Object.defineProperty(api, INSTANCE, { enumerable: false, value: { server, database: opts.database, jsDatabase: db.js, quickGet } });
  // `listen`: the built-in HTTP/1.1 server (lib/listen.js, src/listener).
  Object.defineProperty(api, "listen", {
    enumerable: false,
    value: createListen({ server, handler, auth: opts.auth, storages: opts.storages ?? opts.storagePlugins ?? [] }),
  });
  Object.defineProperty(api, "close", {
    enumerable: false,
    value: async () => {
      if (pump !== null) {
        pump.tick();
        pump.stop();
      }
      await server.close();
      const plugin = db.js && db.js.read;
      if (plugin && typeof plugin.onUnmount === "function") await plugin.onUnmount();
    },
  });
  return api;
}

const POOL_KEYS = ["maxConnections", "minConnections", "acquireTimeoutMs", "idleTimeoutMs", "busyTimeoutMs", "autoMigrate", "snapshot"];

function poolOptions(config) {
  const out = {};
  for (const key of POOL_KEYS) if (config[key] !== undefined) out[key] = config[key];
  return out;
}

function nativeDatabase(name, option) {
  return markNative({ name }, option);
}

/** Native SQLite database (bundled SQLite, no extra install). `path` may be `:memory:`. */
function sqliteDatabase(config = {}) {
  if (!config || typeof config.path !== "string" || config.path === "") {
    throw configError('sqliteDatabase: `path` must be a non-empty string (a file path or ":memory:").', Error);
  }
  return nativeDatabase("sqlite", { kind: "sqlite", path: config.path, ...poolOptions(config) });
}

function serverDatabase(kind, name, config) {
  if (!config || typeof config.connectionString !== "string" || config.connectionString === "") {
    throw configError(`${name}: \`connectionString\` must be a non-empty string.`, Error);
  }
  return nativeDatabase(kind === "postgres" ? "postgresql" : "mysql", { kind, connectionString: config.connectionString, ...poolOptions(config) });
}

/** Native PostgreSQL database (`postgres://user:pass@host:5432/db`). */
const postgresDatabase = (config) => serverDatabase("postgres", "postgresDatabase", config);

/** Native MySQL / MariaDB database (`mysql://user:pass@host:3306/db`). */
const mysqlDatabase = (config) => serverDatabase("mysql", "mysqlDatabase", config);

const MONGO_KEYS = ["maxConnections", "minConnections", "idleTimeoutMs", "connectTimeoutMs", "serverSelectionTimeoutMs", "autoMigrate", "dnsServer", "snapshot"];

/**
 * Native MongoDB database on upstream's `mongoAdapter` layout. `url` is a `mongodb://` or
 * `mongodb+srv://` connection string; its path names the database (`test` when it names none,
 * as `client.db()`). `dnsServer` names the nameserver for `mongodb+srv://` lookups.
 */
function mongoDatabase(config) {
  if (!config || typeof config.url !== "string" || !/^mongodb(\+srv)?:\/\//.test(config.url)) {
    throw configError("mongoDatabase: `url` must be a mongodb:// or mongodb+srv:// connection string.", Error);
  }
  if (config.dnsServer !== undefined && typeof config.dnsServer !== "string") {
    throw configError('mongoDatabase: `dnsServer` must be a string such as "127.0.0.1:53".', TypeError);
  }
  const option = { kind: "mongo", url: config.url };
  for (const key of MONGO_KEYS) if (config[key] !== undefined) option[key] = config[key];
  return nativeDatabase("mongodb", option);
}

/**
 * Native blob database on S3 in upstream's `s3Database` layout (`@hot-updater/aws`): the same
 * objects upstream's plugin reads and writes, so both can share one bucket. Update checks are
 * answered from the snapshot; writes by other tools are seen within its `maxAgeMs` (10 s).
 */
function s3Database(config) {
  return nativeDatabase("s3Database", s3DatabaseOption(config));
}

/** A native storage marker: `resolveStorages` passes its hidden option to the native core. */
function nativeStorage(name, supportedProtocol, option) {
  return markNative({ name, supportedProtocol }, option);
}

/** Native S3 storage (`s3://bucket/key`): upstream's `s3Storage` config from `@hot-updater/aws`. */
const s3Storage = (config) => nativeStorage("s3Storage", "s3", s3StorageOption(config));

/** Native Cloudflare R2 storage (`r2://bucket/key`) through R2's S3 API: upstream's `r2Storage` config. */
const r2Storage = (config) => nativeStorage("r2Storage", "r2", r2StorageOption(config));

/** Native Supabase Storage (`supabase-storage://bucket/key`): upstream's `supabaseStorage` config. */
const supabaseStorage = (config) => nativeStorage("supabaseStorage", "supabase-storage", supabaseStorageOption(config));

/** Native Cloud Storage for Firebase (`gs://bucket/key`): upstream's `firebaseStorage` config with a service-account key. */
const firebaseStorage = (config) => nativeStorage("firebaseStorage", "gs", firebaseStorageOption(config));

module.exports = {
  createHotUpdater,
  sqliteDatabase,
  postgresDatabase,
  mysqlDatabase,
  mongoDatabase,
  s3Database,
  s3Storage,
  r2Storage,
  supabaseStorage,
  firebaseStorage,
  withCloudFrontSignedUrl,
  s3LambdaEdgeStorage,
  awsLambdaEdgeStorage,
  HOT_UPDATER_SERVER_VERSION,
  INSTANCE,
};
