#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# export --format raw of a disk whose free space is garbage equals the
# source with every free NTFS cluster zeroed, byte for byte, where the
# zeroed reference is built independently: each NTFS volume replaced by
# ntfsclone's copy of it (ntfsclone copies used clusters only).  Partition
# gaps, the FAT ESP and the MSR keep their garbage (copied verbatim).  The
# free clusters are not read, the digests are those of the file, and zero
# blocks are holes.
. "$(dirname "$0")/functions.sh"
requires ntfsclone
requires sfdisk
requires jq

# zeroed_reference SRC OUT
zeroed_reference() {
  local src=$1 out=$2 start size
  cp --sparse=always "$src" "$out"
  while read -r start size; do
    dd if="$src" of="$TMP/part.img" bs=4M iflag=skip_bytes,count_bytes \
      skip=$((start * 512)) count=$((size * 512)) status=none
    [ "$(dd if="$TMP/part.img" bs=1 skip=3 count=8 status=none)" = "NTFS    " ] || continue
    ntfsclone --overwrite "$TMP/clone.img" "$TMP/part.img" >/dev/null 2>&1 \
      || fail "ntfsclone of the partition at sector $start"
    dd if="$TMP/clone.img" of="$out" bs=4M oflag=seek_bytes seek=$((start * 512)) \
      conv=notrunc status=none
  done < <(sfdisk -J "$src" | jq -r '.partitiontable.partitions[] | "\(.start) \(.size)"')
  rm -f "$TMP/part.img" "$TMP/clone.img"
}

for scheme in mbr gpt; do
  src=$TMP/$scheme.img
  CE_BUILD=$CE_BUILD scripts/export-bench-disk "$src" 320M 48M "$scheme" 2>"$TMP/mk.err" \
    || { cat "$TMP/mk.err"; fail "export-bench-disk $scheme"; }
  zeroed_reference "$src" "$TMP/ref.img"
  ! cmp -s "$src" "$TMP/ref.img" || fail "$scheme: the free space was not garbage"

  expect_exit 0 "$CE_OFFLINE" export "$src" --format raw --output "$TMP/out.raw" --json
  cp "$TMP/out" "$TMP/res.json"
  cmp "$TMP/ref.img" "$TMP/out.raw" || fail "$scheme: raw output differs from the ntfsclone reference"
  echo "ok: $scheme: raw output = source with free NTFS clusters zeroed (ntfsclone reference)"

  size=$(stat -c %s "$src")
  expect_eq "$(stat -c %s "$TMP/out.raw")" "$size" "$scheme: raw file size"
  expect_eq "$(jq -r .fileSize "$TMP/res.json")" "$size" "$scheme: fileSize"
  expect_eq "$(jq -r .virtualSize "$TMP/res.json")" "$size" "$scheme: virtualSize"
  # What must be read: the files (48 MiB) and NTFS metadata, plus, on gpt,
  # the ESP and MSR (116 MiB, not NTFS: verbatim).
  verbatim=0
  [ "$scheme" = gpt ] && verbatim=$((116 * 1048576))
  read_bytes=$(jq -r .bytesRead "$TMP/res.json")
  [ "$read_bytes" -lt $((verbatim + 64 * 1048576)) ] || fail "$scheme: read $read_bytes of $size bytes"
  echo "ok: $scheme: read $read_bytes of $size bytes"
  [ "$(jq -r .freeBytesSkipped "$TMP/res.json")" -gt $((100 * 1048576)) ] \
    || fail "$scheme: freeBytesSkipped too small"
  expect_eq "$(jq -r '[.volumes[] | select(.fs == "ntfs") | .freeSkipped] | all' "$TMP/res.json")" \
    true "$scheme: every NTFS volume skipped its free clusters"
  expect_eq "$(jq -r .sha256 "$TMP/res.json")" "$(sha256sum <"$TMP/out.raw" | cut -c1-64)" \
    "$scheme: sha256 of the file"
  expect_eq "$(jq -r .md5 "$TMP/res.json")" "$(md5sum <"$TMP/out.raw" | cut -c1-32)" \
    "$scheme: md5 of the file"
  alloc=$(($(stat -c %b "$TMP/out.raw") * $(stat -c %B "$TMP/out.raw")))
  [ "$alloc" -lt $((verbatim + 64 * 1048576)) ] || fail "$scheme: raw output is not sparse ($alloc bytes allocated)"
  echo "ok: $scheme: raw output is sparse ($alloc bytes allocated)"
  if [ "$scheme" = gpt ]; then
    # The ESP (FAT) and the MSR are copied verbatim, garbage and all.
    cmp <(dd if="$src" bs=1M skip=1 count=116 status=none) \
        <(dd if="$TMP/out.raw" bs=1M skip=1 count=116 status=none) \
      || fail "gpt: ESP and MSR not copied verbatim"
    echo "ok: gpt: ESP and MSR copied verbatim"
  fi
  rm -f "$src" "$TMP/ref.img" "$TMP/out.raw"
done
