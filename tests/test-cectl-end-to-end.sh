#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# cectl against a live agent, pinned to the READY fingerprint: info, disks,
# artifact put, job start / wait / get / log, a failing job (exit 1),
# complete (agent exits 0).  Wrong pin exits 3 before sending anything,
# wrong token exits 4, usage errors exit 2.
. tests/functions.sh
. tests/agent-functions.sh

truncate -s 1M "$TMP/zero.img"
mkdir -p "$TMP/store"
start_agent --disk "$TMP/zero.img" --artifact-dir "$TMP/store"

expect_exit 0 cectl info
expect_grep "sha256:$AGENT_FP" "$TMP/out" "info shows the fingerprint"
expect_exit 0 cectl --json disks
expect_eq "$(jq -r '.disks[0].path' "$TMP/out")" "$TMP/zero.img" "disks"
expect_exit 0 cectl disks
expect_grep "zero.img +1048576" "$TMP/out" "disks table"

head -c 3000 /dev/urandom > "$TMP/pkg.bin"
expect_exit 0 cectl artifact put pkg.bin "$TMP/pkg.bin"
expect_grep "sha256 $(sha256sum "$TMP/pkg.bin" | cut -c1-64)" "$TMP/out" "artifact digest"
expect_exit 5 cectl artifact put ../escape "$TMP/pkg.bin"
# A larger payload is streamed (the agent never holds it in memory).
head -c $((24 << 20)) /dev/urandom > "$TMP/big.bin"
expect_exit 0 cectl --json artifact put big.bin "$TMP/big.bin"
expect_eq "$(jq -r .sha256 "$TMP/out")" "$(sha256sum "$TMP/big.bin" | cut -c1-64)" "24 MiB artifact digest"
cmp "$TMP/big.bin" "$TMP/store/big.bin" || fail "stored artifact differs"
echo "ok: 24 MiB artifact stored intact"

jq -n --arg d "$TMP/zero.img" '{type: "inspect", disk: $d}' > "$TMP/job.json"
expect_exit 0 cectl job start "$TMP/job.json"
id=$(cat "$TMP/out")
expect_exit 0 cectl job wait "$id"
expect_grep "^100% " "$TMP/out" "plain progress lines off a TTY"
expect_grep "job $id complete" "$TMP/out" "final line"
expect_exit 0 cectl --json job get "$id"
expect_eq "$(jq -r .status "$TMP/out")" complete "job get"
expect_exit 0 cectl job log "$id"
expect_grep "job started" "$TMP/out" "job log"
expect_exit 0 cectl --json job log "$id" --follow
jq -e -s 'length >= 2' "$TMP/out" >/dev/null || fail "job log --json lines"

# A TTY gets a progress bar (tmux/script not needed: `script` gives a pty).
if command -v script >/dev/null; then
  script -qec "$CECTL --url $AGENT_URL --token-file $AGENT_TOKEN_FILE --fingerprint sha256:$AGENT_FP job wait $id" \
    /dev/null > "$TMP/tty.out" || fail "job wait on a tty"
  expect_grep '\[#+\] 100%' "$TMP/tty.out" "progress bar on a TTY"
fi

jq -n --arg d "$TMP/zero.img" '{type: "prepare", disk: $d, platform: "azure", provisioningType: "Mcs"}' > "$TMP/prep.json"
expect_exit 0 cectl job start "$TMP/prep.json"
id2=$(cat "$TMP/out")
expect_exit 1 cectl job wait "$id2"
expect_grep "failed" "$TMP/out" "failed job reported"

waiting_job 60 > "$TMP/wait.json"
expect_exit 0 cectl job start "$TMP/wait.json"
id3=$(cat "$TMP/out")
expect_exit 5 cectl job start "$TMP/wait.json"
expect_grep "409 jobRunning.*$id3" "$TMP/err" "409 names the running job"
expect_exit 0 cectl job cancel "$id3"
expect_exit 1 cectl job wait "$id3"
expect_grep canceled "$TMP/out" "canceled"

echo '{"type":"inspect","disk":"x","bogus":1}' > "$TMP/bad.json"
expect_exit 5 cectl job start "$TMP/bad.json"
expect_grep "bogus" "$TMP/err" "unknown field named"
expect_exit 5 cectl job get 00000000-0000-4000-8000-000000000000

wrong=$(echo x | sha256sum | cut -c1-64)
expect_exit 3 "$CECTL" --url "$AGENT_URL" --token-file "$AGENT_TOKEN_FILE" --fingerprint "sha256:$wrong" info
expect_grep "does not match --fingerprint" "$TMP/err" "pin mismatch message"
make_token > "$TMP/wrong-token"
expect_exit 4 "$CECTL" --url "$AGENT_URL" --token-file "$TMP/wrong-token" --fingerprint "sha256:$AGENT_FP" info
expect_exit 3 "$CECTL" --url "https://127.0.0.1:1" --token-file "$AGENT_TOKEN_FILE" info
expect_exit 2 "$CECTL" --url "$AGENT_URL" info
expect_exit 2 cectl job frobnicate x
expect_exit 2 cectl
expect_exit 2 "$CECTL" --url "http://127.0.0.1:$AGENT_PORT" --token-file "$AGENT_TOKEN_FILE" info
expect_exit 0 "$CECTL" --help
expect_grep "Exit status" "$TMP/out" "help documents exit codes"

expect_exit 0 cectl complete
wait_agent_exit 30
expect_eq "$AGENT_STATUS" 0 "agent exit status after cectl complete"
