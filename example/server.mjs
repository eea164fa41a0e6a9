// A complete hot-updater-rs server: Hono on Node with a local SQLite database.
//
//   npm start                       # or: node example/server.mjs
//   PORT=8080 HOST=0.0.0.0 HOT_UPDATER_TOKEN=secret node example/server.mjs
//
// Update checks (what the React Native SDK calls) are public:
//   GET /hot-updater/app-version/:platform/:appVersion/:channel/:minBundleId/:bundleId[/:cohort]
//   GET /hot-updater/fingerprint/:platform/:fingerprintHash/:channel/:minBundleId/:bundleId[/:cohort]
// The bundle management API (/hot-updater/api/bundles…) can create, change and delete bundles.
// Bundle files are served at /hot-updater/files/<key>; the CLI uploads them with
//   standaloneStorage({ baseUrl: "http://host:3000/hot-updater/api/storage", commonHeaders: { Authorization: "Bearer <token>" } })
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createHotUpdater, fileStorage, sqliteDatabase } from "hot-updater-rs";

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOST ?? "127.0.0.1";
const token = process.env.HOT_UPDATER_TOKEN;

const hotUpdater = createHotUpdater({
  database: sqliteDatabase({ path: "./data/hot-updater.db" }), // the folder is created if missing
  // Bundles on this disk: downloads at /hot-updater/files/<key>, uploads through /hot-updater/api/storage/*.
  storages: [fileStorage({ dir: "./data/files" })],
  basePath: "/hot-updater",
  routes: { updateCheck: true, bundles: true },
  // PRODUCTION: the management API (/hot-updater/api/*) requires `Authorization: Bearer <token>`
  // when HOT_UPDATER_TOKEN is set, however the handler is mounted (leave it unset only for local
  // development). Update checks, /version and file downloads stay public.
  auth: token ? { bearerToken: token } : undefined,
});
if (!token) console.warn("HOT_UPDATER_TOKEN is not set: /hot-updater/api/* is open to anyone who can reach this server.");

const app = new Hono();
app.all("/hot-updater/*", (c) => hotUpdater.handler(c.req.raw));

const server = serve({ fetch: app.fetch, port, hostname }, (info) => {
  console.log(`Hot Updater server listening on http://${hostname}:${info.port}/hot-updater`);
});

let shuttingDown = false;
async function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(`${signal} received, shutting down…`);
  try {
    // Stop accepting connections and finish in-flight requests, then release the database.
    await new Promise((resolve) => server.close(() => resolve()));
    await hotUpdater.close();
    process.exit(0);
  } catch (error) {
    console.error("Shutdown failed:", error);
    process.exit(1);
  }
}

process.on("SIGINT", () => shutdown("SIGINT"));
process.on("SIGTERM", () => shutdown("SIGTERM"));
