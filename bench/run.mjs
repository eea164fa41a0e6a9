// The "Speed" benchmark: hot-updater-rs against upstream @hot-updater/server 0.36.3 on the same
// data, with a constant-JSON handler as the ceiling. See BENCHMARKS.md.
//
//   node bench/run.mjs [--quick] [--sizes 100,1000] [--db sqlite|postgres|mysql|mongo|both] [--mix 400] [--no-bun] [--install-wrk]
//                      [--database native|kysely|drizzle|prisma|mongo-adapter] [--operate]
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

import { benchBundles, describeBundles } from "./lib/dataset.mjs";
import { ensureBun, ensureWrk, measureBunHttp, writeLuaScript } from "./lib/http.mjs";
import { machineFacts } from "./lib/machine.mjs";
import { measureServer } from "./lib/measure.mjs";
import { buildMix, verifyMix } from "./lib/mix.mjs";
import { USAGE, parseOptions } from "./lib/options.mjs";
import { checkMongoSeeder, dropMongo, mongoStatus, seedMongo, startMongo, stopMongo } from "./lib/mongo.mjs";
import { checkMysqlSeeder, dropMysql, mysqlStatus, seedMysql } from "./lib/mysql.mjs";
import { dropPostgres, postgresStatus, seedPostgres } from "./lib/postgres.mjs";
import { hasCommand, stopAll } from "./lib/procs.mjs";
import { printResult, writeReport } from "./lib/report.mjs";
import { IMPLS, OPERATE_IMPLS, createServer } from "./lib/servers.mjs";
import { checkSeeder, seedSqlite } from "./lib/sqlite.mjs";

let options;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  console.error(`${error.message}\n\n${USAGE}`);
  process.exit(2);
}
const command = ["node bench/run.mjs", ...process.argv.slice(2)].join(" ");
const dir = mkdtempSync(join(tmpdir(), "hu-bench-"));
const liveDatabases = new Map(); // name -> db

const dropFor = (db) => (db === "mongo" ? dropMongo : db === "mysql" ? dropMysql : dropPostgres);

