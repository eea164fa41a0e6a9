// Runs the README's quick-start programs: extracts the ```js / ```ts blocks, seeds an SQLite file
// with one bundle, starts a program on a free loopback port and asks it for /version and an
// update check. Used against the repository (readme.test.mjs) and against the installed
// tarballs (install.test.mjs).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export const BUNDLE = {
  id: "0195a408-8f13-7d9b-8df4-0123456789ab",
  platform: "ios",
  shouldForceUpdate: false,
  enabled: true,
  fileHash: "b3a1e4f0c2d94e6a8f7b5c3d2e1f0a9b",
  gitCommitHash: null,
  message: "from the README test",
  channel: "production",
  storageUri: "https://cdn.example.com/bundles/0195a408.zip",
  targetAppVersion: "1.x.x",
  fingerprintHash: null,
};

const NIL = "00000000-0000-0000-0000-000000000000";
const START_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 5_000;

/** Every ```js / ```ts block of the README but configuration files, with the heading above it. */
export function readmeQuickStarts(readmePath) {
  const blocks = [];
  let heading = "";
  const lines = readFileSync(readmePath, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (/^#{1,6} /.test(lines[i])) heading = lines[i].replace(/^#+ /, "");
    const open = /^```(js|ts|javascript|typescript|mjs)\s*$/.exec(lines[i]);
    if (!open) continue;
    const body = [];
    for (i++; i < lines.length && !lines[i].startsWith("```"); i++) body.push(lines[i]);
    const code = `${body.join("\n")}\n`;
    // A tool's configuration file (hot-updater.config.ts), not a program.
    if (/^\/\/ \S+\.config\.[cm]?[jt]s/.test(body[0] ?? "")) continue;
    const lang = open[1].startsWith("t") ? "ts" : "js";
    blocks.push({ heading, lang, code, runtime: /\bBun\b/.test(heading) || lang === "ts" ? "bun" : "node" });
  }
  return blocks;
}

/** A program that puts BUNDLE into ./data/hot-updater.db (where the quick starts keep it). */
export const SEED_PROGRAM = `import { createHotUpdater, sqliteDatabase } from "hot-updater-rs";
const hotUpdater = createHotUpdater({ database: sqliteDatabase({ path: "./data/hot-updater.db" }) });
if (!(await hotUpdater.getBundleById(${JSON.stringify(BUNDLE.id)}))) await hotUpdater.insertBundle(${JSON.stringify(BUNDLE)});
await hotUpdater.close();
`;

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function runToEnd(command, args, { cwd, env, timeout = 60_000 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], timeout });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

async function get(url) {
  const response = await fetch(url, { headers: { "Hot-Updater-SDK-Version": "0.31.0" }, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return { status: response.status, body: await response.text() };
}

/**
 * Starts `file` with `command` in `cwd` on a free port (PORT), waits for `/hot-updater/version`,
 * checks the seeded bundle is offered to an iOS 1.0.0 app, then stops the program.
 */
export async function checkQuickStart({ command, file, cwd, env }) {
  const port = await freePort();
  const child = spawn(command, [file], { cwd, env: { ...env, PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  let running = true;
  exited.then(() => (running = false));
  try {
    const base = `http://127.0.0.1:${port}/hot-updater`;
    const deadline = Date.now() + START_TIMEOUT_MS;
    let version;
    while (!version) {
      if (!running) assert.fail(`${file} exited before serving: ${JSON.stringify(await exited)}\n${output}`);
      if (Date.now() > deadline) assert.fail(`${file} did not answer on port ${port} within ${START_TIMEOUT_MS} ms\n${output}`);
      version = await get(`${base}/version`).catch(() => null);
      if (!version) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(version.status, 200, version.body);
    assert.match(JSON.parse(version.body).version, /^\d+\.\d+\.\d+/);
    const check = await get(`${base}/app-version/ios/1.0.0/production/${NIL}/${NIL}`);
    assert.equal(check.status, 200, check.body);
    const answer = JSON.parse(check.body);
    assert.equal(answer.id, BUNDLE.id);
    assert.equal(answer.status, "UPDATE");
    assert.equal(answer.fileUrl, BUNDLE.storageUri);
    const none = await get(`${base}/app-version/android/1.0.0/production/${NIL}/${NIL}`);
    assert.equal(none.status, 200, none.body);
    assert.deepEqual(JSON.parse(none.body), { status: "UP_TO_DATE" });
  } finally {
    if (running) child.kill("SIGTERM");
    const timer = setTimeout(() => running && child.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

export function writeProgram(dir, name, code) {
  const file = join(dir, name);
  writeFileSync(file, code);
  return file;
}
