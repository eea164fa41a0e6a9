// Command-line options and the time budgets they select. Every loop is bounded by these.
import { parseArgs } from "node:util";

export const USAGE = `node bench/run.mjs [options]
  --sizes 100,1000     bundle counts (default 100,1000,10000,100000; with --quick 100,1000)
  --quick              short runs (6 s settle, 0.5 s warm-up, 3 × 1 s in process; 1 s + 3 × 2 s over HTTP,
                       on Node and on Bun)
  --db sqlite|postgres|mysql|mongo|both   databases to run on (default both = sqlite and postgres;
                       PostgreSQL needs the pg driver; mysql: MySQL/MariaDB at 127.0.0.1:3306 as root,
                       upstream on Kysely + mysql2; mongo: SecantusDB started by the harness,
                       upstream on its own mongoAdapter)
  --mix 400            distinct requests in the mix (default 400; with --quick 200)
  --versions fixed|spread   the devices' app versions: nine common ones (default), or spread over
                       20,000 (major 0–3, minor 0–99, patch 0–49), so nearly every device of the mix
                       asks with its own version (memory per distinct version; results in their own
                       section of BENCHMARKS.md)
  --storage s3|plugin  s3 (default): native s3Storage vs upstream's AWS SDK presigning; plugin:
                       one JS storage plugin object for both (measures the JS-plugin path)
  --database native|kysely|drizzle|prisma|mongo-adapter   what hot-updater-rs runs on: its native
                       database (default), or upstream's kyselyAdapter, the very plugin upstream runs
                       on, or upstream's drizzleAdapter or prismaAdapter for both servers (SQLite,
                       PostgreSQL), or upstream's mongoAdapter (--db mongo); these measure the
                       JS-plugin snapshot path, each in its own table in BENCHMARKS.md
  --no-bun             skip HTTP through Elysia on Bun (by default each handler is also served by
                       Elysia on Bun, the devDependency, with the same wrk load and answer checks)
  --install-wrk        apt-get install -y wrk when it is missing (otherwise HTTP is skipped)
  --operate            hot-updater-rs with every operate feature on (metrics counting, the explain,
                       metrics, health and adoption routes, adoption metrics labels, a logger) against
                       hot-updater-rs with them off, in alternating runs; upstream is used only to
                       verify the answers (results: bench/results/latest-operate.json and the
                       "operate" section of BENCHMARKS.md)
  --help`;

const FULL = {
  inproc: { settleMs: 12000, warmupMs: 2000, runs: 3, durationMs: 3000 },
  inprocSlow: { settleMs: 3000, warmupMs: 1000, runs: 1, durationMs: 3000 },
  http: { warmupSeconds: 2, runs: 3, seconds: 5, httpCheckSample: 50 },
  httpSlow: { warmupSeconds: 0, runs: 1, seconds: 15, httpCheckSample: 10 },
  startupRuns: 3,
};
const QUICK = {
  inproc: { settleMs: 6000, warmupMs: 500, runs: 3, durationMs: 1000 },
  inprocSlow: { settleMs: 2000, warmupMs: 500, runs: 1, durationMs: 1000 },
  http: { warmupSeconds: 1, runs: 3, seconds: 2, httpCheckSample: 20 },
  httpSlow: { warmupSeconds: 0, runs: 1, seconds: 10, httpCheckSample: 5 },
  startupRuns: 3,
};
/**
 * Upstream at this many bundles or more gets fewer runs (it takes ~0.2 s a check). Its wrk run
 * is longer, not shorter: 32 interleaved checks finish together after ~32 × 0.2 s, so a short
 * run would see none. Its warm-up is the HTTP answer check.
 */
export const SLOW_UPSTREAM_AT = 100_000;
export const CONCURRENCIES = [1, 32];

export function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: "string" },
      quick: { type: "boolean", default: false },
      db: { type: "string", default: "both" },
      mix: { type: "string" },
      versions: { type: "string", default: "fixed" },
      storage: { type: "string", default: "s3" },
      database: { type: "string", default: "native" },
      "install-wrk": { type: "boolean", default: false },
      "no-bun": { type: "boolean", default: false },
      operate: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const sizes = (values.sizes ?? (values.quick ? "100,1000" : "100,1000,10000,100000")).split(",").map((s) => Number(s.trim().replaceAll("_", "")));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 1_000_000)) throw new Error(`--sizes: positive integers up to 1,000,000, got ${values.sizes}`);
  if (!["sqlite", "postgres", "mysql", "mongo", "both"].includes(values.db)) throw new Error(`--db: sqlite, postgres, mysql, mongo or both, got ${values.db}`);
  if (!["s3", "plugin"].includes(values.storage)) throw new Error(`--storage: s3 or plugin, got ${values.storage}`);
  if (!["native", "kysely", "drizzle", "prisma", "mongo-adapter"].includes(values.database)) throw new Error(`--database: native, kysely, drizzle, prisma or mongo-adapter, got ${values.database}`);
  if ((values.database === "drizzle" || values.database === "prisma") && !["sqlite", "postgres", "both"].includes(values.db)) throw new Error(`--database ${values.database} runs on SQLite or PostgreSQL, not --db ${values.db}`);
  if (values.database === "mongo-adapter" && values.db !== "mongo") throw new Error(`--database mongo-adapter runs on --db mongo, not --db ${values.db}`);
  if (values.database === "kysely" && values.db === "mongo") throw new Error("--database kysely runs on SQLite, PostgreSQL or MySQL, not --db mongo");
  if (!["fixed", "spread"].includes(values.versions)) throw new Error(`--versions: fixed or spread, got ${values.versions}`);
  const mix = Number(values.mix ?? (values.quick ? 200 : 400));
  if (!Number.isInteger(mix) || mix < 10 || mix > 10_000) throw new Error(`--mix: 10..10000, got ${values.mix}`);
  return {
    sizes,
    quick: values.quick,
    dbs: values.db === "both" ? ["sqlite", "postgres"] : [values.db],
    mixSize: mix,
    versions: values.versions,
    installWrk: values["install-wrk"],
    bun: !values["no-bun"],
    storage: values.storage,
    database: values.database,
    operate: values.operate,
    budget: values.quick ? QUICK : FULL,
  };
}

/** The in-process and HTTP budgets for one server at size `n`. */
export function budgetFor(options, impl, n) {
  const slow = impl === "upstream" && n >= SLOW_UPSTREAM_AT;
  const inproc = slow ? options.budget.inprocSlow : options.budget.inproc;
  const http = slow ? options.budget.httpSlow : options.budget.http;
  const inprocTotalMs = inproc.settleMs + CONCURRENCIES.length * (inproc.warmupMs + inproc.runs * inproc.durationMs);
  return {
    inproc,
    inprocTimeoutMs: inprocTotalMs + 180_000,
    http: { ...http, childTimeoutMs: (http.warmupSeconds + http.runs * http.seconds) * 1000 + 300_000 },
  };
}
