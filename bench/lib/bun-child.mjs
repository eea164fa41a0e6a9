// A server child run by Bun: `taskset -c 1 bun --no-env-file --no-install bun-child.mjs spec.json`,
// Elysia on Bun on 127.0.0.1 (ephemeral port) serving one handler, mounted the way README.md and
// __test__/fixtures/elysia-server.mjs mount hot-updater-rs: `.mount("/hot-updater", handler)`.
// Same IPC protocol as http-child.mjs (Bun implements Node's `process.send` IPC channel):
//   -> { ready, port, bun }   <- { cmd: "stats" } -> { stats }   <- { cmd: "close" }
// If the handler cannot be built under Bun (upstream's better-sqlite3 does not load in Bun), it
// sends { failed: message } and exits 1.
import { readFileSync } from "node:fs";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { createServer } = await import("./servers.mjs");
const { memoryStats } = await import("./loop.mjs");
const { Elysia } = await import("elysia");

// Never outlive the harness.
process.on("disconnect", () => process.exit(0));

let hotUpdater;
try {
  hotUpdater = await createServer(spec.server);
} catch (error) {
  process.send({ failed: String(error?.message ?? error).split("\n")[0].slice(0, 300) });
  // Let the message leave before exiting.
  setTimeout(() => process.exit(1), 200);
  await new Promise(() => {});
}

const app = new Elysia().mount("/hot-updater", hotUpdater.handler).listen({ port: 0, hostname: "127.0.0.1" });

async function close() {
  await app.stop(true);
  await hotUpdater.close();
  process.exit(0);
}

process.on("message", (message) => {
  if (message?.cmd === "stats") {
    process.send({ stats: memoryStats() });
  } else if (message?.cmd === "close") {
    close();
  }
});

process.send({ ready: true, port: app.server.port, bun: Bun.version });
