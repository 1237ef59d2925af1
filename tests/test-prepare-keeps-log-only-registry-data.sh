#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# prepare on a disk whose SYSTEM hive is the real Windows 10 SYSTEM_B with
# its .LOG1/.LOG2: the log entries are replayed before the edit, so keys
# and values that existed only in the logs survive (spot-checked with
# hivexget), the result says how many entries were replayed, and a second
# inspect reports the hive clean.
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
requires hivexregedit
export LC_ALL=C
img=$(fixture_copy dirty-hive-logs)
n=$("$CE_OFFLINE" inspect --json "$img" | jq -r '.windows[0].partition')
extract "$img" "$n" Windows/System32/config/SYSTEM "$TMP/SYSTEM.before"

# What only the logs hold: the replayed dump minus the primary's dump.
extract "$img" "$n" Windows/System32/config/SYSTEM.LOG1 "$TMP/SYSTEM.before.LOG1"
extract "$img" "$n" Windows/System32/config/SYSTEM.LOG2 "$TMP/SYSTEM.before.LOG2"
"$CE_OFFLINE" hive-recover "$TMP/SYSTEM.before" --output "$TMP/SYSTEM.replayed" >/dev/null
tests/hive-dump.sh "$TMP/SYSTEM.before" "$TMP/dump.primary"
tests/hive-dump.sh "$TMP/SYSTEM.replayed" "$TMP/dump.replayed"
comm -13 "$TMP/dump.primary" "$TMP/dump.replayed" > "$TMP/log-only"
echo "lines only in the logs: $(wc -l < "$TMP/log-only")"
[ "$(wc -l < "$TMP/log-only")" -gt 1000 ] || fail "expected thousands of log-only lines"

job "$TMP/job.json" '{"type":"prepare","platform":"azure","enableRdp":true}'
expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --json
cp "$TMP/out" "$TMP/result.json"
expect_eq "$(jq -r '.replayedLogEntries.SYSTEM' "$TMP/result.json")" 24 "replayed log entries reported"
jq -r '.notes[]' "$TMP/result.json" > "$TMP/notes"
expect_grep 'SYSTEM: replayed 24 log entries' "$TMP/notes" "the result says \"replayed N log entries\""
jq -e '[.changes[] | select(.hive == "SYSTEM")] | length > 0' "$TMP/result.json" >/dev/null ||
  fail "the job did not change SYSTEM: the test would prove nothing"

extract "$img" "$n" Windows/System32/config/SYSTEM "$TMP/SYSTEM.after"
tests/hive-dump.sh "$TMP/SYSTEM.after" "$TMP/dump.after"
missing=$(comm -23 "$TMP/log-only" "$TMP/dump.after" | grep -v -F -f <(jq -r '.changes[] | select(.hive=="SYSTEM") | .key' "$TMP/result.json") | wc -l || true)
expect_eq "$missing" 0 "log-only lines lost by the edit (keys the job changed excepted)"
# Spot-check three log-only values with hivexget.
grep -m3 -E '^\[[^]]*\] "[^"]+"=dword:' "$TMP/log-only" > "$TMP/spot" || true
[ -s "$TMP/spot" ] || fail "no log-only DWORD to spot-check"
while read -r line; do
  key=$(sed -E 's/^\[\\?([^]]*)\].*/\1/' <<<"$line")
  name=$(sed -E 's/^\[[^]]*\] "([^"]+)"=.*/\1/' <<<"$line")
  want=$((16#$(sed -E 's/.*=dword:([0-9a-f]+)$/\1/' <<<"$line")))
  expect_eq "$(hivexget "$TMP/SYSTEM.after" "$key" "$name")" "$want" "log-only value $key\\$name"
done < "$TMP/spot"
expect_exit 0 "$CE_OFFLINE" inspect --json "$img"
expect_eq "$(jq -r '.windows[0].hives[] | select(.name=="SYSTEM") | .state' "$TMP/out")" clean \
          "SYSTEM state after prepare"
