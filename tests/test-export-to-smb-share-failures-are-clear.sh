#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Export jobs to SMB shares that cannot work fail before any byte is
# copied, each with its own error code and words an operator can act on:
# wrong password, missing share, nothing listening on the port, an
# unreachable host, missing directory, full share (a 1 MiB tmpfs behind the
# share), existing file without overwriteTargetFile; and a share that
# claims room (a lying "dfree command") but runs out of space during the
# copy.  No file or partial file is left in any share, no share stays
# connected (smbstatus on the host), the existing file
# is untouched, and a dry run checks the same things and writes nothing.
# One appliance boot (BIOS, QEMU TCG) for all the jobs.
. tests/functions.sh
. tests/agent-functions.sh
. tests/smoke-functions.sh
smoke_requires
requires smbstatus
. tests/smb-functions.sh

mkdir -p "$TMP/share/out" "$TMP/tiny"
mount -t tmpfs -o size=1m ce-smb-test "$TMP/tiny" || { echo "cannot mount a tmpfs"; exit 77; }
on_exit "umount '$TMP/tiny'"
mkdir "$TMP/tiny/out"
# "liar": a 1 MiB tmpfs whose share reports 100 GiB free, so the preflight
# passes and the copy itself runs out of space.
mkdir -p "$TMP/liar"
mount -t tmpfs -o size=1m ce-smb-test "$TMP/liar" || { echo "cannot mount a tmpfs"; exit 77; }
on_exit "umount '$TMP/liar'"
mkdir "$TMP/liar/out"
printf '#!/bin/sh\necho 104857600 104857600\n' > "$TMP/dfree-liar"
chmod +x "$TMP/dfree-liar"
SMB_SHARE_EXTRA_liar="  dfree command = $TMP/dfree-liar"
printf 'keep me\n' > "$TMP/share/out/exists.vhdx"
smb_share share "$TMP/share"
smb_share tiny "$TMP/tiny"
smb_share liar "$TMP/liar"
smb_start

disk=$(fixture win2022-bios-vda)
write_config
smoke_boot bios -drive "file=$disk,if=none,id=win,format=raw,readonly=on" \
  -device nvme,drive=win,serial=CESMB0002
smoke_wait_ready

n=0
# run_job LOCATION PASSWORD [EXTRA-JQ]: an export job; the record in
# $TMP/job-N.json, its log in $TMP/log-N.json; its status in STATUS.
run_job() {
  n=$((n + 1))
  jq -n --arg l "$1" --arg u "$SMB_USER" --arg p "$2" \
    "{type: \"export\", disk: \"serial:CESMB0002\", waitForDiskSeconds: 60, format: \"VhdxDiskFormat\",
      outputStorageLocation: {location: \$l, username: \$u, password: \$p},
      outputImageFilename: \"exists.vhdx\"} | ${3:-.}" > "$TMP/jobdoc-$n.json"
  local id
  id=$(cectl job start "$TMP/jobdoc-$n.json") || fail "cectl job start"
  cectl job wait "$id" >/dev/null 2>&1 || true
  cectl --json job get "$id" > "$TMP/job-$n.json" || fail "cectl job get"
  acurl "$AGENT_URL/v1/jobs/$id/log" > "$TMP/log-$n.json"
  STATUS=$(jq -r .status "$TMP/job-$n.json")
}

# fails CODE WORDS LOCATION [PASSWORD] [EXTRA-JQ]
fails() {
  run_job "$3" "${4-$SMB_PASSWORD}" "${5:-.}"
  expect_eq "$STATUS" failed "job to $3"
  expect_eq "$(jq -r .error.code "$TMP/job-$n.json")" "$1" "error code"
  jq -r .error.message "$TMP/job-$n.json"
  grep -qF -- "$2" <<<"$(jq -r .error.message "$TMP/job-$n.json")" ||
    fail "'$2' not in the error message"
  if grep -q '"copying"\|"message":"export: ' "$TMP/log-$n.json"; then
    cat "$TMP/log-$n.json"; fail "the copy started"
  fi
  no_leftovers
}

