#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Each Windows fixture's volume holds what facts.json claims, read back with
# ntfs-3g tools (ntfsls, ntfscat) and hivex (hivexget, hivexregedit).
. tests/functions.sh
. tests/fixtures/checks.sh
check_fixture_requires
requires fsck.vfat
requires mcopy

for name in win2022-bios-vda win2016-bios win2019-uefi-vda win10-uefi win11-uefi-vda win10-gpt4k; do
  img=$(fixture "$name")
  expect_eq "$(fact "$img" '.windows | length')" 1 "$name: one Windows"
  check_windows "$img" 0
done

# win10-uefi: Select\Current=2 and ControlSet001 carries another hostname,
# so an engine that reads ControlSet001 is caught.
img=$(fixture win10-uefi)
part_extract "$img" 3 "$TMP/w10.img"
ntfs_get "$TMP/w10.img" /Windows/System32/config/SYSTEM "$TMP/SYSTEM"
expect_eq "$(regget "$TMP/SYSTEM" Select Current)" 2 "win10-uefi: Select\\Current"
cs1=$(regget "$TMP/SYSTEM" 'ControlSet001\Control\ComputerName\ComputerName' ComputerName)
[ "$cs1" != "$(fact "$img" '.windows[0].hostname')" ] || fail "ControlSet001 hostname is the current one"
echo "ok: ControlSet001 hostname '$cs1' differs from the current one"

# Windows 11 is told by its build
img=$(fixture win11-uefi-vda)
[ "$(fact "$img" '.windows[0].build')" -ge 22000 ] || fail "win11 build < 22000"
expect_eq "$(fact "$img" '.windows[0].installationType')" Client "win11 installation type"

# two-windows: both volumes are complete installs
img=$(fixture two-windows)
expect_eq "$(fact "$img" '.windows | length')" 2 "two-windows: two installs"
check_windows "$img" 0
check_windows "$img" 1

# win10-gpt4k: the NTFS volume itself uses 4096-byte sectors
img=$(fixture win10-gpt4k)
part_extract "$img" 3 "$TMP/4k.img"
ntfsinfo -m "$TMP/4k.img" >"$TMP/info" || fail "ntfsinfo 4Kn"
expect_grep "Sector Size: 4096" "$TMP/info" "4Kn NTFS sector size"
expect_eq "$(od -An -tu2 -j 11 -N 2 "$TMP/4k.img" | tr -d ' ')" 4096 "4Kn boot sector bytes/sector"
expect_eq "$(od -An -tu4 -j 28 -N 4 "$TMP/4k.img" | tr -d ' ')" \
  $(($(fact "$img" '.layout.partitions[2].start') / 4096)) "4Kn hidden sectors = partition LBA"
