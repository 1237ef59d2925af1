#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A second real store: virt-v2v's Windows 11 UEFI BCD (tests/data/virt-v2v,
# GPL-2.0-or-later), made into a hive by hivex and put on the EFI system
# partition of win11-uefi-vda with mtools.  inspect decodes it by name (the
# Windows 11 loader, its GPT devices of another disk, the WinRE loader's
# ramdisk device kept as hex with its options object) and agrees element by
# element with hivexregedit --export of the same hive.
. tests/functions.sh
requires jq; requires hivexregedit; requires mcopy; requires perl
[ -x "$FIXTOOLS/mkhive" ] || fail "$FIXTOOLS/mkhive missing (make test-progs)"
img=$(fixture_copy win11-uefi-vda)
"$FIXTOOLS/mkhive" "$TMP/BCD" ROOT
hivexregedit --merge "$TMP/BCD" tests/data/virt-v2v/windows-bcd.reg || fail "hivexregedit merge"
MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img@@1048576" "$TMP/BCD" ::/EFI/Microsoft/Boot/BCD || fail mcopy
"$CE_OFFLINE" inspect --json "$img" >"$TMP/doc.json" || fail "inspect failed"
b() { jq -r ".windows[0].bcd | $1" "$TMP/doc.json"; }
expect_eq "$(b '[.bootmgr.default, .default.description, .default.path, .default.locale] | join(" ")')" \
  '{9dd54393-76ea-11ed-8c7c-de4e190a0ee1} Windows 11 \Windows\system32\winload.efi en-US' "default loader"
expect_eq "$(b '.default.osdevice | [.style, .partitionGuid, .diskGuid, .thisDisk] | map(tostring) | join(" ")')" \
  "gpt 1581cea0-12ee-4f7d-8967-a2b73024aae2 addc0d43-17a9-4e26-a16c-dc71e67393f7 false" "osdevice of another disk"
expect_eq "$(b '[.default.nx, .default.bootmenupolicy, .default.recoveryenabled] | map(tostring) | join(" ")')" \
  "OptIn Standard true" "loader settings"
expect_eq "$(b '.objects[] | select(.id == "{9dd54394-76ea-11ed-8c7c-de4e190a0ee1}") | .elements[] | select(.id == "11000001") | .value | [.kind, .associatedObject] | join(" ")')" \
  "disk {9dd54395-76ea-11ed-8c7c-de4e190a0ee1}" "WinRE ramdisk device: kind and options object"
hivexregedit --export "$TMP/BCD" '\' | perl tests/bcd-export-elements.pl >"$TMP/oracle"
[ "$(wc -l <"$TMP/oracle")" -gt 60 ] || fail "the oracle saw too few elements"
b '.objects[] | (.id | ascii_downcase) as $g | .elements[] |
   [$g, .id, .format, (.value | tojson), (.hex // "")] | join("\t")' >"$TMP/ours"
perl tests/bcd-compare.pl "$TMP/oracle" "$TMP/ours" || fail "inspect and hivexregedit disagree"
