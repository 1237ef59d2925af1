#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# --dry-run prints the complete plan (old and new values) and writes
# nothing: the disk's hash is unchanged.
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
img=$(fixture_copy win2022-bios-vda)
job "$TMP/job.json" '{"type":"prepare","platform":"azure","provisioningType":"Mcs","pagefile":"system",
  "xdReconfigure":[{"ParameterName":"controllers","ParameterValue":"ddc9.corp.example.com"},
                   {"ParameterName":"portnumber","ParameterValue":"8080"}],
  "domainUnjoin":true,"enableRdp":true}'
before=$(sha256sum < "$img")
expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --dry-run --json
cp "$TMP/out" "$TMP/plan.json"
expect_eq "$(sha256sum < "$img")" "$before" "disk hash after --dry-run"
expect_eq "$(jq -r .status "$TMP/plan.json")" planned "status"
expect_eq "$(jq -r .dryRun "$TMP/plan.json")" true "dryRun"
expect_eq "$(jq -r '[.changes[] | select(.value == "ListOfDDCs")][0].new' "$TMP/plan.json")" \
          ddc9.corp.example.com "plan: new ListOfDDCs"
expect_eq "$(jq -r '[.changes[] | select(.value == "ListOfDDCs")][0].old' "$TMP/plan.json")" \
          "ddc1.corp.example.com ddc2.corp.example.com" "plan: old ListOfDDCs"
expect_eq "$(jq -r '[.changes[] | select(.key == "Policy\\PolPrDmN")] | length' "$TMP/plan.json")" 1 \
          "plan: workgroup name"
# The same through the job's own dryRun field.
job "$TMP/job2.json" '{"type":"prepare","enableRdp":true,"dryRun":true}'
expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job2.json"
expect_grep 'Plan \(dry run, nothing written\)' "$TMP/out" "human plan header"
expect_eq "$(sha256sum < "$img")" "$before" "disk hash after dryRun:true"
