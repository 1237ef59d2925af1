#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# On UEFI disks the BCD is looked up on the FAT EFI system partition (long
# names, any case): found where the fixture put it; after deleting it with
# mtools, inspect reports no BCD instead of guessing.
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
requires mdel
img=$(fixture_copy win11-uefi-vda)
expect_exit 0 "$CE_OFFLINE" inspect --json "$img"
expect_eq "$(jq -c '.windows[0].bcd | {partition, path, filesystem}' "$TMP/out")" '{"partition":1,"path":"/EFI/Microsoft/Boot/BCD","filesystem":"fat"}' "BCD on the ESP"
expect_eq "$(jq -r '.windows[0].bcd.default.description' "$TMP/out")" "Windows 10 Enterprise" "the ESP's store is read and decoded"
read -r start size < <(part_window "$img" 1)
dd if="$img" of="$TMP/esp" bs=1M skip=$((start / 1048576)) count=$((size / 1048576)) status=none
mdir -i "$TMP/esp" ::/EFI/Microsoft/Boot | grep -q BCD || fail "set-up: no BCD on the ESP per mtools"
mdel -i "$TMP/esp" ::/EFI/Microsoft/Boot/BCD
dd if="$TMP/esp" of="$img" bs=1M seek=$((start / 1048576)) conv=notrunc status=none
"$CE_OFFLINE" inspect --json "$img" > "$TMP/out2" || true
expect_eq "$(jq -c '.windows[0].bcd' "$TMP/out2")" null "no BCD once it is deleted"
