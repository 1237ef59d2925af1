#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The agent speaks TLS 1.2/1.3 only: plaintext HTTP to its port gets no
# HTTP response, TLS 1.1 and 1.0 handshakes fail, TLS 1.2 and 1.3 work.
. tests/functions.sh
. tests/agent-functions.sh

start_agent
rc=0
out=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$AGENT_PORT/v1/health") || rc=$?
[ "$rc" -ne 0 ] || [ "$out" = 000 ] || fail "plaintext HTTP got an HTTP response ($out)"
echo "ok: plaintext HTTP refused (curl exit $rc, code ${out:-none})"

for v in tls1 tls1_1; do
  if openssl s_client -connect "127.0.0.1:$AGENT_PORT" "-$v" -cipher 'DEFAULT:@SECLEVEL=0' \
       </dev/null >"$TMP/s_client.out" 2>&1; then
    grep -q 'Cipher is (NONE)' "$TMP/s_client.out" || { cat "$TMP/s_client.out"; fail "-$v handshake succeeded"; }
  fi
  echo "ok: -$v handshake fails"
done
for v in tls1_2 tls1_3; do
  openssl s_client -connect "127.0.0.1:$AGENT_PORT" "-$v" </dev/null >"$TMP/s_client.out" 2>&1 \
    || { cat "$TMP/s_client.out"; fail "-$v handshake failed"; }
  expect_grep 'Protocol *: TLSv1\.[23]|New, TLSv1\.[23]' "$TMP/s_client.out" "-$v negotiated"
done
# TLS 1.2 with a CBC suite only: refused.
if openssl s_client -connect "127.0.0.1:$AGENT_PORT" -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA' \
     </dev/null >"$TMP/s_client.out" 2>&1 && ! grep -q 'Cipher is (NONE)' "$TMP/s_client.out"; then
  fail "a CBC suite was accepted"
fi
echo "ok: CBC suite refused"
curl -sk --tlsv1.2 --tls-max 1.2 -o /dev/null "$AGENT_URL/v1/health" || fail "curl TLS 1.2"
stop_agent
