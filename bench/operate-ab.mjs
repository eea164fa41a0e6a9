// The cost of the operate features on update checks, measured in one process so that a busy
// machine slows both sides alike: two servers on copies of one SQLite file, one with every
// operate feature off and one with all of them on (as `bench/run.mjs --operate`), answering the
// same request mix in alternating batches; reported as the median batch time of each and their ratio.
//
//   node bench/operate-ab.mjs [--bundles 1000] [--batches 21] [--batch 2000]
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

import { createHotUpdater, sqliteDatabase } from "../index.mjs";
import { benchBundles } from "./lib/dataset.mjs";
import { makeUpdateRequests } from "../__test__/helpers/fixtures.mjs";

const { values } = parseArgs({ options: { bundles: { type: "string", default: "1000" }, batches: { type: "string", default: "21" }, batch: { type: "string", default: "2000" } } });
const [N, BATCHES, BATCH] = [Number(values.bundles), Number(values.batches), Number(values.batch)];
const dir = mkdtempSync(join(tmpdir(), "hu-operate-ab-"));
const ROUTES = { updateCheck: true, bundles: true };
const OPERATE = process.env.OPERATE_JSON === "logger" ? { routes: ROUTES, logger: { write() {} } } : process.env.OPERATE_JSON ? { routes: ROUTES, ...JSON.parse(process.env.OPERATE_JSON) } : { routes: { ...ROUTES, explain: true, metrics: true, health: true, adoption: true }, metrics: { adoptionLabels: true }, logger: { level: "debug", write() {} } };

try {
  const seedPath = join(dir, "seed.db");
  const seeder = createHotUpdater({ database: sqliteDatabase({ path: seedPath }), storages: [] });
  const bundles = benchBundles(N).map((b) => ({ ...b, storageUri: `https://example.invalid/${b.id}.zip` }));
  for (const b of bundles) await seeder.insertBundle(b);
  await seeder.close();
  copyFileSync(seedPath, join(dir, "off.db"));
  copyFileSync(seedPath, join(dir, "on.db"));
  const off = createHotUpdater({ database: sqliteDatabase({ path: join(dir, "off.db") }), storages: [], basePath: "/hot-updater", routes: ROUTES });
  const on = createHotUpdater({ database: sqliteDatabase({ path: join(dir, "on.db") }), storages: [], basePath: "/hot-updater", ...OPERATE });
  const mix = makeUpdateRequests(bundles, 400, 5).map(({ path, sdk }) => ({ url: `http://localhost${path}`, init: sdk === undefined ? {} : { headers: { "Hot-Updater-SDK-Version": sdk } } }));
  const cpu = { off: [], on: [] };
  const batch = async (hu, side) => {
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < BATCH; i++) {
      const r = mix[i % mix.length];
      await (await hu.handler(new Request(r.url, r.init))).text();
    }
    const used = process.cpuUsage(cpuStart);
    if (side) cpu[side].push((used.user + used.system) / 1000);
    return performance.now() - started;
  };
  // Same answers first.
  for (const r of mix) {
    const [a, b] = await Promise.all([off, on].map(async (hu) => (await hu.handler(new Request(r.url, r.init))).text()));
    if (a !== b) throw new Error(`answers differ for ${r.url}`);
  }
  await batch(off);
  await batch(on);
  const times = { off: [], on: [] };
  for (let i = 0; i < BATCHES; i++) {
    // Alternate which side goes first.
    const order = i % 2 === 0 ? ["off", "on"] : ["on", "off"];
    for (const side of order) times[side].push(await batch(side === "off" ? off : on, side));
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const [mOff, mOn] = [median(times.off), median(times.on)];
  const perCheck = (ms) => (ms * 1000) / BATCH;
  console.log(`node bench/operate-ab.mjs --bundles ${N} --batches ${BATCHES} --batch ${BATCH}  (load average ${loadavg().map((x) => x.toFixed(2)).join(" ")})`);
  console.log(`operate off: median ${mOff.toFixed(1)} ms per ${BATCH} checks (${perCheck(mOff).toFixed(2)} µs/check, ${Math.round((BATCH * 1000) / mOff)} checks/s)`);
  console.log(`operate on:  median ${mOn.toFixed(1)} ms per ${BATCH} checks (${perCheck(mOn).toFixed(2)} µs/check, ${Math.round((BATCH * 1000) / mOn)} checks/s)`);
  console.log(`throughput on/off: ${(mOff / mOn).toFixed(3)} (cost ${((1 - mOff / mOn) * 100).toFixed(1)}%)`);
  const [cOff, cOn] = [median(cpu.off), median(cpu.on)];
  console.log(`CPU per check (process, median batch): off ${perCheck(cOff).toFixed(2)} µs, on ${perCheck(cOn).toFixed(2)} µs, on/off ${(cOn / cOff).toFixed(3)}`);
  const checks = (on.metrics().match(/^hot_updater_update_checks_total\{[^}]*\} (\d+)$/gm) ?? []).reduce((s, l) => s + Number(l.split(" ").at(-1)), 0);
  console.log(`checks counted by the operate server: ${checks}`);
  await off.close();
  await on.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
