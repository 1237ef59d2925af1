#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# An inspect job over plain HTTPS (curl): 202 with Location, progress to a
# terminal status with timestamps and a result, the log as JSON lines with
# ?since=N, GET /v1/disks listing the --disk image (without inspecting it:
# see test-agent-disks-list-cheaply-inspect-opt-in), then complete: the agent
# answers with a final report and exits 0.
. tests/functions.sh
. tests/agent-functions.sh

truncate -s 1M "$TMP/zero.img"
start_agent --disk "$TMP/zero.img"

expect_status 200 GET /v1/disks
expect_eq "$(jq -r '.disks | length' "$TMP/body")" 1 "one disk listed"
expect_eq "$(jq -r '.disks[0].path' "$TMP/body")" "$TMP/zero.img" "disk path"
expect_eq "$(jq -r '.disks[0].size' "$TMP/body")" 1048576 "disk size"
jq -e '.disks[0] | has("inspect") | not' "$TMP/body" >/dev/null || fail "inspection without ?inspect=1"

acurl -D "$TMP/hdr" -o "$TMP/body" -X POST -H 'Content-Type: application/json' \
  -d "{\"type\":\"inspect\",\"disk\":\"$TMP/zero.img\"}" "$AGENT_URL/v1/jobs"
expect_grep '^HTTP/1.1 202' "$TMP/hdr" "202 Accepted"
id=$(jq -r .id "$TMP/body")
expect_eq "$(jq -r .status "$TMP/body")" inProgress "initial status"
expect_grep "^Location: /v1/jobs/$id" "$TMP/hdr" "Location header"

st=$(wait_job "$id")
expect_eq "$st" complete "job status"
expect_status 200 GET "/v1/jobs/$id"
expect_eq "$(jq -r .overallProgressPercent "$TMP/body")" 100 "progress"
for k in createdAt startedAt finishedAt; do
  jq -e ".$k | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T\")" "$TMP/body" >/dev/null || fail "$k"
done
jq -e '.result | type == "object"' "$TMP/body" >/dev/null || fail "result object"
jq -e 'has("error") | not' "$TMP/body" >/dev/null || fail "complete job has an error"

expect_status 200 GET "/v1/jobs/$id/log"
n=$(wc -l < "$TMP/body")
[ "$n" -ge 2 ] || fail "log has $n lines"
jq -e -s 'all(has("seq") and has("time") and has("level") and has("message"))' "$TMP/body" >/dev/null \
  || fail "log lines are not JSON objects with seq/time/level/message"
expect_eq "$(jq -s '[.[].seq] == [range(0; length)]' "$TMP/body")" true "seq numbers 0..n-1"
expect_status 200 GET "/v1/jobs/$id/log?since=1"
expect_eq "$(wc -l < "$TMP/body")" "$((n - 1))" "since=1 skips one line"
expect_eq "$(head -n1 "$TMP/body" | jq .seq)" 1 "since=1 starts at seq 1"
expect_status 200 GET "/v1/jobs/$id/log?since=$n"
expect_eq "$(wc -c < "$TMP/body")" 0 "since=end is empty"

# A disk that is not attached fails the job (not the request).
expect_status 202 POST /v1/jobs -H 'Content-Type: application/json' -d '{"type":"inspect","disk":"/etc/passwd"}'
id2=$(jq -r .id "$TMP/body")
expect_eq "$(wait_job "$id2")" failed "job on an unlisted disk"
expect_status 200 GET "/v1/jobs/$id2"
expect_error_code diskNotFound

# A UNC path is refused at once, with the form to use instead.
expect_status 400 POST /v1/jobs -H 'Content-Type: application/json' \
  -d "{\"type\":\"export\",\"disk\":\"$TMP/zero.img\",\"format\":\"vhdx\",\"outputStorageLocation\":{\"location\":\"\\\\\\\\srv\\\\share\"},\"outputImageFilename\":\"x.vhdx\"}"
expect_error_code invalidValue
expect_grep "smb://host/share/dir/" "$TMP/body" "the message names the smb:// form"

# An SMB share on a host kernel without CIFS: accepted, then fails saying so.
expect_status 202 POST /v1/jobs -H 'Content-Type: application/json' \
  -d "{\"type\":\"export\",\"disk\":\"$TMP/zero.img\",\"format\":\"vhdx\",\"outputStorageLocation\":{\"location\":\"smb://127.0.0.1:1/share/\",\"username\":\"u\",\"password\":\"p\"},\"outputImageFilename\":\"x.vhdx\"}"
id3=$(jq -r .id "$TMP/body")
expect_eq "$(wait_job "$id3")" failed "export to an SMB share from the host"
expect_status 200 GET "/v1/jobs/$id3"
jq -e '.error.code | IN("shareUnavailable", "shareUnreachable")' "$TMP/body" >/dev/null \
  || fail "unexpected error: $(cat "$TMP/body")"
echo "ok: error $(jq -c .error "$TMP/body")"

expect_status 200 POST /v1/complete
expect_eq "$(jq -r .status "$TMP/body")" completing "final report"
expect_eq "$(jq -r '.jobs | length' "$TMP/body")" 3 "final report lists the jobs"
wait_agent_exit 30
expect_eq "$AGENT_STATUS" 0 "agent exit status after complete"
expect_grep '"event":"complete"' "$TMP/agent.err" "complete logged"
