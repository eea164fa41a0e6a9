"use strict";
// Operating the server (issue 16): the `routes.explain/metrics/health/adoption`, `metrics`,
// `adoption`, `health` and `logger` options, turned into the native `operate` option, and the
// logger that receives structured records.
//
// Records from the native side (request failures with their error codes) are queued there and
// drained here on a timer that never keeps the process alive; outage, recovery and snapshot
// rebuilds are seen by comparing the snapshot's state between two ticks; slow requests are timed
// in `handler`. No record carries a secret: messages are redacted natively (URL credentials and
// query strings, `key=value` pairs naming a secret) and paths are logged without their query.

const { configError } = require("./errors.js");

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 };
const DEFAULT_SLOW_MS = 1000;
const DEFAULT_LOG_INTERVAL_MS = 1000;

function bool(value, name) {
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw configError(`createHotUpdater: \`${name}\` must be a boolean.`);
  return value;
}

function integer(value, name, min, max) {
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || value < min || value > max) throw configError(`createHotUpdater: \`${name}\` must be an integer from ${min} to ${max}.`);
  return value;
}

function objectOption(value, name) {
  if (value === undefined || value === null || value === true || value === false) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw configError(`createHotUpdater: \`${name}\` must be an object.`);
  return value;
}

/** The `write(level, record)` a `logger` option gives, or `null`. */
function loggerOption(logger) {
  if (logger === undefined || logger === null || logger === false) return null;
  if (typeof logger !== "object" && typeof logger !== "function") throw configError("createHotUpdater: `logger` must be { level?, write(record) } or an object with info/warn/error methods (pino, console).");
  const level = logger.level === undefined ? "info" : logger.level;
  const min = LEVELS[level];
  if (min === undefined) throw configError("createHotUpdater: `logger.level` must be one of debug, info, warn, error.");
  let write;
  if (typeof logger.write === "function") {
    write = (lvl, record) => logger.write(record);
  } else if (["info", "warn", "error"].every((m) => typeof logger[m] === "function")) {
    // pino-style (object first) works with console too: console prints the object.
    write = (lvl, record) => {
      const method = typeof logger[lvl] === "function" ? lvl : "info";
      logger[method](record, record.msg);
    };
  } else {
    throw configError("createHotUpdater: `logger` must have a write(record) method or info/warn/error methods.");
  }
  return (lvl, record) => {
    if (LEVELS[lvl] < min) return;
    try {
      write(lvl, { time: new Date().toISOString(), level: lvl, ...record });
    } catch {
      // A throwing logger must not fail a request.
    }
  };
}

/** Reads the operate options; `native` goes to the native side as `operate`. */
function operateOptions(opts) {
  const routes = opts.routes ?? {};
  const metricsOpt = opts.metrics;
  if (metricsOpt !== undefined && typeof metricsOpt !== "boolean" && (typeof metricsOpt !== "object" || metricsOpt === null)) {
    throw configError("createHotUpdater: `metrics` must be a boolean or { adoptionLabels? }.");
  }
  const metrics = objectOption(metricsOpt, "metrics");
  const adoption = objectOption(opts.adoption, "adoption");
  const health = objectOption(opts.health, "health");
  const logger = loggerOption(opts.logger);
  const native = {
    explain: bool(routes.explain, "routes.explain"),
    metrics: bool(routes.metrics, "routes.metrics"),
    health: bool(routes.health, "routes.health"),
    adoption: bool(routes.adoption, "routes.adoption"),
    count: metricsOpt === true || (typeof metricsOpt === "object" && metricsOpt !== null),
    adoptionLabels: bool(metrics.adoptionLabels, "metrics.adoptionLabels"),
    adoptionWindowMinutes: integer(adoption.windowMinutes, "adoption.windowMinutes", 1, 1440),
    adoptionMaxKeys: integer(adoption.maxKeys, "adoption.maxKeys", 1, 1_000_000),
    healthTimeoutMs: integer(health.timeoutMs, "health.timeoutMs", 1, 60_000),
    staleIsHealthy: bool(health.staleIsHealthy, "health.staleIsHealthy"),
    log: logger !== null,
  };
  const slowOpt = opts.logger !== null && typeof opts.logger === "object" ? opts.logger.slowMs : undefined;
  const slowMs = integer(slowOpt, "logger.slowMs", 0, 3_600_000) ?? DEFAULT_SLOW_MS;
  return { native, logger, slowMs };
}

/** Strips the query (signed URLs, tokens) from a request URL for a log record. */
function pathOf(url) {
  const q = url.indexOf("?");
  const noQuery = q < 0 ? url : url.slice(0, q);
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/]*(\/.*)?$/i.exec(noQuery);
  return m ? m[1] ?? "/" : noQuery;
}

/**
 * Starts the logger's timer: drains the native records and compares the snapshot's state with
 * the last tick (outage, recovery, rebuilds). Returns `stop()`.
 */
function startLogPump(server, emit, intervalMs = DEFAULT_LOG_INTERVAL_MS) {
  let last = null;
  const tick = () => {
    try {
      for (const record of JSON.parse(server.drainEvents())) emit(record.level ?? "error", record);
      const text = server.snapshotStatus();
      if (text === null || text === undefined) return;
      const now = JSON.parse(text);
      if (last !== null) {
        if (!last.stale && now.stale) {
          emit("error", { event: "database.outage", msg: "database unreachable; answering update checks from the last snapshot", down: now.down });
        } else if (last.stale && !now.stale) {
          emit("info", { event: "database.recovered", msg: "database reachable again; update checks are fresh" });
        }
        if (now.rebuilds > last.rebuilds) {
          emit("info", { event: "snapshot.rebuild", msg: "snapshot rebuilt", rebuilds: now.rebuilds - last.rebuilds, durationMs: now.lastRebuildMs, partitions: now.partitions });
        }
        if (now.failures > last.failures && now.stale && last.stale) {
          emit("debug", { event: "database.probe_failed", failures: now.failures - last.failures });
        }
      }
      last = now;
    } catch (error) {
      // The server was closed, or a logger threw: nothing to report to.
      void error;
    }
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  if (typeof timer.unref === "function") timer.unref();
  return { stop: () => clearInterval(timer), tick };
}

module.exports = { operateOptions, startLogPump, pathOf };
