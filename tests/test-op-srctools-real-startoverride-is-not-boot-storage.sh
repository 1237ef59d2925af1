#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A real Windows 10 1709 SYSTEM hive (tests/data/real-hives, regipy, MIT)
# has storvsc and stornvme with Start=0 but StartOverride\0 = 3 (Windows
# keeps storage drivers its hardware does not use off that way).  With the
# tool services and filters of win2019-bios-srctools merged into it (in
# ControlSet001, its current set), removeSourceTools for azure must NOT
# count either driver as boot storage: nothing is planned, and the step
# says why, naming StartOverride.  With StartOverride\0 set to 0 (as read
# back by hivexget) storvsc is proven and the filters and services are
# planned, the real hive's own VMware device filters included.
. tests/functions.sh
requires hivexregedit
requires hivexget
requires jq
H=$FIXTOOLS/op-harness
[ -x "$H" ] || fail "$H missing (make test-progs)"

img=$(fixture win2019-bios-srctools)
xz -dc tests/data/real-hives/SYSTEM_WIN_10_1709.xz >"$TMP/SYSTEM"
expect_eq "$(hivexget "$TMP/SYSTEM" Select Current)" 1 "the real hive's current control set"
expect_eq "$(hivexget "$TMP/SYSTEM" 'ControlSet001\Services\storvsc\StartOverride' 0)" 3 \
  "the real hive keeps storvsc off with StartOverride"
# The tools' registry entries, expanded as make-fixture does.
sed -n "/^REG_FILTER='/,/^'\$/p" tests/fixtures/make-fixture | sed "1s/^REG_FILTER='//; \$d" >"$TMP/filter.pl"
FX_CSN=001 perl -pe 's/\@(CSN)\@/$ENV{"FX_$1"}/g' tests/fixtures/reg/srctools-system.reg >"$TMP/tools.in"
perl "$TMP/filter.pl" "$TMP/tools.in" >"$TMP/tools.reg"
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$TMP/SYSTEM" "$TMP/tools.reg"

# SOFTWARE without any Uninstall entry of a tool (realhive-bios'): the
# products are found by their services alone.
"$H" plan --ops vda --dump-hive SOFTWARE="$TMP/SOFTWARE" "$(fixture realhive-bios)" \
  <(echo '{"type":"prepare"}') >/dev/null || fail "op-harness failed"

echo '{"type":"prepare","platform":"azure","removeSourceTools":true}' >"$TMP/job.json"
plan() { "$H" plan --ops sourceTools --hive SYSTEM="$TMP/SYSTEM" --hive SOFTWARE="$TMP/SOFTWARE" "$@"; }
plan "$img" "$TMP/job.json" >"$TMP/plan.json" \
  || fail "op-harness failed"
expect_eq "$(jq -r '.steps[0].status' "$TMP/plan.json")" failed "explicit removeSourceTools without boot storage"
expect_eq "$(jq '.changes | length' "$TMP/plan.json")" 0 "changes planned"
expect_grep 'storvsc: StartOverride\\0 is 3' <(jq -r '.steps[0].message' "$TMP/plan.json") \
  "the step names StartOverride as the reason"

cat >"$TMP/on.reg" <<'EOF_REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Services\storvsc\StartOverride]
"0"=dword:00000000
EOF_REG
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$TMP/SYSTEM" "$TMP/on.reg"
expect_eq "$(hivexget "$TMP/SYSTEM" 'ControlSet001\Services\storvsc\StartOverride' 0)" 0 "StartOverride\\0 now"
plan "$img" "$TMP/job.json" >"$TMP/plan2.json" \
  || fail "op-harness failed"
expect_eq "$(jq -r '.steps[0].status' "$TMP/plan2.json")" planned "with storvsc on"
expect_grep 'boots from storvsc' <(jq -r '.steps[0].message' "$TMP/plan2.json") "storvsc is the proof"
jq -e '[.changes[] | select(.value == "Start" and (.key | test("storvsc|stornvme")))] | length == 0' \
  "$TMP/plan2.json" >/dev/null || fail "a boot storage driver of the target was touched"
# The 6 lists of the merged tools, and the real hive's own VMware device
# filters VMMouse and VMUsbMouse (it is a VMware guest).
expect_eq "$(jq -r '[.changes[] | select(.value == "UpperFilters" or .value == "LowerFilters") | .key]
                    | map(select(test("VMW0003|VID_0E0F"))) | length' "$TMP/plan2.json")" \
  3 "the real VMware device filters are taken out"
expect_eq "$(jq '[.changes[] | select(.value == "UpperFilters" or .value == "LowerFilters")] | length' "$TMP/plan2.json")" \
  9 "filter lists edited in the real hive"
expect_eq "$(jq -r '.changes[] | select(.key == "ControlSet001\\Services\\VMUsbMouse") | .new' "$TMP/plan2.json")" \
  4 "the real VMUsbMouse service is disabled (its stored name)"
expect_grep 'VMware Tools: found by its services, no Uninstall entry' <(jq -r '.notes[]' "$TMP/plan2.json") \
  "a product without an Uninstall entry is named: nothing to uninstall"
