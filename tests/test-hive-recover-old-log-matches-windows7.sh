#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A dirty hive with an old-format log (DIRT dirty vector, Windows XP-8)
# replayed by ce-offline hive-recover equals the hive Windows 7 recovered,
# in a full sorted dump of every key and value read through hivex.
. "$(dirname "$0")/functions.sh"
requires hivexregedit
requires hivexsh
requires xz

src=tests/data/dirty-hives/OldDirtyHive
d=$TMP/config
mkdir -p "$d"
xz -dc "$src/OldDirtyHive.xz" >"$d/OldDirtyHive"
xz -dc "$src/OldDirtyHive.LOG1.xz" >"$d/OldDirtyHive.LOG1"
xz -dc "$src/OldDirtyHive.LOG2.xz" >"$d/OldDirtyHive.LOG2"   # empty, as Windows leaves it
xz -dc "$src/RecoveredHive_Windows7.xz" >"$TMP/windows7"
cp "$d/OldDirtyHive" "$TMP/primary.orig"

expect_exit 0 "$CE_OFFLINE" hive-recover "$d/OldDirtyHive" --output "$TMP/recovered"
cat "$TMP/out"
expect_grep '^state: dirty-recoverable$' "$TMP/out" "state"
expect_grep '^log format: old$' "$TMP/out" "log format"
expect_grep '^entries applied: 1$' "$TMP/out" "entries applied"

tests/hive-dump.sh "$d/OldDirtyHive" "$TMP/primary.dump"
tests/hive-dump.sh "$TMP/windows7" "$TMP/windows7.dump"
tests/hive-dump.sh "$TMP/recovered" "$TMP/recovered.dump"
! cmp -s "$TMP/primary.dump" "$TMP/windows7.dump" || fail "primary already equals the reference"
diff -u "$TMP/windows7.dump" "$TMP/recovered.dump" || fail "recovered hive differs from Windows 7's"
echo "ok: dump equals Windows 7's recovery ($(wc -l <"$TMP/recovered.dump") lines)"

# Base block: sequence numbers equal, checksum right (hivex checks it).
seq1=$(od -An -tu4 -j4 -N4 "$TMP/recovered" | tr -d ' ')
seq2=$(od -An -tu4 -j8 -N4 "$TMP/recovered" | tr -d ' ')
expect_eq "$seq1" "$seq2" "seq1 == seq2"
printf 'ls\n' | hivexsh "$TMP/recovered" >/dev/null || fail "hivexsh cannot open the output"
echo "ok: hivexsh opens the output"
cmp "$d/OldDirtyHive" "$TMP/primary.orig" || fail "primary was modified"
