#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Independent oracle: after a full prepare, libguestfs inspection (its own
# appliance, its own hivex reading) still sees the same Windows (product,
# version, system root, hostname, control set), and reads our edited
# values back through its own registry path (virt-win-reg).
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
requires virt-inspector
requires virt-win-reg
requires xmllint
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
img=$(fixture_copy win2019-uefi-vda)
x() { xmllint --xpath "string(/operatingsystems/operatingsystem[1]/$2)" "$1"; }
virt-inspector --format=raw -a "$img" > "$TMP/before.xml"
job "$TMP/job.json" '{"type":"prepare","platform":"gcp","missingDrivers":"warn","provisioningType":"Mcs","pagefile":"system",
  "xdReconfigure":[{"ParameterName":"controllers","ParameterValue":"ddc7.corp.example.com"}],
  "domainUnjoin":true,"enableRdp":true}'
expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --json
virt-inspector --format=raw -a "$img" > "$TMP/after.xml"
for f in name product_name major_version minor_version windows_systemroot hostname \
         windows_current_control_set arch; do
  expect_eq "$(x "$TMP/after.xml" $f)" "$(x "$TMP/before.xml" $f)" "libguestfs: $f unchanged"
done
expect_eq "$(x "$TMP/after.xml" name)" windows "libguestfs still sees Windows"
expect_eq "$(virt-win-reg --format=raw "$img" 'HKLM\SOFTWARE\Citrix\VirtualDesktopAgent' ListOfDDCs)" \
          ddc7.corp.example.com "virt-win-reg reads our ListOfDDCs"
expect_eq "$(virt-win-reg --format=raw "$img" 'HKLM\SYSTEM\ControlSet001\Control\Terminal Server' fDenyTSConnections)" \
          0 "virt-win-reg reads our fDenyTSConnections"
