#!/usr/bin/env bash
# The local S3 server the storage tests run against: s3s-fs, a file-system backed S3 server that
# verifies SigV4 signatures (header-signed requests and presigned URLs alike).
#
#   bash scripts/s3-server.sh --install                 install s3s-fs 0.14.1 unless present
#   bash scripts/s3-server.sh --start DIR [PORT]        start it on 127.0.0.1 (default port 8014)
#                                                      with the test credentials; prints its pid
#   bash scripts/s3-server.sh --stop PID                stop a server started with --start
#   bash scripts/s3-server.sh --bin                     print the binary's path
#
# Test credentials (local only): access key `hot-updater-test`, secret key `hot-updater-test-secret`.
set -euo pipefail

VERSION="0.14.1"
ACCESS_KEY="hot-updater-test"
SECRET_KEY="hot-updater-test-secret"
BIN="${S3S_FS_BIN:-${CARGO_HOME:-$HOME/.cargo}/bin/s3s-fs}"

installed() {
  [ -x "$BIN" ] && "$BIN" --version 2>/dev/null | grep -qx "s3s-fs $VERSION"
}

case "${1:-}" in
  --install)
    if installed; then
      echo "s3-server: s3s-fs $VERSION is installed ($BIN)"
      exit 0
    fi
    echo "s3-server: installing s3s-fs $VERSION (cargo install, a few minutes)"
    # The binary is behind the crate's `binary` feature; --locked keeps its tested dependency set.
    cargo install --locked s3s-fs --version "$VERSION" --features binary
    installed || { echo "s3-server: s3s-fs $VERSION not found at $BIN after install" >&2; exit 1; }
    ;;
  --start)
    dir="${2:?usage: s3-server.sh --start DIR [PORT]}"
    port="${3:-8014}"
    installed || { echo "s3-server: s3s-fs $VERSION is missing; run: bash scripts/s3-server.sh --install" >&2; exit 1; }
    mkdir -p "$dir"
    # Quiet unless RUST_LOG asks for more; the log sits beside the data directory.
    RUST_LOG="${RUST_LOG:-error}" nohup "$BIN" --host 127.0.0.1 --port "$port" \
      --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" "$dir" >"$dir.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "$pid"
        exit 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    echo "s3-server: s3s-fs did not start on 127.0.0.1:$port (see $dir.log)" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
    ;;
  --stop)
    pid="${2:?usage: s3-server.sh --stop PID}"
    kill "$pid" 2>/dev/null || true
    ;;
  --bin)
    echo "$BIN"
    ;;
  *)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
