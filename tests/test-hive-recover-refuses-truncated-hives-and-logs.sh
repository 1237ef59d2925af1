#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Peer projects' test hives that are no usable primary hive are refused
# (exit 3, no output file) with a message that says what is wrong:
#  - yarp's TruncatedHive: clean base block, file cut inside its hive bins;
#  - a real NTUSER-sized cut: the first 12000 bytes of regipy's SAM;
#  - yarp's TruncatedDirtyHive (dirty, no logs): "truncated", not "offset 0";
#  - a transaction log named as the hive, new format (regipy SYSTEM_B.LOG1,
#    file type 6) and old format (yarp OldDirtyHive.LOG1, file type 1).
# Before, the first two came out "clean" (exit 0) as copies hivex refuses,
# and both logs were accepted as clean hives.
. "$(dirname "$0")/functions.sh"
requires xz
requires jq

mkdir -p "$TMP/out.d"
xz -dc tests/data/dirty-hives/Truncated/TruncatedHive.xz >"$TMP/TruncatedHive"
xz -dc tests/data/dirty-hives/Truncated/TruncatedDirtyHive.xz >"$TMP/TruncatedDirtyHive"
xz -dc tests/data/real-hives/SAM.xz >"$TMP/SAM"
head -c 12000 "$TMP/SAM" >"$TMP/SAMcut"
xz -dc tests/data/real-hives/SYSTEM_B.LOG1.xz >"$TMP/NEWLOG"
xz -dc tests/data/dirty-hives/OldDirtyHive/OldDirtyHive.LOG1.xz >"$TMP/OLDLOG"

refused() {   # refused FILE STATE REGEX WHAT
  expect_exit 3 "$CE_OFFLINE" hive-recover "$TMP/$1" --output "$TMP/out.d/$1" --json
  expect_eq "$(jq -r .state "$TMP/out")" "$2" "$4: state"
  expect_eq "$(jq -r .output "$TMP/out")" null "$4: no output named"
  jq -r .reason "$TMP/out" >"$TMP/reason"
  expect_grep "$3" "$TMP/reason" "$4: reason"
  [ -z "$(ls -A "$TMP/out.d")" ] || fail "$4: something was written"
}
refused TruncatedHive corrupt 'truncated: its base block says 487424 bytes of hive bins' \
  "yarp TruncatedHive"
refused SAMcut corrupt 'truncated: its base block says 20480 bytes of hive bins.*only 7904' \
  "SAM cut at 12000 bytes"
refused TruncatedDirtyHive dirty-unrecoverable 'dirty, has nothing to replay, and the file is truncated' \
  "yarp TruncatedDirtyHive"
! grep -q 'offset 0' "$TMP/reason" || fail "a short file is not a bad bin at offset 0"
refused NEWLOG corrupt 'file type 6: this is a new-format transaction log' "new-format log as hive"
refused OLDLOG corrupt 'file type 1: this is an old-format transaction log' "old-format log as hive"

# The text form says "not a usable hive" on stderr.
expect_exit 3 "$CE_OFFLINE" hive-recover "$TMP/NEWLOG" --output "$TMP/out.d/x"
expect_grep 'not a usable hive: .*transaction log' "$TMP/err" "text refusal"
