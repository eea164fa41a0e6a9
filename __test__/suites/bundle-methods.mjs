// Bundle CRUD / listing cases of upstream's bundle-methods suite, restated.
//
// `makeTarget()` (sync or async) returns the six data methods of a server instance
// `{ getBundleById, getChannels, insertBundle, getBundles, updateBundleById, deleteBundleById }`
// plus `close()`. Before every case the suite deletes whatever bundles exist, through the same
// methods (list with limit 1000, delete each, until the list is empty).
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";

const uuid = (n) => `00000000-0000-0000-0000-${String(n).padStart(12, "0")}`;

/** A plain app-version bundle numbered `n`; `overrides` replace any field. */
function bundle(n, overrides = {}) {
  return {
    id: uuid(n),
    platform: "ios",
    shouldForceUpdate: false,
    enabled: true,
    fileHash: `hash-${n}`,
    gitCommitHash: null,
    message: `Bundle ${n}`,
    channel: "production",
    storageUri: `mock://test/${n}.zip`,
    targetAppVersion: "1.0.0",
    fingerprintHash: null,
    ...overrides,
  };
}

/** The bundle with rollout settings used by several cases. */
const rolloutBundle = () => bundle(60, { fileHash: "hash-rollout", message: "Rollout bundle", rolloutCohortCount: 250, targetCohorts: ["17", "qa-group"] });

const ids = (result) => result.data.map((b) => b.id);
const DESC = { field: "id", direction: "desc" };

