// The JS-side answer cache (lib/answer-cache.js) gives exactly the answers the native side would:
// a repeated request reuses the answer only under the snapshot epoch it was computed in and for
// at most `maxAgeMs`; writes through this process show at once, other writers within the
// snapshot's bounds, however long `maxAgeMs` is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";

import { createHotUpdater, s3Storage, sqliteDatabase } from "../index.mjs";
import { smallBundle } from "./helpers/fixtures.mjs";

const { AnswerCache, answerCacheOptions } = createRequire(import.meta.url)("../lib/answer-cache.js");

const NIL = "00000000-0000-0000-0000-000000000000";
const CHECK = `/hot-updater/app-version/ios/1.0.0/production/${NIL}/${NIL}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const bundle = (n, extra = {}) => smallBundle(n, { storageUri: `s3://bucket/bundles/${n}.zip`, ...extra });

/**
 * A server whose update answers are complete on the synchronous path: a native S3 storage
 * presigns without I/O (the endpoint is never contacted). With `cache: false` every presign
 * carries the current second, which makes reuse of a whole answer observable.
 */
function server(t, { answerCache, snapshot, file } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "hu-answers-"));
  const hu = createHotUpdater({
    database: sqliteDatabase({ path: file ?? join(dir, "a.db"), snapshot }),
    storages: [
      s3Storage({
        bucketName: "bucket",
        region: "us-east-1",
        endpoint: "http://127.0.0.1:9",
        credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
        cache: false,
      }),
    ],
    basePath: "/hot-updater",
    routes: { updateCheck: true, bundles: true },
    ...(answerCache === undefined ? {} : { answerCache }),
  });
  t.after(async () => {
    await hu.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return hu;
}

async function check(hu, sdk) {
  const res = await hu.handler(new Request(`http://localhost${CHECK}`, sdk ? { headers: { "Hot-Updater-SDK-Version": sdk } } : undefined));
  assert.equal(res.status, 200);
  const text = await res.text();
  return { text, json: JSON.parse(text) };
}

/** Checks until the answer is computed from the warm snapshot (the first ones load it). */
async function warm(hu) {
  for (let i = 0; i < 5; i++) await check(hu);
}

const amzDate = (url) => new URL(url).searchParams.get("X-Amz-Date");

/** Waits until the wall clock is in a new second, so that a fresh presign differs. */
async function nextSecond() {
  const s = Math.floor(Date.now() / 1000);
  while (Math.floor(Date.now() / 1000) === s) await sleep(20);
}

test("a repeated check reuses the whole answer within maxAgeMs, and only then", async (t) => {
  const cached = server(t, { answerCache: { maxAgeMs: 60_000 }, snapshot: { probeIntervalMs: 60_000 } });
  const uncached = server(t, { answerCache: false, snapshot: { probeIntervalMs: 60_000 } });
  await cached.insertBundle(bundle(1));
  await uncached.insertBundle(bundle(1));
  await warm(cached);
  await warm(uncached);
  const [a1, b1] = [await check(cached), await check(uncached)];
  assert.equal(a1.json.id, bundle(1).id);
  await nextSecond();
  const [a2, b2] = [await check(cached), await check(uncached)];
  // Without the answer cache the presign carries the new second; with it, the same answer.
  assert.notEqual(amzDate(b2.json.fileUrl), amzDate(b1.json.fileUrl));
  assert.equal(a2.text, a1.text);
  // The SDK header is part of the key: another header value is another answer.
  const withSdk = await check(cached, "0.36.0");
  assert.notEqual(amzDate(withSdk.json.fileUrl), amzDate(a1.json.fileUrl));
});

test("maxAgeMs bounds the reuse", async (t) => {
  const hu = server(t, { answerCache: { maxAgeMs: 300 }, snapshot: { probeIntervalMs: 60_000 } });
  await hu.insertBundle(bundle(1));
  await warm(hu);
  const first = await check(hu);
  await sleep(350);
  await nextSecond();
  const later = await check(hu);
  assert.notEqual(amzDate(later.json.fileUrl), amzDate(first.json.fileUrl));
});

test("writes through this process show at once under a long maxAgeMs", async (t) => {
  const hu = server(t, { answerCache: { maxAgeMs: 60_000 }, snapshot: { probeIntervalMs: 60_000, maxAgeMs: 60_000 } });
  await hu.insertBundle(bundle(1));
  await warm(hu);
  assert.equal((await check(hu)).json.id, bundle(1).id);
  await hu.insertBundle(bundle(2));
  assert.equal((await check(hu)).json.id, bundle(2).id);
  await hu.updateBundleById(bundle(2).id, { rolloutCohortCount: 0 });
  assert.equal((await check(hu)).json.id, bundle(1).id, "a rollout of 0 hides the bundle from un-cohorted devices");
  await hu.updateBundleById(bundle(1).id, { enabled: false });
  assert.equal((await check(hu)).json, null);
  await hu.deleteBundleById(bundle(1).id);
  await hu.updateBundleById(bundle(2).id, { rolloutCohortCount: 1000 });
  assert.equal((await check(hu)).json.id, bundle(2).id);
});

test("another instance and raw SQL writes show within the snapshot's bounds, not maxAgeMs", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "hu-answers-shared-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "shared.db");
  const snapshot = { probeIntervalMs: 100, maxAgeMs: 600 };
  const a = server(t, { file, snapshot, answerCache: { maxAgeMs: 60_000 } });
  const b = server(t, { file, snapshot, answerCache: { maxAgeMs: 60_000 } });
  await a.insertBundle(bundle(1));
  await warm(b);
  assert.equal((await check(b)).json.id, bundle(1).id);

  const eventually = async (want, limitMs) => {
    const deadline = Date.now() + limitMs;
    let last;
    while (Date.now() < deadline) {
      last = (await check(b)).json;
      if (want(last)) return;
      await sleep(25);
    }
    assert.fail(`not seen within ${limitMs} ms; last answer ${JSON.stringify(last)}`);
  };
  // Through another instance: the revision row (probe interval).
  await a.updateBundleById(bundle(1).id, { enabled: false });
  await eventually((j) => j === null, 2_000);
  // Raw SQL that no marker sees: bounded by the snapshot's maxAge.
  const raw = new Database(file);
  t.after(() => raw.close());
  raw.prepare("update bundles set enabled = 1 where id = ?").run(bundle(1).id);
  await eventually((j) => j?.id === bundle(1).id, 3_000);
});

