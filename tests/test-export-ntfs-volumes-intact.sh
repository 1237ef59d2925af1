#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The NTFS volumes inside an exported VHDX are intact: qemu-img (not our
# code) turns the VHDX back into a raw disk, and the ntfs-3g tools read the
# source's and the output's volumes read-only: the same recursive listing
# (names, sizes, times), the same content for every file (ntfscat), the
# same free cluster count, and ntfsfix finds nothing to repair.
. "$(dirname "$0")/functions.sh"
requires qemu-img
requires ntfsls
requires ntfscat
requires ntfsinfo
requires sfdisk

src=$TMP/src.img
CE_BUILD=$CE_BUILD scripts/export-bench-disk "$src" 320M 48M gpt 2>"$TMP/mk.err" \
  || { cat "$TMP/mk.err"; fail "export-bench-disk"; }
expect_exit 0 "$CE_OFFLINE" export "$src" --format vhdx --output "$TMP/out.vhdx"
qemu-img convert -f vhdx -O raw "$TMP/out.vhdx" "$TMP/back.raw" || fail "qemu-img convert back"

# part DISK START SIZE OUT (sectors)
part() { dd if="$1" of="$4" bs=4M iflag=skip_bytes,count_bytes skip=$(($2 * 512)) count=$(($3 * 512)) status=none; }
# files VOLUME: "sha256  path" of every file, from the -F listing.
files() {
  local vol=$1 dir="" line name
  ntfsls -R -F "$vol" 2>/dev/null | while IFS= read -r line; do
    case $line in
      /*:) dir=${line%:}; dir=${dir%/}; continue ;;
      "") continue ;;
    esac
    name=$line
    case $name in */|./|../) continue ;; esac
    printf '%s  %s\n' "$(ntfscat "$vol" "$dir/$name" | sha256sum | cut -c1-64)" "$dir/$name"
  done
}

n=0
while read -r start size; do
  part "$src" "$start" "$size" "$TMP/a.img"
  [ "$(dd if="$TMP/a.img" bs=1 skip=3 count=8 status=none)" = "NTFS    " ] || continue
  n=$((n + 1))
  part "$TMP/back.raw" "$start" "$size" "$TMP/b.img"
  ntfsls -R -l -F "$TMP/a.img" >"$TMP/a.ls" 2>/dev/null
  ntfsls -R -l -F "$TMP/b.img" >"$TMP/b.ls" 2>/dev/null
  [ -s "$TMP/a.ls" ] || fail "ntfsls listed nothing on the source"
  diff -u "$TMP/a.ls" "$TMP/b.ls" || fail "partition at $start: listings differ"
  echo "ok: partition at sector $start: same tree ($(wc -l <"$TMP/a.ls") lines)"
  files "$TMP/a.img" >"$TMP/a.sum"
  files "$TMP/b.img" >"$TMP/b.sum"
  [ "$(grep -c . "$TMP/a.sum")" -gt 2 ] || fail "too few files hashed"
  diff -u "$TMP/a.sum" "$TMP/b.sum" || fail "partition at $start: file contents differ"
  echo "ok: partition at sector $start: every file's content identical ($(wc -l <"$TMP/a.sum") files)"
  expect_eq "$(ntfsinfo -m "$TMP/b.img" 2>/dev/null | grep 'Free Clusters')" \
    "$(ntfsinfo -m "$TMP/a.img" 2>/dev/null | grep 'Free Clusters')" "free clusters"
  if command -v ntfsfix >/dev/null; then
    ntfsfix -n "$TMP/b.img" >"$TMP/fix.txt" 2>&1 || { cat "$TMP/fix.txt"; fail "ntfsfix -n on the output"; }
    echo "ok: ntfsfix -n accepts the output volume"
  fi
done < <(sfdisk -J "$src" | jq -r '.partitiontable.partitions[] | "\(.start) \(.size)"')
[ "$n" -ge 1 ] || fail "no NTFS partition checked"
