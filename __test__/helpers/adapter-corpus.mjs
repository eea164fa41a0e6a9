// Requests and method calls for comparing two servers on the same bundles: the programmatic
// API (getBundles in both orders with cursors, pages, filters and empty pages; getBundleById,
// getChannels, getUpdateInfo with cohorts; insert/update/delete) and HTTP mutations.
import { APP_VERSIONS, CHANNELS, COHORTS, FINGERPRINTS, NIL, prng, uuidv7 } from "./fixtures.mjs";

/**
 * `[method, ...args]` calls over `bundles` (arguments are cloned per server by the caller);
 * with `context`, every call carries it as its last argument.
 */
export function methodCalls(bundles, seed = 1, context) {
  // Every call lists exactly its method's arguments, so the context goes last.
  const calls = allCalls(bundles, seed);
  return context === undefined ? calls : calls.map((call) => [...call, context]);
}

function allCalls(bundles, seed) {
  const rand = prng(seed);
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const ids = bundles.map((b) => b.id).sort();
  const calls = [];
  const at = (i) => ids[Math.min(i, ids.length - 1)];
  const where = [
    undefined,
    { channel: "beta" },
    { platform: "android", enabled: true },
    { enabled: false },
    { channel: "no-such-channel" },
    { fingerprintHash: null },
    { targetAppVersionNotNull: true },
    { id: { gte: at(30) } },
    { id: { in: [at(3), at(9), at(77)] } },
  ];
  for (const direction of ["asc", "desc"]) {
    const orderBy = { field: "id", direction };
    for (const w of where) {
      for (const limit of [1, 7, 50, 200]) {
        const base = { ...(w ? { where: w } : {}), limit, orderBy };
        calls.push(["getBundles", base]);
        for (const page of [1, 2, 9, 1000]) calls.push(["getBundles", { ...base, page }]);
        // Cursors at several places, including past either end (empty pages).
        for (const cursor of [ids[0], ids[1], pick(ids), pick(ids), ids.at(-2), ids.at(-1), NIL, "ffffffff-ffff-7fff-bfff-ffffffffffff"]) {
          calls.push(["getBundles", { ...base, cursor: { after: cursor } }]);
          calls.push(["getBundles", { ...base, cursor: { before: cursor } }]);
        }
      }
    }
  }
  calls.push(["getBundles", { limit: 10 }]);
  calls.push(["getChannels"]);
  for (let i = 0; i < 20; i++) calls.push(["getBundleById", rand() < 0.8 ? pick(ids) : uuidv7(1, rand)]);
  for (let i = 0; i < 300; i++) {
    const fingerprint = rand() < 0.4;
    const args = {
      _updateStrategy: fingerprint ? "fingerprint" : "appVersion",
      platform: rand() < 0.5 ? "ios" : "android",
      ...(fingerprint ? { fingerprintHash: pick(FINGERPRINTS) } : { appVersion: pick(APP_VERSIONS) }),
      channel: pick(CHANNELS),
      minBundleId: rand() < 0.8 ? NIL : pick(ids),
      bundleId: rand() < 0.3 ? NIL : pick(ids),
    };
    const cohort = pick(COHORTS);
    if (cohort !== undefined && !cohort.startsWith("%")) args.cohort = cohort;
    calls.push(["getUpdateInfo", args]);
  }
  // Mutations through the methods, then reads of what they changed.
  const template = bundles[11];
  const fresh = { ...template, id: uuidv7(Date.UTC(2031, 0, seed), rand), channel: "methods" };
  calls.push(["insertBundle", fresh]);
  calls.push(["updateBundleById", fresh.id, { enabled: !fresh.enabled, rolloutCohortCount: 10, targetCohorts: ["qa"] }]);
  calls.push(["updateBundleById", ids[12], { message: "patched", metadata: { by: "methods" } }]);
  calls.push(["updateBundleById", uuidv7(2, rand), { enabled: false }]);
  calls.push(["deleteBundleById", ids[13]]);
  calls.push(["deleteBundleById", uuidv7(3, rand)]);
  calls.push(["getBundleById", fresh.id]);
  calls.push(["getBundleById", ids[12]]);
  calls.push(["getBundleById", ids[13]]);
  calls.push(["getChannels"]);
  calls.push(["getBundles", { where: { channel: "methods" }, limit: 5, orderBy: { field: "id", direction: "asc" } }]);
  return calls;
}

/** HTTP mutations (PATCH, DELETE, POST, including rejected ones) over `bundles`. */
export function mutationRequests(bundles) {
  const out = [];
  const json = (method, body) => ({ method, body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json" } });
  const path = (id) => `/hot-updater/api/bundles/${id}`;
  for (const [i, b] of bundles.filter((_, i) => i % 29 === 0).entries()) {
    const body = i % 3 === 0 ? { enabled: !b.enabled } : i % 3 === 1 ? { rolloutCohortCount: 250, metadata: { x: i } } : { targetCohorts: ["qa"], message: null };
    out.push({ path: path(b.id), init: json("PATCH", body) });
  }
  out.push({ path: path(bundles[5].id), init: { method: "DELETE" } });
  out.push({ path: path(bundles[5].id), init: { method: "DELETE" } });
  out.push({ path: path(bundles[6].id), init: json("PATCH", { id: "other" }) });
  out.push({ path: path(bundles[6].id), init: json("PATCH", "[1]") });
  out.push({ path: path(bundles[6].id), init: json("PATCH", { rolloutCohortCount: 1.5 }) });
  out.push({ path: path(bundles[6].id), init: json("PATCH", { targetCohorts: ["Not Valid"] }) });
  out.push({ path: path("missing-id"), init: json("PATCH", "{}") });
  out.push({ path: path("missing-id"), init: { method: "DELETE" } });
  out.push({ path: "/hot-updater/api/bundles", init: json("POST", { ...bundles[7], id: "01900000-0000-7000-8000-000000000001", targetAppVersion: null, fingerprintHash: null }) });
  out.push({ path: "/hot-updater/api/bundles", init: json("POST", { ...bundles[8], id: bundles[9].id, channel: "replaced" }) });
  out.push({ path: "/hot-updater/api/bundles", init: json("POST", "[]") });
  out.push({ path: "/hot-updater/api/bundles/channels" });
  out.push({ path: "/hot-updater/version" });
  return out;
}
