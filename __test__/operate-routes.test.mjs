// `routes.metrics`, `routes.health`, `routes.adoption`, `auth.exempt` and `logger`, through Hono on
// loopback over a SQLite file and the real PostgreSQL (cut off with a TCP proxy for the outage).
// The metrics text is read with a Prometheus text-format parser and a strict line grammar.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { serve } from "@hono/node-server";
import { Hono } from "hono";
import parsePrometheusTextFormat from "parse-prometheus-text-format";

import { createHotUpdater, sqliteDatabase, postgresDatabase } from "../index.mjs";
import { pgDatabase } from "./helpers/servers.mjs";
import { tcpProxy } from "./helpers/tcp-proxy.mjs";
import { eventually, smallBundle, NIL } from "./helpers/fixtures.mjs";

const TOKEN = "operate-test-token";
const BASE = "/hot-updater";

async function startHono(hu) {
  const app = new Hono();
  app.mount(BASE, hu.handler);
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise((resolve) => server.once("listening", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    async get(path, headers = {}, init = {}) {
      const res = await fetch(`${origin}${BASE}${path}`, { headers, ...init });
      return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// The text format's grammar, line by line (exposition format 0.0.4): comments are HELP/TYPE,
// samples are `name{label="value",...} number`, every sample belongs to the last TYPE'd family.
const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL = `[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"`;
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(?:${LABEL})(?:,${LABEL})*\\})? (?:[-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)|\\+Inf|-Inf|NaN)$`);
function strictCheck(text) {
  assert.ok(text.endsWith("\n"), "the text ends with a newline");
  let family = null;
  const typed = new Set();
  for (const line of text.slice(0, -1).split("\n")) {
    let m;
    if ((m = new RegExp(`^# HELP (${NAME}) .+$`).exec(line))) continue;
    if ((m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line))) {
      assert.ok(!typed.has(m[1]), `family ${m[1]} typed twice`);
      typed.add(m[1]);
      family = m[1];
      continue;
    }
    if (line.startsWith("# ")) continue;
    m = SAMPLE.exec(line);
    assert.ok(m, `not a valid sample line: ${JSON.stringify(line)}`);
    assert.ok(m[1] === family || m[1].startsWith(`${family}_`), `sample ${m[1]} outside its family ${family}`);
  }
}

/** A histogram's series from the text: labels (without `le`) → { les, counts, count, sum }. */
function histogramSeries(text, name) {
  const out = new Map();
  const get = (labels) => {
    if (!out.has(labels)) out.set(labels, { les: [], counts: [], count: undefined, sum: undefined });
    return out.get(labels);
  };
  for (const line of text.split("\n")) {
    const m = /^(\S+?)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || !m[1].startsWith(name)) continue;
    const labels = (m[2] ?? "").split(",").filter((l) => !l.startsWith("le=")).join(",");
    const h = get(labels);
    if (m[1] === `${name}_bucket`) {
      h.les.push(/le="([^"]*)"/.exec(m[2])[1]);
      h.counts.push(Number(m[3]));
    } else if (m[1] === `${name}_count`) h.count = Number(m[3]);
    else if (m[1] === `${name}_sum`) h.sum = Number(m[3]);
  }
  return out;
}

/** The parsed families by name. */
function parse(text) {
  strictCheck(text);
  return new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
}

function value(families, name, labels = {}) {
  const f = families.get(name);
  if (f === undefined) return undefined;
  const matching = f.metrics.filter((m) => Object.entries(labels).every(([k, v]) => (m.labels ?? {})[k] === v));
  return matching.reduce((sum, m) => sum + Number(m.value), 0);
}

