// Database outages on real PostgreSQL and MariaDB, through a loopback proxy the test cuts off
// (connections refused) and blackholes (everything hangs), with writes in the middle: update
// checks keep answering from the last good snapshot, marked stale, without waiting on the dead
// database; a failed write does not drop the snapshot; writes are refused with 503 and
// Retry-After while the database is known to be unreachable; after the proxy is restored,
// everything is fresh again without a restart.
import { test } from "node:test";
import assert from "node:assert/strict";

import { createHotUpdater, postgresDatabase, mysqlDatabase } from "../index.mjs";
import { parityStorage } from "./helpers/parity-storage.mjs";
import { pgDatabase, mysqlDatabase as mariaDatabase } from "./helpers/servers.mjs";
import { tcpProxy } from "./helpers/tcp-proxy.mjs";
import { eventually, smallBundle } from "./helpers/fixtures.mjs";

const NIL = "00000000-0000-0000-0000-000000000000";
const CHECK = `http://localhost/hot-updater/app-version/ios/1.0.0/production/${NIL}/${NIL}`;
const base = { basePath: "/hot-updater", routes: { updateCheck: true, bundles: true }, storages: [parityStorage()] };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/**
 * The longest an update check or a refused write may take while the database is gone. The
 * snapshot's probe gives up after 1.5 s; the bound leaves room for a loaded machine and is far
 * below the pool's 30 s acquire timeout, which is what requests used to wait. Not a speed claim.
 */
const OUTAGE_BOUND_MS = 4_000;

const bundle = smallBundle;

async function timed(fn) {
  const start = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - start };
}

async function check(hu) {
  const { value: res, ms } = await timed(() => hu.handler(new Request(CHECK)));
  const body = await res.json();
  return { status: res.status, id: body?.id ?? null, stale: res.headers.get("hot-updater-snapshot") === "stale", ms };
}

async function send(hu, method, path, body) {
  const { value: res, ms } = await timed(() =>
    hu.handler(new Request(`http://localhost/hot-updater${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) })),
  );
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: await res.json(), ms };
}


const engines = [
  { name: "PostgreSQL", port: 5432, create: pgDatabase, scheme: "postgres", user: "postgres", factory: postgresDatabase },
  { name: "MariaDB", port: 3306, create: mariaDatabase, scheme: "mysql", user: "root", factory: mysqlDatabase },
];

for (const engine of engines) {
  test(`${engine.name}: outages through a cut and a blackholed proxy, writes in the middle, recovery without restart`, { timeout: 120_000 }, async (t) => {
    const db = engine.create();
    const proxy = await tcpProxy(engine.port);
    const hu = createHotUpdater({
      database: engine.factory({
        connectionString: proxy.url(engine.scheme, engine.user, db.name),
        autoMigrate: true,
        snapshot: { probeIntervalMs: 100, maxAgeMs: 60_000, serveStaleForMs: 60_000 },
      }),
      ...base,
    });
    t.after(async () => {
      // The proxy first: it resets the connections a blackhole froze, so closing the pool
      // does not wait on them.
      await proxy.close();
      await hu.close();
      db.drop();
    });
    let next = 1;
    let newest = bundle(next);
    assert.equal((await send(hu, "POST", "/api/bundles", [newest])).status, 201);
    assert.deepEqual(await check(hu).then(({ id, stale }) => ({ id, stale })), { id: newest.id, stale: false });
    let slowest = 0;

    for (const cut of ["kill", "blackhole"]) {
      await proxy[cut]();
      if (cut === "blackhole") {
        // The first check after the cut (a probe is due) waits for the probe, which gives up.
        await sleep(150);
        const first = await check(hu);
        slowest = Math.max(slowest, first.ms);
        assert.deepEqual([first.status, first.id, first.stale], [200, newest.id, true], `${cut}: the first check`);
        assert.ok(first.ms < OUTAGE_BOUND_MS, `${cut}: the first check waited ${first.ms} ms on the dead database`);
      }

      // A write before anything noticed the outage (after a cut) or once it is known (after the
      // blackhole): it fails, and the snapshot stays.
      const early = await send(hu, "POST", "/api/bundles", [bundle(++next)]);
      assert.ok(early.status === 500 || early.status === 503, `${cut}: early write answered ${early.status} ${JSON.stringify(early.body)}`);
      assert.ok(early.ms < 2 * OUTAGE_BOUND_MS, `${cut}: the early write waited ${early.ms} ms`);

      for (let i = 0; i < 6; i++) {
        const c = await check(hu);
        slowest = Math.max(slowest, c.ms);
        assert.equal(c.status, 200, `${cut}: check ${i} answered ${c.status}`);
        assert.equal(c.id, newest.id, `${cut}: check ${i} is the last good answer`);
        assert.equal(c.stale, true, `${cut}: check ${i} is marked stale`);
        assert.ok(c.ms < OUTAGE_BOUND_MS, `${cut}: check ${i} waited ${c.ms} ms on the dead database`);
        await sleep(120);
      }

      // Known unreachable: writes are refused at once, in upstream's error shape, with a hint.
      for (const [method, path, body] of [
        ["POST", "/api/bundles", [bundle(++next)]],
        ["PATCH", `/api/bundles/${newest.id}`, { enabled: false }],
        ["DELETE", `/api/bundles/${newest.id}`, undefined],
      ]) {
        const w = await send(hu, method, path, body);
        assert.equal(w.status, 503, `${cut}: ${method} answered ${w.status} ${JSON.stringify(w.body)}`);
        assert.match(w.retryAfter ?? "", /^[1-9][0-9]*$/, `${cut}: ${method} Retry-After`);
        assert.deepEqual(Object.keys(w.body), ["error", "message"]);
        assert.match(w.body.message, /unreachable/i);
        assert.ok(w.ms < OUTAGE_BOUND_MS, `${cut}: ${method} waited ${w.ms} ms`);
      }
      await assert.rejects(hu.insertBundle(bundle(++next)), (e) => e.code === "ERR_HOT_UPDATER_UNAVAILABLE" && /unreachable/i.test(e.message));
      // Reads of the management API fail as before (500), without the pool's long wait.
      const list = await send(hu, "GET", "/api/bundles");
      assert.equal(list.status, 500);
      assert.ok(list.ms < OUTAGE_BOUND_MS, `${cut}: the bundle list waited ${list.ms} ms`);
      assert.doesNotMatch(JSON.stringify(list.body), new RegExp(`${engine.scheme}://${engine.user}@`));

      await proxy.restore();
      await eventually(() => check(hu), (c) => c.status === 200 && !c.stale, 15_000);
      // Fresh again: a write through the API shows at once.
      newest = bundle(++next);
      const created = await send(hu, "POST", "/api/bundles", [newest]);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(await check(hu).then(({ id, stale }) => ({ id, stale })), { id: newest.id, stale: false }, `${cut}: after recovery`);
    }
    t.diagnostic(`slowest update check during the outages: ${Math.round(slowest)} ms`);
  });
}
