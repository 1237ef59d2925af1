#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# removeSourceTools + chkdsk + defrag for azure on win2019-bios-srctools
# (filter lists edited and deleted, 25 services disabled, BootExecute,
# first-boot files): the power is cut after EVERY write N of the job; the
# next run's recovery must leave the whole job old or new (every value and
# file), and a re-run must complete it.  A sample of the cuts is also read
# by tools that share no code with libofflinewin (ntfsls, ntfscat,
# hivexregedit --export; tests/fixtures/torture-snapshot), and a sample of
# cuts through a reordering write cache.
. "$(dirname "$0")/functions.sh"
requires ntfsls
requires ntfscat
requires hivexregedit
TORTURE=$FIXTOOLS/prepare-torture
[ -x "$TORTURE" ] || fail "$TORTURE is missing (make test-progs)"
ram_workdir torture
cp --sparse=always "$(fixture win2019-bios-srctools)" "$work/template.img"
echo '{"type":"prepare","platform":"azure","chkdsk":true,"defrag":true}' >"$TMP/job.json"
"$TORTURE" "$work/template.img" "$work/work.img" "$TMP/job.json" | tee "$TMP/cut.out"
w=$(sed -n 's/^cut points: \([0-9]*\).*/\1/p' "$TMP/cut.out")
[ -n "$w" ] && [ "$w" -ge 100 ] || fail "only ${w:-no} writes: the job does not write what it should"
expect_grep '^cut points: [0-9]+ \(36 changes, 4 files\)' "$TMP/cut.out" "the job is the 36 changes and 4 files"
expect_grep "^cuts 1\\.\\.$w \\($w runs\\): job found old [1-9][0-9]*, new [1-9][0-9]*, mixed 0 after recovery; failures: 0$" \
  "$TMP/cut.out" "every cut point from 1 to $w left the whole job old or new"
snap=$CE_TOP/tests/fixtures/torture-snapshot
"$TORTURE" -e 29 -x "$snap" "$work/template.img" "$work/work.img" "$TMP/job.json" | tee "$TMP/x.out"
expect_grep '^cuts .*mixed 0 after recovery; failures: 0$' "$TMP/x.out" \
  "sampled cuts: old or new as ntfs-3g tools and hivexregedit see it"
"$TORTURE" -m reorder -s 3 -e 17 "$work/template.img" "$work/work.img" "$TMP/job.json" | tee "$TMP/r.out"
expect_grep '^reordered cuts .*mixed 0 after recovery; failures: 0$' "$TMP/r.out" \
  "reordered cuts: the whole job old or new"
