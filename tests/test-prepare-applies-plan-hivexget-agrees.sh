#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A full prepare on an MBR and a GPT fixture: every registry value the
# result lists reads back with hivexget (ntfs-3g's own tools extract the
# hives), the backups are gone once the job completed, and inspect still
# finds the same Windows.
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
requires ntfscat
requires hivexget
for name in win2022-bios-vda win11-uefi-vda; do
  img=$(fixture_copy "$name")
  job "$TMP/job.json" '{"type":"prepare","platform":"azure","provisioningType":"Mcs","pagefile":"system",
    "xdReconfigure":[{"ParameterName":"controllers","ParameterValue":"ddc9.corp.example.com,ddc8.corp.example.com"},
                     {"ParameterName":"portnumber","ParameterValue":"8080"}],
    "domainUnjoin":true,"enableRdp":true}'
  "$CE_OFFLINE" inspect --json "$img" > "$TMP/before.json"
  n=$(jq -r '.windows[0].partition' "$TMP/before.json")
  expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --json
  cp "$TMP/out" "$TMP/result.json"
  expect_eq "$(jq -r .status "$TMP/result.json")" complete "$name: status"
  [ "$(jq '.changes | length' "$TMP/result.json")" -gt 5 ] || fail "$name: too few changes listed"
  check_changes_with_hivexget "$img" "$n" "$TMP/result.json"
  expect_eq "$(hivexget "$TMP/SOFTWARE.after" 'Citrix\VirtualDesktopAgent' ListOfDDCs)" \
            "ddc9.corp.example.com ddc8.corp.example.com" "$name: ListOfDDCs (hivexget)"
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
