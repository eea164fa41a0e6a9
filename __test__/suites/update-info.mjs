// Update-resolution cases of upstream's getUpdateInfo suite, restated as data.
//
// `makeTarget()` (sync or async) returns `{ getUpdateInfo(bundles, args), reset(), close() }`:
// getUpdateInfo stores `bundles` and resolves `args` against them; reset() forgets all bundles.
// The suite resets before every case, and between the calls of a case that calls it twice.
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";

export const NIL = "00000000-0000-0000-0000-000000000000";
/** `uuid(12)` → "00000000-0000-0000-0000-000000000012". */
export const uuid = (n) => `00000000-0000-0000-0000-${String(n).padStart(12, "0")}`;

// ---- rollout arithmetic (our own implementation of the published shuffle, used to pick
// cohorts that sit inside or outside a rollout; checked against the reference elsewhere) ----
const hash32 = (text) => {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
};
const mod = (v, m) => ((v % m) + m) % m;
const gcd = (a, b) => (b === 0 ? a : gcd(b, a % b));

/** Position (0..999) of numeric cohort `cohort` in the rollout order of `bundleId`. */
export function rolloutPosition(bundleId, cohort) {
  let mult = mod(hash32(`${bundleId}:multiplier`), 997) || 1;
  while (gcd(mult, 1000) !== 1) mult = mod(mult + 1, 1000) || 1;
  const offset = mod(hash32(`${bundleId}:offset`), 1000);
  let inverse = 1;
  while ((mult * inverse) % 1000 !== 1) inverse++;
  return mod(inverse * (cohort - 1 - offset), 1000);
}

/** The smallest numeric cohort (as a string) whose position satisfies `accept`. */
export function pickCohort(bundleId, accept) {
  for (let c = 1; c <= 1000; c++) if (accept(rolloutPosition(bundleId, c))) return String(c);
  throw new Error(`no cohort fits for ${bundleId}`);
}

// ---- fixtures ----
const STRATEGY = {
  appVersion: { key: "targetAppVersion", other: "fingerprintHash", match: "1.0", args: { _updateStrategy: "appVersion", appVersion: "1.0" } },
  fingerprint: { key: "fingerprintHash", other: "targetAppVersion", match: "hash1", args: { _updateStrategy: "fingerprint", fingerprintHash: "hash1" } },
};

/** A per-strategy target: `tgt("1.1", "hash2")` is a target app version or a fingerprint. */
const tgt = (appVersion, fingerprint) => ({ target: { appVersion, fingerprint } });
const MISS = tgt("1.1", "hash2");

/** A bundle for `strategy`; `ref` is a number (→ uuid) or a full id. */
function makeBundle(strategy, ref, overrides = {}) {
  const s = STRATEGY[strategy];
  const { target, ...rest } = overrides;
  return {
    id: typeof ref === "number" ? uuid(ref) : ref,
    platform: "ios",
    shouldForceUpdate: false,
    enabled: true,
    fileHash: "hash",
    gitCommitHash: null,
    message: "hello",
    channel: "production",
    storageUri: "storage://my-app/bundle.zip",
    [s.key]: target ? target[strategy] : s.match,
    [s.other]: null,
    ...rest,
  };
}

/** Lookup arguments; a case may force the other strategy through `_updateStrategy`. */
function makeArgs(strategy, overrides = {}) {
  const s = STRATEGY[overrides._updateStrategy ?? strategy];
  return { ...s.args, bundleId: NIL, platform: "ios", ...overrides };
}

const INIT = { id: NIL, message: null, shouldForceUpdate: true, status: "ROLLBACK", storageUri: null, fileHash: null };

/** What an UPDATE / ROLLBACK to `id` must look like, read off the stored fixture. */
function expected(kind, id, bundles) {
  if (kind === null) return null;
  if (kind === "INIT") return INIT;
  const b = bundles.find((x) => x.id === id);
  assert.ok(b, `fixture has no bundle ${id}`);
  const shouldForceUpdate = kind === "ROLLBACK" ? true : b.shouldForceUpdate;
  return { id: b.id, message: b.message, shouldForceUpdate, status: kind, storageUri: b.storageUri, fileHash: b.fileHash };
}

