"use strict";
// Loads the native addon: a local build first (from source / `npm run build`), then the
// prebuilt platform package for this machine.
const { existsSync } = require("node:fs");
const { join } = require("node:path");

function platformTriple() {
  const { platform, arch } = process;
  if (platform === "linux") {
    let musl = false;
    try {
      const report = process.report && process.report.getReport();
      musl = !(report && report.header && report.header.glibcVersionRuntime);
    } catch {
      musl = false;
    }
    return `linux-${arch}-${musl ? "musl" : "gnu"}`;
  }
  if (platform === "darwin") return `darwin-${arch}`;
  if (platform === "win32") return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function load() {
  const triple = platformTriple();
  const local = join(__dirname, "..", `hot-updater-rs.${triple}.node`);
  if (existsSync(local)) return require(local);
  try {
    return require(`hot-updater-rs-${triple}`);
  } catch (cause) {
    const err = new Error(
      `hot-updater-rs: no native binary for ${triple}. Install the package hot-updater-rs-${triple}, ` +
        "or build from source with `npm run build` (needs a Rust toolchain).",
    );
    err.code = "ERR_HOT_UPDATER_NO_BINARY";
    err.cause = cause;
    throw err;
  }
}

module.exports = load();
