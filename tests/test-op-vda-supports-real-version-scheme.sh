#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# VDA versions as real VDAs report them (YYMM.0.<CU*1000>.<build>, e.g.
# 2203.0.2000.2076 for 2203 LTSR CU2; docs/vda.md gives the sources): each
# supported release (1912 CU6/CU7, 2203 CU1/CU2, 2212, 2303, 2305) read
# from a realistic Uninstall entry (DisplayName, DisplayVersion, Publisher,
# merged into the image's SOFTWARE with hivexregedit) is reconfigured:
# ListOfDDCs planned, and the installer's /reconfigure with /portnumber
# queued (the port has no documented registry value).  Unsupported ones
# (7.15 LTSR, 1912 CU5, 2203 base and CU3, 2106, 2402, garbage) fail the
# step with a message naming the version and plan nothing.
. tests/functions.sh
. tests/prepare-functions.sh
requires hivexregedit
requires hivexget
requires jq
H=$FIXTOOLS/op-harness
[ -x "$H" ] || fail "$H missing (make test-progs)"

img=$(fixture win2022-bios-vda)
extract "$img" 2 Windows/System32/config/SOFTWARE "$TMP/SOFTWARE.orig"
U='Microsoft\Windows\CurrentVersion\Uninstall'
old=
for sub in $(printf 'cd %s\nls\n' "$U" | hivexsh "$TMP/SOFTWARE.orig"); do
  case $(hivexget "$TMP/SOFTWARE.orig" "$U\\$sub" DisplayName 2>/dev/null) in
    *"Virtual Delivery Agent"*) old=$sub ;;
  esac
done
[ -n "$old" ] || fail "set-up: no VDA Uninstall entry in the fixture"

# with_vda NAME VERSION: SOFTWARE whose only VDA entry says NAME / VERSION.
with_vda() {
  cp "$TMP/SOFTWARE.orig" "$TMP/SOFTWARE"
  cat >"$TMP/vda.reg" <<EOF
Windows Registry Editor Version 5.00

[-HKEY_LOCAL_MACHINE\\SOFTWARE\\$U\\$old]

[HKEY_LOCAL_MACHINE\\SOFTWARE\\$U\\Citrix Virtual Desktop Agent]
"DisplayName"="$1"
"DisplayVersion"="$2"
"Publisher"="Citrix Systems, Inc."
"InstallLocation"="C:\\\\Program Files\\\\Citrix\\\\"
"UninstallString"="\\"C:\\\\Program Files\\\\Citrix\\\\XenDesktopVdaSetup\\\\XenDesktopVdaSetup.exe\\" /removeall"
EOF
  hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$TMP/SOFTWARE" "$TMP/vda.reg" ||
    fail "set-up: merge of $2"
}

job='{"xdReconfigure":[{"ParameterName":"controllers","ParameterValue":"ddc7.corp.example.com,ddc8.corp.example.com"},{"ParameterName":"portnumber","ParameterValue":"8080"}]}'
echo "$job" >"$TMP/job.json"
plan() {
  "$H" plan --ops vda --hive SOFTWARE="$TMP/SOFTWARE" "$img" "$TMP/job.json" >"$TMP/plan.json" ||
    fail "op-harness failed for $1"
}

supported=(
  "Citrix Virtual Delivery Agent 1912 LTSR CU6|1912.0.6000.6|1912 LTSR CU6"
  "Citrix Virtual Delivery Agent 1912 LTSR CU7|1912.0.7000.13|1912 LTSR CU7"
  "Citrix Virtual Delivery Agent 2203 LTSR CU1|2203.0.1000.1119|2203 LTSR CU1"
  "Citrix Virtual Delivery Agent 2203 LTSR CU2|2203.0.2000.2076|2203 LTSR CU2"
  "Citrix Virtual Delivery Agent 2212|2212.0.0.5|2212"
  "Citrix Virtual Delivery Agent 2303|2303.0.0.12|2303"
  "Citrix Virtual Delivery Agent 2305|2305.0.100.21|2305"
)
for c in "${supported[@]}"; do
  IFS='|' read -r name version release <<<"$c"
  with_vda "$name" "$version"
  plan "$version"
  expect_eq "$(jq -r '.steps[0].status' "$TMP/plan.json")" planned "$version: vda step"
  expect_eq "$(jq -r '.steps[0].message' "$TMP/plan.json")" \
    "VDA $version ($release); /reconfigure queued for first boot" "$version: release named"
  expect_eq "$(jq -c '[.changes[] | [.hive, .key, .value, .new]]' "$TMP/plan.json")" \
    '[["SOFTWARE","Citrix\\VirtualDesktopAgent","ListOfDDCs","ddc7.corp.example.com ddc8.corp.example.com"]]' \
    "$version: only ListOfDDCs written offline"
  expect_grep '/reconfigure /quiet /noreboot .*/portnumber "8080"' \
    <(jq -r '.firstboot[0].command' "$TMP/plan.json") "$version: port given to the installer"
done

unsupported=(
  "Citrix XenApp and XenDesktop 7.15 Virtual Delivery Agent|7.15.9000.7"
  "Citrix Virtual Delivery Agent 1912 LTSR CU5|1912.0.5000.5174"
  "Citrix Virtual Delivery Agent 2203 LTSR|2203.0.0.56"
  "Citrix Virtual Delivery Agent 2203 LTSR CU3|2203.0.3000.3052"
  "Citrix Virtual Delivery Agent 2106|2106.0.0.24"
  "Citrix Virtual Delivery Agent 2402|2402.0.100.629"
  "Citrix Virtual Delivery Agent 2212|2212.1.0.5"
  "Citrix Virtual Delivery Agent 2212|2212.0.0"
  "Citrix Virtual Delivery Agent 2212|2212.0.0.5 beta"
)
for c in "${unsupported[@]}"; do
  IFS='|' read -r name version <<<"$c"
  with_vda "$name" "$version"
  plan "$version"
  expect_eq "$(jq -r '.steps[0].status' "$TMP/plan.json")" failed "$version: vda step"
  expect_grep "^VDA version $(printf '%s' "$version" | sed 's/\./\\./g') is not supported for reconfiguration \(supported: 1912 LTSR CU6, 1912 LTSR CU7, 2203 LTSR CU1, 2203 LTSR CU2, 2212, 2303, 2305\)" \
    <(jq -r '.steps[0].message' "$TMP/plan.json") "$version: reason names the version"
  expect_eq "$(jq '(.changes | length) + (.firstboot | length)' "$TMP/plan.json")" 0 "$version: nothing planned"
done
