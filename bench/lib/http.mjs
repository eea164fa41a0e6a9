// Over HTTP: each handler in its own server child pinned to core 1 — Hono on @hono/node-server
// under Node (http-child.mjs), and Elysia on Bun (bun-child.mjs) — load from wrk pinned to core 0
// (-t1 -c32), rotating through the mix with a Lua script, on 127.0.0.1.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { hasCommand, nextMessage, run, start, stop } from "./procs.mjs";
import { median } from "./loop.mjs";
import { budgetFor } from "./options.mjs";
import { comparable } from "./servers.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CHILDREN = {
  node: fileURLToPath(new URL("./http-child.mjs", import.meta.url)),
  bun: fileURLToPath(new URL("./bun-child.mjs", import.meta.url)),
};

/** Whether wrk can be used: { ok, note }. Installs it only when asked to. */
export async function ensureWrk(install) {
  if (hasCommand("wrk")) return { ok: true };
  if (!install) return { ok: false, note: "HTTP benchmark skipped: `wrk` is not installed (run with --install-wrk to `apt-get install -y wrk`, or install it yourself)" };
  console.log("installing wrk: apt-get install -y wrk");
  try {
    await run("apt-get", ["install", "-y", "wrk"], { timeoutMs: 300_000 }).catch(async () => {
      await run("apt-get", ["update"], { timeoutMs: 300_000 });
      await run("apt-get", ["install", "-y", "wrk"], { timeoutMs: 300_000 });
    });
  } catch (error) {
    return { ok: false, note: `HTTP benchmark skipped: installing wrk failed: ${error.message.slice(0, 300)}` };
  }
  return hasCommand("wrk") ? { ok: true } : { ok: false, note: "HTTP benchmark skipped: wrk still missing after apt-get" };
}

/**
 * Whether the Elysia-on-Bun server can run: { ok, bin, version, elysia, note }. Bun is a
 * devDependency (node_modules/.bin/bun); a `bun` on PATH is used when that one is missing.
 */
export function ensureBun() {
  const local = join(ROOT, "node_modules", ".bin", "bun");
  const bin = existsSync(local) ? local : hasCommand("bun") ? "bun" : null;
  if (!bin) return { ok: false, note: "Elysia-on-Bun HTTP benchmark skipped: Bun is not installed (it is a devDependency: run `npm ci`)." };
  const v = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 10_000 });
  if (v.status !== 0) return { ok: false, note: `Elysia-on-Bun HTTP benchmark skipped: \`${bin} --version\` failed: ${(v.error?.message ?? v.stderr ?? "").trim().slice(0, 200)}` };
  let elysia;
  try {
    elysia = JSON.parse(readFileSync(join(ROOT, "node_modules", "elysia", "package.json"), "utf8")).version;
  } catch {
    return { ok: false, note: "Elysia-on-Bun HTTP benchmark skipped: `elysia` is not installed (it is a devDependency: run `npm ci`)." };
  }
  return { ok: true, bin, version: v.stdout.trim(), elysia };
}

const lua = (s) => `"${s.replace(/[^\x20-\x7e]|["\\]/g, (c) => `\\${String(c.charCodeAt(0)).padStart(3, "0")}`)}"`;

/** A wrk script sending the mix in order, round and round, with its SDK headers. */
export function writeLuaScript(dir, mix) {
  const file = join(dir, "mix.lua");
  const rows = mix.map(({ path, sdk }) => `  {${lua(path)}, ${sdk === undefined ? "nil" : lua(sdk)}},`);
  writeFileSync(file, `local mix = {\n${rows.join("\n")}\n}
local i = 0
request = function()
  i = i % #mix + 1
  local headers = {}
  if mix[i][2] then headers["Hot-Updater-SDK-Version"] = mix[i][2] end
  return wrk.format("GET", mix[i][1], headers)
end
`);
  return file;
}

function toMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2]];
}

export function parseWrk(out) {
  const num = (re) => (re.exec(out) ? Number(re.exec(out)[1]) : 0);
  const pct = (p) => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, "m").exec(out);
    return m ? toMs(m[1]) : null;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    perSecond: num(/Requests\/sec:\s+([\d.]+)/),
    requests: num(/(\d+) requests in/),
    p50Ms: pct(50),
    p99Ms: pct(99),
    non2xx: num(/Non-2xx or 3xx responses: (\d+)/),
    socketErrors: socket ? socket.slice(1).reduce((n, x) => n + Number(x), 0) : 0,
  };
}

/** One wrk run, then one more request so that the checks wrk left in flight are done. */
async function wrk(port, script, seconds, pin, drain) {
  const args = ["-t1", "-c32", `-d${seconds}s`, "--timeout", "30s", "--latency", "-s", script, `http://127.0.0.1:${port}`];
  const { stdout } = await run("wrk", args, { cpu: pin ? 0 : undefined, timeoutMs: (seconds + 60) * 1000 });
  await fetch(`http://127.0.0.1:${port}${drain.path}`, { signal: AbortSignal.timeout(120_000) }).then((res) => res.text());
  return parseWrk(stdout);
}

/** Checks `sample` requests over HTTP against the in-process answers; returns the count. */
async function checkOverHttp(port, mix, expected, sample) {
  let checked = 0;
  for (let i = 0; i < Math.min(sample, mix.length); i++) {
    const { path, sdk } = mix[i];
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { headers: sdk === undefined ? {} : { "Hot-Updater-SDK-Version": sdk } });
    const body = await res.text();
    if (expected && (res.status !== expected[i].status || comparable(body) !== comparable(expected[i].body))) {
      throw new Error(`HTTP answer differs from the verified one for ${path}: ${res.status} ${body.slice(0, 200)}`);
    }
    if (!expected && res.status !== 200) throw new Error(`HTTP ${res.status} for ${path}`);
    checked++;
  }
  return checked;
}

