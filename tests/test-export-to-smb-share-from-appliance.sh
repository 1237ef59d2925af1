#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The appliance (BIOS, QEMU TCG) exports an attached Windows disk as VHDX to
# an SMB share: a private smbd on the host (SMB 3 only, tdbsam user whose
# password holds a comma) reached from the VM as 10.0.2.2 through QEMU user
# networking.  On the host: the file is in the share directory, qemu-img
# check passes, its sha256sum equals the job result's sha256, no temporary
# file is left, the session was encrypted and is gone after the job
# (smbstatus), and the password is in neither the serial log nor any job
# JSON nor the job log.
. tests/functions.sh
. tests/agent-functions.sh
. tests/smoke-functions.sh
smoke_requires
requires qemu-img
requires smbstatus
. tests/smb-functions.sh

mkdir -p "$TMP/share/out"
smb_share share "$TMP/share"
smb_start

disk=$(fixture win2022-bios-vda)
write_config
smoke_boot bios -drive "file=$disk,if=none,id=win,format=raw,readonly=on" \
  -device nvme,drive=win,serial=CESMB0001
smoke_wait_ready

jq -n --arg l "smb://10.0.2.2:$SMB_PORT/share/out/" --arg u "$SMB_USER" --arg p "$SMB_PASSWORD" \
  '{type: "export", disk: "serial:CESMB0001", waitForDiskSeconds: 60, format: "VhdxDiskFormat",
    outputStorageLocation: {location: $l, username: $u, password: $p, domain: "CETEST"},
    outputImageFilename: "win2022.vhdx"}' > "$TMP/job.json"
id=$(cectl job start "$TMP/job.json") || fail "cectl job start"
echo "job $id"
cectl job wait "$id" >"$TMP/wait.out" 2>&1 || { cat "$TMP/wait.out"; cectl job log "$id" || true; fail "export job $id did not complete"; }
cectl --json job get "$id" > "$TMP/job-result.json" || fail "cectl job get"
acurl "$AGENT_URL/v1/jobs/$id/log" > "$TMP/job-log.json"
cat "$TMP/job-log.json"
expect_eq "$(jq -r .status "$TMP/job-result.json")" complete "job status"
expect_eq "$(jq -r .result.output "$TMP/job-result.json")" \
  "smb://10.0.2.2:$SMB_PORT/share/out/win2022.vhdx" "result names the file on the share"
expect_eq "$(jq -r .result.encrypted "$TMP/job-result.json")" true "the SMB session was encrypted"
expect_grep 'mounted .* SMB 3, encrypted \(seal\)' "$TMP/job-log.json" "the log says the share was mounted with seal"
expect_grep 'unmounted smb://' "$TMP/job-log.json" "the log says the share was unmounted"

out=$TMP/share/out/win2022.vhdx
[ -f "$out" ] || fail "no $out on the share"
qemu-img check -f vhdx "$out" || fail "qemu-img check failed on the exported VHDX"
echo "ok: qemu-img check passes"
expect_eq "$(qemu-img info --output=json "$out" | jq -r '."virtual-size"')" "$(stat -c %s "$disk")" \
  "virtual size = the disk's size"
expect_eq "$(sha256sum < "$out" | cut -d' ' -f1)" "$(jq -r .result.sha256 "$TMP/job-result.json")" \
  "sha256sum of the file on the share = the job result's sha256"
expect_eq "$(ls -A "$TMP/share/out")" win2022.vhdx "no temporary file left in the share directory"
smbstatus -s "$SMB_DIR/smb.conf" -S > "$TMP/smbstatus.out" 2>&1 || true
cat "$TMP/smbstatus.out"
if grep -q '^share ' "$TMP/smbstatus.out"; then fail "the share is still connected after the job"; fi
echo "ok: no tree connection left after the job (unmounted)"

cectl complete > "$TMP/complete.out" || fail "cectl complete"
smoke_wait_poweroff 90
for f in "$SERIAL_LOG" "$TMP/job-result.json" "$TMP/job-log.json" "$TMP/complete.out" "$TMP/job.json.echo"; do
  [ -f "$f" ] || continue
  if grep -aqF -- "$SMB_PASSWORD" "$f"; then fail "the password appears in $(basename "$f")"; fi
done
echo "ok: the password is in neither the serial log nor any job JSON"
