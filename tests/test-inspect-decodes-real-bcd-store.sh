#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# inspect --json decodes the real BCD store of realhive-bios (regipy test
# data, a Windows 10 UEFI store, at System Reserved \Boot\BCD) by name:
# boot manager, default loader, its devices mapped against this disk (they
# name another disk: a problem that says so), path, nx, recovery, the
# debugger settings inherited through {globalsettings}.  And element by
# element it agrees with hivex's own exporter (hivexregedit --export) on
# the bytes taken out of the image by ntfs-3g (not our code).
. tests/functions.sh
. tests/fixtures/checks.sh
requires jq; requires hivexregedit; requires ntfscat; requires nbdkit; requires nbdcopy; requires perl
img=$(fixture realhive-bios)
cp "$img.facts.json" "$TMP/x.facts.json"
"$CE_OFFLINE" inspect --json "$img" >"$TMP/doc.json" || fail "inspect failed"
b() { jq -r ".windows[0].bcd | $1" "$TMP/doc.json"; }
expect_eq "$(b '.partition, .path, .filesystem, .status' | paste -sd' ')" \
  "1 /Boot/BCD ntfs problems" "location and status"
expect_eq "$(b .bootmgr.description)" "Windows Boot Manager" "bootmgr description"
expect_eq "$(b .bootmgr.default)" "{733b62e5-f608-11eb-825c-c112f60133ab}" "bootmgr default"
expect_eq "$(b .bootmgr.timeout)" 30 "bootmgr timeout"
expect_eq "$(b .default.description)" "Windows 10" "default loader description"
expect_eq "$(b .default.path)" '\Windows\system32\winload.efi' "default loader path"
expect_eq "$(b .default.systemroot)" '\Windows' "systemroot"
expect_eq "$(b '.default.osdevice | [.kind, .style, .partitionGuid, .diskGuid, .thisDisk, .partition] | map(tostring) | join(" ")')" \
  "partition gpt 8e0f2c38-e4ea-47ba-b7fc-9d8c74dccf0b 0b2394a9-095e-487d-8d48-719ecd4d78ca false null" \
  "osdevice decoded and not on this (MBR) disk"
expect_eq "$(b '[.default.nx, .default.recoveryenabled, .default.bootmenupolicy, .default.debugSettings.debugtype, .default.emsSettings.bootems] | map(tostring) | join(" ")')" \
  "OptIn true Standard Local false" "loader settings (debugtype and bootems inherited)"
expect_grep "osdevice names a partition of another disk" <(b '.problems[]') "the foreign osdevice is a problem"
jq -e '.verdict.problems | map(.code) | index("bcd") == null' "$TMP/doc.json" >/dev/null ||
  fail "a BCD finding must not block the verdict"
echo "ok: the store is decoded by name"

part_extract "$img" 1 "$TMP/sr.img"
ntfs_get "$TMP/sr.img" /Boot/BCD "$TMP/BCD"
cmp -s "$TMP/BCD" <(xz -dc tests/data/real-hives/BCD.xz) || fail "the image's BCD is not the real store"
hivexregedit --export "$TMP/BCD" '\' | perl tests/bcd-export-elements.pl >"$TMP/oracle"
[ "$(wc -l <"$TMP/oracle")" -gt 70 ] || fail "the oracle saw too few elements"
b '.objects[] | (.id | ascii_downcase) as $g | .elements[] |
   [$g, .id, .format, (.value | tojson), (.hex // "")] | join("\t")' >"$TMP/ours"
perl tests/bcd-compare.pl "$TMP/oracle" "$TMP/ours" || fail "inspect and hivexregedit disagree"
