// Time-bounded in-process load: `concurrency` async workers call handler(new Request(...)) over
// the mix in rotation and read every body, until the deadline. Never unbounded.
import { readFileSync } from "node:fs";

import { toRequest } from "./servers.mjs";

/**
 * This process's resident memory now and at its peak, in MB. The peak is Linux's VmHWM, which
 * belongs to this program image; getrusage's maxRSS would also count the harness's memory,
 * inherited through fork before exec.
 */
export function memoryStats() {
  let peak = null;
  try {
    peak = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))[1]) / 1024;
  } catch {
    peak = process.resourceUsage().maxRSS / 1024; // not Linux: the best there is
  }
  return { rssMB: process.memoryUsage().rss / 2 ** 20, maxRssMB: peak };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function median(values) {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** One run: { checks, seconds, perSecond, p50Ms, p99Ms, cpuMsPerCheck, errors }. */
export async function timedRun(handler, mix, { concurrency, durationMs, offset = 0 }) {
  let next = offset;
  let errors = 0;
  const latencies = [];
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const deadline = started + durationMs;
  async function worker() {
    while (performance.now() < deadline) {
      const entry = mix[next++ % mix.length];
      const t0 = performance.now();
      const res = await handler(toRequest(entry));
      await res.text();
      latencies.push(performance.now() - t0);
      if (res.status !== 200) errors++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return {
    checks: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuMsPerCheck: latencies.length ? (cpu.user + cpu.system) / 1000 / latencies.length : null,
    errors,
    next,
  };
}

/** Warm-up, then `runs` measured runs; the summary is the median of runs. */
export async function measure(handler, mix, { concurrency, warmupMs, runs, durationMs }) {
  let offset = 0;
  if (warmupMs > 0) offset = (await timedRun(handler, mix, { concurrency, durationMs: warmupMs })).next;
  const results = [];
  for (let i = 0; i < runs; i++) {
    const run = await timedRun(handler, mix, { concurrency, durationMs, offset });
    offset = run.next;
    delete run.next;
    results.push(run);
  }
  return {
    concurrency,
    perSecond: median(results.map((r) => r.perSecond)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    cpuMsPerCheck: median(results.map((r) => r.cpuMsPerCheck)),
    errors: results.reduce((n, r) => n + r.errors, 0),
    runs: results,
  };
}

/**
 * From a fresh server: checks at concurrency 1 for `durationMs` in 250 ms buckets. Steady speed
 * is the median 1 s rate over the last quarter; "full speed" is reached at the first moment
 * after which every 1 s window runs at half that rate or more. A server still warming up at
 * the end of the budget is under-reported, so the result says whether it settled in the first
 * half of the budget.
 */
export async function settle(handler, mix, { durationMs }) {
  const bucketMs = 250;
  const counts = new Array(Math.ceil(durationMs / bucketMs)).fill(0);
  const started = performance.now();
  for (let i = 1; performance.now() - started < durationMs; i++) {
    const res = await handler(toRequest(mix[i % mix.length]));
    await res.text();
    const b = Math.floor((performance.now() - started) / bucketMs);
    if (b < counts.length) counts[b]++;
  }
  const perWindow = counts.slice(0, -3).map((_, i) => counts[i] + counts[i + 1] + counts[i + 2] + counts[i + 3]);
  const steadyPerSecond = median(perWindow.slice(Math.floor(perWindow.length * 0.75))) ?? 0;
  let first = perWindow.length;
  while (first > 0 && perWindow[first - 1] >= steadyPerSecond / 2) first--;
  const toFullSpeedMs = first * bucketMs;
  return { toFullSpeedMs, settledInFirstHalf: toFullSpeedMs <= durationMs / 2, steadyPerSecond, budgetMs: durationMs, bucketMs, counts };
}
