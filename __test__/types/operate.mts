// The operate options and `metrics()`, typed.
import { createHotUpdater, sqliteDatabase } from "hot-updater-rs";
import type { HotUpdaterLogRecord } from "hot-updater-rs";

const records: HotUpdaterLogRecord[] = [];
const hotUpdater = createHotUpdater({
  database: sqliteDatabase({ path: "./data/hot-updater.db" }),
  basePath: "/hot-updater",
  routes: { updateCheck: true, bundles: true, explain: true, metrics: true, health: true, adoption: true },
  auth: { bearerToken: "token", exempt: ["health", "metrics"] },
  metrics: { adoptionLabels: true },
  adoption: { windowMinutes: 30, maxKeys: 5000 },
  health: { timeoutMs: 1000, staleIsHealthy: true },
  logger: { level: "warn", slowMs: 500, write: (record) => records.push(record) },
});
const text: string = hotUpdater.metrics();
void text;
createHotUpdater({ database: sqliteDatabase({ path: ":memory:" }), logger: console, metrics: true });
