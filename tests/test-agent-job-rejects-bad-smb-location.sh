#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# POST /v1/jobs checks outputStorageLocation before a job starts: every
# malformed smb:// URL (no host, no share, bad port, user info, '..',
# encoded separators, control characters, query...) and every misplaced or
# oversized credential is a 400 with a stable code and words saying what is
# wrong, in export, publish and prepareAndPublish jobs alike; the password
# is never echoed.  A valid SMB location is accepted, and a job the mount
# then fails (no CIFS in the host kernel, or nothing listening) fails with a
# clear message; neither the job record nor its log holds the password.
. tests/functions.sh
. tests/agent-functions.sh

PW='Pw-never-echoed-7f3a'
head -c 1048576 /dev/urandom > "$TMP/src.img"
start_agent --disk "$TMP/src.img"
J=(-H 'Content-Type: application/json')

# post TYPE LOCATION-JSON: a copy job with that outputStorageLocation.
post() {
  local extra='{}'
  [ "$1" = prepareAndPublish ] && extra='{"platform": "azure", "provisioningType": "Mcs"}'
  jq -n --arg t "$1" --arg d "$TMP/src.img" --argjson loc "$2" --argjson x "$extra" \
    '{type: $t, disk: $d, format: "VhdxDiskFormat", outputStorageLocation: $loc} + $x' \
    > "$TMP/job.json"
  req POST /v1/jobs "${J[@]}" --data-binary @"$TMP/job.json"
}

# rejects CODE WORDS LOCATION-JSON: 400, the code, the words, no password.
rejects() {
  local code=$1 words=$2 loc=$3 t got what
  what=$(jq -r '.location // "(no location)"' <<<"$loc" | cut -c1-60)
  for t in export publish prepareAndPublish; do
    got=$(post "$t" "$loc") || true
    [ "$got" = 400 ] || { cat "$TMP/body"; fail "$t $what: HTTP $got, expected 400"; }
    expect_eq "$(jq -r .error.code "$TMP/body")" "$code" "$t $what: error code"
    grep -qF -- "$words" "$TMP/body" || { cat "$TMP/body"; fail "$t $what: '$words' not in the message"; }
    if grep -qF -- "$PW" "$TMP/body"; then fail "$t $what: the password is echoed"; fi
  done
}

smb() {  # smb URL [USERNAME]: a location with credentials
  jq -cn --arg l "$1" --arg u "${2-alice}" --arg p "$PW" '{location: $l, username: $u, password: $p}'
}

rejects invalidValue "missing host" "$(smb smb://)"
rejects invalidValue "missing host" "$(smb smb://:445/share/)"
rejects invalidValue "missing share name" "$(smb smb://files.example)"
rejects invalidValue "missing share name" "$(smb smb://files.example/)"
rejects invalidValue "port must be a number from 1 to 65535" "$(smb smb://files.example:0/share/)"
rejects invalidValue "port must be a number from 1 to 65535" "$(smb smb://files.example:65536/share/)"
rejects invalidValue "port must be a number from 1 to 65535" "$(smb smb://files.example:smb/share/)"
rejects invalidValue "port must be a number from 1 to 65535" "$(smb smb://files.example:/share/)"
rejects invalidValue "use outputStorageLocation.username and .password" \
  "$(smb "smb://alice:$PW@files.example/share/")"
rejects invalidValue "'..' is not allowed in the directory" "$(smb smb://files.example/share/out/../../etc/)"
rejects invalidValue "'..' is not allowed in the directory" "$(smb smb://files.example/share/%2e%2E/)"
rejects invalidValue "'..' is not allowed in the share name" "$(smb smb://files.example/../x/)"
rejects invalidValue "'.' is not allowed in the directory" "$(smb smb://files.example/share/./x/)"
rejects invalidValue "encoded '/'" "$(smb smb://files.example/share/a%2Fb/)"
rejects invalidValue "encoded '/'" "$(smb smb://files.example/share/a%5cb/)"
rejects invalidValue "contains a control character" "$(smb smb://files.example/share/a%00b/)"
rejects invalidValue "contains a control character" "$(smb smb://files.example/share/a%0ab/)"
rejects invalidValue "not followed by two hex digits" "$(smb smb://files.example/share/a%zz/)"
rejects invalidValue "not followed by two hex digits" "$(smb smb://files.example/share/a%4)"
rejects invalidValue "must be percent-encoded" "$(smb 'smb://files.example/share/my dir/')"
rejects invalidValue "no query or fragment" "$(smb 'smb://files.example/share/?x=1')"
rejects invalidValue "no query or fragment" "$(smb 'smb://files.example/share/#top')"
rejects invalidValue "to separate the share and directories" "$(smb 'smb://files.example\share\out')"
rejects invalidValue "empty directory" "$(smb smb://files.example/share//out/)"
rejects invalidValue "empty share name" "$(smb smb://files.example//out/)"
rejects invalidValue "host name may hold only" "$(smb 'smb://files$.example/share/')"
rejects invalidValue "without ']'" "$(smb 'smb://[fd00::1/share/')"
rejects invalidValue "not an IPv6 address" "$(smb 'smb://[files]/share/')"
rejects invalidValue "unexpected text after ']'" "$(smb 'smb://[fd00::1]x/share/')"
rejects invalidValue "share name longer than 80" \
  "$(smb "smb://files.example/$(printf 's%.0s' $(seq 81))/")"