export function defineBundleMethodCases(makeTarget) {
  let api;
  const insertAll = async (bundles) => {
    for (const b of bundles) await api.insertBundle(b);
  };

  describe("bundle methods", () => {
    before(async () => {
      api = await makeTarget();
    });
    after(async () => {
      await api?.close();
    });
    beforeEach(async () => {
      for (;;) {
        const { data } = await api.getBundles({ limit: 1000 });
        if (data.length === 0) break;
        for (const b of data) await api.deleteBundleById(b.id);
      }
    });

    describe("getBundleById", () => {
      test("an inserted bundle is read back by id", async () => {
        const b = bundle(10, { fileHash: "test-hash", metadata: {} });
        await api.insertBundle(b);
        const got = await api.getBundleById(b.id);
        assert.ok(got);
        assert.equal(got.id, b.id);
        assert.equal(got.platform, "ios");
        assert.equal(got.fileHash, "test-hash");
      });

      test("an unknown id reads as null", async () => {
        assert.equal(await api.getBundleById("99999999-9999-9999-9999-999999999999"), null);
      });

      test("rollout count and target cohorts survive a round trip", async () => {
        await api.insertBundle(rolloutBundle());
        const got = await api.getBundleById(uuid(60));
        assert.ok(got);
        assert.equal(got.rolloutCohortCount, 250);
        assert.deepEqual(got.targetCohorts, ["17", "qa-group"]);
      });
    });

    describe("getChannels", () => {
      test("lists each channel in use", async () => {
        await insertAll([bundle(20), bundle(21, { platform: "android", channel: "staging" }), bundle(22)]);
        const channels = await api.getChannels();
        assert.ok(channels.length >= 2);
        assert.ok(channels.includes("production"));
        assert.ok(channels.includes("staging"));
      });
    });

    describe("getBundles", () => {
      test("no filter returns everything, first page", async () => {
        await insertAll([bundle(30), bundle(31, { platform: "android", channel: "staging" })]);
        const result = await api.getBundles({ limit: 10 });
        assert.ok(result.data.length >= 2);
        assert.ok(result.pagination);
        assert.ok(result.pagination.total >= 2);
        assert.equal(result.pagination.currentPage, 1);
      });

      test("channel filter", async () => {
        await insertAll([bundle(32), bundle(33, { channel: "beta" })]);
        const result = await api.getBundles({ where: { channel: "beta" }, limit: 10 });
        assert.ok(result.data.length >= 1);
        for (const b of result.data) assert.equal(b.channel, "beta");
      });

      test("platform filter", async () => {
        await insertAll([bundle(34), bundle(35, { platform: "android" })]);
        const result = await api.getBundles({ where: { platform: "android" }, limit: 10 });
        assert.ok(result.data.length >= 1);
        for (const b of result.data) assert.equal(b.platform, "android");
      });

      test("the next cursor leads to a different bundle", async () => {
        await insertAll([bundle(36), bundle(37)]);
        const first = await api.getBundles({ limit: 1 });
        const second = await api.getBundles({ limit: 1, cursor: { after: first.pagination.nextCursor ?? undefined } });
        assert.equal(first.data.length, 1);
        assert.equal(second.data.length, 1);
        assert.notEqual(first.data[0].id, second.data[0].id);
      });

      test("id.in keeps only the listed ids", async () => {
        await insertAll([bundle(51), bundle(52, { fingerprintHash: "fingerprint-included" }), bundle(53, { targetAppVersion: "2.0.0" })]);
        const result = await api.getBundles({ where: { id: { in: [uuid(51), uuid(53)] } }, orderBy: DESC, limit: 10 });
        assert.deepEqual(ids(result), [uuid(53), uuid(51)]);
        assert.equal(result.pagination.total, 2);
      });

      test("targetAppVersionIn is applied before paginating", async () => {
        await insertAll([bundle(54), bundle(55), bundle(56, { targetAppVersion: "9.9.9" })]);
        const where = { targetAppVersionIn: ["1.0.0"] };
        const first = await api.getBundles({ where, orderBy: DESC, limit: 1 });
        assert.deepEqual(ids(first), [uuid(55)]);
        assert.equal(first.pagination.total, 2);
        assert.equal(first.pagination.hasNextPage, true);
        const second = await api.getBundles({ where, orderBy: DESC, limit: 1, cursor: { after: first.pagination.nextCursor ?? undefined } });
        assert.deepEqual(ids(second), [uuid(54)]);
        assert.equal(second.pagination.total, 2);
        assert.equal(second.pagination.hasPreviousPage, true);
      });

      test("one page can hold 200 bundles", async () => {
        await insertAll(Array.from({ length: 200 }, (_, i) => bundle(i + 1, { fileHash: `hash-many-${i + 1}` })));
        const result = await api.getBundles({ orderBy: DESC, limit: 200 });
        assert.equal(result.data.length, 200);
        assert.equal(result.pagination.total, 200);
      });

      test("targetAppVersionNotNull and fingerprintHash: null filters", async () => {
        await insertAll([
          bundle(57, { targetAppVersion: null, fingerprintHash: "fingerprint-null-target" }),
          bundle(58),
          bundle(59, { targetAppVersion: "2.0.0" }),
        ]);
        const withTarget = await api.getBundles({ where: { targetAppVersionNotNull: true }, orderBy: DESC, limit: 10 });
        assert.deepEqual(ids(withTarget), [uuid(59), uuid(58)]);
        assert.equal(withTarget.pagination.total, 2);
        const noFingerprint = await api.getBundles({ where: { fingerprintHash: null }, orderBy: DESC, limit: 10 });
        assert.deepEqual(ids(noFingerprint), [uuid(59), uuid(58)]);
        assert.equal(noFingerprint.pagination.total, 2);
      });

      test("rollout fields appear in list results", async () => {
        await api.insertBundle(rolloutBundle());
        const found = (await api.getBundles({ limit: 10 })).data.find((b) => b.id === uuid(60));
        assert.ok(found);
        assert.equal(found.rolloutCohortCount, 250);
        assert.deepEqual(found.targetCohorts, ["17", "qa-group"]);
      });

      test("ten concurrent list calls all succeed", async () => {
        const results = await Promise.all(Array.from({ length: 10 }, () => api.getBundles({ limit: 10 })));
        for (const r of results) {
          assert.ok(Array.isArray(r.data));
          assert.ok(r.pagination);
        }
      });
    });

    describe("updateBundleById", () => {
      test("disabling keeps the other fields", async () => {
        await api.insertBundle(bundle(40, { message: "Original message" }));
        await api.updateBundleById(uuid(40), { enabled: false });
        const got = await api.getBundleById(uuid(40));
        assert.ok(got);
        assert.equal(got.enabled, false);
        assert.equal(got.message, "Original message");
      });

      test("changing the message keeps the other fields", async () => {
        await api.insertBundle(bundle(41, { message: "Old message" }));
        await api.updateBundleById(uuid(41), { message: "New message" });
        const got = await api.getBundleById(uuid(41));
        assert.ok(got);
        assert.equal(got.message, "New message");
        assert.equal(got.enabled, true);
      });

      test("several fields in one patch", async () => {
        await api.insertBundle(bundle(42, { message: "Original" }));
        await api.updateBundleById(uuid(42), { enabled: false, message: "Updated message", shouldForceUpdate: true });
        const got = await api.getBundleById(uuid(42));
        assert.ok(got);
        assert.equal(got.enabled, false);
        assert.equal(got.message, "Updated message");
        assert.equal(got.shouldForceUpdate, true);
      });

      test("rollout count and target cohorts can be changed", async () => {
        await api.insertBundle(rolloutBundle());
        await api.updateBundleById(uuid(60), { rolloutCohortCount: 500, targetCohorts: ["31", "dogfood"] });
        const got = await api.getBundleById(uuid(60));
        assert.ok(got);
        assert.equal(got.rolloutCohortCount, 500);
        assert.deepEqual(got.targetCohorts, ["31", "dogfood"]);
      });

      test("targetCohorts: null clears the cohorts and keeps the count", async () => {
        await api.insertBundle(rolloutBundle());
        await api.updateBundleById(uuid(60), { targetCohorts: null });
        const got = await api.getBundleById(uuid(60));
        assert.ok(got);
        assert.equal(got.rolloutCohortCount, 250);
        assert.equal(got.targetCohorts, null);
      });
    });

    describe("deleteBundleById", () => {
      test("a deleted bundle is gone", async () => {
        await api.insertBundle(bundle(50));
        assert.ok(await api.getBundleById(uuid(50)));
        await api.deleteBundleById(uuid(50));
        assert.equal(await api.getBundleById(uuid(50)), null);
      });

      test("deleting an unknown id resolves quietly", async () => {
        await api.deleteBundleById("99999999-9999-9999-9999-999999999998");
      });
    });
  });
}
