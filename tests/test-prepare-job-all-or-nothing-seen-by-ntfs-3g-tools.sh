#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A prepare job is applied whole or not at all (docs/crash-safety.md, "The
# job"), checked by readers that share no code with libofflinewin: for a
# sample of cut points (every 40th write of a full prepare: three hives
# swapped, four first-boot/GPO files created), the power is cut, a later
# run's recovery is done, and ntfsls -R (every name on the volume), ntfscat
# (the job's files, the hives' logs) and hivexregedit --export (SYSTEM,
# SOFTWARE, SECURITY) must see exactly the untouched image or exactly the
# completed one.  The same after a power cut through a reordering write
# cache (a seeded random subset of the unflushed writes kept).  The full
# every-cut sweep is `make torture` (docs/crash-safety.md has its figures).
. "$(dirname "$0")/functions.sh"
requires ntfsls
requires ntfscat
requires hivexregedit
. tests/torture-functions.sh
torture_setup
snap=$CE_TOP/tests/fixtures/torture-snapshot
"$TORTURE" -e 40 -x "$snap" "$work/template.img" "$work/work.img" "$TMP/job.json" \
  | tee "$TMP/cut.out"
expect_grep '^cuts 1\.\.[0-9]+ \([0-9]+ runs\): job found old [1-9][0-9]*, new [0-9]+, mixed 0 after recovery; failures: 0$' \
  "$TMP/cut.out" "in-order cuts: the whole job old or new, as ntfs-3g tools and hivexregedit see it"
"$TORTURE" -m reorder -s 7 -e 23 -x "$snap" "$work/template.img" "$work/work.img" "$TMP/job.json" \
  | tee "$TMP/reorder.out"
expect_grep '^reordered cuts 1\.\.[0-9]+ \([0-9]+ runs\): .*mixed 0 after recovery; failures: 0$' \
  "$TMP/reorder.out" "reordered cuts: the whole job old or new, as ntfs-3g tools and hivexregedit see it"
# A second job on the prepared image replaces a first-boot file
# (steps.json) and deletes one (pagefile.sys): the originals are kept as
# <PATH>.ce-backup until the commit and must come back on a rollback.
cp --sparse=always "$work/template.img" "$work/prepared.img"
expect_exit 0 "$CE_OFFLINE" prepare "$work/prepared.img" --job "$TMP/job.json"
cat > "$TMP/job2.json" <<'EOF_JOB'
{"type":"prepare","platform":"aws","missingDrivers":"warn","provisioningType":"Mcs","pagefile":"temp-disk",
 "xdReconfigure":[{"ParameterName":"controllers","ParameterValue":"ddc7.corp.example.com"},
                  {"ParameterName":"enable_hdx_ports","ParameterValue":"true"},
                  {"ParameterName":"portnumber","ParameterValue":"8080"}],
 "enableRdp":false}
EOF_JOB
"$CE_OFFLINE" prepare "$work/prepared.img" --job "$TMP/job2.json" --dry-run --json >"$TMP/plan2.json"
expect_grep '"kind": *"file-replace"' "$TMP/plan2.json" "the second job replaces a file"
expect_grep '"kind": *"file-delete"' "$TMP/plan2.json" "the second job deletes a file"
for mode in "-m cut" "-m reorder -s 3"; do
  # shellcheck disable=SC2086
  "$TORTURE" $mode -e 25 -x "$snap" "$work/prepared.img" "$work/work.img" "$TMP/job2.json" \
    | tee "$TMP/job2.out"
  expect_grep ' \([0-9]+ runs\): job found old [1-9][0-9]*, new [0-9]+, mixed 0 after recovery; failures: 0$' \
    "$TMP/job2.out" "replace/delete job ($mode): the whole job old or new, as ntfs-3g tools see it"
done
