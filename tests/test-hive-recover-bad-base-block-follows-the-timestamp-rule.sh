#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# yarp's BadBaseBlockHive: the primary's base block has a wrong checksum and
# its only log (.LOG1, old format) has a last-written timestamp that differs
# from the first hive bin's.  The regf specification (msuhanov/regf,
# "Transaction log files", old format, base block note 3) lets a log apply
# to a hive with a damaged base block only when its timestamp EQUALS the
# first hive bin's; yarp applies any log that is not older.  We follow the
# specification: refused (exit 3, nothing written).  With the first bin's
# timestamp set to the log's, the same files recover (base block taken from
# the log), and hivex reads the key yarp's own test looks for.
. "$(dirname "$0")/functions.sh"
requires xz
requires jq
requires hivexsh

src=tests/data/dirty-hives/BadBaseBlockHive
d=$TMP/h
mkdir -p "$d"
for f in BadBaseBlockHive BadBaseBlockHive.LOG1 BadBaseBlockHive.LOG2; do
  xz -dc "$src/$f.xz" >"$d/$f"
done

expect_exit 3 "$CE_OFFLINE" hive-recover "$d/BadBaseBlockHive" --output "$TMP/out.hive" --json
expect_eq "$(jq -r .state "$TMP/out")" dirty-unrecoverable "state"
expect_grep 'timestamps differ' <(jq -r .reason "$TMP/out") "reason names the timestamp rule"
[ ! -e "$TMP/out.hive" ] || fail "output written"

# Give the first hive bin (file offset 4096 + 20) the log's timestamp
# (log offset 12): now the log applies.
dd if="$d/BadBaseBlockHive.LOG1" bs=1 skip=12 count=8 status=none |
  dd of="$d/BadBaseBlockHive" bs=1 seek=$((4096 + 20)) conv=notrunc status=none
expect_exit 0 "$CE_OFFLINE" hive-recover "$d/BadBaseBlockHive" --output "$TMP/out.hive" --json
expect_eq "$(jq -r .state "$TMP/out")" dirty-recoverable "matching timestamp: state"
expect_eq "$(jq -r .logFormat "$TMP/out")" old "matching timestamp: log format"
expect_grep 'base block is damaged; restored from .*LOG1' <(jq -r .reason "$TMP/out") \
  "base block restored from the log"
hivexsh "$TMP/out.hive" <<<'ls' >"$TMP/keys"
expect_grep '^key_with_many_subkeys$' "$TMP/keys" "hivex reads the recovered hive"
