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
TORTURE=$FIXTOOLS/prepare-torture
[ -x "$TORTURE" ] || fail "$TORTURE is missing (make test-progs)"
work=$TMP
[ -w /dev/shm ] && work=$(mktemp -d /dev/shm/ce-torture.XXXXXX) && on_exit "rm -rf $work"
img=$(fixture win2022-bios-vda)
cp --sparse=always "$img" "$work/template.img"
cat > "$TMP/job.json" <<'EOF_JOB'
{"type":"prepare","platform":"azure","provisioningType":"Mcs","pagefile":"system",
 "xdReconfigure":[{"ParameterName":"controllers","ParameterValue":"ddc9.corp.example.com"},
                  {"ParameterName":"enable_hdx_ports","ParameterValue":"true"}],
 "domainUnjoin":true,"enableRdp":true}
EOF_JOB
for seed in 1 2; do
  "$TORTURE" -m reorder -s $seed -e 5 "$work/template.img" "$work/work.img" "$TMP/job.json" \
    | tee "$TMP/out.$seed"
  expect_grep '^reordered cuts 1\.\.[0-9]+ \([0-9]+ runs\): .*mixed 0 after recovery; failures: 0$' \
    "$TMP/out.$seed" "seed $seed: every sampled reordered cut left the whole job old or new"
done
