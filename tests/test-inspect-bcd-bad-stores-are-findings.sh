#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A bad BCD store on the EFI system partition (put there with mtools, read
# back by our FAT reader) is a clear finding of inspect, never a crash and
# never a failed inspection: a truncated store is "invalid" with the fix;
# a store without {bootmgr} says so; a loader device of an unknown kind and
# an element id we have no name for are kept as hex and described.  The
# image is not written (its hash is unchanged).
. tests/functions.sh
requires jq; requires mcopy; requires hivexregedit; requires sha256sum
img=$(fixture_copy win2019-uefi-vda)
esp="$img@@1048576"
export MTOOLS_SKIP_CHECK=1
xz -dc tests/data/real-hives/BCD.xz >"$TMP/real"
put() { mcopy -o -i "$esp" "$1" ::/EFI/Microsoft/Boot/BCD || fail "mcopy $1"; }
inspect() {
  local before after
  before=$(sha256sum <"$img")
  "$CE_OFFLINE" inspect --json "$img" >"$TMP/doc.json" 2>"$TMP/err" ||
    { cat "$TMP/err"; fail "$1: inspect failed on a bad BCD"; }
  after=$(sha256sum <"$img")
  expect_eq "$after" "$before" "$1: image unchanged"
}
b() { jq -r ".windows[0].bcd | $1" "$TMP/doc.json"; }

head -c 6000 "$TMP/real" >"$TMP/truncated"
put "$TMP/truncated"; inspect truncated
expect_eq "$(b .status)" invalid "truncated: status"
expect_grep "not a readable registry hive.*bcdboot" <(b .error) "truncated: the error says what and the fix"

cp "$TMP/real" "$TMP/nomgr"
printf 'Windows Registry Editor Version 5.00\n\n[-\\Objects\\{9dea862c-5cdd-4e70-acc1-f32b344d4795}]\n' >"$TMP/del.reg"
hivexregedit --merge "$TMP/nomgr" "$TMP/del.reg" || fail "hivexregedit delete"
put "$TMP/nomgr"; inspect no-bootmgr
expect_eq "$(b .status)" problems "no bootmgr: status"
expect_grep "no {bootmgr} object" <(b '.problems[]') "no bootmgr: said"
expect_eq "$(b .default)" null "no bootmgr: no default loader"

# The default loader's osdevice of kind 99, and an element 15001234.
cp "$TMP/real" "$TMP/odd"
L='\Objects\{733b62e5-f608-11eb-825c-c112f60133ab}\Elements'
dev=$(printf '00,%.0s' $(seq 16))63,00,00,00$(printf ',00%.0s' $(seq 68))
cat >"$TMP/odd.reg" <<REG
Windows Registry Editor Version 5.00

[$L\\21000001]
"Element"=hex(3):$dev

[$L\\15001234]
"Element"=hex(3):2a,00,00,00,00,00,00,00
REG
hivexregedit --merge "$TMP/odd" "$TMP/odd.reg" || fail "hivexregedit merge"
put "$TMP/odd"; inspect odd
expect_eq "$(b '.default.osdevice | [.kind, .deviceType] | map(tostring) | join(" ")')" "unknown 99" \
  "unknown device kind: decoded as far as known"
expect_grep "element 21000001: device of unknown kind" <(b '.problems[]') "unknown device kind: a finding"
expect_eq "$(b '.objects[] | select(.id == "{733b62e5-f608-11eb-825c-c112f60133ab}") | .elements[] | select(.id == "21000001") | .hex' | cut -c33-40)" \
  63000000 "unknown device kind: its bytes kept as hex"
expect_eq "$(b '.objects[] | .elements[] | select(.id == "15001234") | [.name, .format, .value] | map(tostring) | join(" ")')" \
  "null integer 42" "unknown element: shown by id with its value"
