// One fresh Node process per measurement: `node inproc-child.mjs spec.json`.
//   mode "startup": time from import of the server module to the first answered check (Node's
//                   fetch API already loaded).
//   mode "inproc":  time to full speed, then handler(new Request(...)) throughput and latency
//                   at each concurrency.
// Writes its result as JSON to spec.out. Only node: built-ins are imported statically.
import { readFileSync, writeFileSync } from "node:fs";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));

// Node loads its fetch API (Request, Response, Headers: undici) on first use, about 24 ms on the
// benchmark machine; any server whose handler takes Web Requests pays it once, at its first
// request, and `listen()` never does. It is loaded before the clock starts, so that "import → first
// check" is the server's own time (the ceiling's column shows what is left of the harness).
await new Response(new Request("http://localhost/").url, { headers: { "content-type": "text/plain" } }).text();

const t0 = performance.now();
const { createServer, toRequest } = await import("./servers.mjs");
const server = await createServer(spec.server);
const first = await server.handler(toRequest(spec.mix[0]));
const firstBody = await first.text();
const t1 = performance.now();
const startup = { importToFirstCheckMs: t1 - t0, processStartToFirstCheckMs: t1, status: first.status, bodyBytes: firstBody.length };

const { measure, memoryStats, settle } = await import("./loop.mjs");
let result;
if (spec.mode === "startup") {
  result = { startup, ...memoryStats() };
} else {
  // From the first answer on: how long until the server runs at full speed (a cold cache, a
  // snapshot being built, JIT), then the measurements proper, each with its own warm-up.
  const settled = await settle(server.handler, spec.mix, { durationMs: spec.timing.settleMs });
  const byConcurrency = {};
  for (const concurrency of spec.concurrencies) {
    byConcurrency[concurrency] = await measure(server.handler, spec.mix, { concurrency, ...spec.timing });
  }
  result = { startup, settled, byConcurrency, ...memoryStats() };
}
await server.close();
writeFileSync(spec.out, JSON.stringify(result));
process.exit(0);
