// The layer rules of docs/architecture.md, checked on the source: no import goes from a lower layer
// to a higher one, no backend imports another, only src/napi touches napi, `mod.rs`/`lib.rs` only
// declare and re-export. A new file that breaks a rule fails here with the line that does.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const src = fileURLToPath(new URL("../src", import.meta.url));

/** What each top-level module may import from the crate (besides itself). */
const MAY_IMPORT = {
  core: ["error"],
  error: [],
  context: [],
  bridge: ["context", "error"],
  db: ["core", "context", "error", "bridge"],
  storage: ["core", "context", "error", "bridge"],
  ops: ["core", "error", "db"],
  service: ["core", "context", "error", "db", "storage", "ops"],
  http: ["core", "context", "error", "db", "storage", "service", "ops"],
  listener: ["core", "context", "error", "db", "storage", "service", "ops", "http"],
  napi: ["core", "context", "error", "bridge", "db", "storage", "service", "ops", "http", "listener"],
  fuzzing: ["core", "context", "error", "db", "storage", "service", "ops", "http"],
  lib: ["bridge", "context", "core", "db", "error", "fuzzing", "http", "listener", "napi", "ops", "service", "storage"],
};

/** Backends inside a layer: each may use the layer's shared files, never another backend. */
const BACKENDS = {
  storage: { cloudfront: ["cloudfront"], file: ["file", "file_store"], gcs: ["gcs"], js: ["js"], s3: ["s3", "s3_config"], supabase: ["supabase"] },
  db: { sql: ["sql"], js: ["js"], snapshot: ["snapshot", "partition"], s3: ["s3"] },
};

/**
 * The one import across db/ and storage/: the S3 database (`db/s3`) builds its client with the
 * S3 storage's AWS SDK setup (`storage::s3_client`, `storage::s3_config`), so both share one
 * credential chain and client configuration.
 */
const SHARED_AWS_CLIENT = { file: join("db", "s3"), imports: /^crate::storage::(s3_client|s3_config)::/ };

function rustFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...rustFiles(path));
    else if (name.endsWith(".rs")) out.push(path);
  }
  return out;
}

/** `src/storage/gcs_tests.rs` -> ["storage", "gcs"]; tests belong to the file they test. */
function place(file) {
  const parts = relative(src, file).split(sep);
  const top = parts[0].replace(/(_tests)?\.rs$/, "");
  const second = parts.length > 1 ? parts[1].replace(/(_tests)?\.rs$/, "") : null;
  return { top, second };
}

/** Code lines only: comments and doc comments may name any module. */
function codeLines(text) {
  return text.split("\n").map((line, i) => ({ n: i + 1, line: line.replace(/\/\/.*$/, "") }));
}

/** The backend of a layer a module name belongs to, if any. */
function backendOf(layer, name) {
  for (const [backend, modules] of Object.entries(BACKENDS[layer] ?? {})) if (modules.includes(name)) return backend;
  return null;
}

const files = rustFiles(src);

test("no module imports from a layer above it", () => {
  const bad = [];
  for (const file of files) {
    const { top } = place(file);
    const allowed = MAY_IMPORT[top];
    assert.ok(allowed, `${relative(src, file)}: top-level module ${top} is not in the layer table (docs/architecture.md)`);
    for (const { n, line } of codeLines(readFileSync(file, "utf8"))) {
      for (const m of line.matchAll(/crate::([a-z0-9_]+)/g)) {
        const shared = relative(src, file).startsWith(SHARED_AWS_CLIENT.file + sep) && SHARED_AWS_CLIENT.imports.test(line.slice(m.index));
        if (m[1] !== top && !allowed.includes(m[1]) && !shared) bad.push(`${relative(src, file)}:${n}: ${top} -> ${m[1]}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

test("no backend imports another backend of its layer", () => {
  const bad = [];
  for (const file of files) {
    const { top, second } = place(file);
    if (!BACKENDS[top] || second === null) continue;
    const own = backendOf(top, second);
    for (const { n, line } of codeLines(readFileSync(file, "utf8"))) {
      const refs = [...line.matchAll(new RegExp(`crate::${top}::([a-z0-9_]+)`, "g"))].map((m) => m[1]);
      // `super::x` from a file directly in the layer's folder names a sibling module.
      if (relative(src, file).split(sep).length === 2) refs.push(...[...line.matchAll(/\bsuper::([a-z0-9_]+)/g)].map((m) => m[1]));
      for (const ref of refs) {
        const other = backendOf(top, ref);
        if (other !== null && other !== own) bad.push(`${relative(src, file)}:${n}: ${own ?? second} -> ${ref}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

test("only src/napi touches napi; core has no I/O crates", () => {
  const bad = [];
  for (const file of files) {
    const { top } = place(file);
    for (const { n, line } of codeLines(readFileSync(file, "utf8"))) {
      if (top !== "napi" && /\bnapi(_derive)?::/.test(line) && !/crate::napi/.test(line)) bad.push(`${relative(src, file)}:${n}: napi outside src/napi`);
      if (top === "core" && /\b(sqlx|reqwest|tokio|mongodb|aws_[a-z_]+|std::fs|std::net)::/.test(line)) bad.push(`${relative(src, file)}:${n}: I/O in core`);
    }
  }
  assert.deepEqual(bad, []);
});

test("mod.rs and lib.rs only declare and re-export", () => {
  const bad = [];
  // db/sql/tests/mod.rs generates the per-backend test functions with macros (a test module, not
  // a layer); it is the one exception.
  const exempt = join("db", "sql", "tests", "mod.rs");
  for (const file of files.filter((f) => (f.endsWith(`${sep}mod.rs`) || f.endsWith(`${sep}lib.rs`)) && relative(src, f) !== exempt)) {
    for (const { n, line } of codeLines(readFileSync(file, "utf8"))) {
      const t = line.trim();
      if (t === "" || t.startsWith("#[") || /^(pub(\([a-z]+\))? )?(mod|use) [^;]+;$/.test(t) || /^(pub(\([a-z]+\))? )?use [^;]*[{,]$/.test(t) || /^[A-Za-z_:, {}]*[},;]?$/.test(t)) continue;
      bad.push(`${relative(src, file)}:${n}: ${t}`);
    }
  }
  assert.deepEqual(bad, []);
});

test("Rust unit tests sit in a sibling <file>_tests.rs, not inline", () => {
  // Directory modules keep their suites in <dir>/tests.rs or <dir>/tests/ (db/sql, db/snapshot,
  // core/semver).
  const inline = [];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    if (/#\[cfg\(test\)\]\s*\nmod tests \{/.test(text)) inline.push(relative(src, file));
  }
  assert.deepEqual(inline, []);
});
