// Facts about the machine and the software under test, recorded with every result.
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const version = (pkg) => {
  try {
    return JSON.parse(readFileSync(`${ROOT}node_modules/${pkg}/package.json`, "utf8")).version;
  } catch {
    return null;
  }
};
/** stdout of a short command; null when it fails, unless `anyExit` (`wrk -v` exits 1). */
const quiet = (cmd, args, anyExit = false) => {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 10_000 }).trim();
  } catch (error) {
    return (anyExit && `${error.stdout ?? ""}${error.stderr ?? ""}`.trim()) || null;
  }
};

function cpuModel() {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) return m[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? "unknown";
}

function addon() {
  const file = `${ROOT}hot-updater-rs.linux-x64-gnu.node`;
  try {
    const s = statSync(file);
    return { file: "hot-updater-rs.linux-x64-gnu.node", sizeMB: Math.round(s.size / 2 ** 20), builtAt: s.mtime.toISOString() };
  } catch {
    return null;
  }
}

export function machineFacts() {
  const commit = quiet("git", ["rev-parse", "--short", "HEAD"]);
  const dirty = commit && quiet("git", ["status", "--porcelain", "--untracked-files=no"]);
  return {
    cpu: cpuModel(),
    cores: availableParallelism(),
    memoryGB: Math.round(totalmem() / 2 ** 30),
    loadAverageAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    kernel: release(),
    node: process.version,
    hotUpdaterRs: JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")).version,
    upstream: version("@hot-updater/server"),
    kysely: version("kysely"),
    betterSqlite3: version("better-sqlite3"),
    hono: version("hono"),
    honoNodeServer: version("@hono/node-server"),
    honoNodeServer1: version("hono-node-server-1"),
    express: version("express"),
    pg: version("pg"),
    wrk: quiet("wrk", ["-v"], true)?.split("\n")[0] ?? null,
    addon: addon(),
    git: commit ? `${commit}${dirty ? " (uncommitted changes)" : ""}` : null,
  };
}
