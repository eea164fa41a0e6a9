// Runs the measurements of one server in fresh child processes: startup (import → first
// answered check, several fresh processes, median), in-process load, and HTTP under wrk.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { httpBenchOf, httpLine } from "./http.mjs";
import { median } from "./loop.mjs";
import { CONCURRENCIES, budgetFor } from "./options.mjs";
import { run } from "./procs.mjs";

const CHILD = fileURLToPath(new URL("./inproc-child.mjs", import.meta.url));
const f = (v, d = 0) => (typeof v === "number" ? v.toLocaleString("en-US", { maximumFractionDigits: d }) : "–");

async function child(dir, name, spec, timeoutMs) {
  const specFile = join(dir, `${name}.json`);
  const out = join(dir, `${name}.out.json`);
  writeFileSync(specFile, JSON.stringify({ ...spec, out }));
  await run(process.execPath, [CHILD, specFile], { timeoutMs });
  return JSON.parse(readFileSync(out, "utf8"));
}

/**
 * Measures `impl` with `server` spec at size `n`. `ctx` = { dir, mix, expected, luaScript,
 * wrk, pin, options }. Fills `result` as it goes (a failure keeps what was measured) and prints
 * one line per measurement.
 */
export async function measureServer(impl, server, n, ctx, result) {
  const budget = budgetFor(ctx.options, impl, n);
  const label = impl.padEnd(8);

  const starts = [];
  for (let i = 0; i < ctx.options.budget.startupRuns; i++) {
    starts.push((await child(ctx.dir, `startup-${impl}-${i}`, { mode: "startup", server, mix: ctx.mix }, 120_000)).startup);
  }
  result.startup = {
    importToFirstCheckMs: median(starts.map((s) => s.importToFirstCheckMs)),
    processStartToFirstCheckMs: median(starts.map((s) => s.processStartToFirstCheckMs)),
    runs: starts,
  };
  console.log(`  ${label} startup: import → first check ${f(result.startup.importToFirstCheckMs, 1)} ms (process start → first check ${f(result.startup.processStartToFirstCheckMs, 1)} ms; median of ${starts.length})`);

  const inproc = await child(ctx.dir, `inproc-${impl}`, { mode: "inproc", server, mix: ctx.mix, concurrencies: CONCURRENCIES, timing: budget.inproc }, budget.inprocTimeoutMs);
  result.settled = inproc.settled;
  const st = inproc.settled;
  console.log(`  ${label} full speed ${f(st.toFullSpeedMs)} ms after the first answer${st.settledInFirstHalf ? "" : ` (NOT settled within half of the ${st.budgetMs / 1000} s budget)`}; steady ${f(st.steadyPerSecond)} checks/s at c=1`);
  result.inproc = inproc.byConcurrency;
  result.inprocMemory = { rssMB: inproc.rssMB, maxRssMB: inproc.maxRssMB };
  for (const c of CONCURRENCIES) {
    const m = inproc.byConcurrency[c];
    console.log(`  ${label} in-process c=${String(c).padEnd(2)}: ${f(m.perSecond)} checks/s, p50 ${f(m.p50Ms, 3)} ms, p99 ${f(m.p99Ms, 3)} ms, ${f(m.cpuMsPerCheck, 3)} CPU ms/check (median of ${m.runs.length} × ${budget.inproc.durationMs / 1000} s)${m.errors ? `, ${m.errors} non-200` : ""}`);
  }

  // Hono on both @hono/node-server majors: `http` is 2.x (the headline), `httpHono1` is 1.x.
  for (const [key, honoNodeServer] of ctx.wrk ? [["http", 2], ["httpHono1", 1]] : []) {
    result[key] = await httpBenchOf(impl, server, ctx, budget.http, { honoNodeServer });
    console.log(httpLine(label, `HTTP, Hono on @hono/node-server ${honoNodeServer}.x`, result[key], budget.http.seconds));
  }

  // With the ceiling: Hono 2.x answering the mix with the verified answers and no work (what
  // bounds "through Hono" apart from the 23-byte ceiling's small answers).
  if (ctx.wrk && impl === "ceiling") {
    const answers = ctx.mix.map((entry, i) => ({ ...entry, status: ctx.expected[i].status, body: ctx.expected[i].body }));
    result.httpReplay = await httpBenchOf("replay", { impl: "replay", answers }, ctx, budget.http, { honoNodeServer: 2 });
    console.log(httpLine(label, "HTTP, Hono on @hono/node-server 2.x replaying the verified answers", result.httpReplay, budget.http.seconds));
  }

  // Express 5 through each package's `toNodeHandler` (the ceiling: an Express route of its own).
  if (ctx.wrk) {
    result.httpExpress = await httpBenchOf(impl, server, ctx, budget.http, { frontend: "express" });
    console.log(httpLine(label, "HTTP, Express 5", result.httpExpress, budget.http.seconds));
  }

  // No framework: hot-updater-rs's own `listen()`, and the constant-JSON ceiling on bare `node:http`.
  const frontend = impl === "ours" ? "listen" : impl === "ceiling" ? "node-http" : null;
  if (ctx.wrk && frontend) {
    result.httpNative = await httpBenchOf(impl, server, ctx, budget.http, { frontend });
    const what = frontend === "listen" ? "hotUpdater.listen()" : "bare node:http";
    console.log(httpLine(label, `HTTP, ${what}`, result.httpNative, budget.http.seconds));
  }
}
