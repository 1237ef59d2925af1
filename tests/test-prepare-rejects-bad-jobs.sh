#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Bad job documents: exit 2 with a message naming the field or rule; the
# disk is not written (its hash is unchanged).
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
img=$(fixture_copy win2022-bios-vda)
before=$(sha256sum < "$img")
n=0
while IFS='|' read -r doc message; do
  [ -n "$doc" ] || continue
  n=$((n + 1))
  job "$TMP/bad$n.json" "$doc"
  expect_exit 2 "$CE_OFFLINE" prepare "$img" --job "$TMP/bad$n.json"
  expect_grep "$message" "$TMP/err" "bad job $n: message"
done <<'EOF_TABLE'
{"type":"prepare","colour":"blue"}|unknown field 'colour'
{"type":"prepare","enableRdp":"yes"}|\$\.enableRdp: expected true or false, got string
{"type":"prepare","xdReconfigure":[{"ParameterName":"portnumber","ParameterValue":80}]}|\$\.xdReconfigure\[0\]\.ParameterValue: expected a string
{"type":"prepare","installMisa":true,"provisioningType":"Pvs"}|MISA is installed only with provisioningType "Mcs"
{"type":"prepare","installPvs":"7.31.0","provisioningType":"Mcs"}|installed only with provisioningType "Pvs"
{"type":"prepare","xdReconfigure":[{"ParameterName":"controllers","ParameterValue":"ddc1.corp.example.com,not a host"}]}|is not a valid host name
{"type":"prepare","platform":"mars"}|'mars' is not one of
{"type":"prepare","removeSourceTools":true}|\$\.removeSourceTools: needs "platform"
{"type":"prepare","platform":"azure","removeSourceTools":"yes"}|\$\.removeSourceTools: expected true or false
{"type":"prepare","chkdsk":1}|\$\.chkdsk: expected true or false
{"type":"prepare","defrag":"on"}|\$\.defrag: expected true or false
not json|not valid JSON
{"type":"export","format":"vhdx"}|job type is 'export', not 'prepare'
EOF_TABLE
# Valid documents the disk cannot satisfy: the installer artifact is missing
# or does not match its digest (validation, before anything is written).
job "$TMP/misa.json" '{"type":"prepare","provisioningType":"Mcs","installMisa":true,"enableRdp":true}'
expect_exit 2 "$CE_OFFLINE" prepare "$img" --job "$TMP/misa.json"
expect_grep 'artifact misa=' "$TMP/err" "missing artifact: says what to provide"
head -c 1000 /dev/urandom > "$TMP/misa.msi"
job "$TMP/misa2.json" '{"type":"prepare","provisioningType":"Mcs","installMisa":true,"enableRdp":true,
  "artifacts":{"misa":"sha256:0000000000000000000000000000000000000000000000000000000000000000"}}'
expect_exit 2 "$CE_OFFLINE" prepare "$img" --job "$TMP/misa2.json" --artifact "misa=$TMP/misa.msi"
expect_grep "$(sha256sum "$TMP/misa.msi" | cut -c1-16)" "$TMP/err" "digest mismatch names the actual digest"
expect_exit 2 "$CE_OFFLINE" prepare "$img"
expect_grep 'job FILE is required' "$TMP/err" "missing --job"
expect_exit 2 "$CE_OFFLINE" prepare "$img" --job "$TMP/nonexistent.json"
expect_exit 2 "$CE_OFFLINE" prepare "$img" --job "$TMP/bad1.json" --artifact novalue
expect_eq "$(sha256sum < "$img")" "$before" "disk hash after $n bad jobs"
