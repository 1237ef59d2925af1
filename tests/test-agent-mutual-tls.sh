#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# With clientCa in the boot config, requests need a client certificate
# signed by that CA as well as the token: no certificate or one from another
# CA is refused (401 or a failed handshake), the right one works (curl and
# cectl --cert/--key).
. tests/functions.sh
. tests/agent-functions.sh

mkca() {  # mkca NAME: CA key+cert and a client key+cert signed by it
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj "/CN=$1 CA" -keyout "$TMP/$1-ca.key" -out "$TMP/$1-ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1 client" \
    -keyout "$TMP/$1-client.key" -out "$TMP/$1-client.csr" 2>/dev/null
  openssl x509 -req -in "$TMP/$1-client.csr" -CA "$TMP/$1-ca.pem" -CAkey "$TMP/$1-ca.key" \
    -CAcreateserial -days 2 -out "$TMP/$1-client.pem" 2>/dev/null
}
mkca good
mkca evil
write_config ".clientCa = \$ca" 2>/dev/null || true
jq -n --arg t "$(cat "$AGENT_TOKEN_FILE")" --rawfile ca "$TMP/good-ca.pem" '{token: $t, clientCa: $ca}' > "$AGENT_CONFIG"
start_agent

code() { acurl -o "$TMP/body" -w '%{http_code}' "$@" "$AGENT_URL/v1/info" || true; }
st=$(code)
case $st in 401|000) echo "ok: no client certificate refused ($st)";; *) fail "no client cert: $st";; esac
st=$(code --cert "$TMP/evil-client.pem" --key "$TMP/evil-client.key")
case $st in 401|000) echo "ok: certificate from another CA refused ($st)";; *) fail "wrong CA: $st";; esac
st=$(code --cert "$TMP/good-client.pem" --key "$TMP/good-client.key")
expect_eq "$st" 200 "certificate from clientCa plus token"
expect_eq "$(jq -r .mutualTls "$TMP/body")" true "info reports mutual TLS"
st=$(curl -sk -o /dev/null -w '%{http_code}' --cert "$TMP/good-client.pem" --key "$TMP/good-client.key" "$AGENT_URL/v1/info")
expect_eq "$st" 401 "good certificate without the token"

cectl --cert "$TMP/good-client.pem" --key "$TMP/good-client.key" info > /dev/null || fail "cectl with client cert"
echo "ok: cectl --cert/--key"
rc=0; cectl info >/dev/null 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "cectl without client cert succeeded"
echo "ok: cectl without client cert fails ($rc)"
stop_agent
