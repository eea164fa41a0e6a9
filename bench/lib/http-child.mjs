// A server child: `taskset -c 1 node http-child.mjs spec.json`, Hono on @hono/node-server (2.x,
// or 1.x when `spec.honoNodeServer` is 1) on 127.0.0.1 (ephemeral port) serving one handler;
// with `spec.frontend` "listen", hot-updater-rs's own `listen()` instead of Hono, and with
// "node-http", the constant-JSON ceiling on bare `node:http` (no framework); with "express", Express 5
// (`app.use("/hot-updater", toNodeHandler(hotUpdater))`, each server its own package's
// `toNodeHandler`; upstream behind its documented `express.json()`; the ceiling an Express route
// sending the constant JSON itself). Talks to the harness over IPC:
//   -> { ready, port }   <- { cmd: "stats" } -> { stats }   <- { cmd: "close" }
import { readFileSync } from "node:fs";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const { createServer } = await import("./servers.mjs");
const { memoryStats } = await import("./loop.mjs");
const { Hono } = await import("hono");
// 1.x is what upstream's examples pin; 2.x is the current major.
const { serve } = await import(spec.honoNodeServer === 1 ? "hono-node-server-1" : "@hono/node-server");

const hotUpdater = await createServer(spec.server);
let closeServer;
if (spec.frontend === "listen") {
  const listener = await hotUpdater.listen({ port: 0, host: "127.0.0.1" });
  closeServer = () => listener.close();
  process.send({ ready: true, port: listener.port });
} else if (spec.frontend === "node-http") {
  const { createServer: createHttpServer } = await import("node:http");
  const body = '{"status":"UP_TO_DATE"}';
  const server = createHttpServer((req, res) => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length });
    res.end(body);
  });
  server.listen(0, "127.0.0.1", () => process.send({ ready: true, port: server.address().port }));
  closeServer = () => {
    server.close();
    server.closeAllConnections();
  };
} else if (spec.frontend === "express") {
  const express = (await import("express")).default;
  const app = express();
  if (spec.server.impl === "ceiling") {
    const body = '{"status":"UP_TO_DATE"}';
    app.use("/hot-updater", (req, res) => res.type("application/json").send(body));
  } else {
    const { toNodeHandler } = await import(spec.server.impl === "upstream" ? "@hot-updater/server/node" : "../../node.mjs");
    if (spec.server.impl === "upstream") app.use(express.json());
    app.use("/hot-updater", toNodeHandler(hotUpdater.api ?? hotUpdater));
  }
  const server = app.listen(0, "127.0.0.1", () => process.send({ ready: true, port: server.address().port }));
  closeServer = () => {
    server.close();
    server.closeAllConnections();
  };
} else {
  const app = new Hono();
  app.all("/hot-updater/*", (c) => hotUpdater.handler(c.req.raw));
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
    process.send({ ready: true, port: info.port });
  });
  closeServer = () => {
    server.close();
    server.closeAllConnections?.();
  };
}

async function close() {
  await closeServer();
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
// Never outlive the harness.
process.on("disconnect", () => process.exit(0));
