#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The SHA-256 and MD5 that export reports are those of the output file as
# sha256sum / md5sum compute them, for vhdx, vhd (fixed and dynamic) and
# raw, on disks whose free space is garbage (MBR 320 MiB; GPT 321 MiB, so
# the last 2 MiB VHDX / VHD block and the last 4 MiB chunk are partial),
# and for those formats the digests are streamed while writing (the debug
# log says so; only qcow2 and vmdk, written by qemu-img, are read back).
# qemu-img check / compare confirm each file still holds the disk.
. "$(dirname "$0")/functions.sh"
requires jq
requires qemu-img

for spec in mbr:320M gpt:321M; do
  IFS=: read -r scheme size <<<"$spec"
  src=$TMP/$scheme.img
  CE_BUILD=$CE_BUILD scripts/export-bench-disk "$src" "$size" 40M "$scheme" 2>"$TMP/mk.err" \
    || { cat "$TMP/mk.err"; fail "export-bench-disk $scheme"; }
  expect_exit 0 "$CE_OFFLINE" export "$src" --format raw --output "$TMP/ref.raw"
  for spec2 in vhdx:vhdx:streamed vhd:vpc:streamed vhd-dynamic:vpc:streamed \
               raw:raw:streamed qcow2:qcow2:read; do
    IFS=: read -r fmt qfmt how <<<"$spec2"
    out=$TMP/out.$fmt
    rm -f "$out"
    expect_exit 0 env CE_DEBUG=1 "$CE_OFFLINE" export "$src" --format "$fmt" --output "$out" --json
    cp "$TMP/out" "$TMP/res.json"
    expect_eq "$(jq -r .sha256 "$TMP/res.json")" "$(sha256sum <"$out" | cut -c1-64)" \
      "$scheme $fmt: sha256 = sha256sum"
    expect_eq "$(jq -r .md5 "$TMP/res.json")" "$(md5sum <"$out" | cut -c1-32)" \
      "$scheme $fmt: md5 = md5sum"
    if [ "$how" = streamed ]; then
      expect_grep "digests streamed while writing" "$TMP/err" "$scheme $fmt: digests streamed"
    else
      expect_grep "digests of the finished file, read back" "$TMP/err" "$scheme $fmt: digests read back"
    fi
    if [ "$fmt" = vhdx ]; then
      qemu-img check -f vhdx "$out" >"$TMP/check.txt" 2>&1 \
        || { cat "$TMP/check.txt"; fail "$scheme vhdx: qemu-img check"; }
      echo "ok: $scheme vhdx: qemu-img check"
    fi
    qemu-img compare -f raw -F "$qfmt" "$TMP/ref.raw" "$out" >/dev/null \
      || fail "$scheme $fmt: differs from the raw export"
    echo "ok: $scheme $fmt: qemu-img compare equals the raw export"
  done
  # --no-digest: no digests, and nothing read back either.
  rm -f "$TMP/out.vhdx"
  expect_exit 0 env CE_DEBUG=1 "$CE_OFFLINE" export "$src" --format vhdx --output "$TMP/out.vhdx" \
    --json --no-digest
  expect_eq "$(jq -r .sha256 "$TMP/out")" null "$scheme: no sha256 with --no-digest"
  ! grep -q "digests" "$TMP/err" || fail "$scheme: digests computed with --no-digest"
  rm -f "$src" "$TMP"/out.* "$TMP/ref.raw"
done
