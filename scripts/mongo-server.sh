#!/usr/bin/env bash
# The MongoDB-wire server the MongoDB tests run against: SecantusDB (PyPI `secantusdb`, pinned: a
# pre-release), installed into the project's own virtual environment under .cache.
#
#   bash scripts/mongo-server.sh --install                  create .cache/secantus-venv unless present
#   bash scripts/mongo-server.sh --start PORT [standalone]  start it on 127.0.0.1:PORT with in-memory
#                                                          storage; without `standalone` it is a
#                                                          one-node replica set (transactions and
#                                                          change streams); prints its pid
#   bash scripts/mongo-server.sh --stop PID                 stop a server started with --start
#   bash scripts/mongo-server.sh --bin                      print the launcher's path
#
# It needs CPython 3.11 with its `venv` module (python3.11, else python3).
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="0.7.0b3"
VENV=".cache/secantus-venv"
BIN="$VENV/bin/secantusd-py"

installed() {
  [ -x "$BIN" ] && "$VENV/bin/python" -c "import importlib.metadata as m; assert m.version('secantusdb') == '$VERSION'" 2>/dev/null
}

case "${1:-}" in
  --install)
    if installed; then
      echo "mongo-server: secantusdb $VERSION is installed ($BIN)"
      exit 0
    fi
    python=$(command -v python3.11 || command -v python3)
    echo "mongo-server: installing secantusdb $VERSION into $VENV"
    rm -rf "$VENV"
    mkdir -p .cache
    "$python" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "secantusdb==$VERSION"
    installed || { echo "mongo-server: secantusdb $VERSION did not install into $VENV" >&2; exit 1; }
    ;;
  --start)
    port="${2:?usage: mongo-server.sh --start PORT [standalone]}"
    installed || { echo "mongo-server: secantusdb is missing; run: bash scripts/mongo-server.sh --install" >&2; exit 1; }
    flags=()
    [ "${3:-}" = "standalone" ] && flags+=(--standalone)
    log=".cache/secantus-$port.log"
    nohup "$BIN" --host 127.0.0.1 --port "$port" --storage-path :memory: --log-level ERROR "${flags[@]}" >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "$pid"
        exit 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    echo "mongo-server: SecantusDB did not start on 127.0.0.1:$port (see $log)" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
    ;;
  --stop)
    pid="${2:?usage: mongo-server.sh --stop PID}"
    kill "$pid" 2>/dev/null || true
    ;;
  --bin)
    echo "$BIN"
    ;;
  *)
    echo "usage: mongo-server.sh --install | --start PORT [standalone] | --stop PID | --bin" >&2
    exit 2
    ;;
esac
