#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A dirty hive with new-format logs (HvLE, .LOG1 + .LOG2) replayed by
# ce-offline hive-recover equals the hive Windows 10 itself recovered, in a
# full sorted dump of every key and value read through hivex; the hive and
# its logs are left untouched; log names are matched case-insensitively.
. "$(dirname "$0")/functions.sh"
requires hivexregedit
requires hivexsh
requires xz
requires jq

src=tests/data/dirty-hives/NewDirtyHive1
d=$TMP/config
mkdir -p "$d"
xz -dc "$src/NewDirtyHive.xz" >"$d/NewDirtyHive"
xz -dc "$src/NewDirtyHive.LOG1.xz" >"$d/NewDirtyHive.LOG1"
xz -dc "$src/NewDirtyHive.LOG2.xz" >"$d/newdirtyhive.log2"   # NTFS names are case-insensitive
xz -dc "$src/RecoveredHive_Windows10.xz" >"$TMP/windows10"
(cd "$d" && md5sum NewDirtyHive NewDirtyHive.LOG1 newdirtyhive.log2) >"$TMP/before.md5"

expect_exit 0 "$CE_OFFLINE" hive-recover "$d/NewDirtyHive" --output "$TMP/recovered" --json
cat "$TMP/out"
expect_eq "$(jq -r .state "$TMP/out")" dirty-recoverable "state"
expect_eq "$(jq -r .logFormat "$TMP/out")" new "log format"
expect_eq "$(jq -r .entriesApplied "$TMP/out")" 4 "entries applied"
expect_eq "$(jq -r .sequence "$TMP/out")" 6 "sequence after replay"
expect_eq "$(jq -r .output "$TMP/out")" "$TMP/recovered" "output"
expect_eq "$(jq -r '.logs | length' "$TMP/out")" 2 "logs found"

# The comparison can fail: the stale primary differs from Windows' result.
tests/hive-dump.sh "$d/NewDirtyHive" "$TMP/primary.dump"
tests/hive-dump.sh "$TMP/windows10" "$TMP/windows10.dump"
tests/hive-dump.sh "$TMP/recovered" "$TMP/recovered.dump"
! cmp -s "$TMP/primary.dump" "$TMP/windows10.dump" || fail "primary already equals the reference"
echo "primary differs from Windows' recovery in $(diff "$TMP/primary.dump" "$TMP/windows10.dump" | grep -c '^[<>]') lines"
diff -u "$TMP/windows10.dump" "$TMP/recovered.dump" || fail "recovered hive differs from Windows 10's"
echo "ok: dump equals Windows 10's recovery ($(wc -l <"$TMP/recovered.dump") lines)"
# For this hive the replay is exact to the byte.
cmp "$TMP/windows10" "$TMP/recovered" || fail "not byte-identical to Windows 10's recovery"
echo "ok: byte-identical to RecoveredHive_Windows10"

printf 'ls\n' | hivexsh "$TMP/recovered" >"$TMP/ls" 2>"$TMP/hivexsh.err" || { cat "$TMP/hivexsh.err"; fail "hivexsh cannot open the output"; }
[ ! -s "$TMP/hivexsh.err" ] || { cat "$TMP/hivexsh.err"; fail "hivexsh complained"; }
echo "ok: hivexsh opens the output"

(cd "$d" && md5sum -c --quiet "$TMP/before.md5") || fail "hive or logs were modified"
echo "ok: hive and logs untouched"
[ -z "$(find "$TMP" -maxdepth 1 -name 'recovered.tmp*')" ] || fail "temporary file left behind"
