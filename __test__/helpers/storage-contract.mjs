// The storage contract: what every storage must do through the public JS surface, whatever it is
// (native S3/R2, Supabase, Cloud Storage, fileStorage, a custom JS plugin through the bridge).
// It restates the runtime profile upstream's StoragePlugin defines (`getDownloadUrl(storageUri)`
// → `{ fileUrl }`, `readText(storageUri)` → text or null) as seen from outside: an update check's
// `fileUrl` downloads the stored bytes, manifests and assets are read through the storage,
// objects that are not (or no longer) stored do not download, and URIs are dispatched by protocol.
//
// A target: `{ storages, protocol, uri(key), put(key, bytes, server), remove(key, server) }`;
// `put`/`remove` use the storage's own upload and delete where the public surface has them
// (fileStorage's HTTP API), the backing service's otherwise.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { createHotUpdater, sqliteDatabase } from "../../index.mjs";
import { bundleId, check, checkPath, download, sha256, storageBundle } from "./storage.mjs";

const TIMEOUT = { timeout: 60_000 };

/** Whether `url` does not give the bytes of a stored object (any 4xx/5xx answer). */
async function fails(url, server) {
  const got = await download(url, { server });
  return got.status >= 400;
}

/** Runs `fn` with console.error collected into `errors` (500 answers are logged, as upstream logs them). */
async function quietly(fn, errors = []) {
  const log = console.error;
  console.error = (...args) => errors.push(args);
  try {
    return await fn();
  } finally {
    console.error = log;
  }
}

/** Runs the contract against the target `open()` returns (called once, in `before`). */
export function defineStorageContract(name, open) {
  describe(`storage contract: ${name}`, () => {
    let target;
    let server;
    let tmp;
    before(async () => {
      target = await open();
      tmp = mkdtempSync(join(tmpdir(), "hu-storage-contract-"));
      server = createHotUpdater({
        database: sqliteDatabase({ path: join(tmp, "db.sqlite") }),
        storages: target.storages,
        basePath: "/hot-updater",
        routes: { updateCheck: true, bundles: true },
      });
    });
    after(async () => {
      await server?.close();
      await target?.close?.();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    test("an update check's fileUrl downloads the stored bytes", TIMEOUT, async () => {
      const bytes = randomBytes(30_000);
      const key = "contract/01/bundle (1).zip";
      await target.put(key, bytes, server);
      await server.insertBundle(storageBundle("01", "plain", target.uri(key)));
      const { status, json, text } = await check(server, checkPath("plain"));
      assert.equal(status, 200, text);
      assert.equal(json.id, bundleId("01"));
      assert.match(json.fileUrl, /^https?:\/\//);
      const got = await download(json.fileUrl, { server });
      assert.equal(got.status, 200, got.text.slice(0, 300));
      assert.equal(sha256(got.bytes), sha256(bytes));
    });

    test("manifests and assets are read through the storage (readText, asset URLs)", TIMEOUT, async () => {
      const base = "contract/02";
      const files = { "index.ios.bundle.br": randomBytes(3000), "assets/logo.png": randomBytes(2000) };
      const manifest = JSON.stringify({ bundleId: bundleId("02"), assets: { "index.ios.bundle": { fileHash: "idx" }, "assets/logo.png": { fileHash: "logo" } } });
      await target.put(`${base}/bundle.zip`, randomBytes(1000), server);
      await target.put(`${base}/manifest.json`, Buffer.from(manifest), server);
      for (const [path, bytes] of Object.entries(files)) await target.put(`${base}/files/${path}`, bytes, server);
      await server.insertBundle(
        storageBundle("02", "manifest", target.uri(`${base}/bundle.zip`), {
          manifestStorageUri: target.uri(`${base}/manifest.json`),
          manifestFileHash: "sig:02",
          assetBaseStorageUri: target.uri(`${base}/files`),
        }),
      );
      const { status, json, text } = await check(server, checkPath("manifest"));
      assert.equal(status, 200, text);
      assert.equal(json.manifestFileHash, "sig:02");
      assert.deepEqual(Object.keys(json.changedAssets), ["index.ios.bundle", "assets/logo.png"]);
      const manifestGot = await download(json.manifestUrl, { server });
      assert.equal(manifestGot.text, manifest);
      for (const [path, stored] of [["index.ios.bundle", "index.ios.bundle.br"], ["assets/logo.png", "assets/logo.png"]]) {
        const got = await download(json.changedAssets[path].file.url, { server });
        assert.equal(got.status, 200, `${path}: ${got.text.slice(0, 200)}`);
        assert.equal(sha256(got.bytes), sha256(files[stored]), path);
      }
    });

    test("an object that is not stored does not download (or the check fails)", TIMEOUT, async () => {
      await server.insertBundle(storageBundle("03", "missing", target.uri("contract/03/never-uploaded.zip")));
      const { status, json, text } = await quietly(() => check(server, checkPath("missing")));
      if (status === 500) {
        // Storages that sign only existing objects (Supabase) refuse here already.
        assert.equal(json.error, "Internal server error", text);
      } else {
        assert.equal(status, 200, text);
        assert.ok(await fails(json.fileUrl, server), `${json.fileUrl} downloads an object that was never stored`);
      }
    });

    test("a deleted object no longer downloads", TIMEOUT, async () => {
      const key = "contract/04/bundle.zip";
      await target.put(key, randomBytes(5000), server);
      await server.insertBundle(storageBundle("04", "deleted", target.uri(key)));
      const before = await check(server, checkPath("deleted"));
      assert.equal(before.status, 200, before.text);
      assert.equal((await download(before.json.fileUrl, { server })).status, 200);
      await target.remove(key, server);
      assert.ok(await fails(before.json.fileUrl, server), "the URL handed out before the delete still downloads");
    });

    test("URIs are dispatched by protocol: another protocol is not this storage's", TIMEOUT, async () => {
      await server.insertBundle(storageBundle("05", "foreign", "contract-unknown://bucket/bundle.zip"));
      const errors = [];
      const { status, json } = await quietly(() => check(server, checkPath("foreign")), errors);
      assert.equal(status, 500);
      assert.deepEqual(json, { error: "Internal server error", message: "No storage plugin for protocol: contract-unknown" });
      assert.equal(errors.length, 1, "the 500 is logged once");
      // ... while this storage's own protocol still resolves.
      const own = target.uri("contract/01/bundle (1).zip");
      assert.equal(new URL(own).protocol, `${target.protocol}:`);
    });
  });
}
