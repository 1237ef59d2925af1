#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# After an uninterrupted swap (libofflinewin), read the result back with
# tools that share nothing with our write path: ntfscat + hivexget for the
# marker values of the new SYSTEM and SOFTWARE, ntfsls for leftovers,
# ntfscat for the zeroed logs and the new files, ntfssecaudit for the
# protected files' security descriptor.
. "$(dirname "$0")/functions.sh"
requires ntfscat
requires ntfsls
requires ntfssecaudit
requires hivexget
requires jq
TORTURE=$FIXTOOLS/swap-torture
[ -x "$TORTURE" ] || fail "$TORTURE is missing (make test-progs)"

img=$(fixture_copy win10-uefi)
facts=$(fixture win10-uefi).facts.json
start=$(jq '.layout.partitions[] | select(.role == "windows") | .start' "$facts")
size=$(jq '.layout.partitions[] | select(.role == "windows") | .size' "$facts")
"$TORTURE" setup "$img"
"$TORTURE" run "$img" >"$TMP/run.out"
expect_grep '^writes: [0-9]+$' "$TMP/run.out" "the sequence ran"

part=$TMP/part.img
dd if="$img" of="$part" bs=1M skip=$((start / 1048576)) count=$((size / 1048576)) \
   conv=sparse status=none
cfg=/Windows/System32/config
ntfscat "$part" $cfg/SYSTEM >"$TMP/SYSTEM"
ntfscat "$part" $cfg/SOFTWARE >"$TMP/SOFTWARE"
expect_eq "$(hivexget "$TMP/SYSTEM" '\' CeTortureMarker)" new-0 "SYSTEM marker (hivexget)"
expect_eq "$(hivexget "$TMP/SOFTWARE" '\' CeTortureMarker)" new-1 "SOFTWARE marker (hivexget)"
# The rest of the hive is untouched: the control set is still there.
hivexget "$TMP/SYSTEM" '\Select' Current >/dev/null || fail "SYSTEM lost Select\\Current"

ntfsls -p $cfg "$part" >"$TMP/ls"
if grep -q '\.ce-' "$TMP/ls"; then cat "$TMP/ls"; fail "swap names left in $cfg"; fi
echo "ok: no .ce-* names in $cfg"
for log in SYSTEM.LOG1 SYSTEM.LOG2 SOFTWARE.LOG1 software.log2; do
  ntfscat "$part" "$cfg/$log" >"$TMP/log"
  n=$(stat -c %s "$TMP/log")
  [ "$n" -gt 0 ] || fail "$log is empty: it should keep its size"
  cmp -s "$TMP/log" <(head -c "$n" /dev/zero) || fail "$log still holds data"
  echo "ok: $log is $n zero bytes"
done

ntfscat "$part" /ProgramData/CeTorture/runner.cmd >"$TMP/runner"
printf '@echo off\r\nrem written by swap-torture\r\nexit /b 0\r\n' | cmp - "$TMP/runner" \
  || fail "runner.cmd content"
echo "ok: runner.cmd content"
expect_eq "$(ntfscat "$part" /ProgramData/CeTorture/Payload.bin | wc -c)" 307200 "Payload.bin size"
for f in /ProgramData/CeTorture/runner.cmd /ProgramData/CeTorture/Payload.bin /ProgramData/CeTorture; do
  ntfssecaudit -v "$part" "$f" >"$TMP/sec" 2>&1 || true
  expect_grep 'Windows owner S-1-5-32-544' "$TMP/sec" "$f: owner Administrators"
  # Header: revision 1, control 0x9004 (self-relative, DACL protected, DACL
  # present); then SYSTEM and Administrators 0x1F01FF, Users 0x1200A9.
  expect_grep '000000  01000490 ' "$TMP/sec" "$f: DACL present and protected"
  expect_grep 'ff011f00 01010000 00000005 12000000' "$TMP/sec" "$f: SYSTEM full control"
  expect_grep 'a9001200' "$TMP/sec" "$f: Users read and execute"
done
