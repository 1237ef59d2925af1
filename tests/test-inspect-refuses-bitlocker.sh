#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A BitLocker volume makes the disk unsafe: exit 3, and the message says how to decrypt.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture bitlocker 3
expect_problem bitlocker bitlocker
expect_grep 'manage-bde' "$TMP/bitlocker.err" "operator fix on stderr"
