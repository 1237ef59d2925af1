#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Independent oracle: libguestfs inspection (its own appliance, its own
# hivex path) agrees with our product name, version, system root and drive
# mapping, on one MBR and one GPT fixture.
. "$(dirname "$0")/functions.sh"
requires virt-inspector
requires xmllint
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
for name in win2022-bios-vda win11-uefi-vda; do
  img=$(fixture "$name")
  "$CE_OFFLINE" inspect --json "$img" > "$TMP/ours.json"
  virt-inspector --format=raw -a "$img" > "$TMP/theirs.xml" 2> "$TMP/vi.err" ||
    { cat "$TMP/vi.err"; fail "$name: virt-inspector failed"; }
  x() { xmllint --xpath "string(/operatingsystems/operatingsystem[1]/$1)" "$TMP/theirs.xml"; }
  expect_eq "$(x name)" windows "$name: libguestfs sees Windows"
  expect_eq "$(x product_name)" "$(jq -r '.windows[0].productName' "$TMP/ours.json")" "$name: product name"
  expect_eq "$(x major_version)" "$(jq -r '.windows[0].majorVersion' "$TMP/ours.json")" "$name: major version"
  expect_eq "$(x minor_version)" "$(jq -r '.windows[0].minorVersion' "$TMP/ours.json")" "$name: minor version"
  expect_eq "$(x windows_systemroot)" "$(jq -r '.windows[0].systemRoot' "$TMP/ours.json")" "$name: system root"
  expect_eq "$(x hostname)" "$(jq -r '.windows[0].hostname' "$TMP/ours.json")" "$name: hostname"
  expect_eq "$(x windows_current_control_set)" "$(jq -r '.windows[0].currentControlSet' "$TMP/ours.json")" \
            "$name: current control set"
  # libguestfs names the system volume's device: /dev/sdaN -> partition N.
  part=$(xmllint --xpath 'string(/operatingsystems/operatingsystem[1]/mountpoints/mountpoint[.="C:" or @dev][1]/@dev)' "$TMP/theirs.xml" 2>/dev/null || true)
  croot=$(xmllint --xpath 'string(/operatingsystems/operatingsystem[1]/root)' "$TMP/theirs.xml")
  expect_eq "${croot##*[a-z]}" "$(jq -r '.windows[0].partition' "$TMP/ours.json")" "$name: root partition number"
  drive=$(xmllint --xpath 'string(/operatingsystems/operatingsystem[1]/drive_mappings/drive_mapping[@name="C"])' "$TMP/theirs.xml")
  expect_eq "${drive##*[a-z]}" "$(jq -r '.windows[0].partition' "$TMP/ours.json")" "$name: C: maps to the same partition"
  expect_eq "$(jq -r '.windows[0].driveLetter' "$TMP/ours.json")" "C:" "$name: our drive letter"
done
