"use strict";
// Loads the native addon: a local build first (a checkout after `npm run build`), then the
// prebuilt platform package that npm installs as an optional dependency.
const { existsSync, readFileSync } = require("node:fs");
const { join } = require("node:path");

const SUPPORTED = ["linux-x64-gnu", "linux-arm64-gnu", "linux-x64-musl", "linux-arm64-musl", "darwin-x64", "darwin-arm64", "win32-x64-msvc"];

// `ldd` is a script naming its C library on glibc and musl systems alike: reading it takes a
// fraction of a millisecond, where the process report (the fallback) takes about 5 ms of every start.
function isMuslFromLdd() {
  try {
    const text = readFileSync("/usr/bin/ldd", "latin1");
    if (text.includes("musl")) return true;
    if (text.includes("GNU C Library") || text.includes("GLIBC") || text.includes("glibc")) return false;
  } catch {}
  return null;
}

function isMusl() {
  const fromLdd = isMuslFromLdd();
  if (fromLdd !== null) return fromLdd;
  try {
    const report = process.report && process.report.getReport();
    return !(report && report.header && report.header.glibcVersionRuntime);
  } catch {
    return false;
  }
}

function platformTriple() {
  const { platform, arch } = process;
  if (platform === "linux") return `linux-${arch}-${isMusl() ? "musl" : "gnu"}`;
  if (platform === "darwin") return `darwin-${arch}`;
  if (platform === "win32") return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function missingBinaryError(triple, cause) {
  const pkg = `hot-updater-rs-${triple}`;
  const notInstalled = cause && cause.code === "MODULE_NOT_FOUND" && String(cause.message).includes(pkg);
  const lines = [`hot-updater-rs: no native binary for this platform (${triple}, Node ${process.version}).`];
  if (!SUPPORTED.includes(triple)) {
    lines.push(`No prebuilt package exists for ${triple} (prebuilt: ${SUPPORTED.join(", ")}).`);
  } else if (notInstalled) {
    lines.push(`The package ${pkg} should have been installed with hot-updater-rs as an optional dependency, and is missing`);
    lines.push("(installs with --omit=optional / --no-optional, or a lockfile made on another platform, leave it out).");
    lines.push(`Fix: npm install --include=optional hot-updater-rs   (or: npm install ${pkg})`);
  } else {
    lines.push(`The package ${pkg} is installed but could not be loaded: ${cause && cause.message}`);
  }
  lines.push("From a git checkout of hot-updater-rs: `npm run build` compiles the addon (needs a Rust toolchain).");
  const err = new Error(lines.join("\n"));
  err.code = "ERR_HOT_UPDATER_NO_BINARY";
  err.platform = triple;
  err.packageName = pkg;
  err.cause = cause;
  return err;
}

function load() {
  const triple = platformTriple();
  const local = join(__dirname, "..", `hot-updater-rs.${triple}.node`);
  if (existsSync(local)) return require(local);
  try {
    return require(`hot-updater-rs-${triple}`);
  } catch (cause) {
    throw missingBinaryError(triple, cause);
  }
}

module.exports = load();
