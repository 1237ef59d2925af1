#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Registry and file facts beyond the failed-migration four: a MEMORY.DMP
# is listed with its size and time (crash-dumps), and pending file renames
# in SYSTEM (reboot-pending) are named with the value as evidence; both set
# up on a copy with ntfs-3g's ntfscp and hivex's hivexregedit (not our code).
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
. tests/diagnose-functions.sh
requires jq
requires ntfscp
requires hivexregedit

img=$(fixture_copy failed-migration)
head -c 123456 /dev/zero >"$TMP/MEMORY.DMP"
put "$img" 2 Windows/MEMORY.DMP "$TMP/MEMORY.DMP"
extract "$img" 2 Windows/System32/config/SYSTEM "$TMP/SYSTEM"
cat >"$TMP/pending.reg" <<'REG'
Windows Registry Editor Version 5.00

[HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\Control\Session Manager]
"PendingFileRenameOperations"=hex(7):5c,00,3f,00,3f,00,5c,00,43,00,3a,00,5c,00,61,00,2e,00,74,00,6d,00,70,00,00,00,00,00,00,00
REG
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$TMP/SYSTEM" "$TMP/pending.reg"
put "$img" 2 Windows/System32/config/SYSTEM "$TMP/SYSTEM"
diagnose_json "$img" "$TMP/r.json"

f=$(finding "$TMP/r.json" crash-dumps)
expect_eq "$(jq -r '.evidence[0].path' <<<"$f")" /Windows/MEMORY.DMP "dump path"
expect_eq "$(jq -r '.evidence[0].size' <<<"$f")" 123456 "dump size"
jq -e '.evidence[0].time | test("^20[0-9]{2}-")' <<<"$f" >/dev/null || fail "dump time"
f=$(finding "$TMP/r.json" reboot-pending)
expect_eq "$(jq -r '.evidence[0].value' <<<"$f")" PendingFileRenameOperations "pending renames: value"
expect_eq "$(jq -r '.evidence[0].data[0]' <<<"$f")" '\??\C:\a.tmp' "pending renames: data"
expect_eq "$(jq -r '.registry.pendingReboot[0]' "$TMP/r.json")" PendingFileRenameOperations "registry.pendingReboot"
