// One storage contract (helpers/storage-contract.mjs) run against every storage through the
// public JS surface: native s3Storage and r2Storage on s3s-fs, supabaseStorage and
// firebaseStorage on their loopback stand-ins, fileStorage (objects uploaded and deleted through
// its own HTTP API), and a custom JS storage plugin through the bridge (on a loopback origin).
//
// Run: node --test __test__/storage-contract.test.mjs
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";

import { cert, deleteApp, getApps } from "firebase-admin/app";
import { fileStorage, firebaseStorage, r2Storage, s3Storage, supabaseStorage } from "../index.mjs";
import { S3_CREDENTIALS, S3_REGION, startS3Server } from "./helpers/s3.mjs";
import { startSupabaseStandin } from "./helpers/supabase-standin.mjs";
import { startGcsStandin } from "./helpers/gcs-standin.mjs";
import { originPlugin, startOrigin } from "./helpers/storage.mjs";
import { defineStorageContract } from "./helpers/storage-contract.mjs";

// firebase-admin would follow these to an emulator; the tests want neither.
delete process.env.STORAGE_EMULATOR_HOST;
delete process.env.FIREBASE_STORAGE_EMULATOR_HOST;

const encoded = (key) => key.split("/").map(encodeURIComponent).join("/");

function s3Target(flavor) {
  return async () => {
    const bucket = `hu-contract-${flavor}`;
    const s3 = await startS3Server({ buckets: [bucket] });
    const storage =
      flavor === "s3"
        ? s3Storage({ region: S3_REGION, endpoint: s3.endpoint, forcePathStyle: true, credentials: S3_CREDENTIALS, bucketName: bucket })
        : r2Storage({ endpoint: s3.endpoint, bucketName: bucket, credentials: S3_CREDENTIALS });
    return {
      storages: [storage],
      protocol: flavor,
      uri: (key) => `${flavor}://${bucket}/${encoded(key)}`,
      put: (key, bytes) => s3.put(bucket, key, bytes),
      remove: (key) => s3.remove(bucket, key),
      close: () => s3.stop(),
    };
  };
}

defineStorageContract("s3Storage on s3s-fs", s3Target("s3"));
defineStorageContract("r2Storage on s3s-fs", s3Target("r2"));

defineStorageContract("supabaseStorage on the stand-in", async () => {
  const bucket = "hu-contract";
  const sb = await startSupabaseStandin({ buckets: { [bucket]: {} } });
  return {
    storages: [supabaseStorage({ supabaseUrl: sb.url, supabaseServiceRoleKey: sb.serviceKey, bucketName: bucket })],
    protocol: "supabase-storage",
    uri: (key) => `supabase-storage://${bucket}/${encoded(key)}`,
    put: async (key, bytes) => sb.put(bucket, key, bytes),
    remove: async (key) => assert.ok(sb.remove(bucket, key)),
    close: () => sb.stop(),
  };
});

defineStorageContract("firebaseStorage on the stand-in", async () => {
  const bucket = "hu-contract.appspot.com";
  const projectId = "hu-contract";
  const clientEmail = `firebase-adminsdk-test@${projectId}.iam.gserviceaccount.com`;
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const gcs = await startGcsStandin({ serviceAccounts: [{ clientEmail, publicKeyPem: publicKey }], buckets: { [bucket]: {} } });
  return {
    storages: [firebaseStorage({ storageBucket: bucket, credential: cert({ projectId, clientEmail, privateKey }), apiEndpoint: gcs.endpoint, signedUrlVersion: "v2" })],
    protocol: "gs",
    uri: (key) => `gs://${bucket}/${encoded(key)}`,
    put: async (key, bytes) => gcs.put(bucket, key, bytes),
    remove: async (key) => gcs.remove(bucket, key),
    close: async () => {
      await Promise.all(getApps().map((app) => deleteApp(app)));
      await gcs.stop();
    },
  };
});

/** fileStorage through its own API: upload (multipart `key` + `file`) and delete (`{ storageUri }`). */
defineStorageContract("fileStorage (uploads and deletes through its HTTP API)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "hu-contract-files-"));
  const api = (server, path, init) => server.handler(new Request(`http://localhost/hot-updater/api/storage/${path}`, init));
  const uri = (key) => `file-storage://local/${encoded(key)}`;
  return {
    storages: [fileStorage({ dir })],
    protocol: "file-storage",
    uri,
    async put(key, bytes, server) {
      const slash = key.lastIndexOf("/");
      const form = new FormData();
      form.set("key", slash < 0 ? "" : key.slice(0, slash));
      form.set("file", new Blob([bytes]), key.slice(slash + 1));
      const res = await api(server, "upload", { method: "POST", body: form });
      assert.equal(res.status, 200, await res.clone().text());
      assert.deepEqual(await res.json(), { storageUri: uri(key) });
    },
    async remove(key, server) {
      const res = await api(server, "delete", { method: "DELETE", body: JSON.stringify({ storageUri: uri(key) }), headers: { "content-type": "application/json" } });
      assert.equal(res.status, 200, await res.clone().text());
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
});

defineStorageContract("a custom JS storage plugin through the bridge", async () => {
  const origin = await startOrigin(new Map());
  const tag = "contract";
  return {
    storages: [originPlugin(origin, tag, "custom")],
    protocol: "custom",
    uri: (key) => `custom://bucket/${encoded(key)}`,
    put: async (key, bytes) => origin.objects.set(`${tag}/${key}`, Buffer.from(bytes)),
    remove: async (key) => assert.ok(origin.objects.delete(`${tag}/${key}`)),
    close: () => origin.close(),
  };
});

