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
if grep -E 'CBC|-SHA( |$)|RC4|DES|NULL|EXP|anon' "$TMP/suites.txt" | grep -vE 'SHA256|SHA384' ; then
  fail "weak suite accepted"
fi
if grep -E 'SSLv|TLSv1\.[01]' "$TMP/suites.txt"; then fail "suite below TLS 1.2"; fi
echo "ok: only AEAD suites on TLS 1.2/1.3:"
cat "$TMP/suites.txt"
stop_agent
