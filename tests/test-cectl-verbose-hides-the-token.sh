#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `cectl -v` shows the HTTP exchange but never the bearer token: the
# Authorization header is printed redacted, for a GET and for a POST.
. tests/functions.sh
. tests/agent-functions.sh

start_agent
token=$(cat "$AGENT_TOKEN_FILE")
expect_exit 0 cectl -v info
expect_grep "sha256:$AGENT_FP" "$TMP/out" "info still works with -v"
expect_grep '^> GET /v1/info HTTP/1.1' "$TMP/err" "-v shows the request line"
expect_grep '^> Authorization: Bearer <redacted>$' "$TMP/err" "-v shows the redacted header"
grep -qF -- "$token" "$TMP/err" && fail "cectl -v printed the token"
grep -qF -- "${token:0:16}" "$TMP/err" && fail "cectl -v printed part of the token"
echo "ok: the token is not in the -v output of a GET"

expect_exit 0 cectl -v complete
expect_grep '^> POST /v1/complete HTTP/1.1' "$TMP/err" "-v shows the POST"
expect_grep '^> Authorization: Bearer <redacted>$' "$TMP/err" "-v redacts on POST"
grep -qF -- "${token:0:16}" "$TMP/err" && fail "cectl -v printed the token on POST"
echo "ok: the token is not in the -v output of a POST"
wait_agent_exit 30
expect_eq "$AGENT_STATUS" 0 "agent exit status"
