#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The broken fixtures are broken exactly as claimed: corrupt SOFTWARE hive,
# truncated image, bad GPT headers, random bytes, all zeros, no Windows.
. tests/functions.sh
. tests/fixtures/checks.sh
check_fixture_requires

# corrupt-hive: SYSTEM is fine, SOFTWARE is not a hive at all
img=$(fixture corrupt-hive)
part_extract "$img" 2 "$TMP/c.img"
ntfs_get "$TMP/c.img" /Windows/System32/config/SOFTWARE "$TMP/SOFTWARE"
ntfs_get "$TMP/c.img" /Windows/System32/config/SYSTEM "$TMP/SYSTEM"
if hivexget "$TMP/SOFTWARE" 'Microsoft\Windows NT\CurrentVersion' ProductName >/dev/null 2>&1; then
  fail "corrupt SOFTWARE opens with hivex"
fi
[ "$(head -c 4 "$TMP/SOFTWARE")" != regf ] || fail "corrupt SOFTWARE has a regf signature"
expect_eq "$(regget "$TMP/SYSTEM" 'ControlSet001\Control\ComputerName\ComputerName' ComputerName)" \
  "$(fact "$img" '.windows[0].hostname')" "corrupt-hive: SYSTEM still readable"
expect_eq "$(fact "$img" '.windows[0].productName')" null "facts: no product name"

# truncated: the file ends inside partition 2, the table still claims more
img=$(fixture truncated)
size=$(stat -c %s "$img")
expect_eq "$size" "$(fact "$img" .truncatedAt)" "truncated at the size the facts say"
p2_start=$(sfdisk --json "$img" | jq '.partitiontable.partitions[1].start * 512')
p2_end=$(sfdisk --json "$img" | jq '(.partitiontable.partitions[1].start + .partitiontable.partitions[1].size) * 512')
[ "$size" -gt "$p2_start" ] && [ "$size" -lt "$p2_end" ] || fail "cut at $size is not inside partition 2 ($p2_start..$p2_end)"
echo "ok: image ends inside partition 2"

# gpt-bad-primary: sgdisk falls back to the good backup
img=$(fixture gpt-bad-primary)
sgdisk -v "$img" >"$TMP/v" 2>&1 || true
expect_grep "Main header: ERROR" "$TMP/v" "primary header rejected"
expect_grep "Backup header: OK" "$TMP/v" "backup header accepted"
fdisk -l "$img" >"$TMP/f" 2>&1 || true
expect_grep "primary GPT table is corrupt, but the backup appears OK" "$TMP/f" "fdisk uses the backup"
expect_eq "$(fact "$img" '.windows | length')" 1 "facts: Windows still findable via the backup"

# gpt-bad-both: no usable GPT at all; only the protective MBR remains
img=$(fixture gpt-bad-both)
sgdisk -v "$img" >"$TMP/v" 2>&1 || true
expect_grep "Creating new GPT entries" "$TMP/v" "sgdisk finds no valid GPT header"
fdisk -l "$img" >"$TMP/f" 2>&1 || true
expect_grep "Disklabel type: dos" "$TMP/f" "fdisk falls back to the protective MBR"
expect_grep " ee GPT" "$TMP/f" "protective MBR entry"
# only the CRC fields were touched: the entry arrays are still intact
cmp -s <(dd if="$img" bs=512 skip=2 count=32 status=none) \
       <(dd if="$img" bs=512 skip=$(($(stat -c %s "$img") / 512 - 33)) count=32 status=none) \
  || fail "primary and backup entry arrays differ"
expect_eq "$(fact "$img" '.windows | length')" 0 "facts: nothing findable"

# garbage: 1 MiB, not zero, reproducible
img=$(fixture garbage)
expect_eq "$(stat -c %s "$img")" 1048576 "garbage size"
[ "$(od -An -tx1 -v "$img" | tr -s ' \n' '\n' | sort -u | wc -l)" -gt 250 ] || fail "garbage is not random-looking"
"$CE_TOP/tests/fixtures/make-fixture" garbage "$TMP/g2.img" 2>/dev/null
cmp -s "$img" "$TMP/g2.img" || fail "garbage differs between runs"
echo "ok: garbage is random-looking and reproducible"

# empty: all zeros, no table, fully sparse
img=$(fixture empty)
cmp -s -n "$(stat -c %s "$img")" "$img" /dev/zero || fail "empty image is not all zero"
if sfdisk --dump "$img" >/dev/null 2>&1; then fail "sfdisk finds a table on the empty image"; fi
expect_eq "$(du -k "$img" | cut -f1)" 0 "empty image uses no blocks"

# no-windows: a good NTFS volume without a Windows directory
img=$(fixture no-windows)
part_extract "$img" 1 "$TMP/nw.img"
ntfsls "$TMP/nw.img" >"$TMP/ls" || fail "ntfsls no-windows"
expect_grep "^Shares$" "$TMP/ls" "data volume has files"
if grep -qix windows "$TMP/ls"; then fail "no-windows has a Windows directory"; fi
expect_eq "$(fact "$img" '.windows | length')" 0 "facts: no Windows"