// Ids with a meaning: UUIDv7 values a few seconds/minutes apart.
const OLD = "0195715a-ce29-7c55-97d3-53af4fe369b7";
const NEW = "0195715d-42db-7475-9204-31819efc2f1d";
const MIN = "0195715b-9591-7000-8000-000000000000";
const R1 = "01957164-fbc6-785f-98ce-a6ae459f6e4f";
const R2 = "01957165-19fb-75af-a361-131c17a65ef2";
const R3 = "01957165-bee7-7df3-a25d-6686f01b02ba";
const R4 = "01957167-0389-7064-8d86-f8af7950daed";
const R5 = "0195716c-82f5-7e5e-ac8c-d4fbf5bc7555";
const MIN2 = "01957166-6e63-7000-8000-000000000000";
const DF40 = "01963024-c131-7971-8725-ab47e232df40";
const DF41 = "01963024-c131-7971-8725-ab47e232df41";
const DF42 = "01963024-c131-7971-8725-ab47e232df42";

// [title, bundles as [ref, overrides?], lookup overrides, [kind, id]] — run for both strategies.
const off = { enabled: false };
const SHARED = [
  ["nothing published: null", [], {}, [null]],
  ["only a bundle for another target: null", [[1, MISS]], {}, [null]],
  ["installed bundle is the newest for this target (a newer one targets something else): null", [[DF41], [DF42, tgt("1.0.1", "hash2")]], { bundleId: DF41 }, [null]],
  ["forced bundle is offered with shouldForceUpdate true", [[1, { shouldForceUpdate: true }]], {}, ["UPDATE", uuid(1)]],
  ["unforced bundle is still offered", [[1]], {}, ["UPDATE", uuid(1)]],
  ["any id above NIL counts as newer", [[5]], {}, ["UPDATE", uuid(5)]],
  ["disabled newest is skipped for the older enabled one", [[2, { ...off, shouldForceUpdate: true }], [1]], {}, ["UPDATE", uuid(1)]],
  ["everything disabled, fresh install: null", [[2, { ...off, shouldForceUpdate: true }], [1, off]], {}, [null]],
  ["everything disabled, fresh install (repeated upstream case): null", [[2, { ...off, shouldForceUpdate: true }], [1, off]], {}, [null]],
  ["message and file hash come from the offered bundle", [[1, { message: "hi", fileHash: "a5cbf59a627759a88d472c502423ff55a4f6cd1aafeed3536f6a5f6e870c2290" }]], {}, ["UPDATE", uuid(1)]],
  // Upstream runs this one with app-version arguments in both strategy blocks.
  ["unknown installed bundle and nothing published: INIT rollback", [], { _updateStrategy: "appVersion", appVersion: "1.0", bundleId: uuid(2) }, ["INIT"]],
  ["installed bundle is the newest: null", [[2], [1]], { bundleId: uuid(2) }, [null]],
  ["installed bundle vanished: ROLLBACK to the older one", [[1]], { bundleId: uuid(2) }, ["ROLLBACK", uuid(1)]],
  ["the next bundle up is offered", [[3], [2], [1]], { bundleId: uuid(2) }, ["UPDATE", uuid(3)]],
  ["the highest bundle is offered, not the next one", [[5], [4], [3], [2], [1]], { bundleId: uuid(2) }, ["UPDATE", uuid(5)]],
  ["newer bundle disabled, installed one still enabled: null", [[3, { ...off, shouldForceUpdate: true }], [2, { shouldForceUpdate: true }], [1]], { bundleId: uuid(2) }, [null]],
  ["installed bundle disabled: ROLLBACK to the older enabled one", [[2, { ...off, shouldForceUpdate: true }], [1]], { bundleId: uuid(2) }, ["ROLLBACK", uuid(1)]],
  ["installed bundle disabled and nothing else enabled: INIT rollback", [[2, { ...off, shouldForceUpdate: true }], [1, off]], { bundleId: uuid(2) }, ["INIT"]],
  // minBundleId = the id baked into the native build; bundles below it are invisible.
  ["only bundles below minBundleId, installed = minBundleId: null", [[OLD]], { minBundleId: MIN, bundleId: MIN }, [null]],
  ["a bundle above minBundleId is offered", [[NEW], [OLD]], { minBundleId: MIN, bundleId: MIN }, ["UPDATE", NEW]],
  ["installed bundle disabled, only older-than-minBundleId left: INIT rollback", [[NEW, off], [OLD]], { minBundleId: MIN, bundleId: NEW }, ["INIT"]],
  ["installed bundle unknown, only older-than-minBundleId left: INIT rollback", [[OLD]], { minBundleId: MIN, bundleId: NEW }, ["INIT"]],
  ["installed bundle enabled and newest above minBundleId: null", [[NEW], [OLD]], { minBundleId: MIN, bundleId: NEW }, [null]],
  ["installed bundle unknown, everything below minBundleId: INIT rollback", [[R3], [R2], [R1]], { minBundleId: MIN2, bundleId: R4 }, ["INIT"]],
  ["installed bundle unknown: ROLLBACK to the newest one between minBundleId and it", [[R5], [R4], [R3], [R2], [R1]], { minBundleId: MIN2, bundleId: "0195716c-d426-7308-9924-c3f8cb2eaaad" }, ["ROLLBACK", R5]],
  ["installed bundle is the only one above minBundleId: null", [["01957179-d99d-7fbb-bc1e-feff6b3236f0"]], { minBundleId: MIN, bundleId: "01957179-d99d-7fbb-bc1e-feff6b3236f0" }, [null]],
  ["a bundle in another channel is never offered", [[1, { channel: "beta" }]], { channel: "production" }, [null]],
  ["a bundle in the requested channel is offered", [[1, { channel: "beta" }]], { channel: "beta" }, ["UPDATE", uuid(1)]],
  ["minBundleId above the installed bundle: null", [["01957b63-7d11-7281-b8e7-1120ccfdb8ab"]], { bundleId: "01957b63-7d11-7281-b8e7-1120ccfdb8ab", minBundleId: "01957bb4-b13c-7000-8000-000000000000", channel: "production" }, [null]],
  ["no bundles and installed = minBundleId: null", [], { bundleId: "0195d325-767a-7000-8000-000000000000", minBundleId: "0195d325-767a-7000-8000-000000000000", channel: "production" }, [null]],
  ["NIL installed and NIL minBundleId: the bundle is offered", [[DF40, { shouldForceUpdate: true, ...tgt("1.0.0", "hash1") }]], { bundleId: NIL, minBundleId: NIL, channel: "production" }, ["UPDATE", DF40]],
];

