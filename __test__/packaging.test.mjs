// The platform packages stay in lock-step with the main package, and the repository's own
// package.json carries no optionalDependencies (they are added when packing, so `npm ci` of the
// repository never needs unpublished packages).
//
// Run: node --test __test__/packaging.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { lockstepProblems, platformOf, platformPackages } from "../scripts/platforms.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PKG = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));

test("every napi target has a platform package in step with the main package", () => {
  assert.deepEqual(lockstepProblems(PKG), []);
  const platforms = platformPackages(PKG).map((p) => p.platform);
  assert.deepEqual(platforms, PKG.napi.targets.map(platformOf));
  assert.ok(platforms.includes("linux-x64-gnu"));
  const check = spawnSync(process.execPath, [join(ROOT, "scripts", "check-versions.mjs")], { encoding: "utf8" });
  assert.equal(check.status, 0, check.stderr);
});

test("a version, name or binary drift is reported for each platform package", () => {
  const bumped = lockstepProblems({ ...PKG, version: "9.9.9" });
  assert.equal(bumped.length, PKG.napi.targets.length);
  for (const problem of bumped) assert.match(problem, /version \S+ differs from hot-updater-rs 9\.9\.9/);
  const renamed = lockstepProblems({ ...PKG, name: "other-name" });
  assert.equal(renamed.length, PKG.napi.targets.length);
  assert.match(renamed[0], /name is hot-updater-rs-\S+, expected other-name-/);
  const extraTarget = lockstepProblems({ ...PKG, napi: { ...PKG.napi, targets: [...PKG.napi.targets, "aarch64-pc-windows-msvc"] } });
  assert.deepEqual(extraTarget, ["npm/win32-arm64-msvc/package.json is missing"]);
  assert.throws(() => platformOf("x86_64-unknown-freebsd"), /unknown napi target/);
  const renamedBinary = lockstepProblems({ ...PKG, napi: { ...PKG.napi, binaryName: "other" } });
  assert.ok(renamedBinary.some((problem) => /main is hot-updater-rs\.linux-x64-gnu\.node, expected other\.linux-x64-gnu\.node/.test(problem)));
});

test("the repository's package.json has no optionalDependencies; the CLI and the types are wired", () => {
  assert.equal(PKG.optionalDependencies, undefined);
  assert.equal(PKG.bin["hot-updater-rs"], "bin/hot-updater-rs.js");
  for (const entry of [".", "./node", "./db"]) {
    assert.match(PKG.exports[entry].import.types, /\.d\.mts$/);
    assert.match(PKG.exports[entry].require.types, /\.d\.ts$/);
  }
});
