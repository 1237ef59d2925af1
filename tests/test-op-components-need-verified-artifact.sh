#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# installPvs / installMisa on win2022-bios-vda (neither installed): no
# artifact, no digest, a wrong digest, a version outside the catalog or
# the wrong provisioning type fail the step with a message saying what to
# provide, and plan nothing; a verified artifact is copied in and queued
# for the first-boot runner; an installed component (detected from an
# Uninstall entry merged with hivexregedit) is left alone.
. tests/functions.sh
requires hivexregedit
requires jq
requires sha256sum
H=$FIXTOOLS/op-harness
[ -x "$H" ] || fail "$H missing (make test-progs)"

img=$(fixture win2022-bios-vda)
head -c 300000 /dev/urandom >"$TMP/PVS_Device_x64.exe"
head -c 1000 /dev/urandom >"$TMP/misa.msi"
SUM=$(sha256sum "$TMP/PVS_Device_x64.exe" | cut -c1-64)
MSUM=$(sha256sum "$TMP/misa.msi" | cut -c1-64)
BAD=0000000000000000000000000000000000000000000000000000000000000000

plan() {  # JOB [harness options...] -> $TMP/plan.json
  local job=$1; shift
  echo "$job" >"$TMP/job.json"
  "$H" plan --ops components "$@" "$img" "$TMP/job.json" >"$TMP/plan.json"
}
step() { jq -r ".steps[0].$1" "$TMP/plan.json"; }
nochanges() {
  expect_eq "$(jq '.changes | length' "$TMP/plan.json")" 0 "$1: no changes"
  expect_eq "$(jq '.firstboot | length' "$TMP/plan.json")" 0 "$1: nothing queued"
}

plan "{\"provisioningType\":\"Pvs\",\"installPvs\":\"7.31.0\",\"artifacts\":{\"pvs-7.31.0\":\"sha256:$SUM\"}}" \
  --artifact pvs-7.31.0="$TMP/PVS_Device_x64.exe"
expect_eq "$(step status)" planned "verified artifact: step"
expect_eq "$(jq -c '[.changes[] | [.step, .kind, .path, .size, .source]]' "$TMP/plan.json")" \
  "$(jq -cn --arg s "$TMP/PVS_Device_x64.exe" '[["pvs","file-create","ProgramData/CE-Appliance/installers/PVS_Device_x64.exe",300000,$s]]')" \
  "verified artifact: the installer is copied in"
expect_eq "$(jq -r '.firstboot[0].command' "$TMP/plan.json")" \
  '"%ProgramData%\CE-Appliance\installers\PVS_Device_x64.exe" /s /v"/qn /norestart /l*v \"%ProgramData%\CE-Appliance\pvs-install.log\""' \
  "verified artifact: silent install queued for the first boot"

plan '{"provisioningType":"Pvs","installPvs":"7.31.0"}'
expect_eq "$(step status)" failed "no artifact: step"
expect_eq "$(step message)" \
  "Citrix Provisioning target device (installPvs) is not installed and its installer PVS_Device_x64.exe was not provided: give it with --artifact pvs-7.31.0=PATH (ce-offline) or PUT /v1/artifacts/pvs-7.31.0 (ce-agent), and its digest in the job's \"artifacts\": {\"pvs-7.31.0\": \"sha256:<hex>\"}" \
  "no artifact: message"
nochanges "no artifact"

plan '{"provisioningType":"Pvs","installPvs":"7.31.0"}' --artifact pvs-7.31.0="$TMP/PVS_Device_x64.exe"
expect_eq "$(step status)" failed "no digest in the job: step"
expect_grep 'must give its digest' <(step message) "no digest in the job: message"
nochanges "no digest"

plan "{\"provisioningType\":\"Pvs\",\"installPvs\":\"7.31.0\",\"artifacts\":{\"pvs-7.31.0\":\"sha256:$BAD\"}}" \
  --artifact pvs-7.31.0="$TMP/PVS_Device_x64.exe"
expect_eq "$(step status)" failed "wrong digest: step"
expect_eq "$(step message)" \
  "artifact pvs-7.31.0 ($TMP/PVS_Device_x64.exe): SHA-256 is sha256:$SUM but the job expects sha256:$BAD" \
  "wrong digest: message names both digests"
nochanges "wrong digest"

plan "{\"provisioningType\":\"Pvs\",\"installPvs\":\"9.99.0\",\"artifacts\":{\"pvs-9.99.0\":\"sha256:$SUM\"}}" \
  --artifact pvs-9.99.0="$TMP/PVS_Device_x64.exe"
expect_eq "$(step status)" failed "version outside the catalog: step"
expect_grep 'version 9.99.0 is not in the component catalog' <(step message) "version outside the catalog: message"
nochanges "unknown version"

plan '{"provisioningType":"Pvs","installMisa":true}'
expect_eq "$(step status)" failed "MISA with Pvs: step"
expect_eq "$(step message)" 'installMisa requires provisioningType "Mcs" (the job has Pvs)' "MISA with Pvs: message"
nochanges "MISA with Pvs"

plan "{\"provisioningType\":\"Mcs\",\"installPvs\":\"7.31.0\",\"artifacts\":{\"pvs-7.31.0\":\"sha256:$SUM\"}}" \
  --artifact pvs-7.31.0="$TMP/PVS_Device_x64.exe"
expect_eq "$(step message)" 'installPvs requires provisioningType "Pvs" (the job has Mcs)' "PVS with Mcs: message"
nochanges "PVS with Mcs"

plan "{\"provisioningType\":\"Mcs\",\"installMisa\":true,\"artifacts\":{\"misa\":\"sha256:$MSUM\"}}" \
  --artifact misa="$TMP/misa.msi"
expect_eq "$(jq -r '[.steps[0].step, .steps[0].status] | join(" ")' "$TMP/plan.json")" "misa planned" "MISA with Mcs: step"
expect_eq "$(jq -r '.changes[0].path' "$TMP/plan.json")" \
  ProgramData/CE-Appliance/installers/MachineIdentityServiceAgent_x64.msi "MISA: installer path"
expect_grep '^msiexec.exe /i "%ProgramData%\\CE-Appliance\\installers\\MachineIdentityServiceAgent_x64.msi" /qn' \
  <(jq -r '.firstboot[0].command' "$TMP/plan.json") "MISA: msiexec queued"

# Installed already: detected from the Uninstall entry, left alone even
# without an artifact.
"$H" plan --ops components --dump-hive SOFTWARE="$TMP/SOFTWARE" "$img" <(echo '{}') >/dev/null
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$TMP/SOFTWARE" tests/fixtures/reg/op-software-pvs.reg
plan '{"provisioningType":"Pvs","installPvs":"7.31.0"}' --hive SOFTWARE="$TMP/SOFTWARE"
expect_eq "$(step status)" nothing-to-do "installed PVS: step"
expect_eq "$(step message)" "already installed: Citrix Provisioning Target Device x64 7.31.0.12; requested 7.31.0" \
  "installed PVS: message"
nochanges "installed PVS"
plan '{"provisioningType":"Pvs","installPvs":"7.33.0"}' --hive SOFTWARE="$TMP/SOFTWARE"
expect_eq "$(step status)" nothing-to-do "installed PVS, other version requested: step"
expect_grep 'an upgrade is not done offline' <(jq -r '.notes[]' "$TMP/plan.json") "other version: noted"
