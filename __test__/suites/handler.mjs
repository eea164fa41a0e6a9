// HTTP handler cases restated from upstream's handler.spec.ts (and the routing/context cases
// of runtime.spec.ts). Upstream checks them with a mocked API; here they run over a real
// database, so "what reached the API" is observed through results: a recording storage
// plugin sees the request context, and list queries are compared with direct getBundles calls.
//
// `makeServer(options)` (sync or async) returns `{ hotUpdater, close() }`, where `options`
// are createHotUpdater options without `database`: `basePath` and `routes` are always present
// as keys (a value of `undefined` means "the default"), and `storages` is given.
import { describe, test } from "node:test";
import assert from "node:assert/strict";

const NIL = "00000000-0000-0000-0000-000000000000";
const uuid = (n) => `00000000-0000-0000-0000-${String(n).padStart(12, "0")}`;
const BASE = "/hot-updater";
const BOTH = { updateCheck: true, bundles: true };
const SDK = "Hot-Updater-SDK-Version";

/** Storage for `storage://` URIs that records the context of every call. */
function recordingStorage(seen) {
  return {
    name: "recordingStorage",
    supportedProtocol: "storage",
    profiles: {
      runtime: {
        async getDownloadUrl(storageUri, context) {
          seen.push(context);
          return { fileUrl: `https://cdn.test/${storageUri.slice("storage://".length)}` };
        },
        async readText(_storageUri, context) {
          seen.push(context);
          return null;
        },
      },
    },
  };
}

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
    storageUri: `storage://bundles/${n}.zip`,
    targetAppVersion: "1.0.0",
    fingerprintHash: null,
    ...overrides,
  };
}

/** The update-check answer for a bundle without manifest data. */
const offer = (b) => ({ id: b.id, message: b.message, shouldForceUpdate: b.shouldForceUpdate, status: "UPDATE", fileHash: b.fileHash, fileUrl: `https://cdn.test/${b.storageUri.slice("storage://".length)}` });

const appVersionPath = (prefix, channel = "production", cohort) =>
  `${prefix}/app-version/ios/1.0.0/${channel}/${NIL}/${NIL}${cohort === undefined ? "" : `/${cohort}`}`;

