#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Re-running the same job on its own output plans zero changes and writes
# nothing (DESIGN.md safety invariant 6).
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
img=$(fixture_copy win10-uefi)
job "$TMP/job.json" '{"type":"prepare","platform":"gcp","missingDrivers":"warn","provisioningType":"Mcs","pagefile":"temp-disk",
  "domainUnjoin":true,"workgroup":"LAB","enableRdp":true}'
expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --json
first=$(jq '.changes | length' "$TMP/out")
[ "$first" -gt 0 ] || fail "first run changed nothing"
echo "ok: first run: $first changes"
after=$(sha256sum < "$img")
expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --json
expect_eq "$(jq '.changes | length' "$TMP/out")" 0 "changes on the second run"
expect_eq "$(sha256sum < "$img")" "$after" "disk unchanged by the second run"
