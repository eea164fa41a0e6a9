/** A bundle as stored and as the bundle API returns it (upstream's `Bundle`). */
export interface Bundle {
  id: string;
  platform: "ios" | "android";
  shouldForceUpdate: boolean;
  enabled: boolean;
  fileHash: string;
  gitCommitHash: string | null;
  message: string | null;
  channel: string;
  storageUri: string;
  targetAppVersion: string | null;
  fingerprintHash: string | null;
  metadata?: { app_version?: string; [key: string]: unknown };
  manifestStorageUri?: string | null;
  manifestFileHash?: string | null;
  assetBaseStorageUri?: string | null;
  patches?: Array<{ baseBundleId: string; baseFileHash: string; patchFileHash: string; patchStorageUri: string }> | null;
  patchBaseBundleId?: string | null;
  patchBaseFileHash?: string | null;
  patchFileHash?: string | null;
  patchStorageUri?: string | null;
  rolloutCohortCount?: number | null;
  targetCohorts?: string[] | null;
}

export interface PaginationInfo {
  total: number;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  currentPage: number;
  totalPages: number;
  nextCursor?: string | null;
  previousCursor?: string | null;
}

/** Upstream's `PaginatedResult`. */
export type PaginatedResult = Paginated<Bundle[]>;

export type GetBundlesArgs =
  | { _updateStrategy: "appVersion"; platform: "ios" | "android"; appVersion: string; bundleId: string; channel?: string; minBundleId?: string; cohort?: string }
  | { _updateStrategy: "fingerprint"; platform: "ios" | "android"; fingerprintHash: string; bundleId: string; channel?: string; minBundleId?: string; cohort?: string };

export interface UpdateInfo {
  id: string;
  message: string | null;
  shouldForceUpdate: boolean;
  status: "UPDATE" | "ROLLBACK";
  storageUri: string | null;
  fileHash: string | null;
}

export interface ChangedAsset {
  fileHash: string;
  file?: { url: string; compression?: "br" };
  patch?: { algorithm: "bsdiff"; baseBundleId: string; baseFileHash: string; patchFileHash: string; patchUrl: string };
}

export interface AppUpdateAvailableInfo extends Omit<UpdateInfo, "storageUri"> {
  fileUrl: string | null;
  changedAssets?: Record<string, ChangedAsset>;
  manifestFileHash?: string;
  manifestUrl?: string;
}

export interface DatabaseBundleQueryOptions {
  where?: {
    channel?: string;
    platform?: "ios" | "android";
    enabled?: boolean;
    id?: { eq?: string; gt?: string; gte?: string; lt?: string; lte?: string; in?: string[] };
    targetAppVersion?: string | null;
    targetAppVersionIn?: string[];
    targetAppVersionNotNull?: boolean;
    fingerprintHash?: string | null;
  };
  limit: number;
  page?: number;
  cursor?: { after?: string; before?: string };
  orderBy?: { field: "id"; direction: "asc" | "desc" };
}

/** Which route groups to mount. `/version` is always mounted. */
export interface HandlerRoutes {
  updateCheck: boolean;
  bundles: boolean;
}

/** Upstream's `HandlerOptions`. */
export interface HandlerOptions {
  /** @default "/api" */
  basePath?: string;
  /** Both groups must be given when `routes` is. */
  routes?: HandlerRoutes;
}

/** The data API a handler serves (upstream's `HandlerAPI`). */
export interface HandlerAPI<TContext = unknown> {
  getAppUpdateInfo: (args: GetBundlesArgs, context?: TContext) => Promise<AppUpdateAvailableInfo | null>;
  getBundleById: (id: string, context?: TContext) => Promise<Bundle | null>;
  getBundles: (options: DatabaseBundleQueryOptions, context?: TContext) => Promise<PaginatedResult>;
  insertBundle: (bundle: Bundle, context?: TContext) => Promise<void>;
  updateBundleById: (bundleId: string, bundle: Partial<Bundle>, context?: TContext) => Promise<void>;
  deleteBundleById: (bundleId: string, context?: TContext) => Promise<void>;
  getChannels: (context?: TContext) => Promise<string[]>;
}

