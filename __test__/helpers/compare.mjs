// Comparing two servers request by request (upstream's and ours): one request through
// `hotUpdater.handler`, seeding through the bundle API, and the comparison of status, content
// type and body text over a list of requests. Used by parity, mongo and adapters tests.
import assert from "node:assert/strict";

/** One request through `hotUpdater.handler`, with `context` when given. */
export async function send(hotUpdater, path, init = {}, context) {
  const request = new Request(`http://localhost${path}`, init);
  const res = context === undefined ? await hotUpdater.handler(request) : await hotUpdater.handler(request, context);
  return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
}

/** `init` of a request that only carries the SDK version header (none when `sdk` is undefined). */
export function sdkInit(sdk) {
  return sdk === undefined ? {} : { headers: { "Hot-Updater-SDK-Version": sdk } };
}

/** Inserts `bundles` through `POST <basePath>/api/bundles`, 50 at a time (basePath `/hot-updater`). */
export async function seed(hotUpdater, bundles, context) {
  for (let i = 0; i < bundles.length; i += 50) {
    const init = { method: "POST", body: JSON.stringify(bundles.slice(i, i + 50)), headers: { "content-type": "application/json" } };
    const res = await send(hotUpdater, "/hot-updater/api/bundles", init, context && { ...context });
    assert.equal(res.status, 201, res.body);
  }
}

/**
 * Sends every `{ path, sdk?, init? }` to both servers and fails listing the first differences.
 * Both servers get each request at once, unless `sequential` or `context` is given: then one
 * after the other, each with a fresh copy of `context` (as a framework passes one per request).
 * Returns the count.
 */
export async function compareAll(reference, ours, requests, label, { context, sequential = false } = {}) {
  const mismatches = [];
  for (const { path, sdk, init } of requests) {
    const options = init ?? sdkInit(sdk);
    const [a, b] =
      context === undefined && !sequential
        ? await Promise.all([send(reference, path, options), send(ours, path, options)])
        : [await send(reference, path, options, context && { ...context }), await send(ours, path, options, context && { ...context })];
    if (a.status !== b.status || a.body !== b.body || a.type !== b.type) mismatches.push({ path, sdk, init, upstream: a, ours: b });
  }
  assert.equal(mismatches.length, 0, `${label}: ${mismatches.length}/${requests.length} differ; first: ${JSON.stringify(mismatches.slice(0, 3), null, 1)}`);
  return requests.length;
}
