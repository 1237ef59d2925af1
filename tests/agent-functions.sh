# SPDX-License-Identifier: GPL-3.0-or-later
# Helpers for ce-agent / cectl tests.  Source after tests/functions.sh:
#   . tests/functions.sh; . tests/agent-functions.sh
# start_agent [ce-agent options...] runs `ce-agent --host` on 127.0.0.1 with
# a kernel-chosen free port and a generated token, waits for the
# CE-AGENT-READY line and sets AGENT_URL, AGENT_PORT, AGENT_FP, AGENT_PID.
CE_AGENT=${CE_AGENT:-$CE_TOP/$CE_BUILD/bin/ce-agent}
CECTL=$CE_TOP/$CE_BUILD/bin/cectl
[ -x "$CE_AGENT" ] || fail "$CE_AGENT is not built"
[ -x "$CECTL" ] || fail "$CECTL is not built"
requires curl
requires jq
requires openssl

AGENT_TOKEN_FILE=$TMP/token
AGENT_CONFIG=$TMP/agent-config.json
AGENT_PID=
AGENT_READY_TIMEOUT=${AGENT_READY_TIMEOUT:-60}

# A random 43-character token (base64url of 32 bytes).
make_token() {
  head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | head -c 43
}

# write_config [JQ-EXPRESSION]: the boot config with a fresh token, edited
# by the optional jq expression (e.g. '.idleTimeoutSeconds = 2').
write_config() {
  make_token > "$AGENT_TOKEN_FILE"
  jq -n --arg t "$(cat "$AGENT_TOKEN_FILE")" "{token: \$t} | ${1:-.}" > "$AGENT_CONFIG"
}

start_agent() {
  [ -f "$AGENT_CONFIG" ] || write_config
  : > "$TMP/agent.out"
  "$CE_AGENT" --host --listen 127.0.0.1:0 --config "$AGENT_CONFIG" "$@" \
    >"$TMP/agent.out" 2>"$TMP/agent.err" &
  AGENT_PID=$!
  on_exit "_kill_agent $AGENT_PID"
  await_agent_ready "ce-agent"
  AGENT_PORT=$(sed -n 's/^CE-AGENT-READY .*port=\([0-9]*\).*/\1/p' "$TMP/agent.out")
  AGENT_FP=$(sed -n 's/^CE-AGENT-READY sha256=\([0-9a-f]*\) .*/\1/p' "$TMP/agent.out")
  AGENT_URL=https://127.0.0.1:$AGENT_PORT
  [ ${#AGENT_FP} -eq 64 ] || fail "bad fingerprint in READY line"
  echo "agent ready: $AGENT_URL pid $AGENT_PID"
}

# await_agent_ready WHAT: wait for the event (the CE-AGENT-READY line on
# $TMP/agent.out) of the agent $AGENT_PID, failing at once with its stderr
# if it exits first.  The deadline is wall-clock (a loaded machine makes
# each poll slower, not the allowance shorter) and only bounds a hang.
await_agent_ready() {
  local what=$1 deadline=$((SECONDS + AGENT_READY_TIMEOUT))
  until grep -q '^CE-AGENT-READY ' "$TMP/agent.out"; do
    if ! kill -0 "$AGENT_PID" 2>/dev/null; then
      grep -q '^CE-AGENT-READY ' "$TMP/agent.out" && break
      cat "$TMP/agent.err" >&2
      fail "$what: ce-agent exited before it was ready"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 20 "$TMP/agent.err" >&2
      fail "$what: no CE-AGENT-READY line after ${AGENT_READY_TIMEOUT}s"
    fi
    sleep 0.1
  done
}

_kill_agent() {
  kill -0 "$1" 2>/dev/null || return 0
  kill -TERM "$1" 2>/dev/null
  wait "$1" 2>/dev/null || true
}

# wait_agent_exit [SECONDS]: wait for the agent to exit by itself and set
# AGENT_STATUS to its exit status.
wait_agent_exit() {
  local t=${1:-30} i
  for ((i = 0; i < t * 10; i++)); do
    kill -0 "$AGENT_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$AGENT_PID" 2>/dev/null && fail "ce-agent still running after ${t}s"
  AGENT_STATUS=0
  wait "$AGENT_PID" || AGENT_STATUS=$?
}

# stop_agent: SIGTERM, and the agent must exit 0 (sanitizers clean).
stop_agent() {
  kill -TERM "$AGENT_PID"
  wait_agent_exit 30
  if [ "$AGENT_STATUS" -ne 0 ]; then
    tail -n 30 "$TMP/agent.err" >&2
    fail "ce-agent exited with $AGENT_STATUS after SIGTERM"
  fi
  echo "ok: agent stopped cleanly"
}

# acurl CURL-ARGS...: curl with the bearer token.  The agent's certificate
# is self-signed; tests that care pin it (cectl) or compare it (openssl).
acurl() {
  curl -sk -H "Authorization: Bearer $(cat "$AGENT_TOKEN_FILE")" "$@"
}

# req METHOD PATH [CURL-ARGS...]: authenticated request; body in
# $TMP/body, status echoed.
req() {
  local m=$1 p=$2; shift 2
  acurl -X "$m" -o "$TMP/body" -w '%{http_code}' "$@" "$AGENT_URL$p"
}

# expect_status WANT METHOD PATH [CURL-ARGS...]
expect_status() {
  local want=$1 got; shift
  got=$(req "$@") || true
  if [ "$got" != "$want" ]; then
    cat "$TMP/body" >&2 || true
    fail "$1 $2: HTTP $got, expected $want"
  fi
  echo "ok: $1 $2 -> $want"
}

# expect_error_code CODE: the last body is {"error":{"code":CODE,...}}.
expect_error_code() {
  local got
  got=$(jq -r '.error.code' "$TMP/body" 2>/dev/null) || fail "error body is not JSON: $(cat "$TMP/body")"
  expect_eq "$got" "$1" "error code"
  jq -e '.error.message | type == "string"' "$TMP/body" >/dev/null || fail "no error message"
}

cectl() {
  "$CECTL" --url "$AGENT_URL" --token-file "$AGENT_TOKEN_FILE" \
    --fingerprint "sha256:$AGENT_FP" "$@"
}

# wait_job ID [SECONDS]: poll until the job leaves inProgress; prints status.
wait_job() {
  local id=$1 t=${2:-60} i st
  for ((i = 0; i < t * 10; i++)); do
    st=$(acurl "$AGENT_URL/v1/jobs/$id" | jq -r .status)
    [ "$st" != inProgress ] && { echo "$st"; return 0; }
    sleep 0.1
  done
  fail "job $id still inProgress after ${t}s"
}

# A job whose disk never appears: it waits (cancelable) for SECONDS.
waiting_job() {
  jq -n --argjson s "${1:-120}" '{type: "inspect", disk: "/nonexistent/ce-test-disk", waitForDiskSeconds: $s}'
}