test("metrics, health and adoption through Hono over a SQLite file, behind auth", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-operate-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const hu = createHotUpdater({
    database: sqliteDatabase({ path: join(dir, "o.db") }),
    basePath: BASE,
    storages: [],
    routes: { updateCheck: true, bundles: true, metrics: true, health: true, adoption: true },
    auth: { bearerToken: TOKEN, exempt: ["health"] },
  });
  t.after(() => hu.close());
  const http = await startHono(hu);
  t.after(() => http.close());
  const b1 = smallBundle(1, { storageUri: "https://example.invalid/1.zip" });
  const b2 = smallBundle(2, { channel: "beta", storageUri: "https://example.invalid/2.zip" });
  await hu.insertBundle(b1);
  await hu.insertBundle(b2);
  const auth = { authorization: `Bearer ${TOKEN}` };

  const check = (platform, channel, installed, sdk) => http.get(`/app-version/${platform}/1.0.0/${channel}/${NIL}/${installed}`, sdk ? { "hot-updater-sdk-version": sdk } : {});
  const expected = [];
  const run = async (n, label, request) => {
    for (let i = 0; i < n; i++) {
      const res = await request();
      expected.push({ ...label, status: label.status });
      if (label.status !== "error") assert.equal(res.status, 200, res.body);
    }
  };
  // Identical requests: after the first, the JS answer cache answers (and counts them the same).
  await run(6, { platform: "ios", channel: "production", status: "UPDATE" }, () => check("ios", "production", NIL));
  await run(3, { platform: "ios", channel: "production", status: "null" }, () => check("ios", "production", b1.id));
  await run(2, { platform: "ios", channel: "production", status: "UP_TO_DATE" }, () => check("ios", "production", b1.id, "0.31.0"));
  await run(2, { platform: "ios", channel: "production", status: "ROLLBACK" }, () => check("ios", "production", "01900000-0000-7000-8000-000000000999"));
  await run(2, { platform: "android", channel: "production", status: "null" }, () => check("android", "production", NIL));
  await run(1, { platform: "ios", channel: "beta", status: "UPDATE" }, () => check("ios", "beta", NIL));
  await run(2, { platform: "other", channel: "production", status: "error" }, () => check("web", "production", NIL));
  for (let c = 0; c < 60; c++) await run(1, { platform: "ios", channel: `c${c}`, status: "null" }, () => check("ios", `c${c}`, NIL));
  const fp = await http.get(`/fingerprint/ios/fp-x/production/${NIL}/${NIL}`);
  assert.equal(fp.body, "null");

  // The metrics route is a management route: 401 without the token.
  assert.equal((await http.get("/api/metrics")).status, 401);
  const res = await http.get("/api/metrics", auth);
  assert.equal(res.status, 200);
  assert.match(res.type, /^text\/plain; version=0\.0\.4/);
  const families = parse(res.body);

  const total = expected.length + 1;
  assert.equal(value(families, "hot_updater_update_checks_total"), total);
  assert.equal(value(families, "hot_updater_update_checks_total", { strategy: "fingerprint", status: "null" }), 1);
  assert.equal(value(families, "hot_updater_update_checks_total", { strategy: "appVersion", platform: "ios", channel: "production", status: "UPDATE" }), 6);
  assert.equal(value(families, "hot_updater_update_checks_total", { channel: "production", status: "null", platform: "ios", strategy: "appVersion" }), 3);
  assert.equal(value(families, "hot_updater_update_checks_total", { status: "UP_TO_DATE" }), 2);
  assert.equal(value(families, "hot_updater_update_checks_total", { status: "ROLLBACK" }), 2);
  assert.equal(value(families, "hot_updater_update_checks_total", { platform: "android" }), 2);
  assert.equal(value(families, "hot_updater_update_checks_total", { platform: "other", status: "error" }), 2);
  assert.equal(value(families, "hot_updater_errors_total", { kind: "bad_request" }), 2);
  // Channels: production, beta, and the first 48 of c0..c59 have labels; the other 12 are "other".
  const channels = new Set(families.get("hot_updater_update_checks_total").metrics.map((m) => m.labels.channel));
  assert.equal(channels.size, 51);
  assert.equal(value(families, "hot_updater_update_checks_total", { channel: "other" }), 12);
  assert.ok(value(families, "hot_updater_answer_cache_hits_total") >= 5, "repeated identical checks were answered by the JS answer cache");
  // Histograms: cumulative buckets ending in +Inf = count; every natively computed check observed.
  // (parse-prometheus-text-format flattens a histogram with labels besides `le` into one series,
  // so the histogram is read from the sample lines the strict grammar above accepted.)
  assert.equal(families.get("hot_updater_update_check_duration_seconds").type, "HISTOGRAM");
  const series = histogramSeries(res.body, "hot_updater_update_check_duration_seconds");
  assert.equal(series.size, 4, "strategy × path");
  let observed = 0;
  for (const [labels, h] of series) {
    assert.deepEqual(h.counts, [...h.counts].sort((a, b) => a - b), `${labels}: buckets are cumulative`);
    assert.equal(h.les.at(-1), "+Inf");
    assert.equal(h.counts.at(-1), h.count, labels);
    assert.ok(h.sum >= 0);
    observed += h.count;
  }
  assert.equal(observed + value(families, "hot_updater_answer_cache_hits_total"), total);
  assert.equal(value(families, "hot_updater_snapshot_stale"), 0);
  assert.ok(value(families, "hot_updater_snapshot_partitions") >= 1);
  assert.equal(value(families, "hot_updater_database_reachable"), 1);
  // `metrics()` gives the same counters, plus the JS answer cache's size.
  const fromApi = parse(hu.metrics());
  assert.equal(value(fromApi, "hot_updater_update_checks_total"), total);
  assert.ok(value(fromApi, "hot_updater_answer_cache_entries") >= 1);

  // Health: exempt from auth, 200 with what a load balancer needs.
  const health = await http.get("/api/health");
  assert.equal(health.status, 200, health.body);
  const h = JSON.parse(health.body);
  assert.equal(h.status, "ok");
  assert.equal(h.database.reachable, true);
  assert.equal(h.database.adapter, "sqlite");
  assert.equal(h.snapshot.enabled, true);
  assert.equal(h.snapshot.stale, false);
  assert.ok(h.snapshot.ageSeconds >= 0 && h.snapshot.ageSeconds < 60);
  assert.deepEqual(h.storages, { configured: 0, protocols: [] });

  // Adoption: checks per installed bundle in the window (auth required).
  assert.equal((await http.get("/api/adoption")).status, 401);
  const adoption = JSON.parse((await http.get("/api/adoption", auth)).body);
  assert.equal(adoption.windowSeconds, 3600);
  const iosProd = adoption.data.find((d) => d.platform === "ios" && d.channel === "production");
  // Both strategies count: 6 app-version checks and 1 fingerprint check from the built-in bundle.
  assert.equal(iosProd.checks, 14);
  assert.deepEqual(
    iosProd.bundles.map((b) => [b.bundleId, b.checks]),
    [[NIL, 7], [b1.id, 5], ["01900000-0000-7000-8000-000000000999", 2]],
  );
  assert.ok(Math.abs(iosProd.bundles.reduce((s, b) => s + b.share, 0) - 1) < 1e-9);
  // Refused checks (bad platform) are not adoption.
  assert.equal(adoption.data.find((d) => d.platform === "web"), undefined);
});