/** Upstream's `PaginationOptions`. */
export interface PaginationOptions {
  limit: number;
  offset: number;
}

/** Upstream's `DataResponse`. */
export interface DataResponse<TData> {
  data: TData;
}

/** Upstream's `Paginated`. */
export interface Paginated<TData> extends DataResponse<TData> {
  pagination: PaginationInfo;
}

/** Upstream's `ChannelsResponse` (the body of `GET <basePath>/api/bundles/channels`). */
export type ChannelsResponse = DataResponse<{ channels: string[] }>;

declare const nativeDatabaseBrand: unique symbol;
declare const nativeStorageBrand: unique symbol;

/** A native database configuration made by `sqliteDatabase()`, `postgresDatabase()`, `mysqlDatabase()`, `mongoDatabase()` or `s3Database()`. */
export interface NativeDatabase {
  readonly name: "sqlite" | "postgresql" | "mysql" | "mongodb" | "s3Database";
  readonly [nativeDatabaseBrand]: true;
}

/** An upstream database plugin (`@hot-updater/plugin-core`'s `DatabasePlugin`): called through a JS bridge. */
export interface DatabasePlugin<TContext = unknown> {
  name: string;
  getChannels: (context?: TContext) => Promise<string[]>;
  getBundleById: (bundleId: string, context?: TContext) => Promise<Bundle | null>;
  getUpdateInfo?: (args: GetBundlesArgs, context?: TContext) => Promise<UpdateInfo | null>;
  getBundles: (options: DatabaseBundleQueryOptions, context?: TContext) => Promise<Paginated<Bundle[]>>;
  updateBundle: (targetBundleId: string, newBundle: Partial<Bundle>, context?: TContext) => Promise<void>;
  appendBundle: (insertBundle: Bundle, context?: TContext) => Promise<void>;
  commitBundle: (context?: TContext) => Promise<void>;
  deleteBundle: (deleteBundle: Bundle, context?: TContext) => Promise<void>;
  onUnmount?: () => Promise<void>;
  /**
   * Ours, optional: a cheap value (a string or a number) that changes whenever the plugin's
   * bundles change. With the update-check snapshot on, it is read off the request path every
   * `probeIntervalMs`; a different value reloads the snapshot (instead of the timed reload).
   */
  changeMarker?: () => Promise<string | number> | string | number;
}

/** What an upstream adapter may add to its plugin: migrations and schema generation. */
export interface DatabaseAdapterCapabilities {
  adapterName?: string;
  provider?: "sqlite" | "cockroachdb" | "mysql" | "postgresql" | "mssql" | "mongodb";
  createMigrator?: () => import("./db").Migrator;
  generateSchema?: import("./db").SchemaGenerator;
}

/** An upstream plugin factory: `kyselyAdapter(...)`, `drizzleAdapter(...)`, `prismaAdapter(...)`, `mongoAdapter(...)`, `s3Database(...)`. */
export type DatabasePluginFactory<TContext = unknown> = (() => DatabasePlugin<TContext>) & Partial<DatabaseAdapterCapabilities>;

/** Upstream's `DatabaseAdapter`: a plugin object (with or without capabilities) or a factory. */
export type DatabaseAdapter<TContext = unknown> = (DatabasePlugin<TContext> & DatabaseAdapterCapabilities) | DatabasePlugin<TContext> | DatabasePluginFactory<TContext>;

/** The runtime half of an upstream storage plugin (`RuntimeStorageProfile`). */
export interface RuntimeStorageProfile<TContext = unknown> {
  getDownloadUrl: (storageUri: string, context?: TContext) => Promise<{ fileUrl: string }>;
  readText: (storageUri: string, context?: TContext) => Promise<string | null>;
}

/** An upstream runtime storage plugin (`@hot-updater/plugin-core`'s `RuntimeStoragePlugin`). */
export interface RuntimeStoragePlugin<TContext = unknown> {
  /** The storage URI protocol it resolves, e.g. `"s3"`, `"r2"`, `"supabase-storage"`. */
  supportedProtocol: string;
  name: string;
  profiles: { node?: unknown; runtime: RuntimeStorageProfile<TContext> };
}

