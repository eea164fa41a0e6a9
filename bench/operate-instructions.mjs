// The cost of the operate features on update checks in CPU instructions, which a busy machine
// does not change (valgrind's callgrind counts them): the same warm server answers the same mix
// with every operate feature off and then on (the `--operate` set of bench/run.mjs), in separate
// processes, each run twice, with 0 and with `--checks` checks after the warm-up; the difference
// divided by the checks is the instructions one check costs, start-up and seeding cancelled out.
//
//   node bench/operate-instructions.mjs [--bundles 1000] [--checks 20000]     (needs valgrind)
//
// The child mode (`--child off|on --checks N`) is what runs under valgrind.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { bundles: { type: "string", default: "1000" }, checks: { type: "string", default: "20000" }, child: { type: "string" } } });
const N = Number(values.bundles);
const CHECKS = Number(values.checks);
const ROUTES = { updateCheck: true, bundles: true };
const OPERATE = {
  routes: { ...ROUTES, explain: true, metrics: true, health: true, adoption: true },
  metrics: { adoptionLabels: true },
  logger: { level: "debug", write() {} },
};

async function child(side) {
  const { createHotUpdater, sqliteDatabase } = await import("../index.mjs");
  const { benchBundles } = await import("./lib/dataset.mjs");
  const { makeUpdateRequests } = await import("../__test__/helpers/fixtures.mjs");
  const dir = mkdtempSync(join(tmpdir(), "hu-operate-ins-"));
  try {
    const bundles = benchBundles(N).map((b) => ({ ...b, storageUri: `https://example.invalid/${b.id}.zip` }));
    const hu = createHotUpdater({ database: sqliteDatabase({ path: join(dir, "db.sqlite") }), storages: [], basePath: "/hot-updater", ...(side === "on" ? OPERATE : { routes: ROUTES }) });
    for (const b of bundles) await hu.insertBundle(b);
    const mix = makeUpdateRequests(bundles, 400, 5).map(({ path, sdk }) => ({ url: `http://localhost${path}`, init: sdk === undefined ? {} : { headers: { "Hot-Updater-SDK-Version": sdk } } }));
    const one = async (i) => {
      const r = mix[i % mix.length];
      await (await hu.handler(new Request(r.url, r.init))).text();
    };
    for (let i = 0; i < 2 * mix.length; i++) await one(i);
    for (let i = 0; i < CHECKS; i++) await one(i);
    await hu.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function instructions(side, checks) {
  const out = mkdtempSync(join(tmpdir(), "hu-callgrind-"));
  try {
    execFileSync(
      "valgrind",
      ["--tool=callgrind", "--smc-check=all-non-file", `--callgrind-out-file=${join(out, "cg.out")}`, process.execPath, fileURLToPath(import.meta.url), "--child", side, "--checks", String(checks), "--bundles", String(N)],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    const text = readFileSync(join(out, readdirSync(out)[0]), "utf8");
    const m = /^(?:summary|totals): (\d+)/m.exec(text);
    if (!m) throw new Error("no instruction total in callgrind's output");
    return Number(m[1]);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (values.child) {
  await child(values.child);
} else {
  const perCheck = {};
  for (const side of ["off", "on"]) {
    const base = instructions(side, 0);
    const loaded = instructions(side, CHECKS);
    perCheck[side] = (loaded - base) / CHECKS;
    console.log(`operate ${side}: ${base.toLocaleString("en-US")} instructions with 0 checks, ${loaded.toLocaleString("en-US")} with ${CHECKS}: ${perCheck[side].toFixed(0)} per check`);
  }
  console.log(`node bench/operate-instructions.mjs --bundles ${N} --checks ${CHECKS}`);
  console.log(`instructions per check on/off: ${(perCheck.on / perCheck.off).toFixed(3)} (cost ${((perCheck.on / perCheck.off - 1) * 100).toFixed(1)}%)`);
}
