#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# TLS audit with sslscan: nothing below TLS 1.2 is enabled, and no CBC,
# RC4, 3DES or NULL suite is accepted.
. tests/functions.sh
requires sslscan
. tests/agent-functions.sh

start_agent
sslscan --no-colour --no-heartbleed "127.0.0.1:$AGENT_PORT" > "$TMP/scan.txt" 2>&1 || true
cat "$TMP/scan.txt"
grep -qE 'TLSv1\.2 +enabled' "$TMP/scan.txt" || fail "TLS 1.2 not reported enabled (scan failed?)"
for p in SSLv2 SSLv3 'TLSv1\.0' 'TLSv1\.1'; do
  if grep -qE "^$p +enabled" "$TMP/scan.txt"; then fail "$p enabled"; fi
  echo "ok: $p not enabled"
done
grep -E '^(Preferred|Accepted)' "$TMP/scan.txt" > "$TMP/suites.txt" || fail "no accepted suites listed"
# Every accepted suite must be AEAD (GCM / ChaCha20-Poly1305) with ECDHE
# or a TLS 1.3 suite; anything else (CBC, RC4, 3DES, NULL, static RSA) fails.
if grep -vE 'TLSv1\.3 .*TLS_(AES_(128|256)_GCM|CHACHA20_POLY1305)_SHA|TLSv1\.2 .*ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)' \
     "$TMP/suites.txt"; then
  fail "non-AEAD or non-forward-secret suite accepted (above)"
fi
if grep -E 'CBC|RC4|DES|NULL|EXP|anon|MD5' "$TMP/suites.txt"; then fail "weak suite accepted"; fi
if grep -E 'SSLv|TLSv1\.[01]' "$TMP/suites.txt"; then fail "suite below TLS 1.2"; fi
echo "ok: only AEAD suites on TLS 1.2/1.3:"
cat "$TMP/suites.txt"
stop_agent
