#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# removeSourceTools on win2019-bios-srctools (every tool set installed):
# - azure (default on for a cloud): a dry run leaves the disk hash as it
#   was; the job takes every tool's name out of every class and device
#   filter list (other entries kept), sets every tool service to Start=4,
#   never touches storvsc (Azure's boot storage), and queues one uninstaller
#   per product in steps.json with continueOnFailure; read back with ntfscat
#   + hivexget (not our code): no service with Start=4 is still named in any
#   filter list; a re-run plans nothing;
# - gcp: virtio-win and Nutanix VirtIO are kept (virtio-scsi boots it),
#   vioscsi stays Start=0;
# - aws: the image has no NVMe boot driver: asked explicitly the job is
#   refused (exit 2, disk hash unchanged); by default the step is skipped;
#   with the drivers operation's seam saying AWSNVMe is provided it plans;
# - vsphere with removeSourceTools true: refused (its boot storage is not
#   in the data file);
# - chkdsk: BootExecute gets "autocheck autochk /p \??\C:" before
#   Windows' default; defrag and chkntfs /d are first-boot steps.
. tests/functions.sh
. tests/prepare-functions.sh
. tests/drivers-functions.sh
requires hivexget
requires jq
requires ntfscat
H=$FIXTOOLS/op-harness
[ -x "$H" ] || fail "$H missing (make test-progs)"

img=$(fixture_copy win2019-bios-srctools)
CS='ControlSet001'
CLS="$CS\\Control\\Class"
before=$(sha256sum <"$img")

job "$TMP/dry.json" '{"type":"prepare","platform":"azure","chkdsk":true,"defrag":true,"dryRun":true}'
expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/dry.json" --json
cp "$TMP/out" "$TMP/plan.json"
expect_eq "$(sha256sum <"$img")" "$before" "disk hash after the dry run"
expect_eq "$(jq -r '.steps[] | select(.step == "sourceTools") | .status' "$TMP/plan.json")" planned \
  "sourceTools is on by default for azure"

job "$TMP/job.json" '{"type":"prepare","platform":"azure","chkdsk":true,"defrag":true}'
expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --json
cp "$TMP/out" "$TMP/result.json"
expect_eq "$(jq -c '[.changes[] | [.hive, .key, .value, .old, .new]]' "$TMP/result.json")" \
          "$(jq -c '[.changes[] | [.hive, .key, .value, .old, .new]]' "$TMP/plan.json")" \
          "the result holds the changes the dry run planned"
check_changes_with_hivexget "$img" 2 "$TMP/result.json"

cp "$TMP/SYSTEM.after" "$TMP/SYSTEM.new"     # extracted by check_changes_with_hivexget
mf() { hivexget "$TMP/SYSTEM.new" "$1" "$2" 2>/dev/null | tr '\n' '|' | sed 's/|*$//'; }
expect_eq "$(mf "$CLS\\{4d36e97d-e325-11ce-bfc1-08002be10318}" UpperFilters)" "" "System class UpperFilters (xenfilt out, value gone)"
expect_eq "$(mf "$CLS\\{4d36e96a-e325-11ce-bfc1-08002be10318}" UpperFilters)" "" "HDC class UpperFilters"
expect_eq "$(mf "$CLS\\{4d36e967-e325-11ce-bfc1-08002be10318}" LowerFilters)" "" "DiskDrive LowerFilters (prl_strg out)"
expect_eq "$(mf "$CLS\\{4d36e967-e325-11ce-bfc1-08002be10318}" UpperFilters)" "partmgr" "DiskDrive UpperFilters kept"
expect_eq "$(mf "$CLS\\{4d36e96f-e325-11ce-bfc1-08002be10318}" UpperFilters)" "mouclass" "Mouse UpperFilters: VBoxMouse out, mouclass kept"
expect_eq "$(mf "$CLS\\{4d36e96b-e325-11ce-bfc1-08002be10318}" UpperFilters)" "kbdclass" "Keyboard UpperFilters untouched"
expect_eq "$(mf "$CS\\Enum\\ACPI\\PNP0F13\\4&2f94427b&0" UpperFilters)" "mouclass" "device filter vmmouse out"
expect_eq "$(hivexget "$TMP/SYSTEM.new" "$CS\\Services\\storvsc" Start)" 0 "storvsc (Azure boot storage) still boot start"
for s in xenfilt xenbus xenvbd xendisk pvscsi vmci VMTools prl_strg VBoxGuest VBoxMouse QEMU-GA viostor vioscsi 'Nutanix Guest Tools Agent'; do
  expect_eq "$(hivexget "$TMP/SYSTEM.new" "$CS\\Services\\$s" Start)" 4 "$s disabled"