/** A zero-argument factory of an upstream runtime storage plugin. */
export type StoragePluginFactory<TContext = unknown> = () => RuntimeStoragePlugin<TContext>;

/** Everything `storages` accepts. */
export type HotUpdaterStorage<TContext = unknown> = NativeStorage | FileStorage | RuntimeStoragePlugin<TContext> | StoragePluginFactory<TContext>;

export interface CreateHotUpdaterOptions<TContext = unknown> {
  /** A native database (`sqliteDatabase(...)`), or an upstream database plugin object or factory. */
  readonly database: NativeDatabase | DatabaseAdapter<TContext>;
  /** Native storages and upstream runtime storage plugins (objects or zero-argument factories). */
  readonly storages?: readonly HotUpdaterStorage<TContext>[];
  /** @deprecated use `storages`. */
  readonly storagePlugins?: readonly HotUpdaterStorage<TContext>[];
  /** Base path of all routes. @default "/api" */
  readonly basePath?: string;
  /**
   * Route groups. @default { updateCheck: true, bundles: false }; the operate routes (all under
   * `<basePath>/api/`, so `auth` covers them) are off unless set: `explain`
   * (`/api/explain/app-version/…`, `/api/explain/fingerprint/…`, `/api/explain/cohorts`),
   * `metrics` (`/api/metrics`, Prometheus text), `health` (`/api/health`), `adoption` (`/api/adoption`).
   */
  readonly routes?: Partial<HandlerRoutes> & OperateRoutes;
  /** Count update checks for `metrics()` without mounting `/api/metrics`; `adoptionLabels` adds per-bundle adoption series. */
  readonly metrics?: boolean | { readonly adoptionLabels?: boolean };
  /** Adoption window (minutes, default 60) and the most (platform, channel, bundle id) keys kept per minute (default 10000). */
  readonly adoption?: { readonly windowMinutes?: number; readonly maxKeys?: number };
  /** `/api/health`: how long to wait for the database (default 2000 ms); `staleIsHealthy`: 200 while the last snapshot still answers. */
  readonly health?: { readonly timeoutMs?: number; readonly staleIsHealthy?: boolean };
  /** Structured records: failures with error codes, outage and recovery, snapshot rebuilds, slow requests (`slowMs`, default 1000). */
  readonly logger?: HotUpdaterLogger;
  /** Accepted and ignored, like upstream. */
  readonly cwd?: string;
  /**
   * Reuse of update-check answers for repeated identical requests (same URL and SDK header) while
   * the native snapshot is fresh and unchanged, for at most `maxAgeMs`. Only with a native
   * database and its snapshot on; never for errors, stale answers or JS storage plugins' URLs.
   * `false` turns it off. @default { maxAgeMs: 1000, maxEntries: 10000 }
   */
  readonly answerCache?: false | { maxAgeMs?: number; maxEntries?: number };
  /**
   * Update checks through a JS database plugin answered from the in-memory snapshot, loaded
   * through the plugin's `getBundles` and decided natively (the plugin's `getUpdateInfo` is then
   * not called). On by default for upstream's `kyselyAdapter`, `drizzleAdapter`, `prismaAdapter`
   * and `mongoAdapter`; off by default for other plugins (`true` or an object opts in). Without a
   * `changeMarker()` the snapshot is reloaded every `maxAgeMs` (default 1500), probed every
   * `probeIntervalMs` (default 500). For a native database this applies when its own factory was
   * given no `snapshot`.
   */
  readonly snapshot?: boolean | { probeIntervalMs?: number; probeTimeoutMs?: number; maxAgeMs?: number; serveStaleForMs?: number };
  /**
   * Built-in protection, off unless given: every management route (`/api/bundles…`, and
   * `fileStorage`'s `/api/storage/…`) answers 401 `{"error":"Unauthorized"}` with
   * `WWW-Authenticate: Bearer` unless `Authorization: Bearer <bearerToken>` matches (constant-time)
   * or `verify` resolves to exactly `true` (a throw or rejection denies). Decided on the
   * route-relative path, so it holds however the handler is mounted. Update checks, `/version` and
   * file downloads stay public. `verify` must not consume the request body.
   */
  readonly auth?: ({ readonly bearerToken: string } | { verify(request: Request, context: TContext | undefined): boolean | Promise<boolean> }) & {
    /** Operate routes answered without credentials (load balancers and scrapers rarely send tokens). */
    readonly exempt?: readonly ("health" | "metrics")[];
  };
  /**
   * Hosts (`"updates.example.com"` for any port, `"127.0.0.1:3000"` for one) whose request Host may
   * appear in `fileStorage` download URLs when it has no `publicBaseUrl`; any other Host gets a
   * 400. Unset: every Host is used, as upstream does.
   */
  readonly trustedHosts?: readonly string[];
}