const ONLY = {
  appVersion: [
    ["a '*' target matches any app version", [[1, tgt("*")]], {}, ["UPDATE", uuid(1)]],
    ["the highest id wins among several matching ranges", [[1, tgt("1.x.x")], [2, tgt("1.0")]], {}, ["UPDATE", uuid(2)]],
    ["bounded range '>= 5.7.0 <= 5.7.4' includes 5.7.3 (issue #632)", [[1, tgt(">= 5.7.0 <= 5.7.4")]], { appVersion: "5.7.3" }, ["UPDATE", uuid(1)]],
    ["bounded range '>= 5.7.0 <= 5.7.4' excludes 5.7.5 (issue #632)", [[1, tgt(">= 5.7.0 <= 5.7.4")]], { appVersion: "5.7.5" }, [null]],
  ],
  fingerprint: [["only the exact fingerprint matches", [[1], [2, MISS]], {}, ["UPDATE", uuid(1)]]],
};

function defineTable(getTarget, strategy, rows) {
  for (const [title, specs, argOverrides, [kind, id]] of rows) {
    test(title, async () => {
      const bundles = specs.map(([ref, overrides]) => makeBundle(strategy, ref, overrides));
      const result = await getTarget().getUpdateInfo(bundles, makeArgs(strategy, argOverrides));
      assert.deepEqual(result, expected(kind, id, bundles));
    });
  }
}

