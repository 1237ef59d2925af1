#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Volumes whose $Bitmap cannot be trusted or read are copied verbatim,
# garbage in free space included: a BitLocker volume (its boot sector says
# -FVE-FS-), an NTFS volume marked dirty (chkdsk pending), and one with an
# unclean journal.  That volume in the output then equals the source byte
# for byte, and the result names the reason.
. "$(dirname "$0")/functions.sh"
requires jq
src=$TMP/src.img
CE_BUILD=$CE_BUILD scripts/export-bench-disk "$src" 320M 32M mbr 2>"$TMP/mk.err" \
  || { cat "$TMP/mk.err"; fail "export-bench-disk"; }
start=$(jq -r .windows.start "$src.facts.json")
len=$(jq -r .windows.size "$src.facts.json")

# tweak HOW: change the Windows volume of a copy of the source.
tweak() {
  cp --sparse=always "$src" "$TMP/t.img"
  case $1 in
    bitlocker)
      printf '\xeb\x58\x90-FVE-FS-' | dd of="$TMP/t.img" bs=1 seek="$start" conv=notrunc status=none ;;
    dirty|unclean-log)
      dd if="$TMP/t.img" of="$TMP/p.img" bs=4M iflag=skip_bytes,count_bytes skip="$start" count="$len" status=none
      ASAN_OPTIONS=detect_leaks=0 "$FIXTOOLS/ntfs-tweak" "$TMP/p.img" "$1" || fail "ntfs-tweak $1"
      dd if="$TMP/p.img" of="$TMP/t.img" bs=4M oflag=seek_bytes seek="$start" conv=notrunc status=none
      rm -f "$TMP/p.img" ;;
  esac
}

for how in bitlocker dirty unclean-log; do
  tweak "$how"
  expect_exit 0 "$CE_OFFLINE" export "$TMP/t.img" --format raw --output "$TMP/o.raw" --json
  cp "$TMP/out" "$TMP/res.json"
  jq -e --argjson s "$start" '.volumes[] | select(.start == $s) | .freeSkipped == false' \
    "$TMP/res.json" >/dev/null || fail "$how: volume not marked verbatim"
  echo "ok: $how: reason: $(jq -r --argjson s "$start" '.volumes[] | select(.start == $s) | .reason' "$TMP/res.json")"
  cmp <(dd if="$TMP/t.img" bs=4M iflag=skip_bytes,count_bytes skip="$start" count="$len" status=none) \
      <(dd if="$TMP/o.raw" bs=4M iflag=skip_bytes,count_bytes skip="$start" count="$len" status=none) \
    || fail "$how: the volume differs from the source"
  echo "ok: $how: the volume is identical to the source, garbage included"
  rm -f "$TMP/o.raw" "$TMP/t.img"
done