/** The operate routes of `routes` (all off by default). */
export interface OperateRoutes {
  explain?: boolean;
  metrics?: boolean;
  health?: boolean;
  adoption?: boolean;
}

/** One structured log record. */
export interface HotUpdaterLogRecord {
  time: string;
  level: "debug" | "info" | "warn" | "error";
  event: string;
  msg?: string;
  code?: string;
  message?: string;
  [key: string]: unknown;
}

/** `{ level?, write(record) }`, or any object with pino/console-style `info`/`warn`/`error` methods. */
export type HotUpdaterLogger =
  | { readonly level?: "debug" | "info" | "warn" | "error"; readonly slowMs?: number; write(record: HotUpdaterLogRecord): void }
  | {
      readonly level?: "debug" | "info" | "warn" | "error";
      readonly slowMs?: number;
      info(record: HotUpdaterLogRecord, msg?: string): void;
      warn(record: HotUpdaterLogRecord, msg?: string): void;
      error(record: HotUpdaterLogRecord, msg?: string): void;
      debug?(record: HotUpdaterLogRecord, msg?: string): void;
    };

/** The data API (upstream's `DatabaseAPI`). */
export interface DatabaseAPI<TContext = unknown> {
  getBundleById(id: string, context?: TContext): Promise<Bundle | null>;
  getUpdateInfo(args: GetBundlesArgs, context?: TContext): Promise<UpdateInfo | null>;
  getAppUpdateInfo(args: GetBundlesArgs, context?: TContext): Promise<AppUpdateAvailableInfo | null>;
  getChannels(context?: TContext): Promise<string[]>;
  getBundles(options: DatabaseBundleQueryOptions, context?: TContext): Promise<PaginatedResult>;
  insertBundle(bundle: Bundle, context?: TContext): Promise<void>;
  updateBundleById(bundleId: string, patch: Partial<Bundle>, context?: TContext): Promise<void>;
  deleteBundleById(bundleId: string, context?: TContext): Promise<void>;
}

/** What `createHotUpdater` returns (upstream's `RuntimeHotUpdaterAPI`), plus `close()`. */
export type RuntimeHotUpdaterAPI<TContext = unknown> = DatabaseAPI<TContext> & {
  readonly basePath: string;
  /** Web `Request` in, Web `Response` out; mount it in Hono, Elysia, or Express via `toNodeHandler`. */
  readonly handler: (request: Request, context?: TContext) => Promise<Response>;
  readonly adapterName: string;
  /** Releases database pools and connections (not enumerable; upstream has no equivalent). */
  close(): Promise<void>;
  /**
   * Starts the built-in HTTP/1.1 server (not enumerable; upstream has no equivalent). It answers
   * exactly as `handler` does, without entering JavaScript for update checks, `/version` and the
   * bundle API. `auth.bearerToken` is checked natively; with `auth.verify` it rejects
   * (`ERR_HOT_UPDATER_CONFIG`): mount `handler` in a framework to keep `verify`.
   */
  listen(options?: ListenOptions): Promise<ListenHandle>;
  /** This server's metrics in the Prometheus text format (not enumerable; ours). */
  metrics(): string;
};

