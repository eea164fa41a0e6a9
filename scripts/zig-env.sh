#!/usr/bin/env bash
# Installs the zig toolchain the release build links with (ziglang + cargo-zigbuild from PyPI,
# pinned) into a project-local virtualenv, once; prints the venv's bin directory.
#   bash scripts/zig-env.sh            install unless present, print the bin directory
set -euo pipefail
cd "$(dirname "$0")/.."

ZIGLANG_VERSION="0.15.2"
ZIGBUILD_VERSION="0.24.1"
VENV="${HOT_UPDATER_ZIG_VENV:-$PWD/.cache/zig-venv}"
STAMP="$VENV/.installed-$ZIGLANG_VERSION-$ZIGBUILD_VERSION"

if [ ! -f "$STAMP" ]; then
  echo "zig-env: installing ziglang $ZIGLANG_VERSION and cargo-zigbuild $ZIGBUILD_VERSION into $VENV" >&2
  command -v python3 >/dev/null || {
    echo "zig-env: python3 is needed to fetch zig from PyPI (or build without zig: HOT_UPDATER_NO_ZIG=1 npm run build, a binary for this machine's glibc only)" >&2
    exit 1
  }
  rm -rf "$VENV"
  python3 -m venv "$VENV" >&2 || {
    echo "zig-env: python3 -m venv failed; on Debian/Ubuntu: apt-get install python3-venv" >&2
    rm -rf "$VENV"
    exit 1
  }
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$ZIGBUILD_VERSION" >&2
  # cargo-zigbuild finds zig on PATH; the ziglang wheel ships it inside the package.
  zig_bin="$("$VENV/bin/python" -c 'import ziglang, os; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')"
  ln -sf "$zig_bin" "$VENV/bin/zig"
  "$VENV/bin/zig" version >/dev/null
  "$VENV/bin/cargo-zigbuild" --version >/dev/null
  touch "$STAMP"
fi
echo "$VENV/bin"
