#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make image writes every platform format from the raw disk, each with the
# same contents (qemu-img compare) and the container each platform demands:
# qcow2 compressed; VHD fixed with a whole-MiB virtual size (Azure); VMDK
# streamOptimized (vSphere) and an OVA whose manifest verifies; GCE a gzip'd
# oldgnu tar holding only a sparse disk.raw of whole GiB with a valid GPT.
. tests/functions.sh
. tests/smoke-functions.sh
if [ "${CE_SKIP_QEMU:-0}" = 1 ]; then echo "CE_SKIP_QEMU=1: appliance image tests skipped"; exit 77; fi
smoke_requires
requires qemu-img
d=$CE_IMAGE_DIR
raw=$d/ce-appliance.raw
size=$(stat -c %s "$raw")
expect_eq "$((size % 1048576))" 0 "raw size is a whole MiB"

info() { qemu-img info --output=json "$@"; }
expect_eq "$(info "$d/ce-appliance.qcow2" | jq -r .format)" qcow2 "qcow2 format"
expect_eq "$(info "$d/ce-appliance.qcow2" | jq -r '."virtual-size"')" "$size" "qcow2 virtual size"
[ "$(stat -c %s "$d/ce-appliance.qcow2")" -lt "$((size / 2))" ] || fail "qcow2 is not compressed"
echo "ok: qcow2 is compressed ($(stat -c %s "$d/ce-appliance.qcow2") bytes)"

vhd=$d/ce-appliance.vhd
expect_eq "$(stat -c %s "$vhd")" "$((size + 512))" "fixed VHD = data + 512-byte footer"
footer() { tail -c 512 "$vhd" | od -An -tx1 -j "$1" -N "$2" | tr -d ' \n'; }
expect_eq "$(tail -c 512 "$vhd" | head -c 8)" conectix "VHD footer cookie"
expect_eq "$(footer 60 4)" 00000002 "VHD disk type fixed"
expect_eq "$((16#$(footer 48 8)))" "$size" "VHD current size = raw size (whole MiB)"
expect_eq "$(info -f vpc "$vhd" | jq -r '."virtual-size"')" "$size" "qemu-img reads the VHD's size"

vmdk=$d/ce-appliance.vmdk
expect_eq "$(info "$vmdk" | jq -r '."format-specific".data."create-type"')" streamOptimized "VMDK create type"

for f in qcow2:qcow2 vhd:vpc vmdk:vmdk; do
  qemu-img compare -q -f raw -F "${f#*:}" "$raw" "$d/ce-appliance.${f%:*}" || fail "${f%:*} differs from the raw disk"
  echo "ok: ${f%:*} has the raw disk's contents"
done

ova=$d/ce-appliance.ova
expect_eq "$(tar -tf "$ova" | tr '\n' ' ')" "ce-appliance.ovf ce-appliance.vmdk ce-appliance.mf " \
  "OVA members in order"
mkdir "$TMP/ova" && tar -C "$TMP/ova" -xf "$ova"
xmllint --noout "$TMP/ova/ce-appliance.ovf" || fail "OVF descriptor is not XML"
while read -r line; do
  f=$(sed -n 's/^SHA256(\(.*\))= .*/\1/p' <<<"$line"); want=${line##* }
  expect_eq "$(sha256sum < "$TMP/ova/$f" | cut -d' ' -f1)" "$want" "OVA manifest digest of $f"
done < "$TMP/ova/ce-appliance.mf"
cmp -s "$TMP/ova/ce-appliance.vmdk" "$vmdk" || fail "the OVA's VMDK differs"
grep -q "ovf:capacity=\"$size\"" "$TMP/ova/ce-appliance.ovf" || fail "OVF disk capacity"

gce=$d/ce-appliance-gce.tar.gz
expect_eq "$(tar -tzf "$gce")" disk.raw "GCE tarball holds disk.raw only"
expect_eq "$(gzip -dc "$gce" | head -c 265 | tail -c 8 | od -An -c | tr -d ' ')" 'ustar\0' \
  "oldgnu tar magic"
tar -C "$TMP" -xzSf "$gce"
gsize=$(stat -c %s "$TMP/disk.raw")
expect_eq "$((gsize % (1 << 30)))" 0 "disk.raw is a whole GiB"
[ "$(du -k "$TMP/disk.raw" | cut -f1)" -lt $((gsize / 1024 / 4)) ] || fail "disk.raw is not sparse"
sgdisk -v "$TMP/disk.raw" | grep -q 'No problems found' || fail "disk.raw GPT does not verify"
cmp -n 440 "$raw" "$TMP/disk.raw" || fail "disk.raw lost the MBR boot code"
# The partition (everything between the GPT areas) is byte for byte the same.
cmp -i 1048576:1048576 -n "$((size - 2 * 1048576))" "$raw" "$TMP/disk.raw" ||
  fail "disk.raw's ESP differs from the raw disk's"
expect_eq "$(sgdisk -i 1 "$TMP/disk.raw" | grep -v 'unique GUID')" \
          "$(sgdisk -i 1 "$raw" | grep -v 'unique GUID')" "disk.raw partition 1 = raw partition 1"
echo "ok: GCE disk.raw: whole GiB, sparse, GPT moved to the end, same data"
