#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A power cut leaves SYSTEM.ce-new (complete new hive) pending; recovery
# with EIO on the reads of its MFT record, then of its data, fails as an
# I/O failure and keeps it (an I/O error is never taken for our own torn
# entry or an invalid hive); a healthy recovery then finishes the swap.
# The job's journal is removed after the cut (the tool says why): with it,
# the uncommitted job is rolled back as a whole instead.
. "$(dirname "$0")/functions.sh"
TOOL=$FIXTOOLS/swap-recover-read-faults
[ -x "$TOOL" ] || fail "$TOOL is missing (make test-progs)"
ram_workdir swapread
cp --sparse=always "$(fixture win2022-bios-vda)" "$work/template.img"
echo '{"type":"prepare","domainUnjoin":true,"enableRdp":true}' > "$TMP/job.json"
"$TOOL" "$work/template.img" "$work/work.img" "$TMP/job.json" | tee "$TMP/out"
expect_grep '^power cut after write [0-9]+: SYSTEM.ce-new pending$' "$TMP/out" "the pending state was reached"
expect_grep '^reads of the MFT record .*recovery failed: ' "$TMP/out" "record read error: recovery fails"
expect_grep '^reads of the data .*recovery failed: ' "$TMP/out" "data read error: recovery fails"
expect_grep '^healthy recovery: the swap was finished$' "$TMP/out" "healthy recovery rolls forward"
expect_grep '^failures: 0$' "$TMP/out" "SYSTEM.ce-new kept every time"
