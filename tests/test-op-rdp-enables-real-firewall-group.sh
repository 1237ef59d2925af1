#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# enableRdp on a real Windows 10 SYSTEM hive (realhive-bios): every rule
# of the "Remote Desktop" group (EmbedCtxt=@FirewallAPI.dll,-28752, counted
# with hivexregedit --export, not our code) is planned with Active=TRUE and
# nothing else in its string changes; no standard rule is added (they
# exist); applied with hivexregedit, planning again gives zero changes.
. tests/functions.sh
requires hivexregedit
requires jq
H=$FIXTOOLS/op-harness
[ -x "$H" ] || fail "$H missing (make test-progs)"

img=$(fixture realhive-bios)
echo '{"type":"prepare","enableRdp":true}' >"$TMP/job.json"
"$H" plan --ops platform --dump-hive SYSTEM="$TMP/SYSTEM" --reg-out SYSTEM="$TMP/system.reg" \
  "$img" "$TMP/job.json" >"$TMP/plan.json"
FW='ControlSet001\Services\SharedAccess\Parameters\FirewallPolicy\FirewallRules'

hivexregedit --export --unsafe-printable-strings --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$TMP/SYSTEM" "$FW" >"$TMP/fw.reg"
group=$(grep -c 'EmbedCtxt=@FirewallAPI.dll,-28752|' "$TMP/fw.reg" || true)
inactive=$(grep 'EmbedCtxt=@FirewallAPI.dll,-28752|' "$TMP/fw.reg" | grep -c 'Active=FALSE' || true)
[ "$group" -ge 3 ] || fail "expected the real hive to hold the Remote Desktop group, found $group rules"
echo "ok: the real hive has $group Remote Desktop rules, $inactive inactive"

fwchanges=$(jq --arg fw "$FW" '[.changes[] | select(.key == $fw)] | length' "$TMP/plan.json")
expect_eq "$fwchanges" "$inactive" "firewall rules planned (= inactive group rules)"
jq -r --arg fw "$FW" '.changes[] | select(.key == $fw) | [.old, .new] | @tsv' "$TMP/plan.json" |
while IFS=$'\t' read -r old new; do
  [ "${old/Active=FALSE/Active=TRUE}" = "$new" ] || fail "rule changed beyond Active: $old -> $new"
  [[ $old == *'EmbedCtxt=@FirewallAPI.dll,-28752|'* ]] || fail "rule outside the group: $old"
done
echo "ok: each planned rule differs only in Active=FALSE -> Active=TRUE"
expect_eq "$(jq '[.changes[] | select(.old == null)] | length' "$TMP/plan.json")" 0 \
  "no rule added when the group's rules exist"

hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$TMP/SYSTEM" "$TMP/system.reg"
hivexregedit --export --unsafe-printable-strings --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$TMP/SYSTEM" "$FW" >"$TMP/fw2.reg"
expect_eq "$(grep 'EmbedCtxt=@FirewallAPI.dll,-28752|' "$TMP/fw2.reg" | grep -c 'Active=FALSE' || true)" 0 \
  "inactive Remote Desktop rules after applying (hivexregedit --export)"
"$H" plan --ops platform --hive SYSTEM="$TMP/SYSTEM" "$img" "$TMP/job.json" >"$TMP/again.json"
expect_eq "$(jq '.changes | length' "$TMP/again.json")" 0 "changes when planned again"
