#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Power cuts through a reordering write cache, on a full prepare (three
# hives swapped, four first-boot/GPO files created): at each sampled cut
# (every 5th write) the faulty disk keeps a seeded random subset of the
# writes since the last flush (ow_disk_open_faulty_reorder).  After the
# next run's recovery the whole job must be old or new, and the re-run must
# complete it.  Without a flush between libntfs-3g's dependent writes a
# cut cross-links clusters ($Secure's index block overwritten by a hive).
. "$(dirname "$0")/functions.sh"
. tests/torture-functions.sh
torture_setup
for seed in 1 2; do
  "$TORTURE" -m reorder -s $seed -e 5 "$work/template.img" "$work/work.img" "$TMP/job.json" \
    | tee "$TMP/out.$seed"
  expect_grep '^reordered cuts 1\.\.[0-9]+ \([0-9]+ runs\): .*mixed 0 after recovery; failures: 0$' \
    "$TMP/out.$seed" "seed $seed: every sampled reordered cut left the whole job old or new"
done
