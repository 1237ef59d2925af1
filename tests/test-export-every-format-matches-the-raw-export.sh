#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every writer's output holds the same disk as the raw export (which
# test-export-raw-equals-source-with-free-clusters-zeroed proves right):
# qemu-img reads each file back (qemu-img compare), qemu-img check finds no
# error where it can check the format (vhdx, qcow2, vmdk), qemu-img info
# sees the right format and size, and the digests are those of the file.
# The sparse formats are much smaller than the disk.
. "$(dirname "$0")/functions.sh"
requires qemu-img
requires jq

src=$TMP/src.img
CE_BUILD=$CE_BUILD scripts/export-bench-disk "$src" 320M 48M mbr 2>"$TMP/mk.err" \
  || { cat "$TMP/mk.err"; fail "export-bench-disk"; }
size=$(stat -c %s "$src")
expect_exit 0 "$CE_OFFLINE" export "$src" --format raw --output "$TMP/ref.raw"

for spec in vhdx:vhdx:vhdx vhd:vpc:vpc vhd-dynamic:vpc:vpc qcow2:qcow2:qcow2 vmdk:vmdk:vmdk; do
  IFS=: read -r fmt qfmt info <<<"$spec"
  out=$TMP/out.$fmt
  expect_exit 0 "$CE_OFFLINE" export "$src" --format "$fmt" --output "$out" --json
  cp "$TMP/out" "$TMP/res.json"
  expect_eq "$(jq -r .format "$TMP/res.json")" "$fmt" "$fmt: format in the result"
  expect_eq "$(jq -r .output "$TMP/res.json")" "$out" "$fmt: output in the result"
  expect_eq "$(jq -r .fileSize "$TMP/res.json")" "$(stat -c %s "$out")" "$fmt: fileSize"
  expect_eq "$(jq -r .sha256 "$TMP/res.json")" "$(sha256sum <"$out" | cut -c1-64)" "$fmt: sha256"
  expect_eq "$(jq -r .md5 "$TMP/res.json")" "$(md5sum <"$out" | cut -c1-32)" "$fmt: md5"
  for k in bytesRead bytesWritten seconds virtualSize; do
    [ "$(jq -r ".$k | type" "$TMP/res.json")" = number ] || fail "$fmt: $k is not a number"
  done
  qemu-img info --output=json -f "$qfmt" "$out" >"$TMP/info.json" || fail "$fmt: qemu-img info"
  expect_eq "$(jq -r .format "$TMP/info.json")" "$info" "$fmt: qemu-img sees the format"
  vsize=$(jq -r '.["virtual-size"]' "$TMP/info.json")
  if [ "$fmt" = vhd ]; then
    expect_eq "$vsize" $(( (size + 1048575) / 1048576 * 1048576 )) "$fmt: virtual size (whole MiB)"
  else
    expect_eq "$vsize" "$size" "$fmt: virtual size"
  fi
  case $fmt in
    vhdx|qcow2|vmdk)
      qemu-img check -f "$qfmt" "$out" >"$TMP/check.txt" 2>&1 || { cat "$TMP/check.txt"; fail "$fmt: qemu-img check"; }
      echo "ok: $fmt: qemu-img check: $(head -1 "$TMP/check.txt")" ;;
  esac
  qemu-img compare -f raw -F "$qfmt" "$TMP/ref.raw" "$out" || fail "$fmt: differs from the raw export"
  echo "ok: $fmt: qemu-img compare equals the raw export"
  if [ "$fmt" != vhd ]; then
    [ "$(stat -c %s "$out")" -lt $((size / 2)) ] || fail "$fmt: $(stat -c %s "$out") bytes is not sparse"
  fi
  rm -f "$out"
done
if [ "$(find "$TMP" -name '.*ce-export*' -o -name '.*raw-*' | wc -l)" -ne 0 ]; then
  ls -la "$TMP"; fail "temporary files left behind"
fi
echo "ok: no temporary file left"