test("AnswerCache: the kept epoch, age and the memory bound", () => {
  const cache = new AnswerCache({ maxAgeMs: 100, maxEntries: 4 });
  cache.set("a", 1, 0, "A");
  assert.deepEqual(cache.entry("a", 50), { epoch: 1, at: 0, body: "A" }, "the epoch goes to the native side with the entry");
  cache.set("a", 2, 10, "A2");
  assert.deepEqual(cache.entry("a", 50), { epoch: 2, at: 10, body: "A2" }, "a newer answer replaces the kept one");
  assert.equal(cache.entry("a", 111), undefined, "too old");
  for (const k of ["b", "c", "d", "e", "f"]) cache.set(k, 1, 0, k);
  assert.ok(cache.size <= 4, `size ${cache.size}`);
  assert.equal(cache.entry("f", 0).body, "f");
  assert.equal(cache.entry("a", 0), undefined, "the oldest entries were dropped");
});

test("answerCache options are checked", () => {
  assert.equal(answerCacheOptions(false), null);
  assert.deepEqual(answerCacheOptions(undefined), { maxAgeMs: 1000, maxEntries: 10000 });
  assert.equal(answerCacheOptions({ maxAgeMs: 0 }), null);
  for (const bad of ["yes", { maxAgeMs: -1 }, { maxAgeMs: 1.5 }, { maxEntries: "many" }, { maxAgeMs: 3_600_000 }]) {
    assert.throws(() => answerCacheOptions(bad), TypeError, JSON.stringify(bad));
  }
  assert.throws(
    () => createHotUpdater({ database: sqliteDatabase({ path: ":memory:" }), answerCache: { maxAgeMs: "1s" } }),
    /answerCache.maxAgeMs/,
  );
});
