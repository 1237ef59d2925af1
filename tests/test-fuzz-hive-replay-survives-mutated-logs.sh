#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The transaction-log replay survives a short libFuzzer run (ASan/UBSan, no
# crash, no leak) on mutated primaries and logs, seeded with the dirty
# hives of tests/data.  Skipped when clang cannot build -fsanitize=fuzzer.
. "$(dirname "$0")/functions.sh"
requires clang
requires perl
make --no-print-directory -s BUILD="$CE_BUILD" "$CE_BUILD/fuzz/fuzz-hivelog" > "$TMP/build.log" 2>&1 ||
  { cat "$TMP/build.log"; echo "cannot build the libFuzzer target"; exit 77; }
corpus=$TMP/corpus
mkdir -p "$corpus"
for d in NewDirtyHive1/NewDirtyHive OldDirtyHive/OldDirtyHive BadLogHive1/BadLogHive; do
  base=tests/data/dirty-hives/$d
  for f in "" .LOG1 .LOG2; do xz -dc "$base$f.xz" > "$TMP/h$f"; done
  # Layout: flags byte, primary length, LOG1 length (LE), then the files.
  perl -e 'print pack("CVV", 1, -s $ARGV[0], -s $ARGV[1])' "$TMP/h" "$TMP/h.LOG1" > "$corpus/${d%%/*}"
  cat "$TMP/h" "$TMP/h.LOG1" "$TMP/h.LOG2" >> "$corpus/${d%%/*}"
done
"$CE_TOP/$CE_BUILD/fuzz/fuzz-hivelog" -max_total_time="${CE_FUZZ_SECONDS:-15}" -max_len=400000 \
  -rss_limit_mb=2048 -print_final_stats=1 "$corpus" > "$TMP/fuzz.log" 2>&1 ||
  { tail -n 40 "$TMP/fuzz.log"; fail "the fuzzer found a crash"; }
tail -n 5 "$TMP/fuzz.log"
expect_grep 'stat::number_of_executed_units' "$TMP/fuzz.log" "fuzzer ran"
