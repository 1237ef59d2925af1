#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The unsafe fixtures are unsafe in the way they claim, seen by ntfs-3g's own
# tools: BitLocker signature, hibernation file, unclean $LogFile (read-write
# mount refused), $Volume dirty flag; and the good win10 volume is writable.
. tests/functions.sh
. tests/fixtures/checks.sh
check_fixture_requires
requires ntfscp
requires ntfsinfo

echo hello >"$TMP/probe.txt"

# Baseline: the same Windows volume, good, is writable by ntfs-3g.
img=$(fixture win10-uefi)
part_extract "$img" 3 "$TMP/good.img"
ntfscp "$TMP/good.img" "$TMP/probe.txt" /probe.txt >"$TMP/cp.log" 2>&1 \
  || { cat "$TMP/cp.log"; fail "good volume is not writable"; }
echo "ok: win10-uefi volume is writable (ntfscp)"

img=$(fixture bitlocker)
start=$(fact "$img" '.layout.partitions[2].start')
expect_eq "$(hexbytes "$img" "$start" 11)" "eb 58 90 2d 46 56 45 2d 46 53 2d" "BitLocker boot sector"
expect_eq "$(fact "$img" '.unsafe[0]')" bitlocker "facts: bitlocker"
expect_eq "$(fact "$img" '.windows | length')" 0 "facts: nothing visible inside"

img=$(fixture hibernated)
part_extract "$img" 3 "$TMP/hib.img"
expect_eq "$(ntfscat "$TMP/hib.img" /hiberfil.sys | head -c 4)" HIBR "hiberfil.sys signature"
expect_eq "$(fact "$img" '.windows[0].hiberbootEnabled')" true "facts: HiberbootEnabled"
ntfs_get "$TMP/hib.img" /Windows/System32/config/SYSTEM "$TMP/hib.SYSTEM"
expect_eq "$(regget "$TMP/hib.SYSTEM" 'ControlSet002\Control\Session Manager\Power' HiberbootEnabled)" 1 \
  "hibernated: HiberbootEnabled in the hive"

img=$(fixture unclean-ntfs)
part_extract "$img" 3 "$TMP/unclean.img"
ntfsls "$TMP/unclean.img" | grep -qx Windows || fail "unclean volume not readable"
if ntfscp "$TMP/unclean.img" "$TMP/probe.txt" /probe.txt >"$TMP/cp.log" 2>&1; then
  fail "ntfscp wrote to the unclean volume"
fi
expect_grep "unclean file system|journal file is unclean" "$TMP/cp.log" "ntfs-3g refuses rw: unclean journal"
expect_grep "Operation not supported" "$TMP/cp.log" "refusal is EOPNOTSUPP"
# Both restart pages ($LogFile is inode 2): RSTR, a client in use, flags
# without RESTART_VOLUME_IS_CLEAN, and the update sequence number repeated
# at the end of each 512-byte block (valid multi-sector fixups).
ntfscat -f -i 2 "$TMP/unclean.img" >"$TMP/restart" 2>/dev/null || fail "ntfscat \$LogFile"
for page in 0 4096; do
  expect_eq "$(od -An -c -j $page -N 4 "$TMP/restart" | tr -d ' ')" RSTR "restart page @$page magic"
  ra=$((page + $(od -An -tu2 -j $((page + 24)) -N 2 "$TMP/restart" | tr -d ' ')))
  expect_eq "$(od -An -tu2 -j $((ra + 12)) -N 2 "$TMP/restart" | tr -d ' ')" 0 "restart page @$page client in use"
  fl=$(od -An -tu2 -j $((ra + 14)) -N 2 "$TMP/restart" | tr -d ' ')
  [ $((fl & 2)) -eq 0 ] || fail "restart page @$page says clean"
  usa=$(od -An -tu2 -j $((page + 4)) -N 2 "$TMP/restart" | tr -d ' ')
  usn=$(hexbytes "$TMP/restart" $((page + usa)) 2)
  for blk in 1 2 3 4 5 6 7 8; do
    expect_eq "$(hexbytes "$TMP/restart" $((page + blk * 512 - 2)) 2)" "$usn" "restart page @$page block $blk fixup"
  done
done
expect_eq "$(fact "$img" '.unsafe[0]')" unclean-ntfs "facts: unclean-ntfs"

img=$(fixture ntfs-dirty-flag)
part_extract "$img" 3 "$TMP/dirty.img"
ntfsinfo -f -m "$TMP/dirty.img" >"$TMP/info" 2>&1 || { cat "$TMP/info"; fail "ntfsinfo -f"; }
flags=$(sed -n 's/.*Volume Flags: \(0x[0-9a-fA-F]*\).*/\1/p' "$TMP/info")
[ $((flags & 1)) -eq 1 ] || fail "VOLUME_IS_DIRTY not set (flags $flags)"
echo "ok: \$Volume flags $flags has VOLUME_IS_DIRTY"
if ntfscp "$TMP/dirty.img" "$TMP/probe.txt" /probe.txt >"$TMP/cp.log" 2>&1; then
  fail "ntfscp wrote to the dirty volume"
fi
expect_grep "scheduled for check" "$TMP/cp.log" "ntfs-3g refuses rw: chkdsk scheduled"
