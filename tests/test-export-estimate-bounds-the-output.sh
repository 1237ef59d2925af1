#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# ow_export_estimate (the SMB preflight's "free space at least the expected
# output size") is an upper bound of what each format's export really
# allocates (du --block-size=1), and not a wild one, on two garbage-filled
# fixtures (MBR 320 MiB, GPT 321 MiB).  Stated margins:
#   vhdx, vhd-dynamic  exactly the output's length (the planned layout);
#                      at most 1.5 x allocated + 4 MiB (planned blocks whose
#                      free clusters are holes)
#   vhd                exactly virtual size + footer (the file's length)
#   raw                at most 1.05 x allocated + 4 MiB
#   qcow2, vmdk        the peak with qemu-img's staging raw beside the
#                      output: at least raw + output, at most 2.4 x + 8 MiB
# The estimates come from the unit test binary's tool mode
# (CE_EXPORT_ESTIMATE_DISK), which calls ow_export_estimate on the image.
. "$(dirname "$0")/functions.sh"
requires qemu-img
tool=$CE_TOP/$CE_BUILD/tests/unit/test-export-estimate
[ -x "$tool" ] || fail "$tool missing (make test-progs)"

MiB=1048576
for spec in mbr:320M gpt:321M; do
  IFS=: read -r scheme size <<<"$spec"
  src=$TMP/$scheme.img
  CE_BUILD=$CE_BUILD scripts/export-bench-disk "$src" "$size" 40M "$scheme" 2>"$TMP/mk.err" \
    || { cat "$TMP/mk.err"; fail "export-bench-disk $scheme"; }
  CE_EXPORT_ESTIMATE_DISK=$src "$tool" >"$TMP/est.txt" || fail "$scheme: estimate"
  [ "$(wc -l <"$TMP/est.txt")" -eq 6 ] || { cat "$TMP/est.txt"; fail "$scheme: six estimates"; }
  raw_alloc=
  while read -r fmt est; do
    out=$TMP/out.$fmt
    expect_exit 0 "$CE_OFFLINE" export "$src" --format "$fmt" --output "$out" --no-digest
    alloc=$(du --block-size=1 "$out" | cut -f1)
    len=$(stat -c %s "$out")
    echo "$scheme $fmt: estimate $est, allocated $alloc, length $len"
    [ "$est" -ge "$alloc" ] || fail "$scheme $fmt: estimate $est < allocated $alloc"
    case $fmt in
      vhdx|vhd-dynamic)
        expect_eq "$est" "$len" "$scheme $fmt: estimate = the file's length"
        max=$((alloc * 3 / 2 + 4 * MiB)) ;;
      vhd)
        expect_eq "$est" "$len" "$scheme $fmt: estimate = virtual size + footer"
        max=$len ;;
      raw)
        raw_alloc=$alloc
        max=$((alloc * 105 / 100 + 4 * MiB)) ;;
      qcow2|vmdk)
        [ -n "$raw_alloc" ] || fail "raw is estimated before $fmt"
        [ "$est" -ge $((raw_alloc + alloc)) ] \
          || fail "$scheme $fmt: estimate $est < staging $raw_alloc + output $alloc"
        max=$((alloc * 24 / 10 + 8 * MiB)) ;;
      *) fail "unexpected format $fmt" ;;
    esac
    [ "$est" -le "$max" ] || fail "$scheme $fmt: estimate $est over the margin ($max)"
    echo "ok: $scheme $fmt: allocated <= estimate <= $max"
    rm -f "$out"
  done <"$TMP/est.txt"
  rm -f "$src"
done
