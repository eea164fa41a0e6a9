// One fresh Node process per measurement: `node inproc-child.mjs spec.json`.
//   mode "startup": time from import of the server module to the first answered check.
//   mode "inproc":  handler(new Request(...)) throughput and latency at each concurrency.
// Writes its result as JSON to spec.out. Only node: built-ins are imported statically.
import { readFileSync, writeFileSync } from "node:fs";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const memory = () => ({ rssMB: process.memoryUsage().rss / 2 ** 20, maxRssMB: process.resourceUsage().maxRSS / 1024 });

const t0 = performance.now();
const { createServer, toRequest } = await import("./servers.mjs");
const server = await createServer(spec.server);
const first = await server.handler(toRequest(spec.mix[0]));
const firstBody = await first.text();
const t1 = performance.now();
const startup = { importToFirstCheckMs: t1 - t0, processStartToFirstCheckMs: t1, status: first.status, bodyBytes: firstBody.length };

let result;
if (spec.mode === "startup") {
  result = { startup, ...memory() };
} else {
  const { measure } = await import("./loop.mjs");
  const byConcurrency = {};
  for (const concurrency of spec.concurrencies) {
    byConcurrency[concurrency] = await measure(server.handler, spec.mix, { concurrency, ...spec.timing });
  }
  result = { startup, byConcurrency, ...memory() };
}
await server.close();
writeFileSync(spec.out, JSON.stringify(result));
process.exit(0);
