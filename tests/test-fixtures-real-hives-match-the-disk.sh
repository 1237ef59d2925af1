#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# realhive-bios and dirty-hive-logs carry the real regipy hives unchanged,
# on disks laid out so that each hive's MountedDevices entry for C: names
# the Windows partition.
. tests/functions.sh
. tests/fixtures/checks.sh
check_fixture_requires
requires xz

RH=$CE_TOP/tests/data/real-hives

# realhive-bios: MBR signature ae 46 45 df, Windows at 0x1F500000
img=$(fixture realhive-bios)
expect_eq "$(hexbytes "$img" 440 4)" "ae 46 45 df" "disk signature bytes"
expect_eq "$(sfdisk --json "$img" | jq '.partitiontable.partitions[1].start * 512')" $((0x1F500000)) \
  "Windows partition offset"
part_extract "$img" 2 "$TMP/w.img"
for h in SYSTEM SECURITY SAM; do
  src=$h
  [ $h = SYSTEM ] && src=SYSTEM_WIN_10_1709
  ntfs_get "$TMP/w.img" "/Windows/System32/config/$h" "$TMP/$h"
  xz -dc "$RH/$src.xz" | cmp -s - "$TMP/$h" || fail "$h on the volume differs from $src"
  echo "ok: $h is the real $src, byte for byte"
done
expect_eq "$(reg_binary "$TMP/SYSTEM" '\MountedDevices' '\DosDevices\C:')" \
  "$(hexbytes "$img" 440 4 | tr ' ' ,),00,00,50,1f,00,00,00,00" "MountedDevices C: names partition 2"
expect_eq "$(regget "$TMP/SYSTEM" 'ControlSet001\Control\ComputerName\ComputerName' ComputerName)" \
  "$(fact "$img" '.windows[0].hostname')" "hostname from the real hive"
expect_eq "$(fact "$img" '.windows[0].pagingFiles | join("|")')" '?:\pagefile.sys' "facts: paging files"
expect_eq "$(fact "$img" '.windows[0].hiberbootEnabled')" true "facts: HiberbootEnabled from the real hive"
ntfs_get "$TMP/w.img" /Windows/System32/config/SOFTWARE "$TMP/SOFTWARE"
expect_eq "$(regget "$TMP/SOFTWARE" 'Microsoft\Windows NT\CurrentVersion' CurrentBuildNumber)" 16299 "SOFTWARE build"
part_extract "$img" 1 "$TMP/sr.img"
ntfs_get "$TMP/sr.img" /Boot/BCD "$TMP/BCD"
xz -dc "$RH/BCD.xz" | cmp -s - "$TMP/BCD" || fail "Boot/BCD is not the real BCD"
echo "ok: System Reserved Boot/BCD is the real BCD"

# dirty-hive-logs: SYSTEM_B + logs; GPT partition 3's GUID is C:'s DMIO:ID
img=$(fixture dirty-hive-logs)
part_extract "$img" 3 "$TMP/d.img"
for f in SYSTEM SYSTEM.LOG1 SYSTEM.LOG2; do
  ntfs_get "$TMP/d.img" "/Windows/System32/config/$f" "$TMP/$f"
  xz -dc "$RH/SYSTEM_B${f#SYSTEM}.xz" | cmp -s - "$TMP/$f" || fail "$f differs from SYSTEM_B${f#SYSTEM}"
done
echo "ok: SYSTEM, SYSTEM.LOG1, SYSTEM.LOG2 are the real SYSTEM_B files"
seq1=$(od -An -tu4 -j 4 -N 4 "$TMP/SYSTEM" | tr -d ' ')
seq2=$(od -An -tu4 -j 8 -N 4 "$TMP/SYSTEM" | tr -d ' ')
[ "$seq1" != "$seq2" ] || fail "SYSTEM is not dirty ($seq1/$seq2)"
echo "ok: SYSTEM is dirty ($seq1/$seq2)"
guid=$(sfdisk --part-uuid "$img" 3 | tr A-F a-f)
g=${guid//-/}
want="44,4d,49,4f,3a,49,44,3a,$(echo "${g:6:2}${g:4:2}${g:2:2}${g:0:2}${g:10:2}${g:8:2}${g:14:2}${g:12:2}${g:16:16}" | sed 's/../&,/g; s/,$//')"
expect_eq "$(reg_binary "$TMP/SYSTEM" '\MountedDevices' '\DosDevices\C:')" "$want" \
  "MountedDevices C: = DMIO:ID: + partition 3 GUID"
