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
//   HOT_UPDATER_GLIBC=2.28 node scripts/build.mjs     another glibc baseline
import { execFileSync, spawnSync } from "node:child_process";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const GLIBC_BASELINE = process.env.HOT_UPDATER_GLIBC || "2.17";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const debug = process.argv.includes("--debug");
const napi = join(root, "node_modules", "@napi-rs", "cli", "dist", "cli.js");
const args = [napi, "build", "--platform", "--no-js", "--dts", "binding.d.ts"];
if (!debug) args.push("--release");

const env = { ...process.env };
const isGlibc = () => Boolean(process.report?.getReport()?.header?.glibcVersionRuntime);
if (process.platform === "linux" && process.arch === "x64" && isGlibc() && process.env.HOT_UPDATER_NO_ZIG !== "1") {
  const bin = execFileSync("bash", [join(root, "scripts", "zig-env.sh")], { cwd: root, stdio: ["ignore", "pipe", "inherit"] })
    .toString()
    .trim();
  env.PATH = `${bin}${delimiter}${env.PATH}`;
  args.push("--cross-compile", "--target", `x86_64-unknown-linux-gnu.${GLIBC_BASELINE}`);
}

const started = Date.now();
const run = spawnSync(process.execPath, args, { cwd: root, env, stdio: "inherit" });
if (run.status !== 0) process.exit(run.status ?? 1);
console.log(`build: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
