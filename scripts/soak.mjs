#!/usr/bin/env node
// Soak test (not part of CI): minutes of mixed load on loopback against a Hono server
// (@hono/node-server, app.mount) with a native SQLite database, a fileStorage and `auth`:
// update checks, bundle writes (create, patch, delete), fileStorage uploads, downloads (whole and
// ranges) and deletes. The server runs in a child process; every few seconds its resident memory
// (VmRSS) and open file descriptors (/proc/<pid>/fd, i.e. the server's /proc/self/fd) are sampled.
// Fails (exit 1) on any unexpected answer, or when memory or descriptors keep growing after the
// warm-up.
//
//   node scripts/soak.mjs [--minutes 10] [--concurrency 8] [--sample-seconds 5]
import { spawn } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const TOKEN = "soak-token";
const BASE = "/hot-updater";
const NIL = "00000000-0000-0000-0000-000000000000";

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function runServer(work) {
  const { serve } = await import("@hono/node-server");
  const { Hono } = await import("hono");
  const { createHotUpdater, fileStorage, sqliteDatabase } = await import("../index.mjs");
  const hotUpdater = createHotUpdater({
    database: sqliteDatabase({ path: join(work, "db.sqlite") }),
    storages: [fileStorage({ dir: join(work, "files") })],
    basePath: BASE,
    routes: { updateCheck: true, bundles: true },
    auth: { bearerToken: TOKEN },
    trustedHosts: ["127.0.0.1"],
  });
  const app = new Hono();
  app.mount(BASE, hotUpdater.handler);
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => process.stdout.write(`PORT ${info.port}\n`));
  process.on("SIGTERM", async () => {
    server.close();
    await hotUpdater.close();
    process.exit(0);
  });
}

