#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every endpoint but /v1/health needs the bearer token: missing or wrong
# tokens get 401 with no detail, and repeated failures from one address are
# slowed down; the right token still works afterwards.
. tests/functions.sh
. tests/agent-functions.sh

start_agent
for path in /v1/info /v1/jobs/abc/log; do
  st=$(curl -sk -o "$TMP/body" -w '%{http_code}' "$AGENT_URL$path")
  expect_eq "$st" 401 "GET $path without a token"
done
expect_eq "$(jq -c . "$TMP/body")" '{"error":{"code":"unauthorized","message":"authentication required"}}' "401 body has no detail"
st=$(curl -sk -o "$TMP/body2" -w '%{http_code}' -H "Authorization: Bearer $(make_token)" "$AGENT_URL/v1/info")
expect_eq "$st" 401 "wrong token"
cmp "$TMP/body" "$TMP/body2" || fail "wrong and missing token must look the same"
st=$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Basic $(cat "$AGENT_TOKEN_FILE")" "$AGENT_URL/v1/info")
expect_eq "$st" 401 "token with the wrong scheme"
# By now this address has failed several times: the next failure is delayed.
t0=$(date +%s%N)
curl -sk -o /dev/null -H "Authorization: Bearer wrong" "$AGENT_URL/v1/info"
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
[ "$ms" -ge 400 ] || fail "repeated failure answered in ${ms} ms (no delay)"
echo "ok: repeated failure delayed ${ms} ms"
# A success resets the count: the next failures are answered at once.
expect_status 200 GET /v1/info
st=$(curl -sk -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"type":"inspect","disk":"/x"}' "$AGENT_URL/v1/jobs")
expect_eq "$st" 401 "POST /v1/jobs without a token"
st=$(curl -sk -o /dev/null -w '%{http_code}' -X POST "$AGENT_URL/v1/complete")
expect_eq "$st" 401 "complete without a token"
curl -sk -D "$TMP/hdr" -o /dev/null "$AGENT_URL/v1/info"
expect_grep '^WWW-Authenticate: Bearer' "$TMP/hdr" "challenge header"

expect_grep '"event":"auth.failed"' "$TMP/agent.err" "failures are logged"
grep -q "$(cat "$AGENT_TOKEN_FILE")" "$TMP/agent.err" && fail "the token appears in the log"

expect_status 200 GET /v1/info
stop_agent
