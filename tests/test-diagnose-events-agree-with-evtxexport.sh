#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every event the report names (record, event id, source, level, time,
# first string), and how many of each kind it counted, agree with an
# independent reader of the same log: evtxexport (libevtx-utils).  Two real
# System logs: the failed-migration fixture's (Windows 10: SCM 7026/7000/
# 7023, Disk 51, Ntfs) and one with Kernel-Power 41, EventLog 6008,
# BugCheck 1001 and NETLOGON errors (Windows 7), put on a copy.
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
. tests/diagnose-functions.sh
requires jq
requires evtxexport
requires ntfscp

# check LOG REPORT: the report's events against evtxexport's.
check() {
  local log=$1 r=$2 n=0 rec id src lvl when s1 want got t
  evtx_oracle "$log" "$TMP/oracle.tsv"
  while IFS=$'\t' read -r rec id src lvl when s1; do
    want=$(awk -F'\t' -v r="$rec" '$1 == r' "$TMP/oracle.tsv")
    [ -n "$want" ] || fail "record $rec is not in evtxexport's output"
    IFS=$'\t' read -r _ wid wsrc wlvl wt ws1 <<<"$want"
    expect_eq "$id/$src" "$wid/$wsrc" "record $rec: event id/source" >/dev/null
    expect_eq "$lvl" "$wlvl" "record $rec: level" >/dev/null
    t=$(date -u -d "$(sed -E 's/\.[0-9]+ UTC$//' <<<"$wt")" +%Y-%m-%dT%H:%M:%SZ)
    expect_eq "$when" "$t" "record $rec: time" >/dev/null
    expect_eq "$s1" "$ws1" "record $rec: first string" >/dev/null
    n=$((n + 1))
  done < <(jq -r '.findings[].evidence[] | select(.source == "evtx")
                  | [.recordId, .eventId, .provider, .level, .time, ((.strings[0] // "") | gsub("\r"; ""))] | @tsv' "$r")
  [ "$n" -gt 0 ] || fail "the report names no event"
  echo "ok: $n events named by the report agree with evtxexport"
  # The counts per kind, from evtxexport's side.
  count() { awk -F'\t' "$1" "$TMP/oracle.tsv" | wc -l; }
  expect_eq "$(jq '.events.counts["boot-drivers-not-loaded"]' "$r")" \
    "$(count '$3 == "Service Control Manager" && $2 == 7026')" "7026 count"
  expect_eq "$(jq '.events.counts["service-failed"]' "$r")" \
    "$(count '$3 == "Service Control Manager" && ($2 == 7000 || $2 == 7001 || $2 == 7009 || $2 == 7011 || $2 == 7023 || $2 == 7034)')" \
    "SCM 7000/7001/7009/7011/7023/7034 count"
  expect_eq "$(jq '.events.counts["unexpected-shutdown"]' "$r")" \
    "$(count '($3 == "Microsoft-Windows-Kernel-Power" && $2 == 41) || ($3 == "EventLog" && $2 == 6008)')" \
    "Kernel-Power 41 + EventLog 6008 count"
  expect_eq "$(jq '.events.counts["bugcheck"]' "$r")" "$(count '$3 == "BugCheck" && $2 == 1001')" \
    "BugCheck 1001 count"
  expect_eq "$(jq '.events.counts["disk-errors"]' "$r")" \
    "$(count 'tolower($3) == "disk" && ($2 == 7 || $2 == 11 || $2 == 51 || $2 == 153)')" "disk count"
  expect_eq "$(jq '.events.records' "$r")" "$(wc -l <"$TMP/oracle.tsv")" "records read"
}

img=$(fixture_copy failed-migration)
xz -dc tests/data/evtx/System-evtx-rs.evtx.xz >"$TMP/a.evtx"
diagnose_json "$img" "$TMP/a.json"
check "$TMP/a.evtx" "$TMP/a.json"
[ "$(jq '.events.counts["boot-drivers-not-loaded"]' "$TMP/a.json")" -gt 0 ] || fail "no 7026 counted"

xz -dc tests/data/evtx/System-python-evtx.evtx.xz >"$TMP/b.evtx"
put "$img" 2 Windows/System32/winevt/Logs/System.evtx "$TMP/b.evtx"
diagnose_json "$img" "$TMP/b.json"
check "$TMP/b.evtx" "$TMP/b.json"
f=$(finding "$TMP/b.json" bugcheck)
expect_eq "$(jq -r .stopCode <<<"$f")" 0x00010001 "BugCheck 1001: stop code from its first string"
finding "$TMP/b.json" unexpected-shutdown >/dev/null
finding "$TMP/b.json" netlogon-errors >/dev/null
echo "ok: Kernel-Power 41 / EventLog 6008, BugCheck 1001, NETLOGON named"
