#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# 16 clients from each of six addresses (127.0.0.2-7) trickle their headers
# a byte at a time, reconnecting when dropped: more than the agent's 64
# connection slots, and the idle timeout never fires.  A newcomer from
# 127.0.0.1 must still be served at once (the agent evicts the oldest
# connection that never completed a request), not after the 30 s
# connection timeout.  Loopback only.
. tests/functions.sh
. tests/agent-functions.sh
requires python3

POOL=64                 # CE_MAX_CONNECTIONS
NEWCOMER_BOUND_S=5      # a served newcomer takes milliseconds; the old wait was 30 s

start_agent             # default --connection-timeout: 30 s
python3 tests/agent-trickle.py "$AGENT_PORT" "$TMP/trickle.status" "$TMP/trickle.stop" 120 \
  127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7 &
trickle=$!
on_exit "touch '$TMP/trickle.stop'; wait $trickle"
# Wait until the trickling clients have filled the pool.
for ((i = 0; i < 600; i++)); do
  n=$(cat "$TMP/trickle.status" 2>/dev/null || echo 0)
  [ "$n" -ge $POOL ] && break
  kill -0 "$trickle" 2>/dev/null || fail "the trickling clients exited"
  sleep 0.1
done
[ "$n" -ge $POOL ] || fail "only $n trickling connections after 60 s"
echo "ok: $n trickling connections made"

for i in 1 2 3; do
  code=$(curl -sk -o /dev/null --max-time 25 -w '%{http_code} %{time_total}' "$AGENT_URL/v1/health") || true
  echo "newcomer $i: $code"
  expect_eq "${code%% *}" 200 "newcomer $i served while the pool is full"
  awk -v t="${code#* }" -v b="$NEWCOMER_BOUND_S" 'BEGIN { exit !(t < b) }' \
    || fail "newcomer $i waited ${code#* } s"
done
expect_grep '"event":"http.evict"' "$TMP/agent.err" "evictions are logged"
touch "$TMP/trickle.stop"
wait "$trickle"
stop_agent
