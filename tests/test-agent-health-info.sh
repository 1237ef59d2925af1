#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# /v1/health needs no token; /v1/info reports version, boot id, platform,
# uptime and the same certificate fingerprint as the READY line, which is
# also what an independent TLS client (openssl s_client) sees.
. tests/functions.sh
. tests/agent-functions.sh

start_agent --platform test-platform
st=$(curl -sk -o "$TMP/body" -w '%{http_code}' "$AGENT_URL/v1/health")
expect_eq "$st" 200 "health status without a token"
expect_eq "$(jq -r .status "$TMP/body")" ready "health body"

expect_status 200 GET /v1/info
expect_eq "$(jq -r .certificateFingerprint "$TMP/body")" "sha256:$AGENT_FP" "info fingerprint = READY line"
expect_eq "$(jq -r .platform "$TMP/body")" test-platform "platform"
expect_eq "$(jq -r .mode "$TMP/body")" host "mode"
jq -e '.version | test("^[0-9]+\\.[0-9]+")' "$TMP/body" >/dev/null || fail "version"
jq -e '.uptimeSeconds | type == "number"' "$TMP/body" >/dev/null || fail "uptime"
expect_eq "$(jq -c .image "$TMP/body")" null "image: null on a host (no image info)"
boot_id=$(jq -r .bootId "$TMP/body")
[ -n "$boot_id" ] || fail "boot id"

# Independent check with openssl: the certificate the agent serves.
openssl s_client -connect "127.0.0.1:$AGENT_PORT" </dev/null 2>/dev/null \
  | openssl x509 -outform PEM > "$TMP/served.pem"
fp=$(openssl x509 -in "$TMP/served.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
expect_eq "$fp" "$AGENT_FP" "fingerprint of the served certificate"
openssl x509 -in "$TMP/served.pem" -noout -text > "$TMP/cert.txt"
expect_grep 'ASN1 OID: prime256v1' "$TMP/cert.txt" "ECDSA P-256 key"
expect_grep "Subject: CN *= *$boot_id" "$TMP/cert.txt" "CN is the boot id"

# cectl info --json reports the same.
cectl --json info > "$TMP/info.json"
expect_eq "$(jq -r .certificateFingerprint "$TMP/info.json")" "sha256:$AGENT_FP" "cectl info fingerprint"
stop_agent
