#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A SOFTWARE hive cut in the middle of its hive bins (clean base block):
# exit 3, hive-corrupt, state "corrupt" with a reason that says truncated
# (was: state "corrupt" with the reason "the hive is clean"), and
# hive-recover on the same file agrees (was: exit 0, "clean").
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
requires ntfscat
inspect_fixture truncated-hive 3
expect_problem truncated-hive hive-corrupt
sw=$(jq -c '.windows[0].hives[] | select(.name == "SOFTWARE")' "$TMP/truncated-hive.json")
echo "$sw"
expect_eq "$(jq -r .state <<<"$sw")" corrupt "SOFTWARE state"
jq -r .reason <<<"$sw" >"$TMP/reason"
expect_grep '^the file is truncated: its base block says [0-9]+ bytes of hive bins' "$TMP/reason" \
  "reason says truncated"
! grep -q 'clean' "$TMP/reason" || fail "a corrupt hive's reason says clean"
expect_grep 'SOFTWARE is not a usable registry hive \(the file is truncated' \
  "$TMP/truncated-hive.err" "stderr names the hive and the cause"

# The same bytes through hive-recover: the same verdict.
img=$(fixture truncated-hive)
off=$(jq -r '.partitions[] | select(.contents == "windows") | .start' "$TMP/truncated-hive.json")
size=$(jq -r '.partitions[] | select(.contents == "windows") | .size' "$TMP/truncated-hive.json")
dd if="$img" of="$TMP/part" bs=1M skip=$((off / 1048576)) count=$((size / 1048576)) \
   conv=sparse status=none
ntfscat "$TMP/part" Windows/System32/config/SOFTWARE >"$TMP/SOFTWARE"
expect_exit 3 "$CE_OFFLINE" hive-recover "$TMP/SOFTWARE" --output "$TMP/SOFTWARE.out" --json
expect_eq "$(jq -r .state "$TMP/out")" corrupt "hive-recover state"
expect_eq "$(jq -r .reason "$TMP/out")" "$(cat "$TMP/reason")" "hive-recover gives inspect's reason"
[ ! -e "$TMP/SOFTWARE.out" ] || fail "hive-recover wrote an output"
