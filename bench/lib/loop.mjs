// Time-bounded in-process load: `concurrency` async workers call handler(new Request(...)) over
// the mix in rotation and read every body, until the deadline. Never unbounded.
import { toRequest } from "./servers.mjs";

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
