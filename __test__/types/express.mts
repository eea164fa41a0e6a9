// The README's Express quick start, typed.
import express from "express";
import { createHotUpdater, postgresDatabase } from "hot-updater-rs";
import { toNodeHandler } from "hot-updater-rs/node";

const hotUpdater = createHotUpdater({
  database: postgresDatabase({ connectionString: "postgres://postgres@127.0.0.1/test", autoMigrate: true, snapshot: { probeIntervalMs: 500 } }),
  basePath: "/hot-updater",
});
const app = express();
app.use("/hot-updater", toNodeHandler(hotUpdater));
app.listen(3000);
