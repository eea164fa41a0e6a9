// `npm install hot-updater-rs` as a user does it: `npm run package`'s tarballs installed into an
// empty project with no Rust toolchain on PATH, imported from ESM and CommonJS, the CLI run, the
// README's quick starts (Hono and Express on Node, Elysia on Bun) serving an update check on
// loopback; the glibc symbol versions the shipped binary needs; and the error a user gets when the
// platform package is missing. Frameworks come from the registry at the repository's exact
// versions (npm's cache makes repeat runs offline).
//
// Run: node --test __test__/install.test.mjs
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { GLIBC_BASELINE, platformPackages } from "../scripts/platforms.mjs";
import { SEED_PROGRAM, checkQuickStart, readmeQuickStarts, runToEnd, writeProgram } from "./helpers/quickstart.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const FRAMEWORKS = ["hono", "@hono/node-server", "express", "elysia"].map((name) => `${name}@${PKG.devDependencies[name]}`);
const HOST = process.platform === "linux" && process.arch === "x64" && Boolean(process.report.getReport().header.glibcVersionRuntime);
const skip = HOST ? false : "the install test covers the linux-x64-gnu package (the binary built here)";

// PATH without any directory holding cargo or rustc: the install and the runs must not need them.
const NO_RUST_PATH = process.env.PATH.split(delimiter)
  .filter((dir) => !["cargo", "rustc", "rustup"].some((tool) => existsSync(join(dir, tool))))
  .join(delimiter);
const ENV = { ...process.env, PATH: NO_RUST_PATH, npm_config_update_notifier: "false" };
for (const key of Object.keys(ENV)) if (/^(CARGO|RUSTUP|RUSTC)/.test(key) || key.startsWith("npm_package_")) delete ENV[key];

let work;
let tarballs;
let app;

function npm(args, cwd) {
  return runToEnd("npm", [...args, "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd, env: ENV, timeout: 240_000 });
}

function newProject(name) {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name, version: "0.0.0", private: true }, null, 2)}\n`);
  return dir;
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), "hot-updater-rs-install-"));
  const packed = await runToEnd(process.execPath, [join(ROOT, "scripts", "package.mjs"), "--out", join(work, "dist")], { cwd: ROOT, env: process.env, timeout: 900_000 });
  assert.equal(packed.code, 0, packed.stdout + packed.stderr);
  // The main tarball, and of the platform tarballs (cross-built ones may be there too) this
  // machine's, as npm would pick it from the optionalDependencies.
  tarballs = JSON.parse(packed.stdout.trim().split("\n").at(-1)).filter((file, index) => index === 0 || file.includes("-linux-x64-gnu-"));
  assert.equal(tarballs.length, 2, "the main and the linux-x64-gnu tarballs");
  app = newProject("app");
  const installed = await npm(["install", ...tarballs, ...FRAMEWORKS], app);
  assert.equal(installed.code, 0, installed.stdout + installed.stderr);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

test("no Rust toolchain is reachable from the test's PATH", { skip }, () => {
  for (const tool of ["cargo", "rustc"]) {
    const probe = spawnSync(tool, ["--version"], { env: ENV });
    assert.equal(probe.error?.code, "ENOENT", `${tool} is still on PATH`);
  }
});

test("the main tarball pulls the platform packages as optional dependencies, in lock-step", { skip }, () => {
  const installed = JSON.parse(readFileSync(join(app, "node_modules", "hot-updater-rs", "package.json"), "utf8"));
  const expected = Object.fromEntries(platformPackages(PKG).map((p) => [`hot-updater-rs-${p.platform}`, PKG.version]));
  assert.deepEqual(installed.optionalDependencies, expected);
  assert.equal(installed.devDependencies, undefined);
  assert.equal(installed.scripts, undefined);
  const files = readdirSync(join(app, "node_modules", "hot-updater-rs"), { recursive: true });
  assert.deepEqual(files.filter((file) => file.endsWith(".node")), [], "the main package ships no binary");
  assert.ok(files.includes("LICENSE"));
  const binary = join(app, "node_modules", "hot-updater-rs-linux-x64-gnu", "hot-updater-rs.linux-x64-gnu.node");
  assert.ok(statSync(binary).size > 1_000_000);
});

test("the shipped binary needs no glibc symbol newer than the baseline", { skip }, () => {
  const binary = join(app, "node_modules", "hot-updater-rs-linux-x64-gnu", "hot-updater-rs.linux-x64-gnu.node");
  const dump = spawnSync("objdump", ["-T", binary], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(dump.status, 0, dump.stderr);
  const versions = [...new Set(dump.stdout.match(/GLIBC_\d+(\.\d+)*/g))].map((v) => v.slice(6));
  assert.ok(versions.length > 0, "objdump listed no GLIBC symbol versions");
  const key = (v) => v.split(".").map(Number);
  const newer = (a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0);
    return false;
  };
  const highest = versions.reduce((max, v) => (newer(v, max) ? v : max));
  assert.ok(!newer(highest, GLIBC_BASELINE), `needs GLIBC_${highest}, baseline ${GLIBC_BASELINE} (all: ${versions.join(" ")})`);
});

test("imports from ESM and CommonJS, and serves /version through the installed binary", { skip, timeout: 60_000 }, async () => {
  const esm = writeProgram(app, "esm-check.mjs", `import { createHotUpdater, sqliteDatabase } from "hot-updater-rs";
