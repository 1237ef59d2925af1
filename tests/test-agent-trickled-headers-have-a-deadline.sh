#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The connection timeout is also a total deadline for a connection's first
# request: a client that trickles its headers a byte every half second (so
# it is never idle for --connection-timeout) is dropped once the deadline
# has passed and another client connects, while that client is served.
. tests/functions.sh
. tests/agent-functions.sh
requires python3

start_agent --connection-timeout 2
TRICKLE_PER_ADDRESS=1 python3 tests/agent-trickle.py "$AGENT_PORT" "$TMP/trickle.status" \
  "$TMP/trickle.stop" 60 127.0.0.2 &
trickle=$!
on_exit "touch '$TMP/trickle.stop'; wait $trickle"
for ((i = 0; i < 300; i++)); do
  [ "$(cat "$TMP/trickle.status" 2>/dev/null || echo 0)" -ge 1 ] && break
  sleep 0.1
done
[ "$(cat "$TMP/trickle.status" 2>/dev/null || echo 0)" -ge 1 ] || fail "the trickling client never connected"
t0=$(date +%s%N)
# Other clients come and go; the trickler must be dropped (it then
# reconnects: a second handshake) within a few of their arrivals.
for ((i = 0; i < 40; i++)); do
  expect_status 200 GET /v1/health > /dev/null
  [ "$(cat "$TMP/trickle.status")" -ge 2 ] && break
  sleep 0.5
done
[ "$(cat "$TMP/trickle.status")" -ge 2 ] || fail "a trickling client outlived the 2 s deadline by 20 s"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "ok: the trickling client was dropped ${ms} ms after it had connected"
expect_grep 'first request was not in within the connection timeout' "$TMP/agent.err" "the drop is logged"
touch "$TMP/trickle.stop"
wait "$trickle"
stop_agent
