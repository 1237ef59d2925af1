#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A full prepare (every operation: pagefile, VDA, MISA with its artifact,
# domain unjoin, RDP, platform profile, first-boot runner) on every good
# fixture and on the disk built around real Windows 10 hives: every
# registry value the result lists reads back with hivexget (ntfs-3g's own
# tools extract the hives), the staged installer is byte-identical, the
# backups are gone once the job completed, and inspect still finds the
# same Windows.
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
requires ntfscat
requires hivexget
head -c 300000 /dev/urandom > "$TMP/misa.msi"
sum=$(sha256sum "$TMP/misa.msi" | cut -d' ' -f1)
# The fixtures lack most targets' boot storage drivers: "missingDrivers": "warn"
# (docs/drivers.md, "Refusal"); this test is about the other operations.
platforms=(azure aws gcp vsphere nutanix xenserver azure)
i=0
for name in win2022-bios-vda win2016-bios win2019-uefi-vda win10-uefi win11-uefi-vda win10-gpt4k realhive-bios; do
  img=$(fixture_copy "$name")
  job "$TMP/job.json" '{"type":"prepare","platform":"'"${platforms[i]}"'","missingDrivers":"warn","provisioningType":"Mcs","pagefile":"temp-disk",
    "xdReconfigure":[{"ParameterName":"controllers","ParameterValue":"ddc9.corp.example.com,ddc8.corp.example.com"},
                     {"ParameterName":"portnumber","ParameterValue":"8080"}],
    "installMisa":true,"artifacts":{"misa":"sha256:'"$sum"'"},
    "domainUnjoin":true,"enableRdp":true}'
  i=$((i + 1))
  "$CE_OFFLINE" inspect --json "$img" > "$TMP/before.json"
  n=$(jq -r '.windows[0].partition' "$TMP/before.json")
  expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --artifact "misa=$TMP/misa.msi" --json
  cp "$TMP/out" "$TMP/result.json"
  expect_eq "$(jq -r .status "$TMP/result.json")" complete "$name: status"
  [ "$(jq '.changes | length' "$TMP/result.json")" -gt 5 ] || fail "$name: too few changes listed"
  check_changes_with_hivexget "$img" "$n" "$TMP/result.json"
  if [ "$(jq -r '.windows[0].vda' "$TMP/before.json")" != null ]; then
    expect_eq "$(hivexget "$TMP/SOFTWARE.after" 'Citrix\VirtualDesktopAgent' ListOfDDCs)" \
              "ddc9.corp.example.com ddc8.corp.example.com" "$name: ListOfDDCs (hivexget)"
  fi
  staged=$(jq -r '.changes[] | select(.step == "misa" and (.kind | startswith("file"))) | .path' "$TMP/result.json")
  [ -n "$staged" ] || fail "$name: the MISA installer was not staged"
  extract "$img" "$n" "$staged" "$TMP/staged.msi"
  cmp "$TMP/staged.msi" "$TMP/misa.msi" || fail "$name: staged installer differs"
  echo "ok: $name: installer staged byte for byte at $staged"
  read -r start size < <(part_window "$img" "$n")
  ntfsls "$TMP/part$n.ntfs" -p /Windows/System32/config > "$TMP/config.ls"
  if grep -qi 'ce-backup\|ce-new' "$TMP/config.ls"; then cat "$TMP/config.ls"; fail "$name: swap leftovers"; fi
  echo "ok: $name: no .ce-backup / .ce-new left after completion"
  expect_exit 0 "$CE_OFFLINE" inspect --json "$img"
  for f in osName build productName systemRoot; do
    expect_eq "$(jq -r ".windows[0].$f" "$TMP/out")" "$(jq -r ".windows[0].$f" "$TMP/before.json")" "$name: $f unchanged"
  done
  expect_eq "$(jq -r '.windows[0].domain.joined' "$TMP/out")" false "$name: now a workgroup member (our reader)"
done
