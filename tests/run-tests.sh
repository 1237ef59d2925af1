#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Tiny test harness: runs every unit test binary and every tests/test-*.sh,
# one log per test under $CE_BUILD/test-logs/, PASS / FAIL / SKIP (exit 77)
# per test, and the final line "N passed, N failed, N skipped".
# Usage: tests/run-tests.sh [PATTERN]   (PATTERN filters test names)
set -u
cd "$(dirname "$0")/.."
export CE_BUILD=${CE_BUILD:-build/asan}
export CE_TOP=$PWD
logdir=$CE_BUILD/test-logs
mkdir -p "$logdir"
pattern=${1:-}
# ASan: leaks are errors too; UBSan already aborts (built with no-recover).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:exitcode=98}

pass=0 fail=0 skip=0 failed_names=""
run_one() {
  local name=$1; shift
  [ -n "$pattern" ] && [[ $name != *$pattern* ]] && return
  local log=$logdir/$name.log start end rc
  mkdir -p "$(dirname "$log")"
  start=$(date +%s.%N)
  "$@" >"$log" 2>&1 </dev/null
  rc=$?
  end=$(date +%s.%N)
  local t
  t=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')
  case $rc in
    0)  pass=$((pass+1)); printf 'PASS: %s (%ss)\n' "$name" "$t" ;;
    77) skip=$((skip+1)); printf 'SKIP: %s: %s\n' "$name" "$(tail -n1 "$log")" ;;
    *)  fail=$((fail+1)); failed_names="$failed_names $name"
        printf 'FAIL: %s (exit %d, log %s)\n' "$name" "$rc" "$log"
        tail -n 15 "$log" | sed 's/^/    | /' ;;
  esac
}

for t in "$CE_BUILD"/tests/unit/test-*; do
  [ -x "$t" ] || continue
  run_one "unit/$(basename "$t")" "$t"
done
for t in tests/test-*.sh; do
  [ -f "$t" ] || continue
  run_one "$(basename "$t" .sh)" bash "$t"
done

[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
