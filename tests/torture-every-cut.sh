#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `make torture`: the full sweep behind the sampled tests
# (test-prepare-survives-every-power-cut, -reordered-power-cuts,
# -job-all-or-nothing-seen-by-ntfs-3g-tools).  A full prepare (three hives,
# four first-boot/GPO files) is cut at EVERY write N, in order and through
# a reordering cache (seeds 1 and 2), and fails at only write N (once); after each cut the next run's
# recovery must leave the whole job old or new as libofflinewin, ntfsls,
# ntfscat and hivexregedit see it, and a re-run must complete it.  Prints
# each summary and the time taken; exit 1 on any failure.
. "$(dirname "$0")/functions.sh"
requires ntfsls
requires ntfscat
requires hivexregedit
. tests/torture-functions.sh
torture_setup
snap=$CE_TOP/tests/fixtures/torture-snapshot
status=0
sweep() {  # LABEL ARGS...
  local label=$1 t0 t1
  shift
  t0=$(date +%s)
  "$TORTURE" "$@" -x "$snap" "$work/template.img" "$work/work.img" "$TMP/job.json" \
    >"$TMP/out" 2>"$TMP/err" || status=1
  t1=$(date +%s)
  tail -n 20 "$TMP/err" >&2
  echo "$label: $(tail -n 1 "$TMP/out") [$((t1 - t0)) s, $(head -n 1 "$TMP/out")]"
}
sweep "in order" -m cut
sweep "reordered, seed 1" -m reorder -s 1
sweep "reordered, seed 2" -m reorder -s 2
sweep "one failed write" -m once
exit $status