/** The handler could not be built in the server child's runtime (not a measurement failure). */
export class NotLoadable extends Error {}

/**
 * Starts the server child (`runtime` "node": Hono on @hono/node-server; "bun": Elysia on Bun,
 * `bunBin` the executable), checks answers over HTTP, runs wrk (warm-up + runs), reads the
 * child's memory, stops it. `expected` null skips the answer check (the constant ceiling).
 * Rejects with NotLoadable when the child reports that it cannot build the handler.
 */
export async function httpBench({ dir, name, server, mix, expected, script, timing, pin, runtime = "node", bunBin, honoNodeServer = 2, frontend = "hono" }) {
  const specFile = join(dir, `http-${runtime}-${name}-${honoNodeServer}-${frontend}.json`);
  writeFileSync(specFile, JSON.stringify({ server, honoNodeServer, frontend }));
  const [cmd, args] = runtime === "bun" ? [bunBin, ["--no-env-file", "--no-install", CHILDREN.bun, specFile]] : [process.execPath, [CHILDREN.node, specFile]];
  const { child, done } = start(cmd, args, { cpu: pin ? 1 : undefined, ipc: true, timeoutMs: timing.childTimeoutMs });
  try {
    const ready = await Promise.race([
      nextMessage(child, (m) => m?.ready || m?.failed, 120_000),
      done.then((r) => Promise.reject(new Error(`server child exited early (${r.code ?? r.signal}): ${r.stderr.trim().slice(-1000)}`))),
    ]);
    if (ready.failed) throw new NotLoadable(ready.failed);
    const checkedOverHttp = await checkOverHttp(ready.port, mix, expected, timing.httpCheckSample);
    if (timing.warmupSeconds > 0) await wrk(ready.port, script, timing.warmupSeconds, pin, mix[0]);
    const runs = [];
    for (let i = 0; i < timing.runs; i++) runs.push(await wrk(ready.port, script, timing.seconds, pin, mix[0]));
    const statsMessage = nextMessage(child, (m) => m?.stats, 10_000);
    child.send({ cmd: "stats" });
    const { stats } = await statsMessage;
    child.send({ cmd: "close" });
    await Promise.race([done, new Promise((r) => setTimeout(r, 10_000))]);
    return {
      perSecond: median(runs.map((r) => r.perSecond)),
      p50Ms: median(runs.map((r) => r.p50Ms)),
      p99Ms: median(runs.map((r) => r.p99Ms)),
      errors: runs.reduce((n, r) => n + r.non2xx + r.socketErrors, 0),
      checkedOverHttp,
      ...stats,
      ...(ready.bun ? { bun: ready.bun } : {}),
      runs,
    };
  } finally {
    stop(child);
  }
}

const f = (v, d = 0) => (typeof v === "number" ? v.toLocaleString("en-US", { maximumFractionDigits: d }) : "–");

/**
 * [`httpBench`] of `impl` with the run's shared settings (`ctx` = { dir, mix, expected,
 * luaScript, pin }); the ceiling's constant answer is not compared with the mix's. `front` picks
 * the server in front: { honoNodeServer } | { frontend } | { runtime, bunBin }.
 */
export function httpBenchOf(impl, server, ctx, timing, front) {
  return httpBench({ dir: ctx.dir, name: impl, server, mix: ctx.mix, expected: impl === "ceiling" ? null : ctx.expected, script: ctx.luaScript, timing, pin: ctx.pin, ...front });
}

/** The printed line of one HTTP measurement `h` of `label` through `what`. */
export function httpLine(label, what, h, seconds) {
  return `  ${label} ${what} (wrk -t1 -c32): ${f(h.perSecond)} checks/s, p50 ${f(h.p50Ms, 2)} ms, p99 ${f(h.p99Ms, 2)} ms, RSS ${f(h.rssMB)} MB (peak ${f(h.maxRssMB)} MB); ${h.checkedOverHttp} answers checked over HTTP (median of ${h.runs.length} × ${seconds} s)${h.errors ? `, ${h.errors} errors` : ""}`;
}

/**
 * `impl` over HTTP through Elysia on Bun, with the same wrk settings, budget and answer checks
 * as through Hono on Node. Fills `result.bunHttp`: the measurement, or { notMeasured: reason }
 * when the handler does not load in Bun (upstream on SQLite: better-sqlite3); other failures
 * throw. `ctx` = { dir, mix, expected, luaScript, pin, options, bun }.
 */
export async function measureBunHttp(impl, server, n, ctx, result) {
  const label = impl.padEnd(8);
  const timing = budgetFor(ctx.options, impl, n).http;
  try {
    result.bunHttp = await httpBenchOf(impl, server, ctx, timing, { runtime: "bun", bunBin: ctx.bun.bin });
  } catch (error) {
    // Only upstream may be unable to run on Bun; hot-updater-rs and the ceiling must.
    if (!(error instanceof NotLoadable)) throw error;
    if (impl !== "upstream") throw new Error(`does not load in Bun ${ctx.bun.version}: ${error.message}`);
    result.bunHttp = { notMeasured: `does not load in Bun ${ctx.bun.version}: ${error.message}` };
    console.log(`  ${label} Elysia on Bun: not measured — ${result.bunHttp.notMeasured}`);
    return;
  }
  console.log(httpLine(label, "Elysia on Bun HTTP", result.bunHttp, timing.seconds));
}
