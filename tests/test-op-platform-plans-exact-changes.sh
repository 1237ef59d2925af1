#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# enableRdp + platform azure on win2022-bios-vda whose hives carry an
# on-premises drift (tests/fixtures/reg/op-*-drift.reg): the plan holds
# exactly the expected changes (hive, key, value, old, new); applied with
# hivexregedit (not our code) every value reads back with hivexget as the
# plan says; planning again on the result gives zero changes.
. tests/functions.sh
requires hivexregedit
requires hivexget
requires jq
H=$FIXTOOLS/op-harness
[ -x "$H" ] || fail "$H missing (make test-progs)"

img=$(fixture win2022-bios-vda)
"$H" plan --ops components --dump-hive SYSTEM="$TMP/SYSTEM" --dump-hive SOFTWARE="$TMP/SOFTWARE" \
  "$img" <(echo '{"type":"prepare"}') >/dev/null
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$TMP/SYSTEM" tests/fixtures/reg/op-system-drift.reg
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$TMP/SOFTWARE" tests/fixtures/reg/op-software-drift.reg

echo '{"type":"prepare","platform":"azure","enableRdp":true}' >"$TMP/job.json"
plan() {
  "$H" plan --ops platform --hive SYSTEM="$TMP/SYSTEM" --hive SOFTWARE="$TMP/SOFTWARE" "$@" \
    "$img" "$TMP/job.json"
}
plan --reg-out SYSTEM="$TMP/system.reg" --reg-out SOFTWARE="$TMP/software.reg" >"$TMP/plan.json"

CS='ControlSet001'
FW="$CS\\Services\\SharedAccess\\Parameters\\FirewallPolicy\\FirewallRules"
RULE_OFF='v2.31|Action=Allow|Active=FALSE|Dir=In|Protocol=6|LPort=3389|App=%SystemRoot%\system32\svchost.exe|Svc=termservice|Name=@FirewallAPI.dll,-28775|Desc=@FirewallAPI.dll,-28756|EmbedCtxt=@FirewallAPI.dll,-28752|'
RULE_ON=${RULE_OFF/Active=FALSE/Active=TRUE}
UDP=$(jq -r '.rdp.firewall.rules[] | select(.name == "RemoteDesktop-UserMode-In-UDP") | .data' \
      offline-win/data/platforms.json)
expected=$(jq -cn --arg cs "$CS" --arg fw "$FW" --arg off "$RULE_OFF" --arg on "$RULE_ON" --arg udp "$UDP" '[
  ["rdp","SYSTEM",($cs+"\\Control\\Terminal Server"),"fDenyTSConnections",1,0],
  ["rdp","SOFTWARE","Policies\\Microsoft\\Windows NT\\Terminal Services","fDenyTSConnections",1,0],
  ["rdp","SYSTEM",$fw,"RemoteDesktop-UserMode-In-TCP",$off,$on],
  ["rdp","SYSTEM",$fw,"RemoteDesktop-UserMode-In-UDP",null,$udp],
  ["platform","SYSTEM",($cs+"\\Control\\FileSystem"),"NtfsDisable8dot3NameCreation",2,1],
  ["platform","SYSTEM",($cs+"\\Control\\TimeZoneInformation"),"RealTimeIsUniversal",null,1],
  ["platform","SYSTEM",($cs+"\\Services\\Dhcp"),"Start",4,2],
  ["platform","SYSTEM",($cs+"\\Services\\Tcpip\\Parameters\\PersistentRoutes"),"10.0.0.0,255.0.0.0,192.168.1.1,1","",null]
]')
got=$(jq -c '[.changes[] | [.step, .hive, .key, .value, .old, .new]]' "$TMP/plan.json")
[ "$got" = "$expected" ] || { jq . "$TMP/plan.json"; fail "changes differ: $got"; }
echo "ok: the plan holds exactly the 8 expected changes"
expect_eq "$(jq -r '.changes[] | select(.value == "RemoteDesktop-UserMode-In-TCP") | .type' "$TMP/plan.json")" \
  REG_SZ "an enabled rule keeps its type"
expect_eq "$(jq -r '[.steps[].status] | join(",")' "$TMP/plan.json")" "planned,planned" "step status"
expect_grep 'BCD settings: step bcd' <(jq -r '.steps[1].message' "$TMP/plan.json") \
  "the platform step points at the bcd step"
expect_grep 'Active=FALSE.*-28502' <(hivexget "$TMP/SYSTEM" "$FW" FPS-ICMP4-ERQ-In) "other group's rule exists"
jq -e '[.changes[] | select(.value == "FPS-ICMP4-ERQ-In")] | length == 0' "$TMP/plan.json" >/dev/null \
  || fail "a rule of another group was changed"
echo "ok: a rule of another group is left alone"

# Apply with hivexregedit and read every value back with hivexget.
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$TMP/SYSTEM" "$TMP/system.reg"
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$TMP/SOFTWARE" "$TMP/software.reg"
n=$(jq '.changes | length' "$TMP/plan.json")
for ((i = 0; i < n; i++)); do
  hive=$(jq -r ".changes[$i].hive" "$TMP/plan.json")
  key=$(jq -r ".changes[$i].key" "$TMP/plan.json")
  val=$(jq -r ".changes[$i].value" "$TMP/plan.json")
  want=$(jq -r ".changes[$i].new // \"<deleted>\"" "$TMP/plan.json")
  got=$(hivexget "$TMP/$hive" "$key" "$val" 2>/dev/null || echo "<deleted>")
  expect_eq "$got" "$want" "hivexget $hive $key $val"
done

plan >"$TMP/again.json"
expect_eq "$(jq '.changes | length' "$TMP/again.json")" 0 "changes when planned again on the result"
expect_eq "$(jq -r '[.steps[].status] | join(",")' "$TMP/again.json")" \
  "nothing-to-do,nothing-to-do" "step status when planned again"
