// The published types: typed versions of the README's quick starts and of upstream's plugin
// shapes compile under `tsc --strict` (ESM through the .d.mts files, CommonJS through the
// .d.ts files); a file of deliberate misuse fails with exactly the errors it marks; the packed
// tarball passes @arethetypeswrong/cli and publint with nothing reported.
//
// Run: node --test __test__/types.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runToEnd } from "./helpers/quickstart.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const TYPES = join(ROOT, "__test__", "types");
const BIN = join(ROOT, "node_modules", ".bin");
const RUN_TIMEOUT_MS = 120_000;

const run = (command, args, { cwd = ROOT } = {}) => runToEnd(command, args, { cwd, env: { ...process.env, NO_COLOR: "1" }, timeout: RUN_TIMEOUT_MS });

const tsc = (...args) => run(join(BIN, "tsc"), ["--pretty", "false", ...args]);

test("the typed quick starts and plugin examples compile under --strict (ESM and CommonJS)", { timeout: 150_000 }, async () => {
  const { code, stdout, stderr } = await tsc("-p", join(TYPES, "tsconfig.json"), "--listFiles");
  assert.equal(code, 0, stdout + stderr);
  const files = stdout.split("\n").map((line) => line.trim());
  // ESM examples see the .d.mts declarations, the .cts example the CommonJS ones.
  for (const file of ["index.d.mts", "node.d.mts", "db.d.mts", "index.d.ts", "node.d.ts", "db.d.ts"]) {
    assert.ok(files.includes(join(ROOT, file)), `${file} is not part of the program`);
  }
});

test("the declaration files themselves check under --strict without skipLibCheck", { timeout: 150_000 }, async () => {
  const files = ["index.d.ts", "index.d.mts", "node.d.ts", "node.d.mts", "db.d.ts", "db.d.mts"].map((file) => join(ROOT, file));
  const { code, stdout, stderr } = await tsc("--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--types", "node", ...files);
  assert.equal(code, 0, stdout + stderr);
});

test("deliberate misuse fails to compile with exactly the marked errors", { timeout: 150_000 }, async () => {
  const source = readFileSync(join(TYPES, "misuse.mts"), "utf8").split("\n");
  const expected = new Map();
  source.forEach((line, index) => {
    const mark = /\/\/ expect (TS\d+)$/.exec(line);
    if (mark) expected.set(index + 1, mark[1]);
  });
  assert.ok(expected.size >= 15, "the misuse file marks its cases");
  const { code, stdout } = await tsc("-p", join(TYPES, "tsconfig.misuse.json"));
  assert.equal(code, 2, stdout);
  const seen = new Map();
  for (const match of stdout.matchAll(/misuse\.mts\((\d+),\d+\): error (TS\d+)/g)) seen.set(Number(match[1]), match[2]);
  for (const match of stdout.matchAll(/^(\S+)\(\d+,\d+\): error/gm)) assert.match(match[1], /misuse\.mts$/, `an error outside the misuse file: ${match[0]}`);
  assert.deepEqual([...seen].sort((a, b) => a[0] - b[0]), [...expected].sort((a, b) => a[0] - b[0]), stdout);
});

test("@arethetypeswrong/cli and publint report nothing on the packed tarball", { timeout: 240_000 }, async (t) => {
  const out = mkdtempSync(join(tmpdir(), "hot-updater-rs-types-"));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const packed = await run(process.execPath, [join(ROOT, "scripts", "package.mjs"), "--out", out]);
  assert.equal(packed.code, 0, packed.stderr);
  const [main] = JSON.parse(packed.stdout.trim().split("\n").at(-1));
  assert.match(main, /hot-updater-rs-\d+\.\d+\.\d+\.tgz$/);

  const attw = await run(join(BIN, "attw"), [main, "--format", "json", "--profile", "strict"]);
  const report = JSON.parse(attw.stdout);
  assert.deepEqual(Object.keys(report.analysis.entrypoints).sort(), [".", "./db", "./node", "./package.json"]);
  const problems = Array.isArray(report.problems) ? report.problems : Object.values(report.problems).flat();
  assert.deepEqual(problems, [], attw.stdout);
  assert.equal(attw.code, 0, attw.stderr);

  const publint = await run(join(BIN, "publint"), ["run", main, "--level", "suggestion"]);
  assert.equal(publint.code, 0, publint.stdout + publint.stderr);
  assert.match(publint.stdout, /All good!/);
  assert.doesNotMatch(publint.stdout, /Suggestions:|Warnings:|Errors:/);
});
