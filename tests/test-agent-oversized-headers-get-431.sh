#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Request headers over the agent's 64 KiB per-connection limit are answered
# with 431 (Request Header Fields Too Large), not a dropped connection: one
# huge header, many small ones, and a huge one on a connection that already
# served a request.  A request line over the limit gets 414.  The agent
# still serves normal requests afterwards.
. tests/functions.sh
. tests/agent-functions.sh

start_agent
head -c 70000 /dev/zero | tr '\0' a | sed 's/^/X-Big: /' > "$TMP/one-big"
for i in $(seq 1 3000); do printf 'X-H%d: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n' "$i"; done > "$TMP/many"
head -c 1000000 /dev/zero | tr '\0' a | sed 's/^/X-Huge: /' > "$TMP/huge"

for f in one-big many huge; do
  code=$(curl -sk -o "$TMP/body" -w '%{http_code}' -H @"$TMP/$f" "$AGENT_URL/v1/health") || true
  expect_eq "$code" 431 "headers '$f' over the limit"
done
# Second request on a kept-alive connection: the first is fine, the second too big.
code=$(curl -sk -o /dev/null -w '%{http_code} ' "$AGENT_URL/v1/health" \
  --next -sk -o /dev/null -w '%{http_code} ' -H @"$TMP/one-big" "$AGENT_URL/v1/health") || true
expect_eq "$code" "200 431 " "an oversized second request on a kept-alive connection"
u=$(head -c 70000 /dev/zero | tr '\0' a)
code=$(curl -sk -o /dev/null -w '%{http_code}' "$AGENT_URL/v1/health?$u") || true
expect_eq "$code" 414 "request line over the limit"
expect_status 200 GET /v1/info
stop_agent