rejects invalidValue "host longer than 253" \
  "$(smb "smb://$(printf 'h%.0s' $(seq 254))/share/")"
rejects invalidValue "expected smb://host[:port]/share/dir/ or an absolute directory" "$(smb ftp://files.example/share/)"
rejects invalidValue "expected smb://host[:port]/share/dir/ or an absolute directory" "$(smb relative/out)"
rejects invalidValue "as smb://host/share/dir/" "$(smb '\\\\files.example\\share\\out')"
rejects invalidValue "expected smb://host[:port]/share/dir/ or an absolute directory" "$(smb smb:/files.example/share/)"
# Credentials.
rejects missingField "missing field 'username' (required for smb:// locations)" \
  "$(jq -cn --arg p "$PW" '{location: "smb://files.example/share/", password: $p}')"
rejects invalidValue "username: must not be empty" "$(smb smb://files.example/share/ '')"
rejects invalidValue "password: longer than 512 characters" \
  "$(jq -cn --arg p "$(printf 'p%.0s' $(seq 513))" '{location: "smb://files.example/share/", username: "alice", password: $p}')"
rejects invalidValue "username: longer than 256 characters" \
  "$(smb smb://files.example/share/ "$(printf 'u%.0s' $(seq 257))")"
rejects invalidValue "domain: longer than 256 characters" \
  "$(jq -cn --arg p "$PW" --arg d "$(printf 'd%.0s' $(seq 257))" '{location: "smb://files.example/share/", username: "alice", password: $p, domain: $d}')"
rejects invalidValue "password: only used with smb:// locations" \
  "$(jq -cn --arg p "$PW" --arg o "$TMP" '{location: $o, password: $p}')"
rejects invalidValue "username: only used with smb:// locations" \
  "$(jq -cn --arg o "$TMP" '{location: $o, username: "alice"}')"
rejects unknownField "unknown field 'pass'" \
  "$(jq -cn --arg p "$PW" '{location: "smb://files.example/share/", username: "alice", pass: $p}')"
rejects invalidType "password: expected a string" \
  '{"location": "smb://files.example/share/", "username": "alice", "password": 7}'
rejects missingField "missing field 'location'" "$(jq -cn --arg p "$PW" '{username: "alice", password: $p}')"
echo "ok: every bad location is a 400 naming the problem, without the password"

# Valid locations pass the parser; the mount on this host then fails with a
# clear message (no CIFS in the kernel, not root, or nothing on port 1).
for loc in smb://127.0.0.1:1/share/out/ smb://127.0.0.1:1/share 'smb://[::1]:1/sh%20are/a%2Cb/c/' \
           SMB://127.0.0.1:1/share/out; do
  got=$(post export "$(jq -cn --arg l "$loc" --arg p "a,b=$PW" '{location: $l, username: "alice", password: $p, domain: "CORP"}')") || true
  [ "$got" = 202 ] || { cat "$TMP/body"; fail "$loc: HTTP $got, expected 202"; }
  id=$(jq -r .id "$TMP/body")
  expect_eq "$(wait_job "$id" 60)" failed "job to $loc"
  expect_status 200 GET "/v1/jobs/$id"
  echo "  error: $(jq -r .error.message "$TMP/body")"
  cp "$TMP/body" "$TMP/job-$id.json"
  jq -e '.error.code | IN("shareUnavailable", "shareUnreachable", "shareMountFailed")' "$TMP/body" \
    >/dev/null || { cat "$TMP/body"; fail "$loc: unexpected error code"; }
  grep -qE 'the host kernel has no CIFS client; SMB destinations work inside the appliance|cannot reach the SMB server of .*127.0.0.1|::1.* on port 1|cannot create the mount point' "$TMP/body" ||
    { cat "$TMP/body"; fail "$loc: unclear error message"; }
  expect_status 200 GET "/v1/jobs/$id/log"
  cp "$TMP/body" "$TMP/log-$id.json"
  grep -q "mounting smb://" "$TMP/log-$id.json" || fail "the log does not say what is mounted"
done
if grep -rqF -- "$PW" "$TMP"/job-*.json "$TMP"/log-*.json "$TMP/agent.err" "$TMP/agent.out"; then
  fail "the password appears in a job record, a job log or the agent's log"
fi
echo "ok: failed mounts say why; the password is in no job record, job log or agent log"
[ -z "$(ls -A /run/ce/shares 2>/dev/null)" ] || fail "a mount point was left in /run/ce/shares"
echo "ok: no mount point left behind"
stop_agent
