#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Two Windows installations: both reported, exit 3, never a silent guess.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture two-windows 3
expect_problem two-windows several-windows
expect_eq "$(jq '.windows | length' "$TMP/two-windows.json")" 2 "both installations reported"
expect_grep 'refusing to guess' "$TMP/two-windows.err" "message"
