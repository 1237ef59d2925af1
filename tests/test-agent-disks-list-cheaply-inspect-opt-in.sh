#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# GET /v1/disks lists disks without reading them: no "inspect" unless
# ?inspect=1 asks for it, and then the request answers at once with
# {"status":"pending"} while a sandboxed background worker inspects the
# disk; a later request gets the inspection document.  When a job ends the
# cached inspections are stale (the job may have changed the disk) and the
# next request is pending again.
. tests/functions.sh
. tests/agent-functions.sh

truncate -s 1M "$TMP/zero.img"
start_agent --disk "$TMP/zero.img"

expect_status 200 GET /v1/disks
expect_eq "$(jq -r '.disks[0].path' "$TMP/body")" "$TMP/zero.img" "disk listed"
jq -e '.disks[0] | has("inspect") | not' "$TMP/body" >/dev/null \
  || fail "plain GET /v1/disks inspected the disk: $(cat "$TMP/body")"
echo "ok: plain listing has no inspection"

expect_status 200 GET '/v1/disks?inspect=1'
expect_eq "$(jq -r '.disks[0].inspect.status' "$TMP/body")" pending "first ?inspect=1"

# wait_inspected: poll (bounded) until the disk's inspection is there.
wait_inspected() {
  local i
  for ((i = 0; i < 600; i++)); do
    req GET '/v1/disks?inspect=1' > /dev/null
    [ "$(jq -r '.disks[0].inspect.status // "done"' "$TMP/body")" = done ] && return 0
    sleep 0.1
  done
  fail "the inspection is still pending after 60 s"
}
wait_inspected
# A 1 MiB disk of zeros has no Windows: the engine's refusal, as an error.
jq -e '.disks[0].inspect | type == "object" and (has("error") or has("disk"))' "$TMP/body" >/dev/null \
  || fail "unexpected inspection: $(jq -c '.disks[0].inspect' "$TMP/body")"
echo "ok: inspection: $(jq -c '.disks[0].inspect' "$TMP/body" | cut -c1-200)"
grep -q '"event":"sandbox".*sandbox: pid' "$TMP/agent.err" || fail "the inspection did not run in a sandboxed worker"
echo "ok: the inspection ran in a sandboxed worker"

expect_status 200 GET '/v1/disks?inspect=1'
jq -e '.disks[0].inspect | has("status") | not' "$TMP/body" >/dev/null || fail "the result was not kept"

# A job ends: stale.
expect_status 202 POST /v1/jobs -H 'Content-Type: application/json' \
  -d "{\"type\":\"inspect\",\"disk\":\"$TMP/zero.img\"}"
wait_job "$(jq -r .id "$TMP/body")" > /dev/null
expect_status 200 GET '/v1/disks?inspect=1'
expect_eq "$(jq -r '.disks[0].inspect.status' "$TMP/body")" pending "after a job"
wait_inspected
stop_agent
