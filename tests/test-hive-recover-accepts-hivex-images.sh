#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# hivex's own test images (another producer: hand-cut, Windows XP, hivex's
# writer) are clean hives: hive-recover copies each byte for byte (exit 0,
# "clean"), so the one validation is not stricter than real hives need.
# Cut inside its hive bins, the same file is refused (exit 3, "corrupt");
# before, the cut copy was reported "clean" too.
. "$(dirname "$0")/functions.sh"
requires jq
for f in minimal special rlenvalue_test_hive; do
  cp "tests/data/hivex/$f" "$TMP/$f"
  expect_exit 0 "$CE_OFFLINE" hive-recover "$TMP/$f" --output "$TMP/$f.out" --json
  expect_eq "$(jq -r .state "$TMP/out")" clean "$f: state"
  cmp "$TMP/$f" "$TMP/$f.out" || fail "$f: copy differs"
  echo "ok: $f copied byte for byte"
done
head -c 10000 tests/data/hivex/rlenvalue_test_hive >"$TMP/cut"
expect_exit 3 "$CE_OFFLINE" hive-recover "$TMP/cut" --output "$TMP/cut.out" --json
expect_eq "$(jq -r .state "$TMP/out")" corrupt "cut hive: state"
expect_grep 'truncated: its base block says 8192 bytes of hive bins' <(jq -r .reason "$TMP/out") \
  "cut hive: reason"
[ ! -e "$TMP/cut.out" ] || fail "cut hive: output written"
