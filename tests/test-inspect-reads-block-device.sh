#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# inspect reads a block device (a read-only loop device over a fixture)
# and reports the same as for the image file.  Needs root and loop devices.
. "$(dirname "$0")/functions.sh"
requires losetup
[ "$(id -u)" -eq 0 ] || { echo "requires root for losetup"; exit 77; }
img=$(fixture win2022-bios-vda)
dev=$(losetup -r -f --show "$img" 2>"$TMP/losetup.err") || { cat "$TMP/losetup.err"; echo "requires loop devices"; exit 77; }
on_exit "losetup -d $dev"
[ -b "$dev" ] || fail "$dev is not a block device"
"$CE_OFFLINE" inspect --json "$img" | jq -S 'del(.disk)' > "$TMP/file.json"
expect_exit 0 "$CE_OFFLINE" inspect --json "$dev"
jq -S 'del(.disk)' "$TMP/out" > "$TMP/dev.json"
diff -u "$TMP/file.json" "$TMP/dev.json" || fail "block device and file differ"
expect_eq "$(jq -r .disk.size "$TMP/out")" "$(stat -c %s "$img")" "size from BLKGETSIZE64"
expect_eq "$(jq -r .disk.sectorSize "$TMP/out")" 512 "sector size from BLKSSZGET"
