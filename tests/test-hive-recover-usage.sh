#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# ce-offline hive-recover: usage errors exit 2, I/O failures exit 1, a file
# that is no hive exits 3 (like a hive that cannot be recovered), --help
# documents every option, and the output may never be the hive or a log.
. "$(dirname "$0")/functions.sh"
requires xz

xz -dc tests/data/real-hives/SAM.xz >"$TMP/SAM"
: >"$TMP/SAM.LOG1"

expect_exit 0 "$CE_OFFLINE" hive-recover --help
for opt in --output --json --verbose --help; do
  expect_grep "$opt" "$TMP/out" "--help documents $opt"
done
expect_exit 2 "$CE_OFFLINE" hive-recover
expect_exit 2 "$CE_OFFLINE" hive-recover "$TMP/SAM"
expect_exit 2 "$CE_OFFLINE" hive-recover "$TMP/SAM" "$TMP/SAM" --output "$TMP/x"
expect_exit 2 "$CE_OFFLINE" hive-recover "$TMP/SAM" --output "$TMP/x" --bogus
expect_exit 2 "$CE_OFFLINE" hive-recover "$TMP/SAM" --output "$TMP/SAM"
expect_exit 2 "$CE_OFFLINE" hive-recover "$TMP/SAM" --output "$TMP/SAM.LOG1"
[ ! -s "$TMP/SAM.LOG1" ] || fail "log overwritten"
expect_exit 1 "$CE_OFFLINE" hive-recover "$TMP/nonexistent" --output "$TMP/x"
expect_exit 1 "$CE_OFFLINE" hive-recover "$TMP/SAM" --output "$TMP/no/such/dir/x"
expect_grep 'ce-offline' "$TMP/err" "I/O error is reported"
# Not a hive at all: refused like an unrecoverable hive (exit 3; exit 1 is
# for I/O), nothing written.
head -c 8192 /dev/zero >"$TMP/zeros"
expect_exit 3 "$CE_OFFLINE" hive-recover "$TMP/zeros" --output "$TMP/x"
expect_grep 'not a registry hive' "$TMP/err" "says it is not a hive"
[ ! -e "$TMP/x" ] || fail "output written for a non-hive"
