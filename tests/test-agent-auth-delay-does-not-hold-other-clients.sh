#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A client that keeps failing authentication waits longer and longer for its
# 401, but the wait holds only its own connections: the server's few threads
# keep answering the connector.  Eight delayed bad requests in flight at
# once (more than the server has threads) must not slow a good request.
. tests/functions.sh
. tests/agent-functions.sh
requires curl

start_agent
# Earn the delay: the first few failures are answered at once.
for _ in 1 2 3 4 5 6; do
  curl -sk -o /dev/null -H 'Authorization: Bearer wrong' "$AGENT_URL/v1/info"
done
t0=$(date +%s%N)
code=$(curl -sk -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer wrong' "$AGENT_URL/v1/info")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "$code" 401 "a delayed failure still ends in 401"
[ "$ms" -ge 900 ] || fail "the 7th failure came back in ${ms} ms: no growing delay"
echo "ok: the 7th failure waited ${ms} ms"

# Eight more in flight at once, each delayed by seconds.
pids=()
for i in 1 2 3 4 5 6 7 8; do
  curl -sk -o /dev/null -w '%{http_code}\n' -H 'Authorization: Bearer wrong' \
    "$AGENT_URL/v1/info" > "$TMP/bad-$i" &
  pids+=($!)
done
sleep 0.3
# Meanwhile the connector: a good request is answered at once.
t0=$(date +%s%N)
code=$(acurl -o /dev/null -w '%{http_code}' "$AGENT_URL/v1/info")
good_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "$code" 200 "good request while bad ones wait"
[ "$good_ms" -lt 1500 ] || fail "the good request took ${good_ms} ms: the delayed clients held the server"
echo "ok: good request answered in ${good_ms} ms while 8 delayed 401s were pending"
for p in "${pids[@]}"; do wait "$p"; done
for i in 1 2 3 4 5 6 7 8; do
  expect_eq "$(cat "$TMP/bad-$i")" 401 "delayed bad request $i"
done
stop_agent
