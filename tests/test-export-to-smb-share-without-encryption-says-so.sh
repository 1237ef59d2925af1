#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Against an SMB server that offers no encryption ("server smb encrypt =
# off"), the appliance asks for it first, then mounts without it, and says
# so: the job log has "does not offer encryption" and "NOT encrypted", the
# dry-run result has encrypted false, and nothing stays connected
# (smbstatus on the host).  (The encrypted
# case: test-export-to-smb-share-from-appliance.sh.)
. tests/functions.sh
. tests/agent-functions.sh
. tests/smoke-functions.sh
smoke_requires
requires smbstatus
SMB_GLOBAL_EXTRA="  server smb encrypt = off"
. tests/smb-functions.sh

mkdir -p "$TMP/share/out"
smb_share share "$TMP/share"
smb_start

disk=$(fixture win2022-bios-vda)
write_config
smoke_boot bios -drive "file=$disk,if=none,id=win,format=raw,readonly=on" \
  -device nvme,drive=win,serial=CESMB0004
smoke_wait_ready

jq -n --arg l "smb://10.0.2.2:$SMB_PORT/share/out/" --arg u "$SMB_USER" --arg p "$SMB_PASSWORD" \
  '{type: "export", disk: "serial:CESMB0004", waitForDiskSeconds: 60, dryRun: true,
    outputStorageLocation: {location: $l, username: $u, password: $p}}' > "$TMP/job.json"
id=$(cectl job start "$TMP/job.json") || fail "cectl job start"
cectl job wait "$id" >"$TMP/wait.out" 2>&1 || { cat "$TMP/wait.out"; cectl job log "$id" || true; fail "job $id did not complete"; }
cectl --json job get "$id" > "$TMP/job-result.json" || fail "cectl job get"
acurl "$AGENT_URL/v1/jobs/$id/log" > "$TMP/job-log.json"
jq -r .message "$TMP/job-log.json"
expect_eq "$(jq -r .status "$TMP/job-result.json")" complete "dry run without encryption"
expect_eq "$(jq -r .result.encrypted "$TMP/job-result.json")" false "the result says: not encrypted"
expect_grep 'does not offer encryption; mounting without it' "$TMP/job-log.json" "the log says why"
expect_grep 'SMB 3, NOT encrypted' "$TMP/job-log.json" "the log says how it was mounted"
expect_eq "$(ls -A "$TMP/share/out")" "" "a dry run writes nothing"
smbstatus -s "$SMB_DIR/smb.conf" -S 2>/dev/null > "$TMP/smbstatus.out" || true
if grep -q '^share ' "$TMP/smbstatus.out"; then fail "the share is still connected"; fi
cectl complete > "$TMP/complete.out" || fail "cectl complete"
smoke_wait_poweroff 90
# The power-off path that used to hang after SMB jobs (docs/APPLIANCE.md):
# the interface goes down before the kernel resets the virtio devices.
expect_grep '1 network interface\(s\) down, file systems synced' "$SERIAL_LOG" \
  "the agent took the network down before powering off"
expect_grep 'reboot: Power down' "$SERIAL_LOG" "the kernel reached the power-off"
for f in "$SERIAL_LOG" "$TMP/job-result.json" "$TMP/job-log.json"; do
  if grep -aqF -- "$SMB_PASSWORD" "$f"; then fail "the password appears in $(basename "$f")"; fi
done
echo "ok: the password is in neither the serial log nor any job JSON"
