// The three handlers under test, created from a plain spec so that a child process can build
// them too: { impl: "ours" | "upstream" | "ceiling", db: "sqlite" | "postgres" | "mysql" | "mongo", path?, url?, name?,
// storage: "s3" | "plugin" }. Imports are dynamic so that a child can time import → first
// answered check.
//
// Storages (bundles live at `s3://hot-updater-bench/...`; presigning needs no S3 server):
// - "s3" (default): what a deployment on S3 runs. Ours: the native `s3Storage`. Upstream: the
//   runtime profile of `@hot-updater/aws`'s `s3Storage`, i.e. the AWS SDK presigning per request
//   (`__test__/helpers/s3.mjs`; the aws plugin itself has no 0.36.3 release on npm).
// - "plugin": the same JS storage plugin object for both (upstream's `mockStorage` behaviour),
//   which measures our JS-plugin path.
const BASE_PATH = "/hot-updater";
const ROUTES = { updateCheck: true, bundles: true };
const JSON_HEADERS = { "Content-Type": "application/json" };

export const IMPLS = ["ours", "upstream", "ceiling"];
/** `--operate`: the same server with every operate feature off, then on, twice (A B A B). */
export const OPERATE_IMPLS = ["ours", "ours-operate", "ours-2", "ours-operate-2"];
export const LABELS = {
  ours: "hot-updater-rs",
  upstream: "@hot-updater/server",
  ceiling: "constant JSON (ceiling)",
  "ours-operate": "hot-updater-rs, operate on",
  "ours-2": "hot-updater-rs (2nd run)",
  "ours-operate-2": "hot-updater-rs, operate on (2nd run)",
};

/** Every operate feature on (`--operate`): the routes, counting with adoption labels, a logger that drops records. */
const OPERATE_OPTIONS = {
  routes: { ...ROUTES, explain: true, metrics: true, health: true, adoption: true },
  metrics: { adoptionLabels: true },
  logger: { level: "debug", write() {} },
};

/** The S3 configuration of both servers' storages (local credentials; nothing is contacted). */
export const BENCH_S3 = {
  bucketName: "hot-updater-bench",
  region: "us-east-1",
  credentials: { accessKeyId: "AKIABENCHMARK0000000", secretAccessKey: "bench-secret-key-not-used-for-any-account" },
};

async function pluginStorage() {
  const { parityStorage } = await import("../../__test__/helpers/parity-storage.mjs");
  return { ...parityStorage(), supportedProtocol: "s3" };
}

/** { storages, close } for one implementation. */
async function storagesFor(impl, spec) {
  if (spec.storage === "plugin") return { storages: [await pluginStorage()], close: () => {} };
  if (impl === "ours") {
    const { s3Storage } = await import("../../index.mjs");
    return { storages: [s3Storage(BENCH_S3)], close: () => {} };
  }
  const { sdkS3Storage } = await import("../../__test__/helpers/s3.mjs");
  const sdk = await sdkS3Storage(BENCH_S3);
  return { storages: [sdk.plugin], close: sdk.close };
}

/**
 * `database: "kysely"`: upstream's kyselyAdapter on the same driver and shim upstream runs on
 * here, so both servers run the very same plugin (ours answers from its snapshot, loaded through
 * the plugin's getBundles). Returns { database, close }.
 */
async function kyselyPlugin(spec) {
  if (spec.db === "postgres") {
    const [{ Kysely, PostgresDialect }, { kyselyAdapter }, { shimmedPgPool }] = await Promise.all([
      import("kysely"),
      import("@hot-updater/server/adapters/kysely"),
      import("../../__test__/helpers/upstream-servers.mjs"),
    ]);
    const db = new Kysely({ dialect: new PostgresDialect({ pool: shimmedPgPool(spec.url) }) });
    return { database: kyselyAdapter({ db, provider: "postgresql" }), close: () => db.destroy() };
  }
  if (spec.db === "mysql") {
    const [{ Kysely, MysqlDialect }, { kyselyAdapter }, { createPool }] = await Promise.all([
      import("kysely"),
      import("@hot-updater/server/adapters/kysely"),
      import("mysql2"),
    ]);
    const db = new Kysely({ dialect: new MysqlDialect({ pool: createPool({ uri: spec.url, connectionLimit: 4 }) }) });
    return { database: kyselyAdapter({ db, provider: "mysql" }), close: () => db.destroy() };
  }
  const { upstreamKysely } = await import("../../__test__/helpers/upstream.mjs");
  const { adapter, db } = upstreamKysely(spec.path);
  return { database: adapter, close: () => db.destroy() };
}

/** The JS database plugin of a `--database` run other than `native`: { database, close }. */
async function pluginFor(spec) {
  switch (spec.database) {
    case "kysely":
      return kyselyPlugin(spec);
    case "drizzle":
      return (await import("./drizzle.mjs")).drizzlePlugin(spec);
    case "prisma":
      return (await import("./prisma.mjs")).prismaPlugin(spec);
    case "mongo-adapter":
      return (await import("./prisma.mjs")).mongoAdapterPlugin(spec);
    default:
      throw new Error(`unknown --database ${spec.database}`);
  }
}

