// The `hot-updater-rs` CLI (bin/hot-updater-rs.js), run as a child process: option parsing,
// help without a native binary, SQLite paths that must not create files, and the connect timeout
// on a refused port (a real closed port on 127.0.0.1).
//
// Run: node --test __test__/cli.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runToEnd } from "./helpers/quickstart.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CLI = join(ROOT, "bin", "hot-updater-rs.js");
const RUN_TIMEOUT_MS = 20_000;
const HOST_PLATFORM = {
  linux: `linux-${process.arch}-${process.report.getReport().header.glibcVersionRuntime ? "gnu" : "musl"}`,
  darwin: `darwin-${process.arch}`,
  win32: `win32-${process.arch}-msvc`,
}[process.platform];

const run = (args, { cli = CLI, cwd = ROOT } = {}) => runToEnd(process.execPath, [cli, ...args], { cwd, env: process.env, timeout: RUN_TIMEOUT_MS });

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), "hot-updater-rs-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A port on 127.0.0.1 that nothing listens on (bound, read, released). */
async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test("--help and no command print usage, exit 0", { timeout: 30_000 }, async () => {
  for (const args of [["--help"], ["-h"], []]) {
    const { code, stdout } = await run(args);
    assert.equal(code, 0, `${args}`);
    assert.match(stdout, /usage: hot-updater-rs migrate --database <url>/);
  }
});

test("--help works without the native binary; a command that needs it names the missing package", { timeout: 30_000 }, async (t) => {
  // A copy of the package's JS without any .node file, outside the repository, so neither the
  // local build nor a platform package can be found.
  const dir = tempDir(t);
  for (const entry of ["bin", "lib", "index.js", "db.js", "node.js", "package.json"]) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  const cli = join(dir, "bin", "hot-updater-rs.js");
  const help = await run(["--help"], { cli, cwd: dir });
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /usage:/);
  const schema = await run(["schema"], { cli, cwd: dir });
  assert.equal(schema.code, 1);
  assert.match(schema.stderr, new RegExp(`no native binary for this platform \\(${HOST_PLATFORM}, Node ${process.version}\\)`));
  assert.match(schema.stderr, new RegExp(`hot-updater-rs-${HOST_PLATFORM} should have been installed`));
  assert.match(schema.stderr, /npm install --include=optional hot-updater-rs/);
  assert.match(schema.stderr, /npm run build/);
});

test("bad usage exits 2 with the reason and the usage", { timeout: 30_000 }, async () => {
  const cases = [
    [["migrate", "--bogus"], /Unknown option '--bogus'/],
    [["migrate"], /--database is required/],
    [["frobnicate"], /unknown command frobnicate/],
    [["migrate", "--database=x.db", "--connect-timeout=soon"], /--connect-timeout takes seconds/],
    [["migrate", "--database=redis://127.0.0.1/0"], /unsupported database URL redis:\/\//],
  ];
  for (const [args, message] of cases) {
    const { code, stderr } = await run(args);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.match(stderr, message);
    assert.match(stderr, /usage:/);
  }
});

test("migrate --database=<file> creates the schema once; a second run has nothing to do", { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "hot-updater.db");
  const first = await run(["migrate", `--database=${file}`]);
  assert.equal(first.code, 0, first.stderr);
  // The statements it runs are listed first (progress output), then the outcome and its time.
  assert.match(first.stdout, /^Migrating from an empty database: \d+ statements\n/);
  assert.match(first.stdout, /\nMigrated from an empty database to \d+\.\d+\.\d+ \(\d+ statements in \d+ ms\)\./);
  assert.ok(existsSync(file));
  const second = await run(["migrate", "--database", `sqlite:${file}`]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /^Schema is current \(\d+\.\d+\.\d+\)\. Nothing to do\./);
});

test("--dry-run on a missing SQLite file prints the SQL and creates nothing", { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "new.db");
  const { code, stdout, stderr } = await run(["migrate", `--database=${file}`, "--dry-run"]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /does not exist; migrating would create it with:/);
  assert.match(stdout, /create table if not exists bundles/i);
  assert.equal(existsSync(file), false);
});

test("a mistyped SQLite path (missing folder) fails without creating the folder or the file", { timeout: 30_000 }, async (t) => {
  const dir = tempDir(t);
  for (const extra of [[], ["--dry-run"]]) {
    const file = join(dir, "no-such-folder", "hot-updater.db");
    const { code, stderr } = await run(["migrate", `--database=${file}`, ...extra]);
    assert.equal(code, 2, stderr);
    assert.match(stderr, /the folder of the SQLite file does not exist/);
    assert.equal(existsSync(join(dir, "no-such-folder")), false);
  }
});

test("a refused PostgreSQL or MySQL port fails by itself within the connect timeout", { timeout: 60_000 }, async () => {
  const port = await closedPort();
  for (const url of [`postgres://postgres@127.0.0.1:${port}/test`, `mysql://root@127.0.0.1:${port}/test`]) {
    const { code, signal, stderr } = await run(["migrate", `--database=${url}`, "--connect-timeout=2"]);
    assert.equal(signal, null, `${url}: the CLI had to be killed (${stderr})`);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /Cannot connect to (PostgreSQL|MySQL) at 127\.0\.0\.1/);
    assert.doesNotMatch(stderr, /postgres@|root@/);
  }
});
