#!/bin/sh
# Runs every cargo-fuzz target in turn for RUNS executions (default 10 million), at low priority,
# on a scratch copy of the committed seeds (the grown corpus is not kept). Needs the nightly
# toolchain and cargo-fuzz (`cargo install --locked cargo-fuzz`). Not part of CI: CI replays the
# committed seeds and past findings through the same checks (`cargo test fuzzing`). A finding is
# written to $SCRATCH/artifacts/<target>/; copy it to fuzz/regressions/<target>/ with its fix.
#
#   scripts/fuzz.sh [RUNS] [TARGET...]
set -eu
cd "$(dirname "$0")/.."
RUNS="${1:-10000000}"
[ $# -gt 0 ] && shift
TARGETS="${*:-route query semver bundle file_key}"
SCRATCH="${FUZZ_SCRATCH:-$(mktemp -d "${TMPDIR:-/tmp}/hu-fuzz-XXXXXX")}"
for t in $TARGETS; do
  mkdir -p "$SCRATCH/corpus/$t" "$SCRATCH/artifacts/$t"
  echo "== $t: $RUNS runs (log $SCRATCH/$t.log)"
  start=$(date +%s)
  status=0
  nice -n 15 cargo +nightly fuzz run -O "$t" "$SCRATCH/corpus/$t" "fuzz/corpus/$t" -- \
    -runs="$RUNS" -max_len=4096 -print_final_stats=1 -artifact_prefix="$SCRATCH/artifacts/$t/" >"$SCRATCH/$t.log" 2>&1 || status=$?
  grep -E "^(stat::|==[0-9]+== ERROR|SUMMARY|artifact_prefix|Done )" "$SCRATCH/$t.log" || true
  echo "== $t: exit $status after $(( $(date +%s) - start )) s"
done
