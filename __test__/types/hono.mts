// The README's Hono quick start, typed.
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createHotUpdater, s3Storage, sqliteDatabase } from "hot-updater-rs";

const hotUpdater = createHotUpdater({
  database: sqliteDatabase({ path: "./data/hot-updater.db" }),
  storages: [s3Storage({ bucketName: "bundles", region: "us-east-1" })],
  basePath: "/hot-updater",
  routes: { updateCheck: true, bundles: true },
});

const app = new Hono();
app.all("/hot-updater/*", (c) => hotUpdater.handler(c.req.raw));
app.mount("/hot-updater", hotUpdater.handler);
const server = serve({ fetch: app.fetch, port: 3000 });
server.close(async () => {
  await hotUpdater.close();
});