function sample(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  return { rssMb: rssKb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

async function main() {
  const minutes = arg("minutes", 10);
  const concurrency = arg("concurrency", 8);
  const every = arg("sample-seconds", 5) * 1000;
  const work = mkdtempSync(join(tmpdir(), "hu-soak-"));
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "--serve", work], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`server exited (${code})`)));
  });
  const origin = `http://127.0.0.1:${port}${BASE}`;
  const auth = { Authorization: `Bearer ${TOKEN}` };
  const counts = { check: 0, write: 0, upload: 0, download: 0, remove: 0 };
  const errors = [];
  const bundles = [];
  const files = [];
  let seq = 0;

  const expect = async (res, status, what) => {
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== status) errors.push(`${what}: ${res.status} ${body.toString("utf8").slice(0, 200)}`);
    return body;
  };
  const ops = {
    async check() {
      // As an app with no bundle, or with one of the bundles, in a random rollout cohort.
      const current = bundles.length && Math.random() < 0.5 ? bundles[Math.floor(Math.random() * bundles.length)] : NIL;
      const res = await fetch(`${origin}/app-version/ios/1.0.0/production/${NIL}/${current}/${1 + Math.floor(Math.random() * 1000)}`, { headers: { "Hot-Updater-SDK-Version": "0.31.0" } });
      await expect(res, 200, "update check");
      counts.check++;
    },
    async write() {
      // Every bundle points at an uploaded file, so update checks build fileStorage URLs.
      if (files.length === 0) return ops.upload();
      const id = `0196${String(Date.now()).slice(-4)}-0000-7000-8000-${String(++seq).padStart(12, "0")}`;
      const file = files[Math.floor(Math.random() * files.length)].uri;
      const bundle = { id, platform: "ios", shouldForceUpdate: false, enabled: true, fileHash: "h", gitCommitHash: null, message: "soak", channel: "production", storageUri: file, targetAppVersion: "1.0.0", fingerprintHash: null };
      await expect(await fetch(`${origin}/api/bundles`, { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify([bundle]) }), 201, "insert");
      bundles.push(id);
      const old = bundles.length > 200 ? bundles.shift() : null;
      if (old) await expect(await fetch(`${origin}/api/bundles/${old}`, { method: "DELETE", headers: auth }), 200, "delete bundle");
      else await expect(await fetch(`${origin}/api/bundles/${id}`, { method: "PATCH", headers: { ...auth, "Content-Type": "application/json" }, body: JSON.stringify({ message: "patched" }) }), 200, "patch");
      counts.write++;
    },
    async upload() {
      const data = randomBytes(Math.random() < 0.8 ? 64 * 1024 : 1024 * 1024);
      const form = new FormData();
      form.append("file", new Blob([data]), "bundle.zip");
      form.append("key", `soak/${randomUUID()}`);
      const body = await expect(await fetch(`${origin}/api/storage/upload`, { method: "POST", headers: auth, body: form }), 200, "upload");
      try {
        files.push({ uri: JSON.parse(body).storageUri, size: data.length, sha: createHash("sha256").update(data).digest("hex") });
      } catch {
        errors.push(`upload answer is not JSON: ${body.toString("utf8").slice(0, 100)}`);
      }
      counts.upload++;
    },
    async download() {
      if (files.length === 0) return ops.upload();
      const f = files[Math.floor(Math.random() * files.length)];
      // A file being read is never the one deleted (the deleter skips it).
      f.readers = (f.readers ?? 0) + 1;
      try {
        await download(f);
      } finally {
        f.readers--;
      }
      counts.download++;
      const idle = files.length > 100 ? files.findIndex((x) => !x.readers) : -1;
      if (idle >= 0) {
        const [gone] = files.splice(idle, 1);
        await expect(await fetch(`${origin}/api/storage/delete`, { method: "DELETE", headers: auth, body: JSON.stringify({ storageUri: gone.uri }) }), 200, "delete file");
        counts.remove++;
      }
    },
  };
  async function download(f) {
    const urlBody = await expect(await fetch(`${origin}/api/storage/getDownloadUrl`, { method: "POST", headers: auth, body: JSON.stringify({ storageUri: f.uri }) }), 200, "getDownloadUrl");
    const { fileUrl } = JSON.parse(urlBody);
    const ranged = Math.random() < 0.3;
    const res = await fetch(fileUrl, ranged ? { headers: { Range: "bytes=0-1023" } } : {});
    const data = await expect(res, ranged ? 206 : 200, "download");
    if (!ranged && createHash("sha256").update(data).digest("hex") !== f.sha) errors.push(`download of ${f.uri}: wrong bytes`);
    if (ranged && data.length !== 1024) errors.push(`range of ${f.uri}: ${data.length} bytes`);
  }
  const pickOp = () => {
    const x = Math.random();
    return x < 0.7 ? ops.check : x < 0.8 ? ops.write : x < 0.88 ? ops.upload : ops.download;
  };

  const start = Date.now();
  const until = start + minutes * 60_000;
  const samples = [];
  const takeSample = () => {
    const s = { t: Math.round((Date.now() - start) / 1000), ...sample(child.pid), requests: Object.values(counts).reduce((a, b) => a + b, 0), errors: errors.length };
    samples.push(s);
    console.log(`${String(s.t).padStart(6)} s  rss ${s.rssMb.toFixed(1).padStart(7)} MB  fds ${String(s.fds).padStart(4)}  requests ${String(s.requests).padStart(8)}  errors ${s.errors}`);
  };
  console.log(`soak: ${minutes} min, ${concurrency} workers, server pid ${child.pid}, ${work}`);
  takeSample();
  const timer = setInterval(takeSample, every);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until && errors.length < 50) {
        try {
          await pickOp()();
        } catch (error) {
          errors.push(`request failed: ${error.message}`);
        }
      }
    }),
  );
  clearInterval(timer);
  takeSample();
  child.kill("SIGTERM");
  await new Promise((resolve) => child.once("exit", resolve));
  rmSync(work, { recursive: true, force: true });

  // Growth: after a warm-up of a fifth of the run, the last third may not exceed the first
  // post-warm-up third by more than 25 % (and 32 MB) of memory, or 16 descriptors.
  const warm = samples.filter((s) => s.t >= (minutes * 60) / 5);
  const third = Math.max(1, Math.floor(warm.length / 3));
  const early = warm.slice(0, third);
  const late = warm.slice(-third);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rssEarly = median(early.map((s) => s.rssMb));
  const rssLate = median(late.map((s) => s.rssMb));
  const fdEarly = Math.max(...early.map((s) => s.fds));
  const fdLate = median(late.map((s) => s.fds));
  const elapsed = (Date.now() - start) / 1000;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`\nrequests: ${total} in ${elapsed.toFixed(0)} s (${(total / elapsed).toFixed(0)}/s) ${JSON.stringify(counts)}`);
  console.log(`rss median: ${rssEarly.toFixed(1)} MB after warm-up → ${rssLate.toFixed(1)} MB at the end; fds: ${fdEarly} → ${fdLate}; errors: ${errors.length}`);
  const failures = [];
  if (errors.length > 0) failures.push(`${errors.length} errors, first: ${errors.slice(0, 5).join(" | ")}`);
  if (rssLate > rssEarly * 1.25 && rssLate - rssEarly > 32) failures.push(`memory grew from ${rssEarly.toFixed(1)} to ${rssLate.toFixed(1)} MB`);
  if (fdLate > fdEarly + 16) failures.push(`descriptors grew from ${fdEarly} to ${fdLate}`);
  if (samples.length < 4) failures.push("too few samples for a verdict (run longer)");
  if (failures.length > 0) {
    console.error(`FAIL: ${failures.join("; ")}`);
    process.exit(1);
  }
  console.log("PASS");
}

if (process.argv[2] === "--serve") runServer(process.argv[3]);
else await main();
