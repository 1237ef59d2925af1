#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A dirty hive whose only log is invalid (BadLogHive1: the log's base block
# checksum is wrong) is refused with exit 3, an explanation, and no output
# file (not even a temporary one).
. "$(dirname "$0")/functions.sh"
requires xz
requires jq

src=tests/data/dirty-hives/BadLogHive1
d=$TMP/config
mkdir -p "$d" "$TMP/outdir"
xz -dc "$src/BadLogHive.xz" >"$d/BadLogHive"
xz -dc "$src/BadLogHive.LOG1.xz" >"$d/BadLogHive.LOG1"
xz -dc "$src/BadLogHive.LOG2.xz" >"$d/BadLogHive.LOG2"

expect_exit 3 "$CE_OFFLINE" hive-recover "$d/BadLogHive" --output "$TMP/outdir/recovered"
cat "$TMP/err"
expect_grep 'cannot recover' "$TMP/err" "says it cannot recover"
expect_grep 'BadLogHive.LOG1: its base block has a bad checksum' "$TMP/err" "names the bad log"
[ ! -e "$TMP/outdir/recovered" ] || fail "output file was created"
[ -z "$(ls -A "$TMP/outdir")" ] || fail "something was left in the output directory"
echo "ok: no output file"

expect_exit 3 "$CE_OFFLINE" hive-recover "$d/BadLogHive" --output "$TMP/outdir/recovered" --json
expect_eq "$(jq -r .state "$TMP/out")" dirty-unrecoverable "JSON state"
expect_eq "$(jq -r .output "$TMP/out")" null "JSON output"
[ ! -e "$TMP/outdir/recovered" ] || fail "output file was created (--json)"

# Contrast: with the bad log gone and only the empty .LOG2 left there is
# nothing to replay; that is reported as such, not refused.
rm "$d/BadLogHive.LOG1"
expect_exit 0 "$CE_OFFLINE" hive-recover "$d/BadLogHive" --output "$TMP/outdir/recovered"
expect_grep '^state: dirty-no-logs$' "$TMP/out" "no usable log: dirty-no-logs"
