// The benchmark's bundles: the shared deterministic fixtures (uuidv7 ids over four years, both
// platforms, several channels, every kind of targetAppVersion range, fingerprints, disabled
// bundles, partial rollouts, target cohorts) plus some bsdiff patches, and their rows exactly as
// upstream's Kysely adapter stores them (src/db/bundleRows.ts + adapters/kysely.ts).
import { makeBundles, prng } from "../../__test__/helpers/fixtures.mjs";

export const BUNDLE_COLUMNS = [
  "id", "platform", "should_force_update", "enabled", "file_hash", "git_commit_hash", "message",
  "channel", "storage_uri", "target_app_version", "fingerprint_hash", "metadata",
  "rollout_cohort_count", "target_cohorts", "manifest_storage_uri", "manifest_file_hash",
  "asset_base_storage_uri",
];
export const PATCH_COLUMNS = ["id", "bundle_id", "base_bundle_id", "base_file_hash", "patch_file_hash", "patch_storage_uri", "order_index"];

/** `n` bundles; about one in ten carries one or two patches from earlier bundles of its lane. */
export function benchBundles(n, seed = 42) {
  // The fixtures' `storage://bucket/` objects live in the benchmark's S3 bucket.
  const bundles = makeBundles(n, seed).map((b) => ({ ...b, storageUri: b.storageUri.replace(/^storage:\/\/bucket\//, "s3://hot-updater-bench/") }));
  const rand = prng(seed ^ 0x5eed);
  const lanes = new Map(); // platform/channel -> earlier bundles
  for (const b of bundles) {
    const key = `${b.platform}/${b.channel}`;
    const earlier = lanes.get(key) ?? [];
    if (earlier.length > 0 && rand() < 0.1) {
      const count = Math.min(earlier.length, rand() < 0.7 ? 1 : 2);
      b.patches = [];
      for (let k = 1; k <= count; k++) {
        const base = earlier[earlier.length - k];
        b.patches.push({
          baseBundleId: base.id,
          baseFileHash: base.fileHash,
          patchFileHash: `patch-${base.fileHash}-${b.fileHash}`,
          patchStorageUri: `s3://hot-updater-bench/${b.id}/patches/${base.id}.bsdiff`,
        });
      }
    }
    earlier.push(b);
    if (earlier.length > 4) earlier.shift();
    lanes.set(key, earlier);
  }
  return bundles;
}

/** upstream `bundleToRow` + the sqlite branch of `toProviderBundleRow`, as column values. */
export function bundleRow(b, { booleans = "int" } = {}) {
  const bool = (v) => (booleans === "int" ? (v ? 1 : 0) : Boolean(v));
  return [
    b.id, b.platform, bool(b.shouldForceUpdate), bool(b.enabled), b.fileHash, b.gitCommitHash,
    b.message, b.channel, b.storageUri, b.targetAppVersion, b.fingerprintHash,
    JSON.stringify(b.metadata ?? {}), b.rolloutCohortCount ?? 1000,
    b.targetCohorts == null ? null : JSON.stringify(b.targetCohorts),
    b.manifestStorageUri ?? null, b.manifestFileHash ?? null, b.assetBaseStorageUri ?? null,
  ];
}

/** upstream `bundleToPatchRows`, as column values. */
export function patchRows(b) {
  return (b.patches ?? []).map((p, index) => [
    `${b.id}:${p.baseBundleId}`, b.id, p.baseBundleId, p.baseFileHash, p.patchFileHash, p.patchStorageUri, index,
  ]);
}

export function describeBundles(bundles) {
  const count = (f) => bundles.filter(f).length;
  return {
    bundles: bundles.length,
    disabled: count((b) => !b.enabled),
    fingerprint: count((b) => b.fingerprintHash !== null),
    partialRollout: count((b) => b.rolloutCohortCount !== null && b.rolloutCohortCount < 1000),
    targetCohorts: count((b) => b.targetCohorts !== null),
    withPatches: count((b) => b.patches),
  };
}
