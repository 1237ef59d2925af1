#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A clean hive (SAM, sequence 96/96) comes out byte-identical, with 0
# entries applied and exit 0.
. "$(dirname "$0")/functions.sh"
requires xz
requires jq

xz -dc tests/data/real-hives/SAM.xz >"$TMP/SAM"
expect_exit 0 "$CE_OFFLINE" hive-recover "$TMP/SAM" --output "$TMP/SAM.out" --json
cat "$TMP/out"
expect_eq "$(jq -r .state "$TMP/out")" clean "state"
expect_eq "$(jq -r .entriesApplied "$TMP/out")" 0 "entries applied"
expect_eq "$(jq -r .sequence "$TMP/out")" 96 "sequence"
cmp "$TMP/SAM" "$TMP/SAM.out" || fail "clean hive changed"
echo "ok: byte-identical"
# An existing output file is kept (exit 1, like export) unless --overwrite
# is given; then it is replaced atomically.
echo junk >"$TMP/SAM.out2"
expect_exit 1 "$CE_OFFLINE" hive-recover "$TMP/SAM" --output "$TMP/SAM.out2"
expect_grep 'overwrite' "$TMP/err" "refusal names --overwrite"
expect_eq "$(cat "$TMP/SAM.out2")" junk "existing output untouched"
expect_exit 0 "$CE_OFFLINE" hive-recover "$TMP/SAM" --output "$TMP/SAM.out2" --overwrite
cmp "$TMP/SAM" "$TMP/SAM.out2" || fail "existing output not replaced with --overwrite"
expect_grep '^entries applied: 0$' "$TMP/out" "text output"
