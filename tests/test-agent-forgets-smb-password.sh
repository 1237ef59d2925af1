#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Once a job is over, the SMB password of its outputStorageLocation is
# nowhere in the agent's memory: not in the job record, and not in the
# buffers jansson parsed it through and freed (the agent makes jansson
# zero every block it frees).  The password is sent with every character
# JSON-escaped, so its plain text exists only where the agent decoded it,
# never in the request bytes; the job fails before any mount (its disk
# does not exist), so no mount option string holds it either.  The agent's
# memory is read through /proc/PID/mem.
. tests/functions.sh
. tests/agent-functions.sh
requires python3

PW="Pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
escaped=$(printf '%s' "$PW" | od -An -tx1 | tr -s ' \n' ' ' | sed 's/ *$//; s/^ *//; s/\([0-9a-f][0-9a-f]\)/\\u00\1/g; s/ //g')
start_agent
printf '{"type":"export","disk":"%s/absent.img","format":"VhdxDiskFormat","outputStorageLocation":{"location":"smb://127.0.0.1:1/share/out/","username":"alice","password":"%s"}}' \
  "$TMP" "$escaped" > "$TMP/job.json"
grep -qF -- "$PW" "$TMP/job.json" && fail "the request holds the password in plain text"
expect_status 202 POST /v1/jobs -H 'Content-Type: application/json' --data-binary @"$TMP/job.json"
id=$(jq -r .id "$TMP/body")
expect_eq "$(wait_job "$id" 60)" failed "the job (its disk does not exist)"
expect_status 200 GET "/v1/jobs/$id"
expect_error_code diskNotFound

# The scanner must see what is there: a control string the agent keeps.
out=$(python3 tests/agent-memscan.py "$AGENT_PID" "$id") || { [ $? -eq 77 ] && { echo "$out"; exit 77; }; fail "memscan: $out"; }
[ "${out%% *}" -ge 1 ] || fail "the scanner does not find the job id the agent holds"
out=$(python3 tests/agent-memscan.py "$AGENT_PID" "$PW")
echo "password copies in the agent's memory: $out"
expect_eq "${out%% *}" 0 "copies of the SMB password left in the agent's memory"
stop_agent
