#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# On a UEFI disk the boot configuration is on the FAT EFI system partition:
# diagnose reads its default entry there (partition, path, description,
# loader path), the same entry hivexget reads from a copy mtools took off
# the ESP (not our FAT reader); with the store deleted (mtools), the report
# says there is none instead of guessing.
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
. tests/diagnose-functions.sh
requires jq
requires mcopy
requires hivexget

img=$(fixture_copy win11-uefi-vda)
diagnose_json "$img" "$TMP/r.json"
expect_eq "$(jq -c '.bcd | {state, partition, path, filesystem}' "$TMP/r.json")" \
  '{"state":"read","partition":1,"path":"/EFI/Microsoft/Boot/BCD","filesystem":"fat"}' \
  "the ESP's store is read"
read -r start size < <(part_window "$img" 1)
dd if="$img" of="$TMP/esp" bs=1M skip=$((start / 1048576)) count=$((size / 1048576)) status=none
mcopy -i "$TMP/esp" ::/EFI/Microsoft/Boot/BCD "$TMP/BCD" || fail "mcopy of the store"
bm='\Objects\{9dea862c-5cdd-4e70-acc1-f32b344d4795}\Elements\23000003'
def=$(hivexget "$TMP/BCD" "$bm" Element) || fail "hivexget default"
expect_eq "$(jq -r '.bcd.default' "$TMP/r.json")" "$def" "the default entry hivexget reads"
expect_eq "$(jq -r '.bcd.description' "$TMP/r.json")" \
  "$(hivexget "$TMP/BCD" "\\Objects\\$def\\Elements\\12000004" Element)" "its description"
expect_eq "$(jq -r '.bcd.loaderPath' "$TMP/r.json")" \
  "$(hivexget "$TMP/BCD" "\\Objects\\$def\\Elements\\12000002" Element)" "its loader path"

mdel -i "$TMP/esp" ::/EFI/Microsoft/Boot/BCD
dd if="$TMP/esp" of="$img" bs=1M seek=$((start / 1048576)) conv=notrunc status=none
diagnose_json "$img" "$TMP/r2.json"
expect_eq "$(jq -r '.bcd.state' "$TMP/r2.json")" not-read "no store once it is deleted"
echo "ok"
