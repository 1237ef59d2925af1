#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Read errors during a real prepare (the faulty disk backend: reads of MFT
# records of the registry and ProgramData fail with EIO once writing has
# started, chosen per seed): a failed run fails as an I/O failure (exit 1)
# and deletes nothing; the next healthy run either completes with every
# hive present or refuses -- never exits 0 on an image with a hive missing.
# A sample of seeds; tests/prepare-read-faults-sweep.sh runs many.
. "$(dirname "$0")/functions.sh"
TOOL=$FIXTOOLS/prepare-read-faults
[ -x "$TOOL" ] || fail "$TOOL is missing (make test-progs)"
ram_workdir readfaults
cp --sparse=always "$(fixture win2022-bios-vda)" "$work/template.img"
# Edits SYSTEM, SOFTWARE and SECURITY (domainUnjoin) and writes first-boot
# files under ProgramData.
cat > "$TMP/job.json" <<'EOF_JOB'
{"type":"prepare","platform":"azure","provisioningType":"Mcs","pagefile":"system",
 "domainUnjoin":true,"enableRdp":true}
EOF_JOB
seeds=${CE_READ_FAULT_SEEDS:-"1 2 3 4 5 6 7 8"}
# shellcheck disable=SC2086
"$TOOL" "$work/template.img" "$work/work.img" "$TMP/job.json" $seeds | tee "$TMP/out"
n=$(wc -w <<<"$seeds")
expect_grep "^seeds $n: .*failures: 0$" "$TMP/out" "every seed: nothing deleted, no success with a hive missing"
# The faults must have been hit, or the test proves nothing.
failed=$(sed -n 's/^seeds [0-9]*: faulty runs failed \([0-9]*\),.*/\1/p' "$TMP/out")
[ "$failed" -ge $((n / 2)) ] || fail "only $failed of $n faulty runs failed: the faults are not hit"
