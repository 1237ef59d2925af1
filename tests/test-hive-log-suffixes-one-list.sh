#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The transaction-log suffixes of a hive are listed once (hive/hivelog.c,
# ow_hive_log_suffixes: .LOG1, .LOG2, .LOG) and inspect, prepare (hives.c,
# swap.c) and hive-recover all use that list, in that order.  Before, three
# copies existed in two different orders.
. "$(dirname "$0")/functions.sh"
hits=$(grep -rln --include='*.c' '"\.LOG1"' offline-win | sort)
expect_eq "$hits" offline-win/hive/hivelog.c "files spelling out the suffix list"
expect_grep 'ow_hive_log_suffixes\[\] = \{ "\.LOG1", "\.LOG2", "\.LOG", NULL \}' \
  offline-win/hive/hivelog.c "the order: dual logs first, then the single log"
for f in offline-win/win/hives.c offline-win/hive/swap.c offline-win/cli/cmd-hive-recover.c; do
  expect_grep 'ow_hive_log_suffixes' "$f" "$f uses the list"
done
