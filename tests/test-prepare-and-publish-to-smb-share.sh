#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A prepareAndPublish job whose share refuses the credentials fails before
# the disk is touched.  Then one prepareAndPublish job in the appliance
# (BIOS, QEMU TCG): prepare the
# attached Windows disk (Azure, MCS, RDP on), then export it as VHDX to a
# private Samba share on the host.  One result lists both the changes and
# the output; on the host the VHDX passes qemu-img check, its sha256sum is
# the result's, and the prepared registry is in the exported image: every
# value the result says was set reads back with hivexget from the SYSTEM /
# SOFTWARE hives taken out of the VHDX (converted to raw by qemu-img, files
# copied out by ntfs-3g's ntfscat), and those hives equal the ones on the
# prepared disk itself.
. tests/functions.sh
. tests/agent-functions.sh
. tests/smoke-functions.sh
. tests/prepare-functions.sh
smoke_requires
requires qemu-img
requires hivexget
requires ntfscat
. tests/smb-functions.sh

mkdir -p "$TMP/share/images"
smb_share share "$TMP/share"
smb_start

disk=$(fixture_copy win2022-bios-vda)
write_config
smoke_boot bios -drive "file=$disk,if=none,id=win,format=raw" -device nvme,drive=win,serial=CESMB0003
smoke_wait_ready

# The share is checked before the disk is touched: a wrong password fails
# the job with the disk unchanged (its SYSTEM hive read by ntfscat).
extract "$disk" 2 Windows/System32/config/SYSTEM "$TMP/SYSTEM.before"
jq -n --arg l "smb://10.0.2.2:$SMB_PORT/share/images/" --arg u "$SMB_USER" \
  '{type: "prepareAndPublish", disk: "serial:CESMB0003", waitForDiskSeconds: 60,
    platform: "azure", provisioningType: "Mcs", enableRdp: true,
    outputStorageLocation: {location: $l, username: $u, password: "wrong"}}' > "$TMP/bad.json"
id=$(cectl job start "$TMP/bad.json") || fail "cectl job start"
cectl job wait "$id" >/dev/null 2>&1 || true
cectl --json job get "$id" > "$TMP/bad-result.json" || fail "cectl job get"
expect_eq "$(jq -r .status "$TMP/bad-result.json")" failed "prepareAndPublish with a wrong password"
expect_eq "$(jq -r .error.code "$TMP/bad-result.json")" shareAccessDenied "error code"
acurl "$AGENT_URL/v1/jobs/$id/log" > "$TMP/bad-log.json"
expect_grep 'nothing prepared: the disk is unchanged' "$TMP/bad-log.json" "the log says nothing was prepared"
if grep -q '"message":"prepare: ' "$TMP/bad-log.json"; then fail "the prepare step ran"; fi
extract "$disk" 2 Windows/System32/config/SYSTEM "$TMP/SYSTEM.after-bad"
cmp "$TMP/SYSTEM.before" "$TMP/SYSTEM.after-bad" || fail "the SYSTEM hive changed"
echo "ok: a share that refuses the credentials fails the job before the disk is touched"

jq -n --arg l "smb://10.0.2.2:$SMB_PORT/share/images/" --arg u "$SMB_USER" --arg p "$SMB_PASSWORD" \
  '{type: "prepareAndPublish", disk: "serial:CESMB0003", waitForDiskSeconds: 60,
    platform: "azure", provisioningType: "Mcs", enableRdp: true,
    format: "VhdxDiskFormat", outputImageFilename: "golden.vhdx",
    outputStorageLocation: {location: $l, username: $u, password: $p}}' > "$TMP/job.json"
id=$(cectl job start "$TMP/job.json") || fail "cectl job start"
echo "job $id"
cectl job wait "$id" >"$TMP/wait.out" 2>&1 || { cat "$TMP/wait.out"; cectl job log "$id" || true; fail "job $id did not complete"; }
cectl --json job get "$id" > "$TMP/job-result.json" || fail "cectl job get"
acurl "$AGENT_URL/v1/jobs/$id/log" > "$TMP/job-log.json"
expect_eq "$(jq -r .status "$TMP/job-result.json")" complete "job status"
jq '.result.prepare' "$TMP/job-result.json" > "$TMP/prepare.json"
n=$(jq '.changes | length' "$TMP/prepare.json")
[ "$n" -gt 0 ] || fail "the result lists no prepare change"
echo "ok: the result lists $n prepare changes"
expect_eq "$(jq -r .result.publish.output "$TMP/job-result.json")" \
  "smb://10.0.2.2:$SMB_PORT/share/images/golden.vhdx" "the same result names the published file"
cectl complete > "$TMP/complete.out" || fail "cectl complete"
smoke_wait_poweroff 90

out=$TMP/share/images/golden.vhdx
[ -f "$out" ] || fail "no $out on the share"
expect_eq "$(ls -A "$TMP/share/images")" golden.vhdx "only the image in the share directory"
qemu-img check -f vhdx "$out" || fail "qemu-img check failed"
echo "ok: qemu-img check passes"
expect_eq "$(sha256sum < "$out" | cut -d' ' -f1)" "$(jq -r .result.publish.sha256 "$TMP/job-result.json")" \
  "sha256sum of the published file = the result's sha256"
qemu-img convert -f vhdx -O raw "$out" "$TMP/published.raw"
check_changes_with_hivexget "$TMP/published.raw" 2 "$TMP/prepare.json"
for hive in SYSTEM SOFTWARE; do
  extract "$TMP/published.raw" 2 "Windows/System32/config/$hive" "$TMP/$hive.published"
  extract "$disk" 2 "Windows/System32/config/$hive" "$TMP/$hive.disk"
  cmp "$TMP/$hive.published" "$TMP/$hive.disk" || fail "$hive in the image differs from the prepared disk's"
done
echo "ok: the published image holds the prepared hives"
for f in "$SERIAL_LOG" "$TMP/job-result.json" "$TMP/job-log.json" "$TMP/complete.out"; do
  if grep -aqF -- "$SMB_PASSWORD" "$f"; then fail "the password appears in $(basename "$f")"; fi
done
echo "ok: the password is in neither the serial log nor any job JSON"
