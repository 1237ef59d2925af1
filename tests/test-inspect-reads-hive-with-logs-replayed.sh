#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A dirty SYSTEM hive whose .LOG1/.LOG2 hold newer entries (the real
# Windows 10 SYSTEM_B): inspect reports it dirty-recoverable with the entry
# count, reads its facts from the replayed copy, and writes nothing.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
img=$(fixture dirty-hive-logs)
before=$(sha256sum < "$img")
inspect_fixture dirty-hive-logs 0
h='.windows[0].hives[] | select(.name == "SYSTEM")'
expect_eq "$(jq -r "$h | .state" "$TMP/dirty-hive-logs.json")" dirty-recoverable "SYSTEM state"
expect_eq "$(jq -r "$h | .view" "$TMP/dirty-hive-logs.json")" replayed "facts read from the replayed copy"
expect_eq "$(jq -r "$h | .logEntries" "$TMP/dirty-hive-logs.json")" 24 "log entries that continue the primary"
expect_eq "$(jq -c "$h | .logs" "$TMP/dirty-hive-logs.json")" '["SYSTEM.LOG1","SYSTEM.LOG2"]' "logs found"
expect_eq "$(jq -c "$h | .sequence" "$TMP/dirty-hive-logs.json")" '[1622,1621]' "primary sequence numbers"
check_facts dirty-hive-logs
expect_eq "$(sha256sum < "$img")" "$before" "image unchanged by inspect"
