#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# ce-offline export usage errors exit 2 with a message and create nothing;
# --help documents every option; a disk that cannot be opened exits 1; a
# VHD of a 4096-byte-sector disk is refused (exit 2) before any file exists.
. "$(dirname "$0")/functions.sh"
img=$(fixture win2022-bios-vda)
cd "$TMP"
expect_exit 2 "$CE_OFFLINE" export
expect_exit 2 "$CE_OFFLINE" export "$img" --output o.vhdx
expect_grep '--format is required' "$TMP/err" "missing --format"
expect_exit 2 "$CE_OFFLINE" export "$img" --format vhdx
expect_grep '--output PATH is required' "$TMP/err" "missing --output"
expect_exit 2 "$CE_OFFLINE" export "$img" --format vdi --output o.vdi
expect_grep "unknown --format 'vdi'" "$TMP/err" "unknown format"
expect_exit 2 "$CE_OFFLINE" export "$img" "$img" --format raw --output o.raw
expect_exit 2 "$CE_OFFLINE" export "$img" --format raw --output o.raw --bogus
expect_exit 1 "$CE_OFFLINE" export "$TMP/nonexistent.img" --format raw --output o.raw
expect_exit 0 "$CE_OFFLINE" export --help
for o in --format --output --json --overwrite --progress --no-digest --verbose --help; do
  expect_grep "$o" "$TMP/out" "help mentions $o"
done
expect_exit 0 "$CE_OFFLINE" --help
expect_grep 'ce-offline export DISK --format' "$TMP/out" "top-level usage lists export"
k4=$(fixture win10-gpt4k)
expect_exit 2 "$CE_OFFLINE" export "$k4" --format vhd --output o.vhd
expect_grep '512-byte sectors only' "$TMP/err" "VHD of a 4Kn disk refused"
expect_eq "$(ls -A "$TMP" | grep -v -e '^out$' -e '^err$' | wc -l)" 0 "no file created by any failure"
