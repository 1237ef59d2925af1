#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The partition tables of the fixtures are what facts.json says, read back
# with sfdisk, sgdisk and fdisk; the images are sparse.
. tests/functions.sh
. tests/fixtures/checks.sh
check_fixture_requires

# table_vs_facts IMG: sfdisk --json (512-byte sectors) against the facts.
table_vs_facts() {
  local img=$1 js=$TMP/table.json
  sfdisk --json "$img" >"$js" || fail "sfdisk --json $img"
  expect_eq "$(jq -r '.partitiontable.label' "$js")" "$(fact "$img" .layout.scheme | sed 's/mbr/dos/')" \
    "$(basename "$img"): scheme"
  expect_eq "$(jq '.partitiontable.partitions | length' "$js")" \
    "$(fact "$img" '.layout.partitions | length')" "$(basename "$img"): partition count"
  # start/size in bytes, type, GUID, bootable, one line per partition
  jq -r '.partitiontable.partitions[] | [(.start * 512), (.size * 512),
          (.type | ascii_downcase), ((.uuid // "") | ascii_downcase), (.bootable // false)] | @tsv' \
    "$js" >"$TMP/got"
  jq -r '.layout.partitions[] | [.start, .size,
          (.type | ascii_downcase | sub("^0x0?"; "")), ((.guid // "") | ascii_downcase), .bootable] | @tsv' \
    "$img.facts.json" >"$TMP/want"
  diff -u "$TMP/want" "$TMP/got" || fail "$(basename "$img"): partitions differ from facts"
  echo "ok: $(basename "$img"): partitions match facts"
}

# --- MBR: signature, System Reserved active at 1 MiB, Windows behind it
img=$(fixture win2022-bios-vda)
table_vs_facts "$img"
expect_eq "$(sfdisk --dump "$img" | sed -n 's/^label-id: //p')" 0x1234abcd "MBR label-id"
expect_eq "$(hexbytes "$img" 440 4)" "cd ab 34 12" "disk signature bytes at 0x1B8"
expect_eq "$(fact "$img" .layout.diskSignature)" 0x1234abcd "facts diskSignature"
expect_eq "$(fact "$img" '.layout.partitions[0].role')" system-reserved "partition 1 role"
expect_eq "$(fact "$img" '.layout.partitions[0].size')" $((500 * 1048576)) "System Reserved is 500 MiB"

# --- GPT 512: ESP, MSR, Windows, Recovery; sgdisk finds no problem
img=$(fixture win2019-uefi-vda)
table_vs_facts "$img"
sgdisk -v "$img" >"$TMP/sgdisk" 2>&1 || { cat "$TMP/sgdisk"; fail "sgdisk -v"; }
expect_grep "No problems found" "$TMP/sgdisk" "sgdisk -v: GPT valid"
expect_eq "$(sfdisk --part-type "$img" 4)" DE94BBA4-06D1-4D40-A16A-BFD50179D6AC "recovery type"
expect_eq "$(sfdisk --part-type "$img" 1)" C12A7328-F81F-11D2-BA4B-00A0C93EC93B "ESP type"
expect_eq "$(sfdisk --part-type "$img" 2)" E3C9E316-0B5C-4DB8-817D-F92DF00215AE "MSR type"
expect_eq "$(sfdisk --part-attrs "$img" 4)" "RequiredPartition GUID:63" "recovery attributes"

# --- GPT 4Kn: fdisk told the sector size reads the table at byte 4096
img=$(fixture win10-gpt4k)
expect_eq "$(fact "$img" .sectorSize)" 4096 "facts sector size"
expect_eq "$(od -An -c -j 4096 -N 8 "$img" | tr -d ' ')" "EFIPART" "GPT header at byte 4096"
fdisk -b 4096 -l -o Device,Start,End,Type-UUID,UUID "$img" >"$TMP/fdisk" || fail "fdisk -b 4096"
grep -E '^\S+img[0-9]' "$TMP/fdisk" | awk '{ printf "%d\t%d\t%s\t%s\n", $2 * 4096, ($3 - $2 + 1) * 4096, tolower($4), tolower($5) }' >"$TMP/got"
jq -r '.layout.partitions[] | [.start, .size, (.type | ascii_downcase), (.guid | ascii_downcase)] | @tsv' \
  "$img.facts.json" >"$TMP/want"
diff -u "$TMP/want" "$TMP/got" || fail "4Kn partitions differ from facts"
echo "ok: 4Kn partitions match facts"

# --- sparse: a 64 GiB image costs a few MiB
img=$(fixture win2022-bios-vda-64g)
expect_eq "$(stat -c %s "$img")" $((64 << 30)) "64g virtual size"
used=$(du -k "$img" | cut -f1)
[ "$used" -lt $((128 * 1024)) ] || fail "64g image uses ${used} KiB"
echo "ok: 64g image uses $((used / 1024)) MiB"
table_vs_facts "$img"