export function defineHandlerCases(makeServer) {
  /** Opens a server for one test (closed when the test ends); `seen` collects storage contexts. */
  async function open(t, opts = {}) {
    // A key given as `undefined` means "createHotUpdater's default", so test for presence.
    const basePath = "basePath" in opts ? opts.basePath : BASE;
    const routes = "routes" in opts ? opts.routes : BOTH;
    const bundles = opts.bundles ?? [];
    const seen = [];
    const server = await makeServer({ basePath, routes, storages: [recordingStorage(seen)] });
    t.after(() => server.close());
    for (const b of bundles) await server.hotUpdater.insertBundle(b);
    const hu = server.hotUpdater;
    const get = async (path, headers = {}) => {
      const res = await hu.handler(new Request(`http://localhost${path}`, { headers }));
      return { status: res.status, headers: res.headers, text: await res.text() };
    };
    return { hu, seen, get };
  }
  const json = (r) => JSON.parse(r.text);

  describe("handler: update-check routes", () => {
    test("app-version route without a cohort: full rollout offered, the context reaches storage", async (t) => {
      const b = bundle(1);
      const { hu, seen } = await open(t, { routes: undefined, bundles: [b] });
      const context = { env: { tenantId: "tenant-a" } };
      const res = await hu.handler(new Request(`http://localhost${appVersionPath(BASE)}`), context);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), offer(b));
      assert.ok(seen.length > 0);
      for (const c of seen) assert.equal(c, context);
    });

    test("the cohort segment is percent-decoded and used; without it a targeted bundle is withheld", async (t) => {
      const b = bundle(3, { channel: "qa", rolloutCohortCount: 0, targetCohorts: ["qa-group"] });
      const { get } = await open(t, { bundles: [b] });
      const withCohort = await get(appVersionPath(BASE, "qa", "QA%2Dgroup"));
      assert.equal(withCohort.status, 200);
      assert.deepEqual(json(withCohort), offer(b));
      const without = await get(appVersionPath(BASE, "qa"));
      assert.equal(without.status, 200);
      assert.equal(without.text, "null");
    });

    test("fingerprint route without a cohort; a single-argument call has no context", async (t) => {
      const b = bundle(2, { platform: "android", targetAppVersion: null, fingerprintHash: "fingerprint-123" });
      const { get, seen } = await open(t, { routes: undefined, bundles: [b] });
      const res = await get(`${BASE}/fingerprint/android/fingerprint-123/production/${NIL}/${NIL}`);
      assert.equal(res.status, 200);
      assert.deepEqual(json(res), offer(b));
      assert.ok(seen.length > 0);
      for (const c of seen) assert.equal(c, undefined);
    });

    const noUpdate = [
      ["no SDK header: legacy null body", undefined, null],
      ["SDK 0.31.0: UP_TO_DATE", "0.31.0", { status: "UP_TO_DATE" }],
      ["SDK 0.30.10 (too old): null", "0.30.10", null],
      ["SDK header not a version: null", "invalid", null],
    ];
    for (const [title, sdk, body] of noUpdate) {
      test(`nothing to offer, ${title}`, async (t) => {
        const { get } = await open(t, { routes: undefined });
        const res = await get(appVersionPath(BASE), sdk === undefined ? {} : { [SDK]: sdk });
        assert.equal(res.status, 200);
        assert.deepEqual(json(res), body);
      });
    }

    test("an unknown platform is a 400", async (t) => {
      const { get } = await open(t, { routes: undefined });
      const res = await get(`${BASE}/app-version/web/1.0.0/production/${NIL}/${NIL}`);
      assert.equal(res.status, 400);
      assert.deepEqual(json(res), { error: "Invalid platform: web. Expected 'ios' or 'android'." });
    });
  });

  describe("handler: route groups", () => {
    const VERSION = { version: "0.36.3" };
    // [title, routes, expected status of /api/bundles, expected status of the update check]
    const mounts = [
      ["updateCheck only", { updateCheck: true, bundles: false }, 404, 200],
      ["routes omitted (defaults)", undefined, 404, 200],
      ["both groups", BOTH, 200, 200],
      ["only `bundles: true` given (update checks stay on)", { bundles: true }, 200, 200],
      ["both groups off", { updateCheck: false, bundles: false }, 404, 404],
      ["bundles without update checks", { updateCheck: false, bundles: true }, 200, 404],
    ];
    for (const [title, routes, listStatus, updateStatus] of mounts) {
      test(`${title}: /version ${listStatus === 200 ? "+ bundle API " : ""}${updateStatus === 200 ? "+ update checks" : ""}`, async (t) => {
        const { get } = await open(t, { routes, bundles: [bundle(1)] });
        const version = await get(`${BASE}/version`);
        assert.equal(version.status, 200);
        assert.deepEqual(json(version), VERSION);
        assert.equal((await get(`${BASE}/api/bundles`)).status, listStatus);
        assert.equal((await get(appVersionPath(BASE))).status, updateStatus);
        const channels = await get(`${BASE}/api/bundles/channels`);
        assert.equal(channels.status, listStatus);
        if (listStatus === 200) assert.deepEqual(json(channels), { data: { channels: ["production"] } });
      });
    }

    test("/version under a custom basePath with every group off", async (t) => {
      const { get } = await open(t, { basePath: "/api/check-update", routes: { updateCheck: false, bundles: false } });
      const res = await get("/api/check-update/version");
      assert.equal(res.status, 200);
      assert.deepEqual(json(res), VERSION);
    });

    test("default basePath /api puts the bundle API at /api/api/bundles", async (t) => {
      const { hu, get } = await open(t, { basePath: undefined, routes: BOTH, bundles: [bundle(1)] });
      assert.equal(hu.basePath, "/api");
      assert.equal((await get("/api/version")).status, 200);
      const list = await get("/api/api/bundles");
      assert.equal(list.status, 200);
      assert.deepEqual(json(list).data.map((b) => b.id), [uuid(1)]);
      assert.equal((await get("/api/bundles")).status, 404);
    });

    test("stripped base path, and extra framework arguments drop the context", async (t) => {
      const b = bundle(1);
      const { hu, seen } = await open(t, { basePath: "/api/check-update", routes: { updateCheck: true, bundles: false }, bundles: [b] });
      const url = `https://updates.example.com/app-version/ios/1.0.0/production/${NIL}/${NIL}`;
      const res = await hu.handler(new Request(url), { someBinding: "ignored" }, { waitUntil: () => undefined });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), offer(b));
      assert.ok(seen.length > 0);
      for (const c of seen) assert.equal(c, undefined);
    });

    test("the context is passed as given, without the request added", async (t) => {
      const { hu, seen } = await open(t, { basePath: "/api/check-update", routes: { updateCheck: true, bundles: false }, bundles: [bundle(1)] });
      const url = `https://updates.example.com/api/check-update/app-version/ios/1.0.0/production/${NIL}/${NIL}`;
      const res = await hu.handler(new Request(url), { env: { assetHost: "https://assets.example.com" } });
      assert.equal(res.status, 200);
      assert.ok(seen.length > 0);
      for (const c of seen) assert.deepEqual(c, { env: { assetHost: "https://assets.example.com" } });
    });
  });

  describe("handler: bundle list", () => {
    const list = (q) => `${BASE}/api/bundles${q}`;
    const many = (count, overrides) => Array.from({ length: count }, (_, i) => bundle(i + 1, overrides));

    test("no limit given: 50 per page", async (t) => {
      const { get } = await open(t, { bundles: many(55) });
      const res = await get(list(""));
      assert.equal(res.status, 200);
      const body = json(res);
      assert.equal(body.data.length, 50);
      assert.equal(body.pagination.total, 55);
    });

    test("channel + platform + limit: the page and its pagination are returned as the body", async (t) => {
      const seed = [bundle(1), bundle(2), bundle(3), bundle(4, { platform: "android" }), bundle(5, { channel: "beta" })];
      const { hu, get } = await open(t, { bundles: seed });
      const res = await get(list("?channel=production&platform=ios&limit=2"));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("X-Total-Count"), null);
      const body = json(res);
      assert.deepEqual(body, await hu.getBundles({ where: { channel: "production", platform: "ios" }, limit: 2 }));
      assert.equal(body.data.length, 2);
      assert.equal(body.pagination.total, 3);
      assert.equal(body.pagination.hasNextPage, true);
    });

    test("enabled, idLt, targetAppVersion, targetAppVersionNotNull and fingerprintHash=null filter together", async (t) => {
      const target = { targetAppVersion: "1.0.x" };
      const seed = [
        bundle(4, target),
        bundle(5, { ...target, enabled: false }),
        bundle(6, { targetAppVersion: "2.0.0" }),
        bundle(7, { ...target, fingerprintHash: "fp-7" }),
        bundle(8, { ...target, platform: "android" }),
        bundle(10, target),
      ];
      const { hu, get } = await open(t, { bundles: seed });
      const q = `?channel=production&platform=ios&enabled=true&idLt=${uuid(9)}&targetAppVersion=1.0.x&targetAppVersionNotNull=true&fingerprintHash=null&limit=5`;
      const res = await get(list(q));
      assert.equal(res.status, 200);
      const body = json(res);
      assert.deepEqual(body.data.map((b) => b.id), [uuid(4)]);
      const where = { channel: "production", platform: "ios", enabled: true, id: { lt: uuid(9) }, targetAppVersion: "1.0.x", targetAppVersionNotNull: true, fingerprintHash: null };
      assert.deepEqual(body, await hu.getBundles({ where, limit: 5 }));
    });

    for (const key of ["after", "before"]) {
      test(`cursor ${key}= is passed through`, async (t) => {
        const { hu, get } = await open(t, { bundles: many(6) });
        const res = await get(list(`?channel=production&limit=2&${key}=${uuid(3)}`));
        assert.equal(res.status, 200);
        const body = json(res);
        assert.deepEqual(body, await hu.getBundles({ where: { channel: "production" }, limit: 2, cursor: { [key]: uuid(3) } }));
        assert.equal(body.data.length, 2);
      });
    }

    test("page and cursor together are passed through", async (t) => {
      const { hu, get } = await open(t, { bundles: many(9) });
      const res = await get(list(`?channel=production&limit=2&page=2&after=${uuid(8)}`));
      assert.equal(res.status, 200);
      assert.deepEqual(json(res), await hu.getBundles({ where: { channel: "production" }, limit: 2, page: 2, cursor: { after: uuid(8) } }));
    });

    const rejects = [
      ["offset is refused", "?limit=20&offset=40", "The 'offset' query parameter has been removed. Use 'after' or 'before' cursor pagination instead."],
      ["page=0 is refused", "?limit=20&page=0", "The 'page' query parameter must be a positive integer."],
      ["limit=101 is refused", "?limit=101", "The 'limit' query parameter must be a positive integer between 1 and 100."],
    ];
    for (const [title, q, error] of rejects) {
      test(`${title} with a 400`, async (t) => {
        const { get } = await open(t);
        const res = await get(list(q));
        assert.equal(res.status, 400);
        assert.deepEqual(json(res), { error });
      });
    }
  });
}
