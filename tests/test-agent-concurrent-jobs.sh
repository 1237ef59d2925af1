#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One job at a time: a second POST /v1/jobs while one runs is 409 naming the
# running job; cancel stops it at the next safe point (status canceled);
# complete is 409 while a job runs unless {"force":true}.
. tests/functions.sh
. tests/agent-functions.sh

start_agent
J=(-H 'Content-Type: application/json')
waiting_job 120 > "$TMP/wait.json"
expect_status 202 POST /v1/jobs "${J[@]}" --data-binary @"$TMP/wait.json"
id=$(jq -r .id "$TMP/body")

# Several concurrent starts: every one is refused with 409 naming $id.
pids=()
for i in 1 2 3 4; do
  ( acurl -X POST "${J[@]}" -o "$TMP/c$i.body" -w '%{http_code}' --data-binary @"$TMP/wait.json" \
      "$AGENT_URL/v1/jobs" > "$TMP/c$i.st" ) &
  pids+=($!)
done
wait "${pids[@]}"
for i in 1 2 3 4; do
  expect_eq "$(cat "$TMP/c$i.st")" 409 "concurrent start $i"
  grep -q "$id" "$TMP/c$i.body" || fail "409 does not name the running job"
done
expect_status 200 GET /v1/info
expect_eq "$(jq -r .runningJob "$TMP/body")" "$id" "info names the running job"

expect_status 409 POST /v1/complete
expect_error_code jobRunning
expect_status 400 POST /v1/complete -H 'Content-Type: application/json' -d '{"force":"yes"}'
expect_status 400 POST /v1/complete -H 'Content-Type: application/json' -d '{"forse":true}'

expect_status 202 POST "/v1/jobs/$id/cancel"
expect_eq "$(jq -r .cancelRequested "$TMP/body")" true "cancel accepted"
expect_eq "$(wait_job "$id" 20)" canceled "status after cancel"
expect_status 200 GET "/v1/jobs/$id"
expect_error_code canceled
expect_status 200 GET "/v1/jobs/$id/log"
expect_grep 'cancel requested' "$TMP/body" "cancel is in the job log"
expect_status 202 POST "/v1/jobs/$id/cancel"
expect_eq "$(jq -r .cancelRequested "$TMP/body")" false "cancel of a finished job is a no-op"

# The next job starts fine; complete with force cancels it and exits 0.
expect_status 202 POST /v1/jobs "${J[@]}" --data-binary @"$TMP/wait.json"
id2=$(jq -r .id "$TMP/body")
expect_status 200 POST /v1/complete -H 'Content-Type: application/json' -d '{"force":true}'
expect_eq "$(jq -r --arg id "$id2" '.jobs[] | select(.id == $id) | .status' "$TMP/body")" canceled "forced complete canceled the job"
wait_agent_exit 30
expect_eq "$AGENT_STATUS" 0 "exit status"
