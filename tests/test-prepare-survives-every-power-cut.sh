#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Fault injection on a real prepare job (every operation that writes: three
# hives swapped, first-boot runner files created): the job is run once to
# count its disk writes W, then for EVERY N from 1 to W the power is cut
# after N writes; the image is reopened, the recovery a later run starts
# with is done, and the WHOLE job must be old or new: every value in every
# edited hive and every file the job writes (content compared), all old or
# all new (job journal, docs/crash-safety.md "The job"); then the job is
# re-run to completion and every change must be there.
. "$(dirname "$0")/functions.sh"
. tests/torture-functions.sh
torture_setup
"$TORTURE" "$work/template.img" "$work/work.img" "$TMP/job.json" | tee "$TMP/torture.out"
expect_grep '^cut points: [0-9]+ ' "$TMP/torture.out" "the number of cut points is reported"
w=$(sed -n 's/^cut points: \([0-9]*\).*/\1/p' "$TMP/torture.out")
[ "$w" -ge 100 ] || fail "only $w writes: the job is not writing what a prepare writes"
expect_grep "^cuts 1\\.\\.$w \\($w runs\\): .*mixed 0 .*failures: 0$" "$TMP/torture.out" \
  "every cut point from 1 to $w left the whole job old or new"
