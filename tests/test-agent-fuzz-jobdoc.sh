#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The job-document parser survives a short libFuzzer run (ASan/UBSan, no
# crash, no leak), seeded with valid and invalid documents.  Skipped when
# clang cannot build -fsanitize=fuzzer binaries.
. tests/functions.sh
requires clang
if ! make --no-print-directory -s BUILD="$CE_BUILD" fuzz-agent > "$TMP/build.log" 2>&1; then
  cat "$TMP/build.log"
  echo "cannot build the libFuzzer target (clang -fsanitize=fuzzer)"
  exit 77
fi
corpus=$TMP/corpus
mkdir -p "$corpus"
i=0
while IFS= read -r doc; do
  printf '%s' "$doc" > "$corpus/seed$((i++))"
done <<'SEEDS'
{"type":"inspect","disk":"/dev/sdb","waitForDiskSeconds":30}
{"type":"prepare","disk":"/dev/sdb","platform":"azure","provisioningType":"Mcs","pagefile":"auto","xdReconfigure":[{"ParameterName":"controllers","ParameterValue":"ddc1.corp.example,ddc2.corp.example"},{"ParameterName":"portnumber","ParameterValue":"80"}],"installMisa":true,"domainUnjoin":true,"enableRdp":true,"dryRun":false}
{"type":"prepare","disk":"serial:X","platform":"aws","provisioningType":"Pvs","installPvs":"7.31.0","artifacts":{"pvs-7.31.0":"sha256:0000000000000000000000000000000000000000000000000000000000000000"}}
{"type":"export","disk":"lun:1","format":"vhdx","outputStorageLocation":{"location":"/tmp"},"outputImageFilename":"a.vhdx"}
{"type":"inspect","disk":"/x","bogus":[1,{"a":null}]}
{"type":
SEEDS
"$CE_TOP/$CE_BUILD/fuzz/fuzz-jobdoc" -max_total_time="${CE_FUZZ_SECONDS:-15}" -max_len=4096 \
  -print_final_stats=1 "$corpus" > "$TMP/fuzz.log" 2>&1 || { tail -n 40 "$TMP/fuzz.log"; fail "fuzzer found a crash"; }
tail -n 5 "$TMP/fuzz.log"
expect_grep 'stat::number_of_executed_units' "$TMP/fuzz.log" "fuzzer ran"