async function ours(spec) {
  const { createHotUpdater, sqliteDatabase, postgresDatabase, mysqlDatabase, mongoDatabase } = await import("../../index.mjs");
  const plugin = spec.database === "native" || spec.database === undefined ? null : await pluginFor(spec);
  const database = plugin
    ? plugin.database
    : spec.db === "postgres"
      ? postgresDatabase({ connectionString: spec.url })
      : spec.db === "mysql"
        ? mysqlDatabase({ connectionString: spec.url })
        : spec.db === "mongo"
        ? mongoDatabase({ url: spec.url })
        : sqliteDatabase({ path: spec.path });
  const { storages, close } = await storagesFor("ours", spec);
  const hotUpdater = createHotUpdater({ database, storages, basePath: BASE_PATH, routes: ROUTES, ...(spec.operate ? OPERATE_OPTIONS : {}) });
  return {
    handler: (request) => hotUpdater.handler(request),
    listen: (options) => hotUpdater.listen(options),
    // What a user hands to `toNodeHandler` (its one-call GET path needs the server itself).
    api: hotUpdater,
    close: async () => {
      await hotUpdater.close();
      if (plugin) await plugin.close();
      close();
    },
  };
}

async function upstream(spec) {
  const { storages, close: closeStorage } = await storagesFor("upstream", spec);
  // Drizzle and Prisma: the very plugin ours runs on (upstream's Kysely and mongoAdapter runs are
  // upstream's own setups below, which are those same plugins).
  if (spec.database === "drizzle" || spec.database === "prisma") {
    const { createHotUpdater } = await import("@hot-updater/server");
    const plugin = await pluginFor(spec);
    const hotUpdater = createHotUpdater({ database: plugin.database, storages, basePath: BASE_PATH, routes: ROUTES });
    return {
      handler: (request) => hotUpdater.handler(request),
      close: async () => {
        await plugin.close();
        closeStorage();
      },
    };
  }
  if (spec.db === "mongo") {
    const { upstreamMongo } = await import("./mongo.mjs");
    const { hotUpdater, close } = await upstreamMongo(spec.name, { storages });
    return {
      handler: (request) => hotUpdater.handler(request),
      close: async () => {
        await close();
        closeStorage();
      },
    };
  }
  if (spec.db === "postgres" || spec.db === "mysql") {
    const { createUpstreamServer } = await import("../../__test__/helpers/upstream-servers.mjs");
    const { hotUpdater, close } = await createUpstreamServer(spec.db === "mysql" ? "mysql" : "postgresql", spec.url, { migrate: false, storages });
    return {
      handler: (request) => hotUpdater.handler(request),
      close: async () => {
        await close();
        closeStorage();
      },
    };
  }
  const [{ createHotUpdater }, { upstreamKysely }] = await Promise.all([
    import("@hot-updater/server"),
    import("../../__test__/helpers/upstream.mjs"),
  ]);
  const { adapter, db } = upstreamKysely(spec.path);
  const hotUpdater = createHotUpdater({ database: adapter, storages, basePath: BASE_PATH, routes: ROUTES });
  return {
    handler: (request) => hotUpdater.handler(request),
    close: async () => {
      await db.destroy();
      closeStorage();
    },
  };
}

function ceiling() {
  const body = '{"status":"UP_TO_DATE"}';
  return { handler: async () => new Response(body, { headers: JSON_HEADERS }), close: async () => {} };
}

/**
 * The framework's cost with the verified answers and no work at all: each request of the mix is
 * answered with the status and body recorded for it (`spec.answers`: { path, sdk, status, body }),
 * after reading what an update check reads (the URL and the SDK header). Measured through Hono
 * beside hot-updater-rs, it shows how much of the gap to the 23-byte constant ceiling is the
 * answers' own size.
 */
function replay(answers) {
  const byKey = new Map(answers.map(({ path, sdk, status, body }) => [`${path}\n${sdk ?? ""}`, { status, body }]));
  return {
    handler: async (request) => {
      const url = request.url;
      const found = byKey.get(`${url.slice(url.indexOf("/", 8))}\n${request.headers.get("Hot-Updater-SDK-Version") ?? ""}`);
      if (!found) return new Response('{"error":"not in the mix"}', { status: 404, headers: { "Content-Type": "application/json" } });
      return new Response(found.body, { status: found.status, headers: { "Content-Type": "application/json" } });
    },
    close: async () => {},
  };
}

export async function createServer(spec) {
  if (spec.impl === "ours") return ours(spec);
  if (spec.impl === "replay") return replay(spec.answers);
  if (spec.impl === "upstream") return upstream(spec);
  if (spec.impl === "ceiling") return ceiling();
  throw new Error(`unknown server ${spec.impl}`);
}

/** A mix entry as a Web Request. */
export function toRequest({ path, sdk }) {
  return new Request(`http://localhost${path}`, sdk === undefined ? undefined : { headers: { "Hot-Updater-SDK-Version": sdk } });
}

/**
 * An answer with the time-dependent parts of presigned S3 URLs (signing time, signature, the
 * credential scope's day) replaced, so that answers signed at different moments compare equal
 * when they name the same object the same way.
 */
export function comparable(body) {
  return body
    .replace(/X-Amz-Date=\d{8}T\d{6}Z/g, "X-Amz-Date=DATE")
    .replace(/X-Amz-Signature=[0-9a-f]{64}/g, "X-Amz-Signature=SIG")
    .replace(/X-Amz-Credential=([^%&]+)%2F\d{8}%2F/g, "X-Amz-Credential=$1%2FDAY%2F");
}
