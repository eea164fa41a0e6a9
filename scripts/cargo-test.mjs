#!/usr/bin/env node
// `cargo test --release` for the target and linker `npm run build` uses, so that the tests reuse
// the dependencies the build compiled instead of compiling them all again for the host (about
// seven minutes on 2 cores). On x86_64 glibc Linux that is the zig-linked glibc-baseline target
// (scripts/platforms.mjs, hostZigTarget); elsewhere plain `cargo test --release`.
//
//   node scripts/cargo-test.mjs [cargo test arguments…]
import { spawnSync } from "node:child_process";
import { hostZigTarget, root, useZig } from "./platforms.mjs";

const env = { ...process.env };
const zigTarget = hostZigTarget();
if (zigTarget) useZig(env);
const command = zigTarget ? "cargo-zigbuild" : "cargo";
const args = ["test", "--release", ...(zigTarget ? ["--target", zigTarget] : []), ...process.argv.slice(2)];
const run = spawnSync(command, args, { cwd: root, env, stdio: "inherit" });
if (run.error) throw run.error;
process.exit(run.status ?? 1);
