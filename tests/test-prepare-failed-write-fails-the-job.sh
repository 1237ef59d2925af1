#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One failed write (a transient I/O error: only write N fails, the next ones
# succeed) during a full prepare, for every 3rd N: the job must fail —
# never report success over a write libntfs-3g ignored (it drops the error
# of an index block written back when its context is released) — and
# after the next run's recovery the whole job must be old or new, and a
# re-run must complete it.  Before the disk layer remembered failed writes
# one such error (N=190 of 197) ended as a complete job.
. "$(dirname "$0")/functions.sh"
. tests/torture-functions.sh
torture_setup
"$TORTURE" -m once -e 3 "$work/template.img" "$work/work.img" "$TMP/job.json" | tee "$TMP/out"
expect_grep '^failed writes 1\.\.[0-9]+ \([0-9]+ runs\): .*mixed 0 after recovery; failures: 0$' \
  "$TMP/out" "every sampled failed write failed the job and left it old or new"
