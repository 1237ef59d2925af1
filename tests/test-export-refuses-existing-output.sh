#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# An existing output file is refused (exit 1) before anything is read or
# written: the file keeps its content and no temporary file appears.  With
# --overwrite it is replaced.  A directory as output, or the source itself
# as output, is a usage error (exit 2).
. "$(dirname "$0")/functions.sh"
img=$(fixture win2022-bios-vda)
mkdir "$TMP/d"
echo "precious" >"$TMP/d/disk.vhdx"
expect_exit 1 "$CE_OFFLINE" export "$img" --format vhdx --output "$TMP/d/disk.vhdx"
expect_grep 'already exists.*--overwrite' "$TMP/err" "message names --overwrite"
expect_eq "$(cat "$TMP/d/disk.vhdx")" precious "existing file untouched"
expect_eq "$(ls -A "$TMP/d" | wc -l)" 1 "no temporary file left"

expect_exit 0 "$CE_OFFLINE" export "$img" --format vhdx --output "$TMP/d/disk.vhdx" --overwrite --json
expect_eq "$(head -c 8 "$TMP/d/disk.vhdx")" vhdxfile "--overwrite replaced it with a VHDX"
expect_eq "$(ls -A "$TMP/d" | wc -l)" 1 "still one file"

expect_exit 2 "$CE_OFFLINE" export "$img" --format raw --output "$TMP/d"
expect_grep 'is a directory' "$TMP/err" "directory as output"
cp --sparse=always "$img" "$TMP/self.img"
expect_exit 2 "$CE_OFFLINE" export "$TMP/self.img" --format raw --output "$TMP/self.img" --overwrite
expect_grep 'source disk itself' "$TMP/err" "source as output"
cmp "$img" "$TMP/self.img" || fail "source modified"
echo "ok: source untouched"
