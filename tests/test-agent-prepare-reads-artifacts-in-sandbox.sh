#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A prepare job that needs an uploaded artifact (installPvs) reads it in
# its sandboxed worker, which runs as uid 65534 and reaches the store's
# file only through the descriptor the agent hands it: the dry run plans
# the installer copy with the verified digest.
. tests/functions.sh
requires sha256sum
. tests/agent-functions.sh

img=$(fixture_copy win2022-bios-vda)
head -c 300000 /dev/urandom > "$TMP/PVS_Device_x64.exe"
sum=$(sha256sum "$TMP/PVS_Device_x64.exe" | cut -c1-64)
start_agent --disk "$img"
expect_status 201 PUT /v1/artifacts/pvs-7.31.0 -H 'Content-Type: application/octet-stream' \
  -H "X-Content-SHA256: $sum" --data-binary @"$TMP/PVS_Device_x64.exe"
jq -n --arg d "$img" --arg s "sha256:$sum" '{type: "prepare", disk: $d, platform: "azure",
  provisioningType: "Pvs", installPvs: "7.31.0", artifacts: {"pvs-7.31.0": $s}, dryRun: true}' > "$TMP/job.json"
expect_status 202 POST /v1/jobs -H 'Content-Type: application/json' --data-binary @"$TMP/job.json"
id=$(jq -r .id "$TMP/body")
st=$(wait_job "$id" 120)
expect_status 200 GET "/v1/jobs/$id"
[ "$st" = complete ] || fail "prepare job $st: $(jq -c .error "$TMP/body")"
if jq -e '.result.steps[] | select(.message // "" | test("libcrypto"))' "$TMP/body" >/dev/null; then
  echo "libcrypto.so.3 is not installed"
  exit 77
fi
jq -e '[.result.steps[] | select(.status == "planned")] | length > 0' "$TMP/body" >/dev/null \
  || fail "nothing planned: $(jq -c .result.steps "$TMP/body")"
jq -e '.result.changes | any(.path | test("PVS_Device_x64.exe"))' "$TMP/body" >/dev/null \
  || fail "the installer copy is not planned: $(jq -c .result "$TMP/body" | cut -c1-400)"
echo "ok: the artifact was read and verified by the worker"
expect_status 200 GET "/v1/jobs/$id/log"
line=$(jq -r 'select(.message | startswith("sandbox: ")) | .message' "$TMP/body")
echo "job log: $line"
if [ "$(id -u)" = 0 ]; then
  grep -q "uid 65534" <<<"$line" || fail "the prepare worker did not drop to uid 65534"
fi
stop_agent
