#!/usr/bin/env node
// `npm run build`: the release addon, hot-updater-rs.<platform>.node at the repository root, plus
// binding.d.ts (napi's generated type definitions).
//
// On x86_64 Linux it links with zig (cargo-zigbuild) against glibc 2.17, so the one binary that
// the tests load is also the one the linux-x64-gnu package ships, and it loads on RHEL/CentOS 7,
// Amazon Linux 2, Debian 10+, Ubuntu 18.04+. The zig toolchain comes from PyPI into
// .cache/zig-venv on first use (scripts/zig-env.sh). Elsewhere it is a plain `napi build`.
//
//   node scripts/build.mjs [--debug]
//   node scripts/build.mjs --target aarch64-unknown-linux-gnu    cross-build another Linux target
//                                 with zig into npm/<platform>/ (adds the Rust target if missing)
//   HOT_UPDATER_GLIBC=2.28 node scripts/build.mjs                another glibc baseline
import { execFileSync, spawnSync } from "node:child_process";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { GLIBC_BASELINE, hostZigTarget, platformOf, root, useZig } from "./platforms.mjs";

const { values } = parseArgs({ options: { debug: { type: "boolean" }, target: { type: "string" } } });
const napi = join(root, "node_modules", "@napi-rs", "cli", "dist", "cli.js");
const args = [napi, "build", "--platform", "--no-js"];
if (!values.debug) args.push("--release");

const env = { ...process.env };
if (values.target) {
  // A cross build: the binary goes to its platform package folder; binding.d.ts is the host's.
  const triple = values.target;
  if (!/-linux-(gnu|musl)$/.test(triple)) throw new Error(`build: cross builds here are for Linux targets; ${triple} builds on its own OS (.github/workflows/release.yml)`);
  execFileSync("rustup", ["target", "add", triple], { cwd: root, stdio: "inherit" });
  useZig(env);
  const outDir = join(root, "npm", platformOf(triple));
  args.push("--cross-compile", "--target", triple.endsWith("-gnu") ? `${triple}.${GLIBC_BASELINE}` : triple);
  args.push("--output-dir", outDir, "--dts", relative(outDir, join(root, ".cache", `binding.${platformOf(triple)}.d.ts`)));
} else {
  args.push("--dts", "binding.d.ts");
  const zigTarget = hostZigTarget();
  if (zigTarget) {
    useZig(env);
    args.push("--cross-compile", "--target", zigTarget);
  }
}

const started = Date.now();
const run = spawnSync(process.execPath, args, { cwd: root, env, stdio: "inherit" });
if (run.status !== 0) process.exit(run.status ?? 1);
console.log(`build: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
