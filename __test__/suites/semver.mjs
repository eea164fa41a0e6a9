// Range/version cases of upstream's semver-satisfies suite, restated as a table.
// `semverSatisfies(range, appVersion)` answers whether an installed app version
// (coerced loosely, e.g. "1.0" -> 1.0.0) falls inside a bundle's target range.
import { describe, test } from "node:test";
import assert from "node:assert/strict";

// [range, app version, expected]. Upstream repeats a few rows verbatim; they are kept so the
// count matches (63).
export const SEMVER_CASES = [
  // exact versions
  ["1.2.3", "1.2.3", true],
  ["1.2.3", "1.2.4", false],
  ["1.2.3", "1.2.4", false],
  ["1.2.3", "1.2.4", false],
  // x-ranges against partial and full versions
  ["1.x.x", "1.0", true],
  ["1.x.x", "1.12", true],
  ["1.x.x", "1.0.0", true],
  ["1.x.x", "1.2.3", true],
  ["1.x.x", "2.0.0", false],
  ["1.x.x", "2.0.0", false],
  ["1.2.x", "1.2.5", true],
  ["1.2.x", "1.3.0", false],
  ["1.2.x", "1.3.0", false],
  // hyphen range
  ["1.2.3 - 1.2.7", "1.2.5", true],
  ["1.2.3 - 1.2.7", "1.2.5", true],
  ["1.2.3 - 1.2.7", "1.3.0", false],
  // comparator pair
  [">=1.2.3 <1.2.7", "1.2.5", true],
  [">=1.2.3 <1.2.7", "1.2.5", true],
  [">=1.2.3 <1.2.7", "1.2.7", false],
  // tilde
  ["~1.2.3", "1.2.3", true],
  ["~1.2.3", "1.2.4", true],
  ["~1.2.3", "1.3.0", false],
  ["~1.2.3", "1.2.3", true],
  ["~1.2.3", "1.2.4", true],
  ["~1.2.3", "1.3.0", false],
  // caret
  ["^1.2.3", "1.3.0", true],
  ["^1.2.3", "1.3.0", true],
  ["^1.2.3", "2.0.0", false],
  // partial ranges: "1.2" means >=1.2.0 <1.3.0, "1" means >=1.0.0 <2.0.0
  ["1.2", "1.2.0", true],
  ["1.2", "1.2.99", true],
  ["1.2", "1.3.0", false],
  ["1", "1.0.0", true],
  ["1", "1.99.99", true],
  ["1", "2.0.0", false],
  ["0.x.x", "0.5.10", true],
  ["0.x.x", "1.0.0", false],
  ["2.x", "2.0.0", true],
  ["2.x", "2.10.1", true],
  ["2.x", "3.0.0", false],
  // star
  ["*", "10.11.12", true],
  ["*", "0.0.1", true],
  ["2.x.x", "2.0.0", true],
  ["2.x.x", "2.9.9", true],
  ["2.x.x", "3.0.0", false],
  ["0.x.x", "0.1.0", true],
  ["0.x.x", "0.9.9", true],
  ["0.x.x", "1.0.0", false],
  // inclusive hyphen range across a major
  ["1.2.3 - 2.0.0", "1.2.4", true],
  ["1.2.3 - 2.0.0", "2.0.0", true],
  ["1.2.3 - 2.0.0", "1.5.0", true],
  ["1.2.3 - 2.0.0", "2.0.1", false],
  // bounded ">= a <= b" with a space after the operator (issue #632)
  [">= 5.7.0 <= 5.7.4", "5.7.3", true],
  [">= 5.7.0 <= 5.7.4", "5.7.0", true],
  [">= 5.7.0 <= 5.7.4", "5.7.4", true],
  [">= 5.7.0 <= 5.7.4", "5.6.9", false],
  [">= 5.7.0 <= 5.7.4", "5.7.5", false],
  // the same bound with other whitespace
  [">=5.7.0 <=5.7.4", "5.7.3", true],
  [">=  5.7.0  <=  5.7.4", "5.7.3", true],
  [">= 1.0.0 <= 2.0.0", "1.5.0", true],
  [">= 1.0.0 <= 2.0.0", "1.0.0", true],
  [">= 1.0.0 <= 2.0.0", "2.0.0", true],
  [">= 1.0.0 <= 2.0.0", "0.9.9", false],
  [">= 1.0.0 <= 2.0.0", "2.0.1", false],
];

/** Registers one test per row; `semverSatisfies(range, version)` may be sync or async. */
export function defineSemverCases(semverSatisfies) {
  describe("semver range matching", () => {
    SEMVER_CASES.forEach(([range, version, expected], index) => {
      const verb = expected ? "is inside" : "is outside";
      test(`#${index + 1}: app ${version} ${verb} "${range}"`, async () => {
        assert.equal(await semverSatisfies(range, version), expected);
      });
    });
  });
}
