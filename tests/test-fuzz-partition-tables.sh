#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The MBR/GPT reader and the FAT lookup survive a short libFuzzer run
# (ASan/UBSan, no crash, no leak), seeded with the first 64 KiB of an MBR
# and a GPT fixture and the first 64 KiB of a FAT ESP.
# Skipped when clang cannot build -fsanitize=fuzzer.
. "$(dirname "$0")/functions.sh"
requires clang
make --no-print-directory -s BUILD="$CE_BUILD" "$CE_BUILD/fuzz/fuzz-ptable" > "$TMP/build.log" 2>&1 ||
  { cat "$TMP/build.log"; echo "cannot build the libFuzzer target"; exit 77; }
corpus=$TMP/corpus
mkdir -p "$corpus"
for f in win2022-bios-vda win11-uefi-vda; do
  head -c 65536 "$(fixture "$f")" > "$corpus/$f"
done
# The ESP of the GPT fixture starts at 1 MiB.
dd if="$(fixture win11-uefi-vda)" of="$corpus/esp" bs=64K skip=16 count=1 status=none
"$CE_TOP/$CE_BUILD/fuzz/fuzz-ptable" -max_total_time="${CE_FUZZ_SECONDS:-15}" -max_len=65536 \
  -print_final_stats=1 "$corpus" > "$TMP/fuzz.log" 2>&1 ||
  { tail -n 40 "$TMP/fuzz.log"; fail "the fuzzer found a crash"; }
tail -n 5 "$TMP/fuzz.log"
expect_grep 'stat::number_of_executed_units' "$TMP/fuzz.log" "fuzzer ran"
