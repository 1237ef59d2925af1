#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A real Windows 10 SYSTEM hive whose primary file is stale (SYSTEM_B, with
# .LOG1 and .LOG2): replay succeeds, the result opens in hivex and survives
# a full traversal, and it holds every key of the primary plus the
# thousands of keys and values Windows kept only in the logs.
. "$(dirname "$0")/functions.sh"
requires hivexregedit
requires hivexml
requires xz
requires jq

src=tests/data/real-hives
d=$TMP/config
mkdir -p "$d"
xz -dc "$src/SYSTEM_B.xz" >"$d/SYSTEM"
xz -dc "$src/SYSTEM_B.LOG1.xz" >"$d/SYSTEM.LOG1"
xz -dc "$src/SYSTEM_B.LOG2.xz" >"$d/SYSTEM.LOG2"

expect_exit 0 "$CE_OFFLINE" hive-recover "$d/SYSTEM" --output "$TMP/SYSTEM.recovered" --json
cat "$TMP/out"
expect_eq "$(jq -r .state "$TMP/out")" dirty-recoverable "state"
expect_eq "$(jq -r .entriesApplied "$TMP/out")" 24 "entries applied (2107..2130)"
expect_eq "$(jq -r .sequence "$TMP/out")" 2131 "sequence"

hivexml "$TMP/SYSTEM.recovered" >/dev/null || fail "hivexml cannot traverse the result"
echo "ok: hivexml traverses the result"
tests/hive-dump.sh "$d/SYSTEM" "$TMP/primary.dump"
tests/hive-dump.sh "$TMP/SYSTEM.recovered" "$TMP/recovered.dump"
grep -v '\] ' "$TMP/primary.dump" >"$TMP/primary.keys" || true
grep -v '\] ' "$TMP/recovered.dump" >"$TMP/recovered.keys" || true
missing=$(comm -23 "$TMP/primary.keys" "$TMP/recovered.keys" | wc -l)
expect_eq "$missing" 0 "keys of the primary missing from the result"
keys_added=$(comm -13 "$TMP/primary.keys" "$TMP/recovered.keys" | wc -l)
lines_added=$(comm -13 "$TMP/primary.dump" "$TMP/recovered.dump" | wc -l)
values_added=$((lines_added - keys_added))
lines_gone=$(comm -23 "$TMP/primary.dump" "$TMP/recovered.dump" | wc -l)
echo "keys added: $keys_added, values added or changed: $values_added, values changed or removed: $lines_gone"
echo "dump lines: primary $(wc -l <"$TMP/primary.dump"), recovered $(wc -l <"$TMP/recovered.dump")"
[ "$keys_added" -gt 1000 ] || fail "expected thousands of keys from the logs, got $keys_added"
[ $(( $(wc -l <"$TMP/recovered.dump") - $(wc -l <"$TMP/primary.dump") )) -gt 5000 ] \
  || fail "expected about 6,400 more lines after replay"
# Values Windows wrote only to the logs are there, e.g. the control set.
hivexget "$TMP/SYSTEM.recovered" '\Select' Current >/dev/null || fail "Select\\Current unreadable"
