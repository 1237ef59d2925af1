#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A slow client cannot hold the agent: while connections sit idle (one
# without a TLS handshake, one stuck mid-headers) other clients are served,
# and the agent drops the idle ones after --connection-timeout.
. tests/functions.sh
. tests/agent-functions.sh

start_agent --connection-timeout 2
# 1: TCP only, never starts TLS.
exec 3<>"/dev/tcp/127.0.0.1/$AGENT_PORT"
# 2: TLS done, headers never finished.
( printf 'GET /v1/info HTTP/1.1\r\nHost: x\r\n'; sleep 30 ) | \
  timeout 40 openssl s_client -quiet -connect "127.0.0.1:$AGENT_PORT" >"$TMP/slow2.out" 2>&1 &
slow2=$!
sleep 0.5
t0=$(date +%s)
for i in 1 2 3; do
  expect_status 200 GET /v1/info
done
t1=$(date +%s)
[ $((t1 - t0)) -le 2 ] || fail "others were held up ($((t1 - t0)) s)"

# The raw connection is closed by the agent: read sees EOF well before 20 s.
t0=$(date +%s)
timeout 20 cat <&3 >/dev/null || fail "idle TCP connection not dropped within 20 s"
t1=$(date +%s)
echo "ok: idle TCP connection dropped after $((t1 - t0)) more seconds"
exec 3<&-
for ((i = 0; i < 200; i++)); do kill -0 "$slow2" 2>/dev/null || break; sleep 0.1; done
kill -0 "$slow2" 2>/dev/null && { kill "$slow2"; fail "half-sent request not dropped"; }
echo "ok: half-sent request dropped"
expect_status 200 GET /v1/info
stop_agent
