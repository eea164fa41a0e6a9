// The results table: printed, written to bench/results/latest.json, and put into BENCHMARKS.md
// between <!-- results:start --> and <!-- results:end -->.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { IMPLS, LABELS, OPERATE_IMPLS } from "./servers.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// A run on MongoDB or MySQL alone, a `--database kysely|drizzle` run and a `--versions spread` run each have a section (and a latest-*.json)
// of their own, so that they do not replace the main table.
function section(report) {
  if (report.options?.operate) return { name: "latest-operate.json", markers: ["<!-- results-operate:start -->", "<!-- results-operate:end -->"] };
  if (report.options?.versions === "spread") return { name: "latest-spread.json", markers: ["<!-- results-spread:start -->", "<!-- results-spread:end -->"] };
  const database = report.options?.database;
  if (database && database !== "native") return { name: `latest-${database}.json`, markers: [`<!-- results-${database}:start -->`, `<!-- results-${database}:end -->`] };
  if (report.options?.dbs?.every((db) => db === "mysql")) return { name: "latest-mysql.json", markers: ["<!-- mysql-results:start -->", "<!-- mysql-results:end -->"] };
  if (report.options?.dbs?.every((db) => db === "mongo")) return { name: "latest-mongo.json", markers: ["<!-- mongo-results:start -->", "<!-- mongo-results:end -->"] };
  return { name: "latest.json", markers: ["<!-- results:start -->", "<!-- results:end -->"] };
}
const HEADINGS = {
  sqlite: "SQLite (each server its own copy of one file)",
  postgres: "PostgreSQL (one database, both servers)",
  mysql: "MySQL protocol on MariaDB (one database, both servers; upstream on Kysely + mysql2)",
  mongo: "MongoDB wire protocol on SecantusDB 0.7.0b3, one-node replica set (one database, both servers; upstream on its own `mongoAdapter`)",
};

/** Columns: [title, value of one server's result, digits]. */
const COLUMNS = [
  ["c=1 checks/s", (s) => s.inproc?.[1]?.perSecond, 0],
  ["c=32 checks/s", (s) => s.inproc?.[32]?.perSecond, 0],
  ["p50 ms c=1", (s) => s.inproc?.[1]?.p50Ms, 3],
  ["p99 ms c=1", (s) => s.inproc?.[1]?.p99Ms, 3],
  ["p99 ms c=32", (s) => s.inproc?.[32]?.p99Ms, 2],
  ["CPU ms/check c=32", (s) => s.inproc?.[32]?.cpuMsPerCheck, 3],
  ["HTTP checks/s", (s) => s.http?.perSecond, 0],
  ["HTTP p50 ms", (s) => s.http?.p50Ms, 2],
  ["HTTP p99 ms", (s) => s.http?.p99Ms, 2],
  // hot-updater-rs: its own `listen()`; the ceiling: constant JSON on bare `node:http`.
  ["no-framework HTTP checks/s", (s) => s.httpNative?.perSecond, 0],
  ["no-framework HTTP p99 ms", (s) => s.httpNative?.p99Ms, 2],
  ["no-framework peak RSS MB", (s) => s.httpNative?.maxRssMB, 0],
  ["HTTP node-server 1.x checks/s", (s) => s.httpHono1?.perSecond, 0],
  ["HTTP node-server 1.x p99 ms", (s) => s.httpHono1?.p99Ms, 2],
  ["Express HTTP checks/s", (s) => s.httpExpress?.perSecond, 0],
  ["Express HTTP p99 ms", (s) => s.httpExpress?.p99Ms, 2],
  ["Bun HTTP checks/s", (s) => s.bunHttp?.perSecond, 0],
  ["Bun HTTP p99 ms", (s) => s.bunHttp?.p99Ms, 2],
  ["Bun peak RSS MB", (s) => s.bunHttp?.maxRssMB, 0],
  ["peak RSS MB", (s) => s.http?.maxRssMB ?? s.inprocMemory?.maxRssMB, 0],
  ["RSS after load MB", (s) => s.http?.rssMB ?? s.inprocMemory?.rssMB, 0],
  ["import→1st check ms", (s) => s.startup?.importToFirstCheckMs, 0],
  ["1st check→full speed ms", (s) => s.settled?.toFullSpeedMs, 0],
];

