#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A disk image cut short inside the Windows partition: exit 1 with a message
# naming the partition that extends beyond the end; no crash.  With --json
# the document still comes out, carrying the error.
. "$(dirname "$0")/functions.sh"
img=$(fixture truncated)
expect_exit 1 "$CE_OFFLINE" inspect --json "$img"
expect_grep 'beyond the end of the disk' "$TMP/err" "message names the problem"
jq -e . "$TMP/out" >/dev/null || fail "stdout is not one JSON document"
expect_grep 'beyond the end of the disk' <(jq -r .error.message "$TMP/out") "JSON error"
expect_eq "$(jq -r .verdict.writable "$TMP/out")" false "not writable"
