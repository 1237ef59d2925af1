#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# An all-zero disk: no partition table, exit 3.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture empty 3
expect_problem empty no-windows
expect_eq "$(jq -r .partitionTable.scheme "$TMP/empty.json")" none "scheme"