import { toNodeHandler } from "hot-updater-rs/node";
import { createMigrator } from "hot-updater-rs/db";
import { createRequire } from "node:module";
const hotUpdater = createHotUpdater({ database: sqliteDatabase({ path: ":memory:" }) });
const response = await hotUpdater.handler(new Request("http://localhost/api/version"));
const binding = createRequire(import.meta.url).resolve("hot-updater-rs-linux-x64-gnu");
console.log(JSON.stringify({ status: response.status, body: await response.json(), types: [typeof toNodeHandler, typeof createMigrator], binding }));
await hotUpdater.close();
`);
  const cjs = writeProgram(app, "cjs-check.cjs", `const { createHotUpdater, sqliteDatabase } = require("hot-updater-rs");
const { toNodeHandler } = require("hot-updater-rs/node");
const { createMigrator } = require("hot-updater-rs/db");
const hotUpdater = createHotUpdater({ database: sqliteDatabase({ path: ":memory:" }) });
hotUpdater.handler(new Request("http://localhost/api/version")).then(async (response) => {
  console.log(JSON.stringify({ status: response.status, body: await response.json(), types: [typeof toNodeHandler, typeof createMigrator], binding: require.resolve("hot-updater-rs-linux-x64-gnu") }));
  await hotUpdater.close();
});
`);
  for (const file of [esm, cjs]) {
    const run = await runToEnd(process.execPath, [file], { cwd: app, env: ENV });
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.equal(result.status, 200);
    assert.match(result.body.version, /^\d+\.\d+\.\d+/);
    assert.deepEqual(result.types, ["function", "function"]);
    assert.ok(result.binding.startsWith(join(app, "node_modules", "hot-updater-rs-linux-x64-gnu")), result.binding);
  }
});

test("the installed CLI prints help and the schema", { skip, timeout: 60_000 }, async () => {
  const cli = join(app, "node_modules", ".bin", "hot-updater-rs");
  const help = await runToEnd(cli, ["--help"], { cwd: app, env: ENV });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /usage: hot-updater-rs migrate/);
  const schema = await runToEnd(cli, ["schema", "--provider=postgresql"], { cwd: app, env: ENV });
  assert.equal(schema.code, 0, schema.stderr);
  assert.match(schema.stdout, /create table if not exists bundles/i);
});

for (const block of readmeQuickStarts(join(ROOT, "README.md"))) {
  test(`README quick start "${block.heading}" runs from the installed package (${block.runtime})`, { skip, timeout: 90_000 }, async () => {
    const dir = join(app, `quickstart-${block.heading.replace(/\W+/g, "-")}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const seed = await runToEnd(process.execPath, [writeProgram(dir, "seed.mjs", SEED_PROGRAM)], { cwd: dir, env: ENV });
    assert.equal(seed.code, 0, seed.stderr);
    const file = writeProgram(dir, `server.${block.lang === "ts" ? "ts" : "mjs"}`, block.code);
    await checkQuickStart({ command: block.runtime === "bun" ? BUN : process.execPath, file, cwd: dir, env: ENV });
  });
}

test("without the platform package, the error names the platform, the package and the fix", { skip, timeout: 300_000 }, async () => {
  const bare = newProject("no-binary");
  // The main tarball alone with optional dependencies left out, as `--omit=optional` (or a
  // lockfile made on another platform) does to users.
  const installed = await npm(["install", "--omit=optional", tarballs[0]], bare);
  assert.equal(installed.code, 0, installed.stdout + installed.stderr);
  assert.equal(existsSync(join(bare, "node_modules", "hot-updater-rs-linux-x64-gnu")), false);
  const run = await runToEnd(process.execPath, ["-e", "try { require('hot-updater-rs') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }"], { cwd: bare, env: ENV });
  assert.equal(run.code, 0, run.stderr);
  const { code, message } = JSON.parse(run.stdout);
  assert.equal(code, "ERR_HOT_UPDATER_NO_BINARY");
  assert.match(message, /no native binary for this platform \(linux-x64-gnu/);
  assert.match(message, /hot-updater-rs-linux-x64-gnu should have been installed/);
  assert.match(message, /npm install --include=optional hot-updater-rs/);
  assert.match(message, /npm run build/);
  const help = await runToEnd(join(bare, "node_modules", ".bin", "hot-updater-rs"), ["--help"], { cwd: bare, env: ENV });
  assert.equal(help.code, 0, help.stderr);
});
