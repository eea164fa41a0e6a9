// A loopback TCP proxy in front of a database server that a test can cut off: `kill()` stops
// listening and resets every connection (the server is gone: connections are refused),
// `blackhole()` keeps accepting but forwards nothing in either direction (a network that drops
// packets: everything hangs), `restore()` forwards again (connections opened before the cut are
// reset, as after a real partition). `close()` ends it all.
import net from "node:net";

export async function tcpProxy(targetPort, targetHost = "127.0.0.1") {
  let mode = "forward";
  const sockets = new Set();
  const track = (socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    return socket;
  };
  const resetAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  const onConnection = (client) => {
    track(client);
    if (mode !== "forward") {
      client.pause();
      return;
    }
    const upstream = track(net.connect(targetPort, targetHost));
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  };
  let server = null;
  const listen = (port) =>
    new Promise((resolve, reject) => {
      const s = net.createServer(onConnection);
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        server = s;
        resolve(s.address().port);
      });
    });
  const stopListening = () =>
    new Promise((resolve) => {
      if (server === null) return resolve();
      const s = server;
      server = null;
      s.close(() => resolve());
    });
  const port = await listen(0);
  return {
    port,
    url: (scheme, user, db) => `${scheme}://${user}@127.0.0.1:${port}/${db}`,
    async kill() {
      mode = "killed";
      const stopped = stopListening();
      resetAll();
      await stopped;
    },
    blackhole() {
      mode = "blackhole";
      for (const s of sockets) {
        s.unpipe();
        s.pause();
      }
    },
    async restore() {
      resetAll();
      mode = "forward";
      if (server === null) await listen(port);
    },
    async close() {
      mode = "closed";
      const stopped = stopListening();
      resetAll();
      await stopped;
    },
  };
}
