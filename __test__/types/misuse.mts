// Deliberate misuse: every line marked `expect TSnnnn` must fail to compile with that error, and
// no other line may fail (__test__/types.test.mjs checks both).
import { createHotUpdater, s3Storage, sqliteDatabase } from "hot-updater-rs";
import type { DatabasePlugin, RuntimeStoragePlugin } from "hot-updater-rs";
import { toNodeHandler } from "hot-updater-rs/node";

const database = sqliteDatabase({ path: ":memory:" });
const runtime = { getDownloadUrl: async () => ({ fileUrl: "https://x" }), readText: async () => null };

createHotUpdater({ database: "sqlite" }); // expect TS2322
createHotUpdater({ database: { name: "sqlite" } }); // expect TS2322
createHotUpdater({ database: {} }); // expect TS2322
createHotUpdater({ database, storages: [{ name: "s3Storage", supportedProtocol: "s3" }] }); // expect TS2322
createHotUpdater({ database, storages: ["s3"] }); // expect TS2322
createHotUpdater({ database, storages: [{ name: "cdn", supportedProtocol: "cdn", profiles: {} }] }); // expect TS2322
createHotUpdater({ database, routes: { updateCheck: "yes" } }); // expect TS2322
createHotUpdater({ database, basePath: 42 }); // expect TS2322
createHotUpdater({ database, routes: { metrics: "yes" } }); // expect TS2322
createHotUpdater({ database, auth: { bearerToken: "t", exempt: ["bundles"] } }); // expect TS2322
createHotUpdater({ storages: [] }); // expect TS2345
sqliteDatabase({}); // expect TS2345
s3Storage({ region: "us-east-1" }); // expect TS2345
toNodeHandler({}); // expect TS2345

const incomplete: DatabasePlugin = { name: "x", getChannels: async () => [], getBundleById: async () => null }; // expect TS2739
const badUrl: RuntimeStoragePlugin = { name: "x", supportedProtocol: "x", profiles: { runtime: { ...runtime, getDownloadUrl: async () => "https://x" } } }; // expect TS2322

const typed = createHotUpdater<{ tenant: string }>({ database });
typed.getChannels({ tenant: 1 }); // expect TS2322
typed.getAppUpdateInfo({ _updateStrategy: "appVersion", platform: "web", appVersion: "1.0.0", bundleId: "x" }); // expect TS2322
typed.getAppUpdateInfo({ _updateStrategy: "fingerprint", platform: "ios", appVersion: "1.0.0", bundleId: "x" }); // expect TS2353
typed.insertBundle({ id: "x" }); // expect TS2345
export { incomplete, badUrl };
