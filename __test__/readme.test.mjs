// Every JS/TS program in README.md runs as written: each quick-start block is saved inside the
// repository (so `import "hot-updater-rs"` resolves to this checkout by the package's own name),
// started on a free loopback port against a temp SQLite file, and answers an update check.
//
// Run: node --test __test__/readme.test.mjs
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SEED_PROGRAM, checkQuickStart, readmeQuickStarts, runToEnd, writeProgram } from "./helpers/quickstart.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BUN = join(ROOT, "node_modules", ".bin", "bun");
const blocks = readmeQuickStarts(join(ROOT, "README.md"));

test("the README has the Hono, Express and Elysia quick starts as code blocks", () => {
  const headings = blocks.map((block) => block.heading);
  for (const name of ["Hono", "Express", "Elysia"]) assert.ok(headings.some((h) => h.includes(name)), `${name} quick start missing: ${headings}`);
});

for (const [index, block] of blocks.entries()) {
  test(`README block ${index + 1} (${block.heading}) runs and answers an update check`, { timeout: 90_000 }, async (t) => {
    // Inside the checkout (gitignored .cache/), so the package resolves itself by name.
    const dir = join(ROOT, ".cache", `readme-${process.pid}-${index}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const seed = await runToEnd(process.execPath, [writeProgram(dir, "seed.mjs", SEED_PROGRAM)], { cwd: dir, env: process.env });
    assert.equal(seed.code, 0, seed.stderr);
    const file = writeProgram(dir, `quickstart.${block.lang === "ts" ? "ts" : "mjs"}`, block.code);
    await checkQuickStart({ command: block.runtime === "bun" ? BUN : process.execPath, file, cwd: dir, env: process.env });
  });
}