no_leftovers() {
  expect_eq "$(ls -A "$TMP/share/out")" exists.vhdx "nothing but the existing file in share/out"
  expect_eq "$(cat "$TMP/share/out/exists.vhdx")" "keep me" "the existing file is untouched"
  expect_eq "$(ls -A "$TMP/tiny/out")" "" "nothing written to the tiny share"
  smbstatus -s "$SMB_DIR/smb.conf" -S 2>/dev/null > "$TMP/smbstatus.out" || true
  if grep -qE '^(share|tiny) ' "$TMP/smbstatus.out"; then
    cat "$TMP/smbstatus.out"; fail "a share is still connected after the job"
  fi
}

base=smb://10.0.2.2:$SMB_PORT
fails shareAccessDenied "refused the credentials" "$base/share/out/" "wrong,$SMB_PASSWORD"
fails shareNotFound "has no share" "$base/nosuchshare/out/"
fails shareUnreachable "cannot reach the SMB server" "smb://10.0.2.2:$(free_tcp_port)/share/out/"
t0=$(date +%s)
fails shareUnreachable "cannot reach the SMB server" "smb://10.0.2.77/share/out/"
echo "unreachable host: failed after $(( $(date +%s) - t0 )) s"
fails destinationNotFound "does not exist (create it first)" "$base/share/missing/dir/"
fails insufficientSpace "not enough free space in $base/tiny/out" "$base/tiny/out/"
fails outputExists "exists.vhdx already exists; set overwriteTargetFile" "$base/share/out/"
fails outputExists "already exists" "$base/share/out/" "$SMB_PASSWORD" '.dryRun = true'

# Out of space in the middle of the copy: the job fails saying so and the
# partial file is removed.
run_job "$base/liar/out/" "$SMB_PASSWORD"
expect_eq "$STATUS" failed "copy to a share that runs out of space"
jq -r .error.message "$TMP/job-$n.json"
expect_eq "$(jq -r .error.code "$TMP/job-$n.json")" exportFailed "error code"
grep -qi "no space left" <<<"$(jq -r .error.message "$TMP/job-$n.json")" ||
  fail "'No space left' not in the error message"
expect_grep "$base/liar/out/" "$TMP/job-$n.json" "the message names the share as the job did"
if grep -q '/run/ce/shares' "$TMP/job-$n.json"; then fail "the message names the mount point"; fi
expect_grep '"message":"export: ' "$TMP/log-$n.json" "the copy had started"
expect_eq "$(ls -A "$TMP/liar/out")" "" "no partial file left on the full share"
no_leftovers

run_job "$base/share/out/" "$SMB_PASSWORD" '.dryRun = true | .outputImageFilename = "new.vhdx"'
expect_eq "$STATUS" complete "dry run to a share with room"
jq -e '.result.dryRun == true and .result.expectedBytes > 0 and .result.freeBytes >= .result.expectedBytes
       and .result.encrypted == true' "$TMP/job-$n.json" >/dev/null ||
  { cat "$TMP/job-$n.json"; fail "dry-run result"; }
expect_eq "$(jq -r .result.output "$TMP/job-$n.json")" "$base/share/out/new.vhdx" "dry-run output"
no_leftovers
echo "ok: a dry run checks the share and writes nothing"

cectl complete > "$TMP/complete.out" || fail "cectl complete"
smoke_wait_poweroff 90
for f in "$SERIAL_LOG" "$TMP"/job-*.json "$TMP"/log-*.json "$TMP/complete.out"; do
  if grep -aqF -- "$SMB_PASSWORD" "$f"; then fail "the password appears in $(basename "$f")"; fi
done
echo "ok: the password is in neither the serial log nor any job JSON or log"
