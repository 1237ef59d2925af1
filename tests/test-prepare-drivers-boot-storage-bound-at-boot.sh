#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Boot-critical storage drivers written by a real prepare job on Windows
# Server 2022 (win2022-bios-vda), read back with tools that are not ours
# (ntfs-3g's ntfscat/ntfsls, hivex's hivexregedit): vioscsi and viostor
# .sys in System32\drivers, their service keys from the INF (Type 1,
# Start 0, ErrorControl 1, Group, ImagePath, Parameters AddReg), a
# DriverDatabase package binding every hardware ID of their model lines
# (Windows 8+, virt-v2v's layout with the 48-byte Version value); every
# package staged intact under ProgramData\CE-Appliance\drivers and
# installed by the first-boot runner (pnputil, then the bootstrap
# entries removed); the plan says which INF was chosen and why others were not.  A dry run
# leaves the disk hash unchanged; running the job again plans nothing.
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
. tests/drivers-functions.sh
requires jq
requires hivexregedit
requires hivexget
requires ntfscat
requires ntfsls
DP=$FIXTOOLS/drv-prepare
[ -x "$DP" ] || fail "$DP missing (make test-progs)"

img=$(fixture_copy win2022-bios-vda)
drv_package "$TMP/pkg"
drv_choices "$TMP/choices.json" "$TMP/pkg"
job "$TMP/job.json" '{"type":"prepare","enableRdp":true}'

before=$(sha256sum <"$img")
expect_exit 0 "$DP" --dry-run "$TMP/choices.json" "$img" "$TMP/job.json"
cp "$TMP/out" "$TMP/plan.json"
expect_eq "$(sha256sum <"$img")" "$before" "disk hash after the dry run"
expect_eq "$(jq -r '.steps[] | select(.step == "drivers") | .status' "$TMP/plan.json")" planned \
  "dry run: drivers step"
expect_grep 'vioscsi/2k22/amd64/vioscsi.inf from virtio-win, section scsi_inst, for PCI\\VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00' \
  <(jq -r '.notes[]' "$TMP/plan.json") "the plan says which INF was chosen for which device"
expect_grep 'not chosen: vioscsi/2k19/amd64/vioscsi.inf: NTamd64.10.0...17763 is lower' \
  <(jq -r '.notes[]' "$TMP/plan.json") "the plan says why another INF was not"
expect_grep 'not applied offline .*DisplayName' <(jq -r '.notes[]' "$TMP/plan.json") \
  "the plan lists unsupported directives"

expect_exit 0 "$DP" "$TMP/choices.json" "$img" "$TMP/job.json"
cp "$TMP/out" "$TMP/result.json"
expect_eq "$(jq -r .status "$TMP/result.json")" complete "job status"

n=$(jq '.windows.partition' "$TMP/result.json")
extract "$img" "$n" Windows/System32/config/SYSTEM "$TMP/SYSTEM"
vol=$TMP/part$n.ntfs
for s in vioscsi viostor; do
  ntfscat "$vol" "Windows/System32/drivers/$s.sys" | cmp - "$TMP/pkg/$s/2k22/amd64/$s.sys" \
    || fail "System32/drivers/$s.sys is not the package's"
  echo "ok: System32/drivers/$s.sys is the package's file (ntfscat)"
done
ntfscat "$vol" Windows/System32/drivers/netkvm.sys >/dev/null 2>&1 \
  && fail "netkvm.sys (not boot-critical) was copied to System32/drivers"
echo "ok: the network driver is left to pnputil"

# The service keys, as hivexregedit exports them.
hivexregedit --export "$TMP/SYSTEM" 'ControlSet001\Services\vioscsi' >"$TMP/svc.reg"
expect_eq "$(grep -v '^Windows Registry' "$TMP/svc.reg" | tr -d '\r' | sed '/^$/d')" \
'[\ControlSet001\Services\vioscsi]
"ErrorControl"=dword:00000001
"Group"=hex(1):53,00,43,00,53,00,49,00,20,00,6d,00,69,00,6e,00,69,00,70,00,6f,00,72,00,74,00,00,00
"ImagePath"=hex(2):53,00,79,00,73,00,74,00,65,00,6d,00,33,00,32,00,5c,00,64,00,72,00,69,00,76,00,65,00,72,00,73,00,5c,00,76,00,69,00,6f,00,73,00,63,00,73,00,69,00,2e,00,73,00,79,00,73,00,00,00
"Start"=dword:00000000
"Type"=dword:00000001
[\ControlSet001\Services\vioscsi\Parameters]
"BusType"=dword:0000000a
[\ControlSet001\Services\vioscsi\Parameters\PnpInterface]
"5"=dword:00000001' "vioscsi service key (hivexregedit)"

# The DriverDatabase package of vioscsi.
hivexregedit --export "$TMP/SYSTEM" 'DriverDatabase' | tr -d '\r' >"$TMP/ddb.reg"
label=$(sed -n 's/^\[\\DriverDatabase\\DriverPackages\\\(ce-vioscsi\.inf_amd64_[0-9a-f]\{16\}\)\]$/\1/p' "$TMP/ddb.reg")
[ -n "$label" ] || { cat "$TMP/ddb.reg"; fail "no ce-vioscsi.inf package with a store-like label"; }
D='DriverDatabase'
expect_eq "$(hivexget "$TMP/SYSTEM" "$D\DriverInfFiles\ce-vioscsi.inf" Active)" "$label" \
  "DriverInfFiles\ce-vioscsi.inf: Active = the package (hivexget)"