/** Options of `hotUpdater.listen`. */
export interface ListenOptions {
  /** TCP port; 0 (the default) picks a free one (see `ListenHandle.port`). */
  port?: number;
  /** Address to bind (default `"0.0.0.0"`, every IPv4 interface; `"::"` for IPv6). */
  host?: string;
  /** Aborting it closes the listener (as `close()`). */
  signal?: AbortSignal;
  /** Time a client has to send a request head, also the idle time of a keep-alive connection (ms, default 30000). */
  headersTimeoutMs?: number;
  /** Time a client has to send a request body once its head is read (ms, default 120000; 408 after). */
  requestTimeoutMs?: number;
  /** Most request headers (default 100; more: the connection is refused with 431). */
  maxHeaders?: number;
  /** Largest request head in bytes (default 65536, at least 8192; larger: 431). */
  maxHeaderBytes?: number;
}

/** A running `listen` server. */
export interface ListenHandle {
  /** The bound port. */
  readonly port: number;
  /** The bound address. */
  readonly host: string;
  /** Stops accepting, lets in-flight requests finish, closes connections; idempotent. */
  close(): Promise<void>;
  /** Lets the process exit while the listener is open. */
  unref(): ListenHandle;
  /** Undoes `unref()`. */
  ref(): ListenHandle;
}

export type HotUpdaterAPI<TContext = unknown> = RuntimeHotUpdaterAPI<TContext>;

export declare function createHotUpdater<TContext = unknown>(options: CreateHotUpdaterOptions<TContext>): HotUpdaterAPI<TContext>;

/** Native SQLite (bundled). `path` is a file path (its folder is created) or `":memory:"`. */
export declare function sqliteDatabase(config: { path: string } & SqlPoolOptions): NativeDatabase;

export declare class HotUpdaterSchemaMigrationRequiredError extends Error {
  readonly adapterName: string;
  readonly currentVersion: string | undefined;
}

export declare const HOT_UPDATER_SERVER_VERSION: string;