const fmt = (v, digits) => (typeof v !== "number" || !Number.isFinite(v) ? "–" : v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const ratio = (a, b) => (typeof a === "number" && typeof b === "number" && b > 0 ? `${(a / b).toFixed(2)}×` : "–");

/** The median of the two off runs and of the two on runs, per column, and their ratio. */
function operateRows(result) {
  const out = [];
  for (const impl of OPERATE_IMPLS) {
    const s = result.servers[impl];
    out.push([result.n.toLocaleString("en-US"), s?.error ? `${LABELS[impl]} (error)` : LABELS[impl], ...COLUMNS.map(([, get, d]) => (s ? fmt(get(s), d) : "–"))]);
  }
  const mean = (get, impls) => {
    const v = impls.map((i) => result.servers[i]).filter(Boolean).map(get).filter((x) => typeof x === "number");
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : undefined;
  };
  out.push([
    result.n.toLocaleString("en-US"),
    "operate on / off (mean of 2 runs each)",
    ...COLUMNS.map(([, get]) => ratio(mean(get, ["ours-operate", "ours-operate-2"]), mean(get, ["ours", "ours-2"]))),
  ]);
  return out;
}

/** Rows of one (db, N) result: one per server, then ours/upstream and ours/ceiling. */
function rows(result) {
  if (result.operate) return operateRows(result);
  const out = [];
  for (const impl of IMPLS) {
    const s = result.servers[impl];
    const label = impl === "ours" && !result.verified ? `${LABELS.ours} (NOT TIMED: ${result.mismatches ? "answers differ" : "not verified"})` : s?.error || s?.bunHttp?.error ? `${LABELS[impl]} (error, partly measured)` : LABELS[impl];
    out.push([result.n.toLocaleString("en-US"), label, ...COLUMNS.map(([, get, d]) => (s ? fmt(get(s), d) : "–"))]);
  }
  const ours = result.servers.ours;
  for (const other of ["upstream", "ceiling"]) {
    const s = result.servers[other];
    out.push([result.n.toLocaleString("en-US"), `ours/${other}`, ...COLUMNS.map(([, get]) => (ours && s ? ratio(get(ours), get(s)) : "–"))]);
  }
  return out;
}

/** "; listen(): …× the Hono constant-JSON ceiling, …× bare node:http's" (the listener's targets). */
function listenerVsCeilings(result) {
  const ours = result.servers.ours?.httpNative?.perSecond;
  const ceiling = result.servers.ceiling;
  if (typeof ours !== "number") return "";
  return `; hotUpdater.listen(): ${ratio(ours, ceiling?.http?.perSecond)} the constant-JSON ceiling on Hono/@hono/node-server 2.x, ${ratio(ours, ceiling?.httpNative?.perSecond)} the constant-JSON ceiling on bare node:http`;
}

/** "; through Hono: ours …, the verified answers replayed …" (what bounds ours through Hono). */
function honoVsReplay(result) {
  const ours = result.servers.ours?.http?.perSecond;
  const replayed = result.servers.ceiling?.httpReplay?.perSecond;
  if (typeof ours !== "number" || typeof replayed !== "number") return "";
  return `; through Hono on @hono/node-server 2.x, the verified answers replayed with no work: ${Math.round(replayed).toLocaleString("en-US")} checks/s (ours ${ratio(ours, replayed)} of that)`;
}

/** "; on Bun, X not measured: reason" for handlers that do not load in Bun. */
function notOnBun(result) {
  return IMPLS.filter((impl) => result.servers[impl]?.bunHttp?.notMeasured)
    .map((impl) => `; on Bun, ${LABELS[impl]} not measured: ${result.servers[impl].bunHttp.notMeasured}`)
    .join("");
}

const HEAD = ["N", "server", ...COLUMNS.map(([t]) => t)];

function markdown(report) {
  const m = report.machine;
  const lines = [
    `Command: \`${report.command}\` (${report.finishedAt})`,
    "",
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GiB, Linux ${m.kernel}, load average ${m.loadAverageAtStart?.[0] ?? "?"} at start and ${m.loadAverageAtEnd?.[0] ?? "?"} at end; Node ${m.node}. ` +
      `hot-updater-rs ${m.hotUpdaterRs} (git ${m.git ?? "?"}, addon built ${m.addon?.builtAt ?? "?"}, ${m.addon?.sizeMB ?? "?"} MB) vs @hot-updater/server ${m.upstream} ` +
      `(Kysely ${m.kysely}, better-sqlite3 ${m.betterSqlite3}${m.pg ? `, pg ${m.pg}` : ""}${m.mysql2 ? `, mysql2 ${m.mysql2}, server ${m.mysqlServer}` : ""}${m.mongodb ? `, mongodb ${m.mongodb}` : ""}); Hono ${m.hono} on @hono/node-server ${m.honoNodeServer} (the "HTTP" columns) and ${m.honoNodeServer1} (the "node-server 1.x" columns); Express ${m.express ?? "?"} (the "Express" columns)` +
      `${m.bun ? `; Elysia ${m.elysia} on Bun ${m.bun} (\`.mount("/hot-updater", handler)\`; the "Bun …" columns)` : "; Elysia on Bun not run"}; ${m.wrk ?? "wrk not installed"}.`,
    "",
  ];
  if (report.options?.database === "drizzle") {
    lines.push("Database: both servers run upstream's `drizzleAdapter` (the same plugin and driver: libSQL for SQLite, node-postgres for PostgreSQL; tables by upstream's Kysely migrator, Drizzle schema from upstream's generator); hot-updater-rs answers update checks from its snapshot, loaded through the plugin's `getBundles`.", "");
  }
  if (report.options?.database === "prisma") {
    lines.push("Database: both servers run upstream's `prismaAdapter` (the same plugin and client: Prisma 7 generated offline from upstream's models, its query compiler over `@prisma/adapter-better-sqlite3` for SQLite and `@prisma/adapter-pg` for PostgreSQL; tables as the harness seeds them); hot-updater-rs answers update checks from its snapshot, loaded through the plugin's `getBundles`.", "");
  }
  if (report.options?.database === "mongo-adapter") {
    lines.push("Database: both servers run upstream's `mongoAdapter` (the same plugin and `mongodb` driver, on SecantusDB); hot-updater-rs answers update checks from its snapshot, loaded through the plugin's `getBundles`.", "");
  }
  if (report.options?.database === "kysely") {
    lines.push("Database: both servers run upstream's `kyselyAdapter` (the same plugin, driver and boolean shim); hot-updater-rs answers update checks from its snapshot, loaded through the plugin's `getBundles`.", "");
  }
  lines.push(
    report.options?.storage === "plugin"
      ? "Storage: one JS storage plugin object (upstream's `mockStorage` behaviour) for both servers."
      : "Storage: S3 presigned URLs for bundles at `s3://hot-updater-bench/...` (no S3 server is contacted): hot-updater-rs's native `s3Storage` vs the AWS SDK v3 presigning per request, as `@hot-updater/aws`'s runtime `s3Storage` does. Answers are compared with the signing time and signature of presigned URLs left out.",
    "",
  );
  for (const note of report.notes) lines.push(`> ${note}`, "");
  for (const db of [...new Set(report.results.map((r) => r.db))]) {
    lines.push(`#### ${HEADINGS[db] ?? db}`, "");
    lines.push(`| ${HEAD.join(" | ")} |`, `|${HEAD.map((_, i) => (i < 2 ? " --- " : " ---: ")).join("|")}|`);
    for (const r of report.results.filter((x) => x.db === db)) for (const row of rows(r)) lines.push(`| ${row.join(" | ")} |`);
    lines.push("");
    for (const r of report.results.filter((x) => x.db === db)) {
      const c = r.mix;
      lines.push(`- N=${r.n.toLocaleString("en-US")}: ${c ? `${c.compared} requests compared, ${r.verified ? "all identical" : `${c.compared - c.identical} differ`} — ${c.upToDate} up to date, ${c.update} UPDATE, ${c.rollback} ROLLBACK; ${c.fingerprint} fingerprint, ${c.cohort} with cohort, ${c.sdkHeader} with SDK header` : "no mix"}; seeded in ${fmt(r.seedMs, 0)} ms${listenerVsCeilings(r)}${honoVsReplay(r)}${notOnBun(r)}${r.error ? `; error: ${r.error}` : ""}`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

function consoleTable(result) {
  const all = [HEAD, ...rows(result)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((row) => String(row[i]).length)));
  return all.map((row) => row.map((cell, i) => (i < 2 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join("  ")).join("\n");
}

export function printResult(result) {
  console.log(`\n${result.db} N=${result.n.toLocaleString("en-US")}`);
  console.log(consoleTable(result));
  const skipped = notOnBun(result);
  if (skipped) console.log(skipped.slice(2));
}

/** Writes bench/results/<name> and the table between its markers in BENCHMARKS.md; returns both. */
export function writeReport(report) {
  const { name, markers } = section(report);
  const [START, END] = markers;
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  writeFileSync(`${ROOT}bench/results/${name}`, `${JSON.stringify(report, null, 2)}\n`);
  const md = markdown(report);
  const file = `${ROOT}BENCHMARKS.md`;
  const text = readFileSync(file, "utf8");
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`BENCHMARKS.md has no ${START} … ${END} markers`);
  writeFileSync(file, `${text.slice(0, a + START.length)}\n${md}\n${text.slice(b)}`);
  return { name, markers };
}
