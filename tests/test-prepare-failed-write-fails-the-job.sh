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
"$TORTURE" -m once -e 3 "$work/template.img" "$work/work.img" "$TMP/job.json" | tee "$TMP/out"
expect_grep '^failed writes 1\.\.[0-9]+ \([0-9]+ runs\): .*mixed 0 after recovery; failures: 0$' \
  "$TMP/out" "every sampled failed write failed the job and left it old or new"