expect_eq "$(hivexget "$TMP/SYSTEM" "$D\DriverInfFiles\ce-vioscsi.inf" Configurations)" scsi_inst \
  "DriverInfFiles: Configurations = [scsi_inst]"
expect_eq "$(hivexget "$TMP/SYSTEM" "$D\DriverInfFiles\ce-vioscsi.inf" '@')" "$label" \
  "DriverInfFiles: default value = [the package]"
for id in 'VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00' 'VEN_1AF4&DEV_1004' \
          'VEN_1AF4&DEV_1048&SUBSYS_11001AF4&REV_01' 'VEN_1AF4&DEV_1048'; do
  grep -A2 -F "[\\DriverDatabase\\DeviceIds\\PCI\\$id]" "$TMP/ddb.reg" |
    grep -qF '"ce-vioscsi.inf"=hex(3):01,ff,00,00' || fail "DeviceIds\\PCI\\$id lacks ce-vioscsi.inf"
  expect_eq "$(hivexget "$TMP/SYSTEM" "$D\DriverPackages\\$label\Descriptors\PCI\\$id" Configuration)" \
    scsi_inst "Descriptors\PCI\\$id: Configuration"
done
echo "ok: every hardware ID of the model lines: DeviceIds and Descriptors"
grep -A1 -F "[\\DriverDatabase\\DriverPackages\\$label]" "$TMP/ddb.reg" >"$TMP/pkg.reg"
expect_grep '^"Version"=hex\(3\):00,ff,09,00,00,00,00,00,7b,e9,36,4d,25,e3,ce,11,bf,c1,08,00,2b,e1,03,18,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00,00$' \
  "$TMP/pkg.reg" "DriverPackages Version: 48 bytes, SCSIAdapter class GUID, zero date and version"
expect_eq "$(hivexget "$TMP/SYSTEM" "$D\DriverPackages\\$label\Configurations\scsi_inst" Service)" \
  vioscsi "Configurations\scsi_inst: Service"
expect_eq "$(hivexget "$TMP/SYSTEM" "$D\DriverPackages\\$label\Configurations\scsi_inst" ConfigFlags)" \
  0 "Configurations\scsi_inst: ConfigFlags"

# Staged packages: the INF's folder, files intact; nothing of 2k19.
expect_eq "$(ntfsls "$vol" -p ProgramData/CE-Appliance/drivers/virtio-win/vioscsi/2k22/amd64 | grep -v "^\.\.*$" | sort | tr '\n' ' ')" \
  "vioscsi.cat vioscsi.inf vioscsi.sys " "staged vioscsi folder (ntfsls)"
ntfscat "$vol" ProgramData/CE-Appliance/drivers/virtio-win/vioscsi/2k22/amd64/vioscsi.inf \
  | cmp - "$TMP/pkg/vioscsi/2k22/amd64/vioscsi.inf" || fail "staged INF differs"
ntfsls "$vol" -p ProgramData/CE-Appliance/drivers/virtio-win/vioscsi 2>/dev/null | grep -q 2k19 \
  && fail "another OS folder was staged"
echo "ok: only the chosen INF's folder is staged"

# First-boot steps: the three installs, then the two removals, first.
ntfscat "$vol" ProgramData/CE-Appliance/firstboot/steps.json >"$TMP/steps.json"
expect_eq "$(jq -r '[.steps[] | .step] | join(",")' "$TMP/steps.json")" \
  "drivers,drivers,drivers,drivers,drivers" "steps.json: the driver steps"
expect_eq "$(jq -r '.steps[0].command' "$TMP/steps.json")" \
  '"%SystemRoot%\System32\pnputil.exe" /add-driver "%ProgramData%\CE-Appliance\drivers\virtio-win\vioscsi\2k22\amd64\vioscsi.inf" /install >>"%ProgramData%\CE-Appliance\firstboot.log" 2>&1' \
  "steps.json: pnputil installs the staged vioscsi.inf, output in the runner log"
expect_eq "$(jq -c '.steps[0].okExitCodes' "$TMP/steps.json")" '[0,3010,259]' "pnputil exit codes"
expect_grep "DriverPackages.*$label" <(jq -r '.steps[3].command' "$TMP/steps.json") \
  "after the installs: vioscsi's bootstrap package is removed"
expect_grep "'PCI.VEN_1AF4&DEV_1048'.*DeviceIds.*Remove-ItemProperty -LiteralPath .p -Name 'ce-vioscsi.inf'" <(jq -r '.steps[3].command' "$TMP/steps.json") \
  "... and its DeviceIds values"

# Again: nothing to do.
expect_exit 0 "$DP" --dry-run "$TMP/choices.json" "$img" "$TMP/job.json"
expect_eq "$(jq '.changes | length' "$TMP/out")" 0 "second run: changes"
expect_eq "$(jq -r '.steps[] | select(.step == "drivers") | .status' "$TMP/out")" nothing-to-do \
  "second run: drivers step"
