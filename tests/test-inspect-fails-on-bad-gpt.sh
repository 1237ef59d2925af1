#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Both GPT headers bad: exit 1, the message says the table is unusable.
. "$(dirname "$0")/functions.sh"
img=$(fixture gpt-bad-both)
expect_exit 1 "$CE_OFFLINE" inspect --json "$img"
expect_grep 'GPT' "$TMP/err" "message names the GPT"