function defineRollout(getTarget, strategy) {
  const check = async (bundles, argOverrides, kind, id) => {
    const result = await getTarget().getUpdateInfo(bundles, makeArgs(strategy, argOverrides));
    assert.deepEqual(result, expected(kind, id, bundles));
  };
  const b = (ref, overrides) => makeBundle(strategy, ref, overrides);
  const qaOnly = { rolloutCohortCount: 0, targetCohorts: ["qa-group"] };

  test("count 0 reaches no numeric cohort", () => check([b(1, { rolloutCohortCount: 0 })], { cohort: "1" }, null));
  test("count 1000 reaches every numeric cohort", () => check([b(1, { rolloutCohortCount: 1000 })], { cohort: "1" }, "UPDATE", uuid(1)));
  test("count null means a full rollout", () => check([b(1, { rolloutCohortCount: null })], { cohort: "1" }, "UPDATE", uuid(1)));

  test("growing the rollout only adds cohorts; shrinking removes them", async () => {
    const id = uuid(10);
    const kept = pickCohort(id, (p) => p < 200);
    const added = pickCohort(id, (p) => p >= 200 && p < 400);
    const dropped = pickCohort(id, (p) => p >= 10 && p < 200);
    const steps = [
      [200, kept, "UPDATE"],
      [400, kept, "UPDATE"],
      [200, added, null],
      [400, added, "UPDATE"],
      [10, dropped, null],
    ];
    for (const [count, cohort, kind] of steps) {
      await getTarget().reset();
      await check([b(id, { rolloutCohortCount: count })], { cohort }, kind, id);
    }
  });

  test("a custom cohort gets nothing from a percentage rollout, even at 100%", () =>
    check([b(1, { rolloutCohortCount: 1000 })], { cohort: "qa-group" }, null));
  test("a custom cohort listed in targetCohorts is offered the bundle", () =>
    check([b(1, { rolloutCohortCount: 200, targetCohorts: ["qa-group"] })], { cohort: "qa-group" }, "UPDATE", uuid(1)));

  test("numeric rollout still applies when targetCohorts are set", () => {
    const id = uuid(22);
    return check([b(id, { rolloutCohortCount: 200, targetCohorts: ["qa-group"] })], { cohort: pickCohort(id, (p) => p < 200) }, "UPDATE", id);
  });
  test("a targeted numeric cohort outside the rollout is offered the bundle", () => {
    const id = uuid(23);
    const cohort = pickCohort(id, (p) => p >= 200);
    return check([b(id, { rolloutCohortCount: 200, targetCohorts: [cohort] })], { cohort }, "UPDATE", id);
  });
  test("a newer bundle for another cohort is passed over for the latest eligible one", () => {
    const [older, newer] = [uuid(20), uuid(21)];
    const cohort = pickCohort(older, (p) => p < 200);
    return check([b(older, { rolloutCohortCount: 200 }), b(newer, qaOnly)], { cohort }, "UPDATE", older);
  });
  test("installed bundle no longer eligible: ROLLBACK to the newest older bundle", () =>
    check([b(uuid(20), { rolloutCohortCount: 1000 }), b(uuid(21), qaOnly)], { bundleId: uuid(21), cohort: "1" }, "ROLLBACK", uuid(20)));
  test("installed bundle no longer eligible and nothing older: INIT rollback", () =>
    check([b(uuid(21), qaOnly)], { bundleId: uuid(21), cohort: "1" }, "INIT"));
  test("a rollback target is used whatever its rollout settings", () =>
    check([b(1, qaOnly)], { bundleId: uuid(2), cohort: "not-targeted" }, "ROLLBACK", uuid(1)));
}

/** Registers every case; see the file header for `makeTarget`. */
export function defineUpdateInfoCases(makeTarget) {
  let target;
  const getTarget = () => target;
  describe("getUpdateInfo", () => {
    before(async () => {
      target = await makeTarget();
    });
    after(async () => {
      await target?.close();
    });
    beforeEach(async () => {
      await target.reset();
    });

    for (const strategy of ["appVersion", "fingerprint"]) {
      describe(`${strategy} strategy`, () => {
        defineTable(getTarget, strategy, SHARED);
        defineTable(getTarget, strategy, ONLY[strategy]);
        if (strategy === "appVersion") {
          test("200 distinct compatible ranges: the highest id wins", async () => {
            const bundles = Array.from({ length: 200 }, (_, i) => makeBundle(strategy, i + 1, tgt(`>=0.${i}.0`)));
            const result = await target.getUpdateInfo(bundles, makeArgs(strategy, { appVersion: "1.0.0" }));
            assert.deepEqual(result, expected("UPDATE", uuid(200), bundles));
          });
        }
      });
      describe(`gradual rollout (${strategy} strategy)`, () => defineRollout(getTarget, strategy));
    }
  });
}