test("metrics: bundle-id labels only when opted in; an upstream-configured server counts nothing", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-operate-labels-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const labelled = createHotUpdater({ database: sqliteDatabase({ path: join(dir, "a.db") }), storages: [], metrics: { adoptionLabels: true } });
  const plain = createHotUpdater({ database: sqliteDatabase({ path: join(dir, "b.db") }), storages: [], metrics: true });
  const off = createHotUpdater({ database: sqliteDatabase({ path: join(dir, "c.db") }), storages: [] });
  t.after(() => Promise.all([labelled.close(), plain.close(), off.close()]));
  for (const hu of [labelled, plain, off]) {
    const res = await hu.handler(new Request(`http://localhost/api/app-version/ios/1.0.0/production/${NIL}/${NIL}`));
    assert.equal(await res.text(), "null");
  }
  const a = parse(labelled.metrics());
  assert.equal(value(a, "hot_updater_adoption_checks", { bundle_id: NIL, platform: "ios", channel: "production" }), 1);
  const b = parse(plain.metrics());
  assert.equal(b.get("hot_updater_adoption_checks"), undefined);
  assert.doesNotMatch(plain.metrics(), /bundle_id=/);
  assert.equal(value(b, "hot_updater_update_checks_total"), 1);
  const c = parse(off.metrics());
  assert.equal(c.get("hot_updater_update_checks_total"), undefined);
  // The routes are not mounted without `routes`: /api/metrics is a 404 as upstream answers it.
  const res = await plain.handler(new Request("http://localhost/api/metrics"));
  assert.equal(res.status, 404);
  assert.throws(() => createHotUpdater({ database: sqliteDatabase({ path: join(dir, "d.db") }), routes: { metrics: "yes" } }), /routes\.metrics/);
  assert.throws(() => createHotUpdater({ database: sqliteDatabase({ path: join(dir, "d.db") }), auth: { bearerToken: "x", exempt: ["bundles"] } }), /auth\.exempt/);
  assert.throws(() => createHotUpdater({ database: sqliteDatabase({ path: join(dir, "d.db") }), logger: { nothing: true } }), /logger/);
});

