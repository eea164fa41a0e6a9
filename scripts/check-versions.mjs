#!/usr/bin/env node
// Fails when a platform package under npm/ drifts from the main package (name, version, binary).
import { lockstepProblems } from "./platforms.mjs";

const problems = lockstepProblems();
if (problems.length) {
  for (const problem of problems) console.error(`check-versions: ${problem}`);
  process.exit(1);
}
console.log("check-versions: every platform package is in step with the main package");
