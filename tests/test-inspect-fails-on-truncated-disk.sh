#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A disk image cut short inside the Windows partition: exit 1 with a message
# naming the partition that extends beyond the end; no crash.
. "$(dirname "$0")/functions.sh"
img=$(fixture truncated)
expect_exit 1 "$CE_OFFLINE" inspect --json "$img"
expect_grep 'beyond the end of the disk' "$TMP/err" "message names the problem"
[ ! -s "$TMP/out" ] || fail "no partial JSON on stdout"
