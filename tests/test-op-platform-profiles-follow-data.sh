#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Each platform profile on the drifted win2022-bios-vda hives does what
# platforms.json says for it: short names off everywhere; UTC clock and
# route removal only on the clouds; GCP keeps one metadata route; missing
# driver services are reported; applied with hivexregedit, every profile
# plans zero changes the second time.  An unknown platform fails its step.
. tests/functions.sh
requires hivexregedit
requires hivexget
requires jq
H=$FIXTOOLS/op-harness
[ -x "$H" ] || fail "$H missing (make test-progs)"

img=$(fixture win2022-bios-vda)
"$H" plan --ops platform --dump-hive SYSTEM="$TMP/SYSTEM.orig" "$img" <(echo '{"type":"prepare"}') >/dev/null
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$TMP/SYSTEM.orig" tests/fixtures/reg/op-system-drift.reg
ROUTES='ControlSet001\Services\Tcpip\Parameters\PersistentRoutes'
META='169.254.169.254,255.255.255.255,0.0.0.0,1'

has() {  # PLAN VALUE -> number of changes to VALUE
  jq --arg v "$2" '[.changes[] | select(.value == $v)] | length' "$1"
}

for p in azure aws gcp vsphere nutanix xenserver; do
  cp "$TMP/SYSTEM.orig" "$TMP/SYSTEM"
  echo "{\"type\":\"prepare\",\"platform\":\"$p\"}" >"$TMP/job.json"
  "$H" plan --ops platform --hive SYSTEM="$TMP/SYSTEM" --reg-out SYSTEM="$TMP/s.reg" \
    "$img" "$TMP/job.json" >"$TMP/$p.json"
  expect_eq "$(has "$TMP/$p.json" NtfsDisable8dot3NameCreation)" 1 "$p: 8.3 names off"
  expect_eq "$(has "$TMP/$p.json" Start)" 1 "$p: Dhcp start type (the only service off)"
  case $p in
    azure|aws|gcp) clock=1 route=1 ;;
    *) clock=0 route=0 ;;
  esac
  expect_eq "$(has "$TMP/$p.json" RealTimeIsUniversal)" $clock "$p: RealTimeIsUniversal"
  expect_eq "$(has "$TMP/$p.json" '10.0.0.0,255.0.0.0,192.168.1.1,1')" $route "$p: old route removed"
  expect_eq "$(has "$TMP/$p.json" "$META")" "$([ $p = gcp ] && echo 1 || echo 0)" "$p: metadata route"
  # Each driver the data file lists and the image lacks is in the notes.
  for svc in $(jq -r --arg p "$p" '.platforms[$p].drivers[].service' offline-win/data/platforms.json); do
    if hivexget "$TMP/SYSTEM" "ControlSet001\\Services\\$svc" Start >/dev/null 2>&1; then continue; fi
    expect_grep "driver service $svc " <(jq -r '.notes[]' "$TMP/$p.json") "$p: missing driver $svc reported"
  done
  hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$TMP/SYSTEM" "$TMP/s.reg"
  if [ $p = gcp ]; then
    expect_eq "$(hivexget "$TMP/SYSTEM" "$ROUTES" "$META")" "" "gcp: metadata route in the hive"
  fi
  "$H" plan --ops platform --hive SYSTEM="$TMP/SYSTEM" "$img" "$TMP/job.json" >"$TMP/again.json"
  expect_eq "$(jq '.changes | length' "$TMP/again.json")" 0 "$p: changes when planned again"
done

echo '{"type":"prepare","platform":"mars"}' >"$TMP/job.json"
"$H" plan --ops platform "$img" "$TMP/job.json" >"$TMP/mars.json"
expect_eq "$(jq -r '.steps[0].status' "$TMP/mars.json")" failed "unknown platform: step status"
expect_grep 'unknown platform "mars"' <(jq -r '.steps[0].message' "$TMP/mars.json") "unknown platform: message"
expect_eq "$(jq '.changes | length' "$TMP/mars.json")" 0 "unknown platform: no changes"
