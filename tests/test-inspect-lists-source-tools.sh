#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# inspect --json lists the source-hypervisor tools an image carries
# (win2019-bios-srctools: VMware Tools, XenServer VM Tools, Nutanix Guest
# Tools and VirtIO, Parallels Tools, VirtualBox Guest Additions, QEMU guest
# agent, virtio-win; tests/fixtures/README.md "Source tools"): every
# product with its Uninstall entry (64-bit and WOW6432Node views), every
# service with its Start, every class and device filter list naming one.
# The expected values are read from the image's hives independently, with
# ntfscat + hivexget; the real VMware guest hive of realhive-bios is found
# to carry VMware Tools; an image without tools lists none.
. tests/functions.sh
. tests/prepare-functions.sh
requires hivexget
requires hivexsh
requires jq
requires ntfscat

img=$(fixture win2019-bios-srctools)
"$CE_OFFLINE" inspect --json "$img" >"$TMP/inspect.json" || fail "inspect failed"
st="$TMP/st.json"
jq '.windows[0].sourceTools' "$TMP/inspect.json" >"$st"

expect_eq "$(jq -r '[.[].id] | join(",")' "$st")" \
  "vmware-tools,citrix-vm-tools,nutanix-guest-tools,nutanix-virtio,parallels-tools,virtualbox-additions,qemu-guest-agent,virtio-win-guest-tools" \
  "every tool set is found, in data-file order"

extract "$img" 2 Windows/System32/config/SOFTWARE "$TMP/SOFTWARE"
extract "$img" 2 Windows/System32/config/SYSTEM "$TMP/SYSTEM"

# Each Uninstall entry: what hivexget reads at the key inspect names.
n=0
while IFS=$'\x1f' read -r key dn ver code us wi; do
  expect_eq "$(hivexget "$TMP/SOFTWARE" "$key" DisplayName)" "$dn" "DisplayName of $key"
  expect_eq "$(hivexget "$TMP/SOFTWARE" "$key" DisplayVersion)" "$ver" "DisplayVersion of $key"
  expect_eq "$(hivexget "$TMP/SOFTWARE" "$key" UninstallString)" "$us" "UninstallString of $key"
  if [ "$code" != null ]; then
    expect_eq "${key##*\\}" "$code" "product code is the key name"
  fi
  w=$(hivexget "$TMP/SOFTWARE" "$key" WindowsInstaller 2>/dev/null || echo 0)
  expect_eq "$([ "$w" = 1 ] && echo true || echo false)" "$wi" "WindowsInstaller of $key"
  n=$((n + 1))
done < <(jq -r '.[].products[] | [.key, .displayName, .displayVersion, (.productCode // "null"),
                                  .uninstallString, (.windowsInstaller | tostring)] | join("\u001f")' "$st")
expect_eq "$n" 8 "Uninstall entries listed"
expect_eq "$(jq -r '.[] | select(.id == "nutanix-guest-tools") | .products[0].view' "$st")" \
  32-bit "the WOW6432Node entry is found and said to be 32-bit"

# Every service listed has the Start hivexget reads.
while IFS=$'\x1f' read -r key start; do
  expect_eq "$(hivexget "$TMP/SYSTEM" "$key" Start)" "$start" "Start of $key"
done < <(jq -r '.[].services[] | [.key, (.start | tostring)] | join("\u001f")' "$st")

# Filter lists naming a tool: exactly these (the fixture's .reg source),
# and the whole list as hivexget reads it.
expect_eq "$(jq -r '[.[].filters[] | .key + "|" + .value + "|" + (.names | join(","))] | sort | join(" ")' "$st")" \
  'ControlSet001\Control\Class\{4d36e967-e325-11ce-bfc1-08002be10318}|LowerFilters|prl_strg ControlSet001\Control\Class\{4d36e96a-e325-11ce-bfc1-08002be10318}|UpperFilters|xenfilt ControlSet001\Control\Class\{4d36e96f-e325-11ce-bfc1-08002be10318}|UpperFilters|VBoxMouse ControlSet001\Control\Class\{4d36e97d-e325-11ce-bfc1-08002be10318}|UpperFilters|xenfilt ControlSet001\Enum\ACPI\PNP0F13\4&2f94427b&0|UpperFilters|vmmouse ControlSet001\Enum\SCSI\Disk&Ven_XENSRC&Prod_PVDISK\2&1f4adffe&0&000000|UpperFilters|xendisk' \
  "filter lists naming a tool"
for k in '{4d36e96a-e325-11ce-bfc1-08002be10318}' '{4d36e96f-e325-11ce-bfc1-08002be10318}'; do
  expect_eq "$(jq -r --arg k "ControlSet001\\Control\\Class\\$k" \
               '[.[].filters[] | select(.key == $k) | .list[]] | join("|")' "$st")" \
            "$(hivexget "$TMP/SYSTEM" "ControlSet001\\Control\\Class\\$k" UpperFilters | tr '\n' '|' | sed 's/|*$//')" \
            "whole list of class $k as hivexget reads it"
done
# The in-box keyboard filter is nobody's tool.
jq -e '[.[].filters[] | select(.names | index("kbdclass"))] | length == 0' "$st" >/dev/null \
  || fail "kbdclass listed as a tool's filter"
echo "ok: in-box filters are not listed"

# A real VMware guest's SYSTEM hive (realhive-bios: regipy's
# SYSTEM_WIN_10_1709): VMware Tools is found from its services alone, with
# the names as stored and the real device filters VMMouse and VMUsbMouse.
real=$(fixture realhive-bios)
"$CE_OFFLINE" inspect --json "$real" >"$TMP/real.json" || fail "inspect failed"
expect_eq "$(jq -r '[.windows[0].sourceTools[].id] | join(",")' "$TMP/real.json")" vmware-tools   "the real VMware guest: VMware Tools found"
extract "$real" 2 Windows/System32/config/SYSTEM "$TMP/REALSYSTEM"
while IFS=$'\x1f' read -r key name start; do
  expect_eq "$(hivexsh "$TMP/REALSYSTEM" <<<"cd ControlSet001\Services
ls" | grep -x -- "$name")" "$name" "service $name exists with that case"
  expect_eq "$(hivexget "$TMP/REALSYSTEM" "$key" Start 2>/dev/null || echo null)" "$start" "Start of real $name"
done < <(jq -r '.windows[0].sourceTools[0].services[] | [.key, .name, (.start | tostring)] | join("\u001f")' "$TMP/real.json")
expect_eq "$(jq -r '[.windows[0].sourceTools[0].filters[] | .key + ":" + (.names | join(","))] | join(" ")' "$TMP/real.json")" \
  'ControlSet001\Enum\ACPI\VMW0003\4&1bd7f811&0:VMMouse ControlSet001\Enum\HID\VID_0E0F&PID_0003&MI_00\8&1230c469&0&0000:VMUsbMouse ControlSet001\Enum\HID\VID_0E0F&PID_0003&MI_01\8&3608022b&0&0000:VMUsbMouse' \
  "the real hive's VMware device filters"
expect_eq "$(hivexget "$TMP/REALSYSTEM" 'ControlSet001\Enum\ACPI\VMW0003\4&1bd7f811&0' UpperFilters | sed '/^$/d')" \
  VMMouse "hivexget reads the same device filter"

# An image without tools lists none.
"$CE_OFFLINE" inspect --json "$(fixture win2016-bios)" >"$TMP/plain.json" || fail "inspect failed"
expect_eq "$(jq -c '.windows[0].sourceTools' "$TMP/plain.json")" "[]" "sourceTools of an image without tools"
