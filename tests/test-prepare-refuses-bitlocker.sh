#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# prepare on a BitLocker disk: exit 3, a message saying how to decrypt,
# and not one byte written.
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
img=$(fixture_copy bitlocker)
before=$(sha256sum < "$img")
job "$TMP/job.json" '{"type":"prepare","enableRdp":true}'
expect_exit 3 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json"
expect_grep 'manage-bde' "$TMP/err" "operator fix"
expect_grep 'left untouched' "$TMP/err" "says nothing was written"
expect_eq "$(sha256sum < "$img")" "$before" "disk hash"