/** Pool and migration options of the native SQL databases. */
export interface SqlPoolOptions {
  /** Largest pool size (default 10; 4 for an SQLite file; `:memory:` always 1). */
  maxConnections?: number;
  minConnections?: number;
  acquireTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** SQLite only: lock wait (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Create or upgrade the schema on first use (default true for SQLite, false otherwise). */
  autoMigrate?: boolean;
  /** The update-check snapshot's freshness, or `false` to query the database on every check. */
  snapshot?: false | { probeIntervalMs?: number; probeTimeoutMs?: number; maxAgeMs?: number; serveStaleForMs?: number };
}

/** Native PostgreSQL on upstream's schema. */
export declare function postgresDatabase(config: { connectionString: string } & SqlPoolOptions): NativeDatabase;

/** Native MySQL / MariaDB on upstream's schema. */
export declare function mysqlDatabase(config: { connectionString: string } & SqlPoolOptions): NativeDatabase;

/** Options of the native MongoDB database (all optional; they override the connection string's own). */
export interface MongoDatabaseOptions {
  /** A `mongodb://` or `mongodb+srv://` connection string; its path names the database (`test` when it names none). */
  url: string;
  /** `maxPoolSize` (default 10). */
  maxConnections?: number;
  /** `minPoolSize`. */
  minConnections?: number;
  /** `maxIdleTimeMS`. */
  idleTimeoutMs?: number;
  /** `connectTimeoutMS`. */
  connectTimeoutMs?: number;
  /** `serverSelectionTimeoutMS`: how long an operation waits for a usable server (default 30000). */
  serverSelectionTimeoutMs?: number;
  /** Create the collections and indexes on first use when the schema is missing or older (default false). */
  autoMigrate?: boolean;
  /** Nameserver(s) for `mongodb+srv://` lookups, `"host[:port]"`, comma-separated (default: `HOT_UPDATER_DNS_SERVER`, else /etc/resolv.conf). */
  dnsServer?: string;
  /** The update-check snapshot's freshness, or `false` to query the database on every check. */
  snapshot?: SqlPoolOptions["snapshot"];
}

/** Native MongoDB on upstream's `mongoAdapter` layout (collections `bundles`, `bundle_patches`, `private_hot_updater_settings`). */
export declare function mongoDatabase(config: MongoDatabaseOptions): NativeDatabase;

/** Options of the native S3 database: upstream's `S3DatabaseConfig` (`@hot-updater/aws`) plus `cloudfrontEndpoint` and timeouts. */
export interface S3DatabaseOptions {
  bucketName: string;
  /** Prefix of every object (leading and trailing `/` ignored). */
  basePath?: string;
  /** Default: `AWS_REGION`, else the AWS SDK's region chain. */
  region?: string;
  /** S3-compatible endpoint (default: `AWS_ENDPOINT_URL`, else AWS). */
  endpoint?: string | URL | { url: string | URL };
  /** Default: `AWS_S3_FORCE_PATH_STYLE`, else `true` with an endpoint. */
  forcePathStyle?: boolean;
  /** Static keys; without them the AWS SDK's default credential chain is used. */
  credentials?: S3Credentials;
  /** CloudFront distribution whose cached update checks are invalidated after each change (omitted or empty: none). */
  cloudfrontDistributionId?: string;
  /** CloudFront's API endpoint (default `https://cloudfront.amazonaws.com`). */
  cloudfrontEndpoint?: string | URL;
  /** Wait until the invalidation completes, and fail the change when it fails (default false: failures are logged). */
  shouldWaitForInvalidation?: boolean;
  /** The update-check path prefix that is invalidated (default `/api/check-update`). */
  apiBasePath?: string;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** The update-check snapshot's freshness (default `maxAgeMs` 10000: the longest a write by another tool stays unseen), or `false` to read S3 on every check. */
  snapshot?: SqlPoolOptions["snapshot"];
}

/** Native blob database on S3 in upstream's `s3Database` layout (`<channel>/<platform>/<target>/update.json`, `target-app-versions.json`). */
export declare function s3Database(config: S3DatabaseOptions): NativeDatabase;

/** A native storage made by `s3Storage()`, `r2Storage()`, `supabaseStorage()`, `firebaseStorage()` or `withCloudFrontSignedUrl()`; pass it in `storages`. */
export interface NativeStorage {
  readonly name: string;
  readonly supportedProtocol: "s3" | "r2" | "supabase-storage" | "gs";
  readonly [nativeStorageBrand]: true;
}

/** Static S3 credentials (credential provider functions are not supported natively). */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Options the native S3 and R2 storages add to upstream's config (all optional). */
export interface NativeS3StorageOptions {
  /** Lifetime of presigned download URLs in seconds (1 to 604800). @default 3600 */
  expiresIn?: number;
  /** Serve unsigned `publicBaseUrl/<key>` URLs (a CDN or public bucket) instead of presigned ones. */
  publicBaseUrl?: string;
  /**
   * Reuse a presigned URL while more than half its lifetime is left, and keep manifest texts by
   * storage URI (bounded: 10,000 URLs, 16 MiB of text). @default true
   */
  cache?: boolean;
  /** @default 5000 */
  connectTimeoutMs?: number;
  /** Whole-request timeout of GetObject calls. @default 15000 */
  requestTimeoutMs?: number;
}

/** `@hot-updater/aws`'s `s3Storage` config (the S3 client options the native storage uses). */
export interface S3StorageConfig extends NativeS3StorageOptions {
  bucketName: string;
  /** @default process.env.AWS_REGION */
  region?: string;
  /** @default process.env.AWS_ENDPOINT_URL */
  endpoint?: string | URL | { url: string | URL };
  /** @default true if `AWS_S3_FORCE_PATH_STYLE` is 1/true/yes/on or an endpoint is set */
  forcePathStyle?: boolean;
  /** @default AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN */
  credentials?: S3Credentials;
  /** Accepted for config compatibility (used by the CLI's upload profile only). */
  basePath?: string;
}

/** `@hot-updater/cloudflare`'s `r2Storage` config (R2's S3 API). */
export interface R2StorageConfig extends NativeS3StorageOptions {
  bucketName: string;
  /** Builds the endpoint `https://<accountId>.r2.cloudflarestorage.com`. */
  accountId?: string;
  endpoint?: string | URL | { url: string | URL };
  /** @default "auto" */
  region?: string;
  /** @default true */
  forcePathStyle?: boolean;
  /** R2 S3 API credentials; without them every runtime call fails, as upstream's Wrangler mode does. */
  credentials?: S3Credentials;
  basePath?: string;
}

/** Native S3 storage for `s3://<bucket>/<key>` URIs: SigV4 presigned downloads, GetObject for manifests. */
export declare function s3Storage(config: S3StorageConfig): NativeStorage;

/** Native Cloudflare R2 storage for `r2://<bucket>/<key>` URIs, through R2's S3 API. */
export declare function r2Storage(config: R2StorageConfig): NativeStorage;

/** Caching and timeouts of the native Supabase and Cloud Storage storages (all optional). */
export interface NativeNetworkStorageOptions {
  /**
   * Reuse a signed URL while more than half its lifetime is left, and keep manifest texts by
   * storage URI (bounded: 10,000 URLs, 16 MiB of text). @default true
   */
  cache?: boolean;
  /** @default 5000 */
  connectTimeoutMs?: number;
  /** Whole-request timeout of calls to the storage service. @default 15000 */
  requestTimeoutMs?: number;
}

/** `@hot-updater/supabase`'s `supabaseStorage` config. */
export interface SupabaseStorageConfig extends NativeNetworkStorageOptions {
  supabaseUrl: string;
  /** The service-role key; upstream also accepts the anon key in its place. */
  supabaseServiceRoleKey?: string;
  supabaseAnonKey?: string;
  bucketName: string;
  /** Lifetime of signed download URLs in seconds. @default 3600 */
  expiresIn?: number;
  /** Accepted for config compatibility (used by the CLI's upload profile only). */
  basePath?: string;
}

/** A service-account key in the key file's spelling or in firebase-admin's `cert()` spelling. */
export type ServiceAccountKey = { client_email: string; private_key: string } | { clientEmail: string; privateKey: string };

/** `@hot-updater/firebase`'s `firebaseStorage` config, with the service-account key signing needs. */
export interface FirebaseStorageConfig extends NativeNetworkStorageOptions {
  storageBucket: string;
  /** firebase-admin's `cert(serviceAccount)` (or any object with `clientEmail` and `privateKey`). */
  credential?: ServiceAccountKey | object;
  /** The key file's JSON, or its path. Used when `credential` is not given. */
  serviceAccount?: ServiceAccountKey | string;
  /** @default "https://storage.googleapis.com" */
  apiEndpoint?: string;
  /**
   * `"v4"` (GOOG4-RSA-SHA256), or `"v2"`, which is what upstream's plugin produces, byte for byte.
   * @default "v4"
   */
  signedUrlVersion?: "v4" | "v2";
  /** Lifetime of signed download URLs in seconds (at most 604800). @default 3600 */
  expiresIn?: number;
  /** Accepted for config compatibility (firebase-admin app options and the CLI's upload profile). */
  basePath?: string;
  projectId?: string;
}

/**
 * Native Supabase Storage for `supabase-storage://<bucket>/<key>` URIs: signed URLs from the
 * storage REST API (cached for half their lifetime), authenticated downloads for manifests.
 */
export declare function supabaseStorage(config: SupabaseStorageConfig): NativeStorage;

/**
 * Native Cloud Storage for Firebase for `gs://<bucket>/<key>` URIs: signed URLs computed locally
 * from the service-account key (the URI's bucket is not checked, as upstream), manifests read
 * through a signed URL. Without a key, use @hot-updater/firebase's plugin (accepted as a JS plugin).
 */
export declare function firebaseStorage(config: FirebaseStorageConfig): NativeStorage;

/** Where `withCloudFrontSignedUrl` gets the PEM private key: a function, or an SSM parameter. */
export type CloudFrontPrivateKeySource =
  | {
      /** Resolves to the PEM RSA private key (PKCS#1 or PKCS#8); called once, on first use. */
      getPrivateKey: () => string | Promise<string>;
      ssmParameterName?: never;
      ssmRegion?: never;
    }
  | {
      getPrivateKey?: never;
      /** A SecureString parameter holding `{"privateKey": "<PEM>"}`; read with @aws-sdk/client-ssm (install it). */
      ssmParameterName: string;
      ssmRegion: string;
    };

/** `@hot-updater/aws`'s `withCloudFrontSignedUrl` options. */
export type WithCloudFrontSignedUrlOptions<TContext = unknown> = CloudFrontPrivateKeySource & {
  /** The CloudFront public key's id (`Key-Pair-Id`). */
  keyPairId: string;
  /** The distribution's base URL (its path is replaced by the object's), or a function of the request context returning it. */
  publicBaseUrl: string | ((context?: { request?: Request; env?: unknown } & TContext) => string | Promise<string>);
  /** Lifetime of the signed URLs in seconds. @default 31536000 (one year) */
  expiresSeconds?: number;
  /** Reuse a signed URL while more than half its lifetime is left (string `publicBaseUrl` only). @default true */
  cache?: boolean;
};

/**
 * `s3://` download URLs of `storage` become CloudFront signed URLs (canned policy, RSA-SHA1), equal
 * to `@aws-sdk/cloudfront-signer`'s `getSignedUrl`; other URIs and manifest reads go to `storage`.
 * `storage` is `s3Storage(...)` or a storage plugin (or its factory).
 */
export declare function withCloudFrontSignedUrl<TContext = unknown>(
  storage: NativeStorage | RuntimeStoragePlugin<TContext> | StoragePluginFactory<TContext>,
  config: WithCloudFrontSignedUrlOptions<TContext>,
): NativeStorage;

/** `@hot-updater/aws`'s `s3LambdaEdgeStorage` config: `s3Storage`'s plus `withCloudFrontSignedUrl`'s. */
export type S3LambdaEdgeStorageConfig = Omit<S3StorageConfig, "publicBaseUrl"> & WithCloudFrontSignedUrlOptions;

/** `withCloudFrontSignedUrl(s3Storage(config), config)`. */
export declare function s3LambdaEdgeStorage(config: S3LambdaEdgeStorageConfig): NativeStorage;

/** Upstream's other name of `s3LambdaEdgeStorage`. */
export declare const awsLambdaEdgeStorage: typeof s3LambdaEdgeStorage;

/** Options of `fileStorage`. */
export interface FileStorageConfig {
  /** Folder that holds the files (created if missing); `<dir>/<key>` is the file of a key. */
  dir: string;
  /**
   * Where the files are downloaded from (a CDN, or a web server serving `dir`): URLs become
   * `<publicBaseUrl>/<key>`. Unset: `<request origin><basePath>/files/<key>` on this server, which
   * needs a request, so the JS methods (`getAppUpdateInfo`) then fail with a clear error.
   */
  publicBaseUrl?: string;
  /** Largest accepted upload (the file part), in bytes; larger ones get 413. @default 536870912 (512 MiB) */
  maxUploadBytes?: number;
}

/** A storage made by `fileStorage()`; pass it in `storages`. */
export interface FileStorage {
  readonly name: "fileStorage";
  readonly supportedProtocol: "file-storage";
  readonly [nativeStorageBrand]: true;
}

/**
 * Bundles on the server's own disk, no cloud account needed. Stored URIs are
 * `file-storage://local/<key>` (never the server's host, so moving the server keeps old bundles
 * valid). The handler then also answers `GET/HEAD <basePath>/files/<key>` (ETag, Range, 304), and,
 * with `routes.bundles`, the upload API upstream's `standaloneStorage` calls:
 * `POST <basePath>/api/storage/upload`, `DELETE …/delete`, `POST …/readText`, `POST …/getDownloadUrl`.
 */
export declare function fileStorage(config: FileStorageConfig): FileStorage;
