// Upstream plugin shapes are accepted where upstream accepts them: a database plugin object, a
// factory with capabilities, runtime storage plugins and their factories, a typed context.
import { createHotUpdater, fileStorage, firebaseStorage, mysqlDatabase, r2Storage, s3Database, s3LambdaEdgeStorage, s3Storage, supabaseStorage, withCloudFrontSignedUrl } from "hot-updater-rs";
import type { Bundle, DatabasePlugin, Paginated, RuntimeStoragePlugin } from "hot-updater-rs";
import { createMigrator, generateSchema } from "hot-updater-rs/db";
import type { Migrator } from "hot-updater-rs/db";

type Ctx = { tenant: string };
const rows: Bundle[] = [];

const memory: DatabasePlugin<Ctx> = {
  name: "memory",
  async getChannels(context) {
    return context ? [context.tenant] : ["production"];
  },
  async getBundleById(id) {
    return rows.find((row) => row.id === id) ?? null;
  },
  async getBundles(options): Promise<Paginated<Bundle[]>> {
    const data = rows.slice(0, options.limit);
    return { data, pagination: { total: data.length, hasNextPage: false, hasPreviousPage: false, currentPage: 1, totalPages: 1 } };
  },
  async updateBundle() {},
  async appendBundle(bundle) {
    rows.push(bundle);
  },
  async commitBundle() {},
  async deleteBundle() {},
};

const storage: RuntimeStoragePlugin<Ctx> = {
  name: "cdn",
  supportedProtocol: "cdn",
  profiles: {
    runtime: {
      getDownloadUrl: async (uri, context) => ({ fileUrl: `https://cdn.example.com/${context?.tenant}/${uri.slice(6)}` }),
      readText: async () => null,
    },
  },
};

const fromFactory = Object.assign(() => memory, { adapterName: "memory", provider: "sqlite" as const });
const hotUpdater = createHotUpdater<Ctx>({
  database: fromFactory,
  storages: [
    storage,
    () => storage,
    fileStorage({ dir: "./data/files" }),
    r2Storage({ bucketName: "b", accountId: "a", credentials: { accessKeyId: "k", secretAccessKey: "s" } }),
    supabaseStorage({ supabaseUrl: "https://x.supabase.co", supabaseServiceRoleKey: "key", bucketName: "b" }),
    firebaseStorage({ storageBucket: "b.appspot.com", serviceAccount: "./key.json" }),
  ],
});
const withObject = createHotUpdater({ database: memory, storagePlugins: [storage] });
const withMysql = createHotUpdater({ database: mysqlDatabase({ connectionString: "mysql://root@127.0.0.1/test" }) });
export const withS3 = createHotUpdater({
  database: s3Database({ bucketName: "b", basePath: "db", region: "us-east-1", cloudfrontDistributionId: "E1", shouldWaitForInvalidation: false, snapshot: { maxAgeMs: 5000 } }),
});

export async function use(): Promise<string[]> {
  const bundle: Bundle | null = await hotUpdater.getBundleById("x", { tenant: "a" });
  const page = await hotUpdater.getBundles({ limit: 10, where: { channel: "production" } });
  const info = await hotUpdater.getAppUpdateInfo({ _updateStrategy: "appVersion", platform: "ios", appVersion: "1.0.0", bundleId: "x" });
  const migrator: Migrator = createMigrator(withMysql);
  await migrator.migrateToLatest();
  await generateSchema(withObject, "latest");
  const response: Response = await hotUpdater.handler(new Request("http://localhost/api/version"), { tenant: "a" });
  return [bundle?.id ?? "", String(page.pagination.total), info?.fileUrl ?? "", String(response.status)];
}

// CloudFront signed URLs over the native S3 storage and over a storage plugin factory.
const cloudFront = withCloudFrontSignedUrl(s3Storage({ bucketName: "b", region: "us-east-1" }), {
  keyPairId: "K2JCJMDEHXQW5F",
  publicBaseUrl: "https://d111111abcdef8.cloudfront.net",
  getPrivateKey: async () => "-----BEGIN PRIVATE KEY-----",
  expiresSeconds: 3600,
});
const edge = s3LambdaEdgeStorage({
  bucketName: "b",
  region: "us-east-1",
  keyPairId: "K",
  publicBaseUrl: (context) => new URL(context?.request?.url ?? "https://d.example").origin,
  ssmParameterName: "/hot-updater/cloudfront",
  ssmRegion: "us-east-1",
});
const pluginFactory = (): RuntimeStoragePlugin => ({
  name: "custom",
  supportedProtocol: "s3",
  profiles: { runtime: { getDownloadUrl: async (uri) => ({ fileUrl: uri }), readText: async () => null } },
});
export const cloudFrontStorages = createHotUpdater({
  database: mysqlDatabase({ connectionString: "mysql://root@127.0.0.1/test" }),
  storages: [cloudFront, edge, withCloudFrontSignedUrl(pluginFactory, { keyPairId: "K", publicBaseUrl: "https://d.example", getPrivateKey: () => "pem" })],
});