done
expect_eq "$(mf "$CS\\Control\\Session Manager" BootExecute)" \
  'autocheck autochk /p \??\C:|autocheck autochk *' "BootExecute schedules autochk on C: once, default kept"

# The invariant: no disabled service is named in any filter list.
lists=$(for k in $(hivexsh "$TMP/SYSTEM.new" <<<"cd $CLS
ls" 2>/dev/null | tr -d '\r'); do
          mf "$CLS\\$k" UpperFilters; echo; mf "$CLS\\$k" LowerFilters; echo
        done | tr '|' '\n' | sed '/^$/d' | sort -u)
for name in $lists; do
  st=$(hivexget "$TMP/SYSTEM.new" "$CS\\Services\\$name" Start 2>/dev/null || echo absent)
  [ "$st" != 4 ] || fail "$name is disabled but still a class filter"
done
echo "ok: no class filter names a disabled service ($(echo $lists | wc -w) filter names checked)"

# steps.json: one uninstaller per product, continueOnFailure, in order
# before chkntfs and defrag.
extract "$img" 2 ProgramData/CE-Appliance/firstboot/steps.json "$TMP/steps.json"
expect_eq "$(jq '[.steps[] | select(.step == "sourceTools")] | length' "$TMP/steps.json")" 8 "uninstall steps"
expect_eq "$(jq '[.steps[] | select(.continueOnFailure != true)] | length' "$TMP/steps.json")" 0 \
  "every one of these steps goes on after a failure"
expect_eq "$(jq -r '.steps[0].command' "$TMP/steps.json")" \
  'msiexec.exe /x {4C4E4D6D-D1F2-4F61-9F8C-3A1B2C3D4E01} /qn /norestart REBOOT=ReallySuppress' \
  "VMware Tools: msiexec /x with its product code, no restart"
expect_grep 'uninst\.exe" /S$' <(jq -r '.steps[] | select(.description | test("VirtualBox")) | .command' "$TMP/steps.json") \
  "VirtualBox: the NSIS uninstaller, silent"
expect_grep '/uninstall /quiet"?$' <(jq -r '.steps[] | select(.description | test("Virtio-win-guest-tools")) | .command' "$TMP/steps.json") \
  "virtio-win bundle: its QuietUninstallString"
expect_eq "$(jq -r '[.steps[-2:][] | .command] | join(";")' "$TMP/steps.json")" \
  'chkntfs.exe /d;defrag.exe C: /O' "chkntfs /d and defrag come last"

# A re-run plans nothing.
expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/dry.json" --json
expect_eq "$(jq '.changes | length' "$TMP/out")" 0 "changes planned by a re-run"

# gcp: virtio stays.
fresh=$(fixture win2019-bios-srctools)
job "$TMP/gcp.json" '{"type":"prepare","platform":"gcp","dryRun":true}'
expect_exit 0 "$CE_OFFLINE" prepare "$fresh" --job "$TMP/gcp.json" --json
jq -e '[.changes[] | select((.key // "") | test("Services\\\\(vioscsi|viostor|netkvm)$"))] | length == 0' "$TMP/out" >/dev/null \
  || fail "gcp: a virtio driver was disabled"
expect_grep 'virtio-win drivers and guest tools kept' <(jq -r '.notes[]' "$TMP/out") "gcp: virtio-win kept"
expect_grep 'boots from vioscsi' <(jq -r '.steps[] | select(.step == "sourceTools") | .message' "$TMP/out") \
  "gcp: the boot storage is the in-box-present vioscsi"

# aws: no NVMe driver in the image.
sum=$(sha256sum <"$fresh")
job "$TMP/aws.json" '{"type":"prepare","platform":"aws","removeSourceTools":true,"missingDrivers":"warn"}'
cp --sparse=always "$fresh" "$TMP/aws.img"
expect_exit 2 "$CE_OFFLINE" prepare "$TMP/aws.img" --job "$TMP/aws.json" --json
expect_grep 'boot storage of aws is not proven' "$TMP/err" "the refusal says why"
expect_eq "$(sha256sum <"$TMP/aws.img")" "$sum" "disk hash after the refusal"
job "$TMP/awsdef.json" '{"type":"prepare","platform":"aws","missingDrivers":"warn","dryRun":true}'
expect_exit 0 "$CE_OFFLINE" prepare "$fresh" --job "$TMP/awsdef.json" --json
expect_eq "$(jq -r '.steps[] | select(.step == "sourceTools") | .status' "$TMP/out")" skipped \
  "aws by default: skipped, not refused"
jq -e '[.changes[] | select(.step == "sourceTools")] | length == 0' "$TMP/out" >/dev/null \
  || fail "aws by default: changes planned without boot storage"
echo '{"type":"prepare","platform":"aws","removeSourceTools":true}' >"$TMP/aws-h.json"
"$H" plan --ops sourceTools "$fresh" "$TMP/aws-h.json" >"$TMP/h1.json" || fail "op-harness failed"
expect_eq "$(jq -r '.steps[0].status' "$TMP/h1.json")" failed "harness: aws without the seam"
"$H" plan --ops sourceTools --boot-storage AWSNVMe "$fresh" "$TMP/aws-h.json" >"$TMP/h2.json" || fail "op-harness failed"
expect_eq "$(jq -r '.steps[0].status' "$TMP/h2.json")" planned "harness: aws with AWSNVMe provided by the job"
# The same through the drivers operation: a boot-critical choice whose
# service is AWSNVMe (hand-built, tests/data/drivers/virtio-choices.json
# renamed) is reported by op-drivers (ow_prep_boot_storage_provided).
drv_package "$TMP/pkg"
drv_choices "$TMP/awsnvme.json" "$TMP/pkg" '.choices[0].services[0].name = "AWSNVMe"'
"$H" plan --ops drivers,sourceTools --choices "$TMP/awsnvme.json" "$fresh" "$TMP/aws-h.json" \
  >"$TMP/h3.json" || fail "op-harness failed"
expect_eq "$(jq -r '.steps[] | select(.step == "sourceTools") | .status' "$TMP/h3.json")" planned \
  "harness: aws with AWSNVMe injected by the drivers step"

# A platform whose boot storage the data file does not know: refused when asked.
job "$TMP/vs.json" '{"type":"prepare","platform":"vsphere","removeSourceTools":true,"dryRun":true}'
expect_exit 2 "$CE_OFFLINE" prepare "$fresh" --job "$TMP/vs.json" --json
expect_grep 'which storage driver boots it is not known' "$TMP/err" "vsphere: the refusal says why"

# removeSourceTools false: nothing.
job "$TMP/off.json" '{"type":"prepare","platform":"azure","removeSourceTools":false,"dryRun":true}'
expect_exit 0 "$CE_OFFLINE" prepare "$fresh" --job "$TMP/off.json" --json
jq -e '[.steps[] | select(.step == "sourceTools")] | length == 0' "$TMP/out" >/dev/null \
  || fail "removeSourceTools false still ran the step"
echo "ok: removeSourceTools false does nothing"
