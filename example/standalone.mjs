// A complete hot-updater-rs server without a framework: the built-in HTTP/1.1 listener, a local
// SQLite database and bundle files on this disk.
//
//   node example/standalone.mjs
//   PORT=8080 HOST=0.0.0.0 HOT_UPDATER_TOKEN=secret node example/standalone.mjs
//
// Update checks (what the React Native SDK calls) are public:
//   GET /hot-updater/app-version/:platform/:appVersion/:channel/:minBundleId/:bundleId[/:cohort]
//   GET /hot-updater/fingerprint/:platform/:fingerprintHash/:channel/:minBundleId/:bundleId[/:cohort]
// They, /hot-updater/version and the bundle API (/hot-updater/api/bundles…) are answered natively,
// without entering JavaScript. Bundle files are served at /hot-updater/files/<key>; the CLI
// uploads them with
//   standaloneStorage({ baseUrl: "http://host:3000/hot-updater/api/storage", commonHeaders: { Authorization: "Bearer <token>" } })
import { createHotUpdater, fileStorage, sqliteDatabase } from "hot-updater-rs";

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
const token = process.env.HOT_UPDATER_TOKEN;

const hotUpdater = createHotUpdater({
  database: sqliteDatabase({ path: "./data/hot-updater.db" }), // the folder is created if missing
  storages: [fileStorage({ dir: "./data/files" })],
  basePath: "/hot-updater",
  routes: { updateCheck: true, bundles: true },
  // PRODUCTION: the management API (/hot-updater/api/*) requires `Authorization: Bearer <token>`
  // when HOT_UPDATER_TOKEN is set. The listener checks `bearerToken` natively; `auth.verify` (a JS
  // function) is refused by listen(): mount `handler` in a framework to use it.
  auth: token ? { bearerToken: token } : undefined,
});
if (!token) console.warn("HOT_UPDATER_TOKEN is not set: /hot-updater/api/* is open to anyone who can reach this server.");

// SIGINT / SIGTERM abort the signal: the listener stops accepting, finishes in-flight requests
// and closes its connections.
const shutdown = new AbortController();
const listener = await hotUpdater.listen({ port, host, signal: shutdown.signal });
console.log(`Hot Updater server listening on http://${host}:${listener.port}/hot-updater`);

async function stop(signal) {
  if (shutdown.signal.aborted) return;
  console.log(`${signal} received, shutting down…`);
  shutdown.abort();
  try {
    await listener.close(); // resolves once in-flight requests are answered
    await hotUpdater.close(); // then the database
  } catch (error) {
    console.error("Shutdown failed:", error);
    process.exitCode = 1;
  }
}

process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
