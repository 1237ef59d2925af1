#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Disk jobs run in a sandboxed child that cannot reach the agent's secrets.
# `ce-agent --sandbox-self-test FILE` holds FILE (here the boot config with
# the token, mode 0600, as the agent holds it) and starts a worker through
# the same path as every disk job, which tries to open a socket, create a
# user namespace, read FILE and read the parent's /proc/PID/mem: each is
# refused; it holds only
# descriptors 0-3 and an environment of PATH (and sanitizer options); as
# root it runs as uid 65534.  With --keep-uid (what an export into a
# root-owned directory gets) the same is refused without the uid change.
# Then a real inspect job through the agent says in its log that its
# worker (another process) was locked down; an NBD disk (which the worker
# connects to before it locks itself down) is inspected the same way.
. tests/functions.sh
. tests/agent-functions.sh

write_config
chmod 600 "$AGENT_CONFIG"

probe() {  # probe [--keep-uid]: the self-test report in $TMP/probe.json
  local rc=0
  "$CE_AGENT" --sandbox-self-test "$AGENT_CONFIG" "$@" > "$TMP/probe.json" 2> "$TMP/probe.err" || rc=$?
  cat "$TMP/probe.json"
  [ -s "$TMP/probe.json" ] || { cat "$TMP/probe.err" >&2; fail "no self-test report"; }
  expect_eq "$rc" 0 "self-test exit status $*"
  for k in socket unixSocket userNamespace keyFile agentMemory; do
    expect_eq "$(jq -r ".$k.refused" "$TMP/probe.json")" true "$k refused $*"
  done
  expect_eq "$(jq -c .fds "$TMP/probe.json")" "[0,1,2,3]" "the worker's descriptors $*"
  jq -e '.environ - ["PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "CE_DEBUG"] == []' \
    "$TMP/probe.json" >/dev/null || fail "the worker's environment is not scrubbed: $(jq -c .environ "$TMP/probe.json")"
  jq -e '.sandbox | test("no_new_privs")' "$TMP/probe.json" >/dev/null || fail "no no_new_privs"
}

probe
if [ "$(id -u)" = 0 ]; then
  expect_eq "$(jq -r .uid "$TMP/probe.json")" 65534 "the worker's uid"
  jq -e '.sandbox | test("without capabilities")' "$TMP/probe.json" >/dev/null || fail "capabilities kept"
  if jq -e '.sandbox | test("landlock ABI")' "$TMP/probe.json" >/dev/null; then
    probe --keep-uid
    expect_eq "$(jq -r .uid "$TMP/probe.json")" 0 "--keep-uid keeps uid 0"
  else
    echo "note: no landlock in this kernel: the --keep-uid case is not refused by uid 0 alone"
  fi
fi
echo "ok: the sandboxed worker cannot open a socket, read the key file or the agent's memory"

# A real disk job goes through the sandbox.
truncate -s 1M "$TMP/zero.img"
start_agent --disk "$TMP/zero.img"
expect_status 202 POST /v1/jobs -H 'Content-Type: application/json' \
  -d "{\"type\":\"inspect\",\"disk\":\"$TMP/zero.img\"}"
id=$(jq -r .id "$TMP/body")
wait_job "$id" > /dev/null
expect_status 200 GET "/v1/jobs/$id/log"
line=$(jq -r 'select(.message | startswith("sandbox: ")) | .message' "$TMP/body")
[ -n "$line" ] || fail "the job log does not show the sandbox: $(cat "$TMP/body")"
echo "job log: $line"
wpid=$(sed -n 's/^sandbox: pid \([0-9]*\),.*/\1/p' <<<"$line")
[ -n "$wpid" ] && [ "$wpid" != "$AGENT_PID" ] || fail "the worker is not a separate process"
grep -q "seccomp allow-list\|seccomp: not in this kernel" <<<"$line" || fail "no seccomp in the report"
stop_agent

if command -v nbdkit > /dev/null; then
  img=$(fixture_copy win2022-bios-vda)
  nbdkit -U "$TMP/nbd.sock" -P "$TMP/nbd.pid" file "$img"
  on_exit "kill \$(cat $TMP/nbd.pid)"
  for ((i = 0; i < 100; i++)); do [ -S "$TMP/nbd.sock" ] && break; sleep 0.1; done
  uri="nbd+unix:///?socket=$TMP/nbd.sock"
  write_config
  start_agent --disk "$uri"
  expect_status 202 POST /v1/jobs -H 'Content-Type: application/json' \
    -d "$(jq -cn --arg u "$uri" '{type: "inspect", disk: $u}')"
  id=$(jq -r .id "$TMP/body")
  expect_eq "$(wait_job "$id" 120)" complete "inspect over NBD"
  expect_status 200 GET "/v1/jobs/$id"
  expect_eq "$(jq -r '.result.windows | length' "$TMP/body")" 1 "Windows found over NBD"
  expect_status 200 GET "/v1/jobs/$id/log"
  jq -r .message "$TMP/body" | grep -q '^sandbox: pid [0-9]*, .*seccomp' \
    || fail "the NBD job did not run sandboxed"
  stop_agent
else
  echo "note: nbdkit not installed: the NBD case is not run"
fi
