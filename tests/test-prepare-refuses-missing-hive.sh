#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# An installation missing a hive (one the job edits, SECURITY, or one it
# only reads, SAM) is refused with exit 3 and left untouched -- never
# "prepared" with success (the hive removed with libntfs-3g's ntfs_delete).
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
job "$TMP/job.json" '{"type":"prepare","domainUnjoin":true,"enableRdp":true}'
for hive in SECURITY SAM; do
  img=$(fixture_copy win2022-bios-vda)
  read -r start size < <(part_window "$img" 2)
  dd if="$img" of="$TMP/p2.ntfs" bs=1M skip=$((start / 1048576)) count=$((size / 1048576)) \
     conv=sparse status=none
  "$FIXTOOLS/ntfs-tweak" "$TMP/p2.ntfs" unlink "Windows/System32/config/$hive" ||
    fail "ntfs-tweak unlink $hive"
  dd if="$TMP/p2.ntfs" of="$img" bs=1M seek=$((start / 1048576)) conv=sparse,notrunc status=none
  if ntfsls "$TMP/p2.ntfs" -p /Windows/System32/config | grep -qx "$hive"; then
    fail "$hive is still there: the test proves nothing"
  fi
  before=$(sha256sum < "$img")
  expect_exit 3 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json"
  expect_grep "the $hive hive is missing" "$TMP/err" "$hive missing: the message names it"
  expect_eq "$(sha256sum < "$img")" "$before" "$hive missing: disk hash"
done
