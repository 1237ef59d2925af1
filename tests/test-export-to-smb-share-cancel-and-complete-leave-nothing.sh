#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# An export to an SMB share stopped in the middle of the copy leaves
# nothing behind: canceled, the job ends "canceled", no file or temporary
# file is in the share directory and the share is no longer connected
# (smbstatus on the host); then `complete --force` during a second copy
# powers the VM off with, again, nothing in the share and no connection.
# The disk is 384 MiB of random bytes (no partition table: copied in full),
# so the copy takes long enough to be caught in the middle.
. tests/functions.sh
. tests/agent-functions.sh
. tests/smoke-functions.sh
smoke_requires
requires smbstatus
. tests/smb-functions.sh

mkdir -p "$TMP/share/out"
smb_share share "$TMP/share"
smb_start
head -c $((384 * 1048576)) /dev/urandom > "$TMP/random.img"
write_config
smoke_boot bios -drive "file=$TMP/random.img,if=none,id=d,format=raw,readonly=on" \
  -device nvme,drive=d,serial=CESMB0005
smoke_wait_ready

# start_copy NAME: an export job; waits until it is copying; sets ID.
start_copy() {
  jq -n --arg l "smb://10.0.2.2:$SMB_PORT/share/out/" --arg u "$SMB_USER" --arg p "$SMB_PASSWORD" \
    --arg n "$1" '{type: "export", disk: "serial:CESMB0005", waitForDiskSeconds: 60, format: "Raw",
      outputImageFilename: $n, outputStorageLocation: {location: $l, username: $u, password: $p}}' \
    > "$TMP/job.json"
  ID=$(cectl job start "$TMP/job.json") || fail "cectl job start"
  local i st
  for ((i = 0; i < 1200; i++)); do
    acurl "$AGENT_URL/v1/jobs/$ID" > "$TMP/job-now.json"
    st=$(jq -r .status "$TMP/job-now.json")
    [ "$st" = inProgress ] || { cat "$TMP/job-now.json"; fail "job ended before it was caught copying"; }
    if [ "$(jq -r .step "$TMP/job-now.json")" = copying ] &&
       [ -n "$(ls -A "$TMP/share/out")" ]; then
      echo "ok: caught copying at $(jq -r .overallProgressPercent "$TMP/job-now.json")%," \
           "on the share: $(ls -A "$TMP/share/out")"
      return 0
    fi
    sleep 0.1
  done
  fail "the job never started copying"
}

nothing_left() {
  expect_eq "$(ls -A "$TMP/share/out")" "" "nothing left in the share directory ($1)"
  smbstatus -s "$SMB_DIR/smb.conf" -S 2>/dev/null > "$TMP/smbstatus.out" || true
  if grep -q '^share ' "$TMP/smbstatus.out"; then
    cat "$TMP/smbstatus.out"; fail "the share is still connected ($1)"
  fi
  echo "ok: the share is not connected ($1)"
}

start_copy one.raw
acurl -X POST "$AGENT_URL/v1/jobs/$ID/cancel" > /dev/null
expect_eq "$(wait_job "$ID" 120)" canceled "canceled in the middle of the copy"
acurl "$AGENT_URL/v1/jobs/$ID/log" > "$TMP/log-1.json"
expect_grep 'unmounted smb://' "$TMP/log-1.json" "the log says the share was unmounted"
nothing_left cancel

start_copy two.raw
cectl complete --force > "$TMP/complete.out" || fail "cectl complete --force"
smoke_wait_poweroff 120
nothing_left "complete --force"
for f in "$SERIAL_LOG" "$TMP/log-1.json" "$TMP/complete.out"; do
  if grep -aqF -- "$SMB_PASSWORD" "$f"; then fail "the password appears in $(basename "$f")"; fi
done
echo "ok: the password is in neither the serial log nor the job log"
