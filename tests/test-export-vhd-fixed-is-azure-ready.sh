#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# --format vhd on a disk whose size is not a whole MiB: the VHD's virtual
# size is rounded UP to a whole MiB (Azure refuses anything else), the
# file is that size plus the 512-byte footer, and the footer (read here
# with od, not with our code) has the cookie, fixed disk type, current
# size, the CHS geometry the VHD specification's algorithm gives, and a
# valid checksum.  qemu-img reads the disk back equal to the source with
# zeros after its end.
. "$(dirname "$0")/functions.sh"
requires qemu-img
requires od

src=$TMP/src.img
size=$((320 * 1048576 + 3 * 512))
CE_BUILD=$CE_BUILD scripts/export-bench-disk "$src" "$size" 32M mbr 2>"$TMP/mk.err" \
  || { cat "$TMP/mk.err"; fail "export-bench-disk"; }
expect_exit 0 "$CE_OFFLINE" export "$src" --format raw --output "$TMP/ref.raw"
expect_exit 0 "$CE_OFFLINE" export "$src" --format vhd --output "$TMP/out.vhd" --json
vsize=$(( (size + 1048575) / 1048576 * 1048576 ))
expect_eq "$(jq -r .virtualSize "$TMP/out")" "$vsize" "virtualSize rounded up to a whole MiB"
expect_eq "$(stat -c %s "$TMP/out.vhd")" $((vsize + 512)) "file size = virtual size + footer"

foot=$TMP/footer.bin
tail -c 512 "$TMP/out.vhd" >"$foot"
be() { od -An -tx1 -j "$1" -N "$2" "$foot" | tr -d ' \n'; }
expect_eq "$(head -c 8 "$foot")" conectix "footer cookie"
expect_eq "$((16#$(be 60 4)))" 2 "disk type fixed"
expect_eq "$((16#$(be 48 8)))" "$vsize" "current size"
expect_eq "$((16#$(be 40 8)))" "$vsize" "original size"
expect_eq "$(be 16 8)" ffffffffffffffff "data offset (none: fixed)"
expect_eq "$(dd if="$foot" bs=1 skip=28 count=4 status=none)" "win " "creator application"
# Checksum: ones' complement of the byte sum with the checksum field zeroed.
sum=0
for b in $(od -An -tu1 -v "$foot"); do sum=$((sum + b)); done
stored=$((16#$(be 64 4)))
for b in $(od -An -tu1 -j 64 -N 4 "$foot"); do sum=$((sum - b)); done
expect_eq "$stored" "$(( ~sum & 0xffffffff ))" "footer checksum"
# CHS, from the specification's appendix.
ts=$((vsize / 512))
[ $ts -gt $((65535 * 16 * 255)) ] && ts=$((65535 * 16 * 255))
if [ $ts -ge $((65535 * 16 * 63)) ]; then spt=255 h=16 cth=$((ts / 255))
else
  spt=17 cth=$((ts / 17)) h=$(((cth + 1023) / 1024))
  [ $h -lt 4 ] && h=4
  if [ $cth -ge $((h * 1024)) ] || [ $h -gt 16 ]; then spt=31 h=16 cth=$((ts / 31)); fi
  if [ $cth -ge $((h * 1024)) ]; then spt=63 h=16 cth=$((ts / 63)); fi
fi
expect_eq "$((16#$(be 56 2))) $((16#$(be 58 1))) $((16#$(be 59 1)))" "$((cth / h)) $h $spt" "CHS geometry"

qemu-img compare -f raw -F vpc "$TMP/ref.raw" "$TMP/out.vhd" >"$TMP/cmp.txt" 2>&1 \
  || { cat "$TMP/cmp.txt"; fail "qemu-img compare"; }
echo "ok: qemu-img reads the VHD equal to the source, zeros after its end"