test("health and logger through an outage of the real PostgreSQL: 503, records without secrets, recovery", { timeout: 60_000 }, async (t) => {
  const db = pgDatabase();
  const proxy = await tcpProxy(5432);
  const logs = [];
  const SECRET = "pw-SECRET-4711";
  const connectionString = `postgres://postgres:${SECRET}@127.0.0.1:${proxy.port}/${db.name}`;
  const throwing = {
    name: "throwingStorage",
    supportedProtocol: "throwing",
    profiles: {
      runtime: {
        async getDownloadUrl() {
          throw new Error("GET https://user:KEY-SECRET@bucket.example/k?X-Amz-Signature=SIG-SECRET failed; token=TOK-SECRET");
        },
        async readText() {
          return null;
        },
      },
    },
  };
  const hu = createHotUpdater({
    database: postgresDatabase({ connectionString, autoMigrate: true, snapshot: { probeIntervalMs: 100, maxAgeMs: 60_000, serveStaleForMs: 60_000 } }),
    basePath: BASE,
    storages: [throwing],
    routes: { updateCheck: true, bundles: true, health: true, metrics: true },
    health: { timeoutMs: 500 },
    logger: { level: "debug", slowMs: 0, write: (record) => logs.push(record) },
  });
  t.after(async () => {
    await proxy.close();
    await hu.close();
    db.drop();
  });
  const http = await startHono(hu);
  t.after(() => http.close());
  await hu.insertBundle(smallBundle(1, { storageUri: "https://example.invalid/1.zip" }));
  await hu.insertBundle(smallBundle(2, { channel: "beta", storageUri: "throwing://b/2.zip" }));
  const check = () => http.get(`/app-version/ios/1.0.0/production/${NIL}/${NIL}?q=query-SECRET`);
  assert.equal(JSON.parse((await check()).body).status, "UPDATE");
  const ok = await http.get("/api/health");
  assert.equal(ok.status, 200, ok.body);

  // A storage failure: a 500, and a record with its code and a redacted message.
  const failed = await http.get(`/app-version/ios/1.0.0/beta/${NIL}/${NIL}`);
  assert.equal(failed.status, 500);

  await proxy.kill();
  await eventually(() => check(), (c) => c.status === 200, 5000);
  const down = await eventually(() => http.get("/api/health"), (h) => h.status === 503, 10_000);
  let body = JSON.parse(down.body);
  assert.equal(body.status, "degraded");
  assert.equal(body.database.reachable, false);
  assert.equal(typeof body.database.error, "string");
  // Once an update check's probe has seen the outage, the snapshot reports itself stale.
  body = await eventually(
    async () => {
      await check();
      const h = await http.get("/api/health");
      return { ...JSON.parse(h.body), code: h.status };
    },
    (b) => b.snapshot.stale === true,
    10_000,
  );
  assert.equal(body.code, 503);
  // Writes are refused during the outage, reads fail: both are logged with their codes.
  assert.equal((await http.get("/api/bundles", {}, { method: "POST", body: JSON.stringify([smallBundle(3)]) })).status, 503);
  assert.equal((await http.get("/api/bundles")).status, 500);
  const metricsDown = parse((await http.get("/api/metrics")).body);
  assert.equal(value(metricsDown, "hot_updater_snapshot_stale"), 1);
  assert.equal(value(metricsDown, "hot_updater_database_reachable"), 0);
  assert.ok(value(metricsDown, "hot_updater_errors_total", { kind: "unavailable" }) >= 1);
  await eventually(async () => logs.some((r) => r.event === "database.outage"), (x) => x, 5000);

  await proxy.restore();
  await eventually(() => http.get("/api/health"), (h) => h.status === 200, 15_000);
  // The snapshot's own probe (run by an update check) sees the database again.
  await eventually(
    async () => {
      await check();
      return JSON.parse((await http.get("/api/health")).body).snapshot.stale;
    },
    (stale) => stale === false,
    15_000,
  );
  // A write through the API: the snapshot is rebuilt from the database on the next probe.
  assert.equal((await http.get("/api/bundles", {}, { method: "POST", body: JSON.stringify([smallBundle(4)]) })).status, 201);
  await eventually(async () => logs.some((r) => r.event === "database.recovered"), (x) => x, 5000);
  await eventually(async () => logs.some((r) => r.event === "database.error"), (x) => x, 5000);

  const events = new Set(logs.map((r) => r.event));
  for (const e of ["request.slow", "storage.error", "database.outage", "database.recovered", "database.error"]) assert.ok(events.has(e), `no ${e} record: ${[...events]}`);
  const storageError = logs.find((r) => r.event === "storage.error");
  assert.equal(storageError.code, "ERR_HOT_UPDATER_STORAGE");
  assert.equal(storageError.level, "error");
  assert.match(storageError.message, /https:\/\/bucket\.example\/k/);
  const codes = new Set(logs.filter((r) => r.event === "database.error").map((r) => r.code));
  assert.ok(codes.has("ERR_HOT_UPDATER_UNAVAILABLE"), [...codes].join());
  const slow = logs.find((r) => r.event === "request.slow" && r.path.includes("/app-version/"));
  // Hono's `mount` hands over the URL without the base path; the query is left out.
  assert.equal(slow.path, `/app-version/ios/1.0.0/production/${NIL}/${NIL}`);
  assert.equal(typeof slow.durationMs, "number");
  for (const r of logs) {
    assert.equal(typeof r.time, "string");
    assert.ok(["debug", "info", "warn", "error"].includes(r.level));
  }
  // Never a secret, a signed URL's signature, a token, a password or a query string.
  const all = JSON.stringify(logs);
  for (const secret of [SECRET, "KEY-SECRET", "SIG-SECRET", "TOK-SECRET", "query-SECRET", "X-Amz-Signature"]) {
    assert.ok(!all.includes(secret), `a log record carries ${secret}`);
  }
  assert.ok(!down.body.includes(SECRET));
});

test("logger: console-style objects receive (record, msg)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-operate-console-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const calls = [];
  const consoleLike = { info: (...a) => calls.push(["info", ...a]), warn: (...a) => calls.push(["warn", ...a]), error: (...a) => calls.push(["error", ...a]) };
  const hu = createHotUpdater({ database: sqliteDatabase({ path: join(dir, "c.db") }), storages: [], logger: Object.assign(consoleLike, { slowMs: 0 }) });
  t.after(() => hu.close());
  await hu.handler(new Request(`http://localhost/api/app-version/ios/1.0.0/production/${NIL}/${NIL}`));
  assert.equal(calls.length, 1);
  assert.equal(calls[0][0], "warn");
  assert.equal(calls[0][1].event, "request.slow");
  assert.equal(calls[0][2], "slow request");
});
