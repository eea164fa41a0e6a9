#!/usr/bin/env bash
# Installs what the tests need on a fresh machine: npm packages (with their native parts
# really built) and Bun, which comes from the npm registry as a devDependency.
set -euo pipefail
cd "$(dirname "$0")/.."

npm ci --no-audit --no-fund

# npm may skip dependencies' install scripts; check the native parts and rebuild if needed.
if ! node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" >/dev/null 2>&1; then
  echo "setup: rebuilding better-sqlite3"
  npm rebuild better-sqlite3
  node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"
fi
if ! node_modules/.bin/bun --version >/dev/null 2>&1; then
  echo "setup: rebuilding bun"
  npm rebuild bun
  node_modules/.bin/bun --version
fi
# The local S3 server of the storage tests (s3s-fs, built from crates.io once per machine).
bash scripts/s3-server.sh --install
echo "setup: node $(node --version), bun $(node_modules/.bin/bun --version), $(cargo --version)"
