#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Boot config: a missing or short token or an unknown key stops the agent
# with exit 2 and a clear message (never echoing the token); no config at
# all is refused too; fw_cfg and ce.config=<base64> on the kernel command
# line are read when --config is absent.
. tests/functions.sh
. tests/agent-functions.sh

none=$TMP/does-not-exist
refuse() {   # refuse WHAT PATTERN ce-agent-args...
  local what=$1 pat=$2; shift 2
  expect_exit 2 "$CE_AGENT" --host --listen 127.0.0.1:0 --fw-cfg "$none" --proc-cmdline "$none" "$@"
  expect_grep "$pat" "$TMP/err" "$what: message"
  grep -q CE-AGENT-READY "$TMP/out" && fail "$what: agent became ready"
  true
}

echo '{"idleTimeoutSeconds": 10}' > "$TMP/c1.json"
refuse "missing token" '"token" is missing' --config "$TMP/c1.json"
echo '{"token": "short-secret-token"}' > "$TMP/c2.json"
refuse "short token" 'too short.*at least 32' --config "$TMP/c2.json"
grep -q short-secret-token "$TMP/err" && fail "short token echoed in the message"
jq -n --arg t "$(make_token)" '{token: $t, colour: "red"}' > "$TMP/c3.json"
refuse "unknown key" 'unknown key "colour"' --config "$TMP/c3.json"
jq -n --arg t "$(make_token)" '{token: $t, idleTimeoutSeconds: "soon"}' > "$TMP/c4.json"
refuse "wrong type" '"idleTimeoutSeconds" must be an integer' --config "$TMP/c4.json"
echo '{"token": ' > "$TMP/c5.json"
refuse "malformed JSON" 'invalid JSON' --config "$TMP/c5.json"
refuse "no config anywhere" 'none found'
refuse "unreadable --config" 'cannot read' --config "$none"
jq -n --arg t "$(make_token)" '{token: $t, tlsCert: "x"}' > "$TMP/c6.json"
refuse "cert without key" 'must be given together' --config "$TMP/c6.json"
echo "root=/dev/sda1 ce.config=%%%notbase64 quiet" > "$TMP/cmdline-bad"
refuse "bad base64 on the command line" 'not valid base64' --proc-cmdline "$TMP/cmdline-bad"

# Kernel command line: ce.config=<base64 of the JSON>.
write_config
b64=$(base64 -w0 < "$AGENT_CONFIG")
echo "console=ttyS0 ce.config=$b64 quiet" > "$TMP/cmdline"
mv "$AGENT_CONFIG" "$TMP/saved.json"
# Emptied here, not by the redirect below: that happens in the child,
# and the wait must never see the previous agent's READY line.
: >"$TMP/agent.out"; : >"$TMP/agent.err"
"$CE_AGENT" --host --listen 127.0.0.1:0 --fw-cfg "$none" --proc-cmdline "$TMP/cmdline" \
  >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
on_exit "_kill_agent $AGENT_PID"
await_agent_ready "ce.config= from the command line"
echo "ok: ready with ce.config= from the command line"
expect_grep 'kernel command line' "$TMP/agent.err" "config source logged"
AGENT_PORT=$(sed -n 's/.*port=//p' "$TMP/agent.out"); AGENT_URL=https://127.0.0.1:$AGENT_PORT
expect_status 200 GET /v1/info
stop_agent

# fw_cfg file.
cp "$TMP/saved.json" "$TMP/fwcfg-raw"
# Emptied here, not by the redirect below: that happens in the child,
# and the wait must never see the previous agent's READY line.
: >"$TMP/agent.out"; : >"$TMP/agent.err"
"$CE_AGENT" --host --listen 127.0.0.1:0 --fw-cfg "$TMP/fwcfg-raw" --proc-cmdline "$none" \
  >"$TMP/agent.out" 2>"$TMP/agent.err" &
AGENT_PID=$!
on_exit "_kill_agent $AGENT_PID"
await_agent_ready "the fw_cfg config"
echo "ok: ready with the fw_cfg config"
expect_grep 'fw_cfg' "$TMP/agent.err" "fw_cfg source logged"
grep -q "$(cat "$AGENT_TOKEN_FILE")" "$TMP/agent.err" && fail "token logged"
stop_agent