let cleaning;
let interrupted = false;
function cleanup() {
  cleaning ??= (async () => {
    stopAll();
    for (const [name, db] of liveDatabases) {
      await dropFor(db)(name).catch((error) => console.error(`could not drop database ${name}: ${error.message}`));
    }
    stopMongo();
    rmSync(dir, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping the harness's children and cleaning up (no report is written)`);
    cleanup().finally(() => process.exit(130));
  });
}

async function seed(db, n, bundles, sub) {
  if (db === "sqlite") {
    const { paths, seedMs } = await seedSqlite(sub, bundles, ["ours", "upstream"]);
    return { seedMs, specs: { ours: { impl: "ours", db, path: paths.ours, storage: options.storage, database: options.database }, upstream: { impl: "upstream", db, path: paths.upstream, storage: options.storage, database: options.database } } };
  }
  const name = `hu_bench_${process.pid}_${n}`;
  liveDatabases.set(name, db);
  if (db === "mongo") {
    const { url, seedMs } = await seedMongo(name, bundles);
    return { seedMs, name, specs: { ours: { impl: "ours", db, url, storage: options.storage, database: options.database }, upstream: { impl: "upstream", db, url, name, storage: options.storage } } };
  }
  const { url, seedMs } = await (db === "mysql" ? seedMysql : seedPostgres)(name, bundles);
  return { seedMs, name, specs: { ours: { impl: "ours", db, url, storage: options.storage, database: options.database }, upstream: { impl: "upstream", db, url, storage: options.storage, database: options.database } } };
}

/** Both servers answer every request of the mix: { mix, counts, expected, mismatches }. */
async function buildAndVerify(specs, bundles) {
  const upstream = await createServer(specs.upstream);
  const ours = await createServer(specs.ours);
  try {
    // The mix is built from the reference's answers: "up to date" means what upstream says.
    const mix = await buildMix(upstream.handler, bundles, options.mixSize, { versions: options.versions });
    return { mix, ...(await verifyMix(mix, upstream.handler, ours.handler)) };
  } finally {
    await ours.close();
    await upstream.close();
  }
}

/** Every request of the mix through the operate server, compared with the same server with operate off. */
async function verifyOperate(spec, mix) {
  const ours = await createServer(spec);
  const reference = await createServer({ ...spec, operate: false });
  try {
    const { mismatches, counts } = await verifyMix(mix, reference.handler, ours.handler);
    if (mismatches.length) throw new Error(`with operate on, ${mismatches.length} answers differ`);
    return counts.compared;
  } finally {
    await ours.close();
    await reference.close();
  }
}

async function benchSize(db, n, bundles, env) {
  const sub = join(dir, `${db}-${n}`);
  mkdirSync(sub, { recursive: true });
  const result = { db, n, dataset: describeBundles(bundles), verified: false, servers: {}, operate: options.operate };
  let seeded;
  try {
    console.log(`\n== ${db}, N=${n.toLocaleString("en-US")} bundles ==`);
    seeded = await seed(db, n, bundles, sub);
    result.seedMs = seeded.seedMs;
    console.log(`seeded in ${Math.round(seeded.seedMs)} ms (${JSON.stringify(result.dataset)})`);

    const started = performance.now();
    const { mix, counts, expected, mismatches } = await buildAndVerify(seeded.specs, bundles);
    result.mix = counts;
    const composition = `${counts.upToDate} up to date, ${counts.update} UPDATE, ${counts.rollback} ROLLBACK, ${counts.other} other; ${counts.fingerprint} fingerprint, ${counts.cohort} with cohort, ${counts.sdkHeader} with SDK header`;
    if (mismatches.length > 0) {
      result.mismatches = mismatches.length;
      result.error = `answers differ: ${mismatches.length}/${mix.length}`;
      result.firstMismatches = mismatches.slice(0, 3);
      console.log(`VERIFICATION FAILED: ${mismatches.length} of ${counts.compared} answers differ between upstream and hot-updater-rs (${composition}); hot-updater-rs is NOT timed at this size. First:`);
      for (const m of mismatches.slice(0, 3)) {
        console.log(`  ${m.path} (sdk ${m.sdk ?? "none"})\n    upstream: ${m.upstream.status} ${m.upstream.body.slice(0, 160)}\n    ours:     ${m.ours.status} ${m.ours.body.slice(0, 160)}`);
      }
    } else {
      result.verified = true;
      console.log(`verified: ${counts.compared} requests compared, identical status and body from both servers (presigned URLs without signing time and signature; ${Math.round(performance.now() - started)} ms) — ${composition}`);
    }
    const ctx = { dir: sub, mix, expected, luaScript: env.wrk ? writeLuaScript(sub, mix) : null, wrk: env.wrk, pin: env.pin, bun: env.bun, options };
    const operateOn = { ...seeded.specs.ours, operate: true };
    const specs = { ...seeded.specs, ceiling: { impl: "ceiling" }, "ours-2": seeded.specs.ours, "ours-operate": operateOn, "ours-operate-2": operateOn };
    if (options.operate && result.verified) {
      // The operate server must give the same answers as well.
      const checked = await verifyOperate(operateOn, mix);
      console.log(`verified with every operate feature on: ${checked} answers identical`);
    }
    for (const impl of options.operate ? OPERATE_IMPLS : IMPLS) {
      if (impl.startsWith("ours") && !result.verified) continue;
      result.servers[impl] = {};
      try {
        await measureServer(impl, specs[impl], n, ctx, result.servers[impl]);
      } catch (error) {
        result.servers[impl].error = error.message;
        result.error = [result.error, `${impl}: ${error.message}`].filter(Boolean).join("; ");
        console.log(`  ${impl.padEnd(8)} ERROR: ${error.message}`);
      }
      if (env.wrk && env.bun && !interrupted && !options.operate) {
        try {
          await measureBunHttp(impl, specs[impl], n, ctx, result.servers[impl]);
        } catch (error) {
          result.servers[impl].bunHttp = { error: error.message };
          result.error = [result.error, `${impl} on Bun: ${error.message}`].filter(Boolean).join("; ");
          console.log(`  ${impl.padEnd(8)} Elysia on Bun ERROR: ${error.message}`);
        }
      }
    }
  } catch (error) {
    result.error = error.message;
    console.log(`ERROR at ${db} N=${n}: ${error.message}`);
  } finally {
    if (seeded?.name) {
      await dropFor(db)(seeded.name).catch((error) => console.error(`could not drop ${seeded.name}: ${error.message}`));
      liveDatabases.delete(seeded.name);
    }
    rmSync(sub, { recursive: true, force: true });
  }
  printResult(result);
  return result;
}

async function main() {
  const startedAt = new Date().toISOString();
  const notes = [];
  const note = (text) => {
    notes.push(text);
    console.log(text);
  };
  console.log(`${command}\nsizes ${options.sizes.join(", ")}; databases ${options.dbs.join(", ")}; mix of ${options.mixSize} requests; storage ${options.storage}; ${options.quick ? "quick" : "full"} budget`);

  const wrk = await ensureWrk(options.installWrk);
  if (!wrk.ok) note(wrk.note);
  let bun = null;
  if (wrk.ok && options.bun) {
    const found = ensureBun();
    if (found.ok) bun = found;
    else note(found.note);
  } else if (wrk.ok) {
    note("Elysia-on-Bun HTTP benchmark skipped: --no-bun.");
  }
  const machine = machineFacts();
  machine.bun = bun?.version ?? null;
  machine.elysia = bun?.elysia ?? null;
  const pin = hasCommand("taskset") && machine.cores >= 2;
  if (machine.loadAverageAtStart[0] > machine.cores / 2) {
    note(`The machine is busy (1-minute load average ${machine.loadAverageAtStart[0]} on ${machine.cores} cores): the numbers of this run are noisy.`);
  }
  if (wrk.ok && !pin) note("HTTP processes are not pinned: taskset is missing or there is only one core.");
  let dbs = options.dbs;
  if (dbs.includes("postgres")) {
    const pg = await postgresStatus();
    if (!pg.ok) {
      note(pg.note);
      dbs = dbs.filter((d) => d !== "postgres");
    }
  }

  if (dbs.includes("mysql")) {
    const my = await mysqlStatus();
    if (!my.ok) {
      note(my.note);
      dbs = dbs.filter((d) => d !== "mysql");
    } else {
      machine.mysqlServer = my.version;
      machine.mysql2 = JSON.parse(readFileSync(new URL("../node_modules/mysql2/package.json", import.meta.url), "utf8")).version;
      const checkedRows = await checkMysqlSeeder(benchBundles(300));
      console.log(`MySQL seeder: ${checkedRows} bulk-inserted rows identical to upstream's own insertBundle rows (server ${my.version})`);
    }
  }

  if (dbs.includes("mongo")) {
    const mongo = await mongoStatus();
    if (!mongo.ok) {
      note(mongo.note);
      dbs = dbs.filter((d) => d !== "mongo");
    } else {
      startMongo();
      machine.mongodb = JSON.parse(readFileSync(new URL("../node_modules/mongodb/package.json", import.meta.url), "utf8")).version;
      const checkedDocs = await checkMongoSeeder(benchBundles(300));
      console.log(`MongoDB seeder: ${checkedDocs} bulk-inserted documents identical to upstream's own insertBundle documents (SecantusDB on 127.0.0.1)`);
    }
  }
  if (dbs.includes("sqlite") || dbs.includes("postgres")) {
    const checkDir = join(dir, "seeder-check");
    mkdirSync(checkDir);
    const checked = await checkSeeder(checkDir, benchBundles(300));
    console.log(`seeder: ${checked} bulk-inserted rows identical to upstream's own insertBundle rows`);
  }

  const results = [];
  for (const n of options.sizes) {
    const bundles = benchBundles(n);
    for (const db of dbs) if (!interrupted) results.push(await benchSize(db, n, bundles, { wrk: wrk.ok, pin, bun }));
  }
  const failed = results.filter((r) => !r.verified || r.error);
  if (failed.length) note(`${failed.length} of ${results.length} size(s) failed verification or errored: ${failed.map((r) => `${r.db} N=${r.n}: ${r.error}`).join("; ")}`);
  if (interrupted) return 130;
  machine.loadAverageAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
  const report = { command, startedAt, finishedAt: new Date().toISOString(), machine, options: { ...options, dbs }, notes, results };
  const { name, markers } = writeReport(report);
  console.log(`\nwrote bench/results/${name} and the results between ${markers[0]} and ${markers[1]} in BENCHMARKS.md`);
  return failed.length ? 1 : 0;
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (error) => {
    console.error(error);
    await cleanup();
    process.exit(1);
  });
