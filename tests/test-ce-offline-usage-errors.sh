#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Usage errors exit 2 with a hint; a missing disk exits 1 naming it; --help
# and --version work.
. "$(dirname "$0")/functions.sh"
expect_exit 2 "$CE_OFFLINE"
expect_exit 2 "$CE_OFFLINE" frobnicate
expect_grep "unknown command 'frobnicate'" "$TMP/err" "unknown command named"
expect_exit 2 "$CE_OFFLINE" inspect
expect_grep 'no DISK given' "$TMP/err" "missing DISK explained"
expect_exit 2 "$CE_OFFLINE" inspect a b
expect_exit 2 "$CE_OFFLINE" inspect --bogus x
expect_exit 1 "$CE_OFFLINE" inspect "$TMP/does-not-exist.img"
expect_grep 'does-not-exist.img: cannot open' "$TMP/err" "missing file named"
expect_exit 1 "$CE_OFFLINE" inspect "$TMP"
expect_grep 'not an image file or block device' "$TMP/err" "directory refused"
expect_exit 0 "$CE_OFFLINE" --help
expect_grep 'ce-offline inspect DISK' "$TMP/out" "--help lists inspect"
expect_exit 0 "$CE_OFFLINE" inspect --help
expect_exit 0 "$CE_OFFLINE" --version
: > "$TMP/zero.img"
expect_exit 3 "$CE_OFFLINE" inspect "$TMP/zero.img"
expect_grep 'no Windows' "$TMP/err" "zero-length disk: no Windows"
