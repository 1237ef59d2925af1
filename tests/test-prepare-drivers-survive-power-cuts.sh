#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Power cuts during a prepare job that writes target drivers (boot .sys
# files, service keys and DriverDatabase entries in SYSTEM, staged
# packages, the first-boot runner): for a sample of cut points N (every
# STEP-th write; DRIVERS_TORTURE_STEP=1 for all of them) the job's disk is
# cut after N writes, a later run's recovery is done, and the WHOLE job
# must be old or new (every value in every hive, every file); then the
# job is re-run to completion.  tests/fixtures/prepare-torture.
. "$(dirname "$0")/functions.sh"
. tests/torture-functions.sh
. tests/prepare-functions.sh
. tests/drivers-functions.sh
requires jq
torture_setup
drv_package "$TMP/pkg"
drv_choices "$TMP/choices.json" "$TMP/pkg"
echo '{"type":"prepare","enableRdp":true}' >"$TMP/job.json"
step=${DRIVERS_TORTURE_STEP:-7}
"$TORTURE" -e "$step" -c "$TMP/choices.json" "$work/template.img" "$work/work.img" "$TMP/job.json" \
  | tee "$TMP/torture.out"
expect_grep '^cut points: [0-9]+ ' "$TMP/torture.out" "the number of cut points is reported"
w=$(sed -n 's/^cut points: \([0-9]*\).*/\1/p' "$TMP/torture.out")
expect_grep "^cuts 1\\.\\.$w .*mixed 0 .*failures: 0$" "$TMP/torture.out" \
  "every sampled cut point left the whole job old or new"
