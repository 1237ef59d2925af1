#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# prepare on a hibernated / Fast Startup image (and on an unclean NTFS
# journal): exit 3, the operator's fix, disk untouched.
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
job "$TMP/job.json" '{"type":"prepare","enableRdp":true}'
for f in hibernated:'Fast Startup' unclean-ntfs:'shut it down cleanly' ntfs-dirty-flag:chkdsk \
         two-windows:'refusing to guess' no-windows:'no Windows installation'; do
  name=${f%%:*} fix=${f#*:}
  img=$(fixture_copy "$name")
  before=$(sha256sum < "$img")
  expect_exit 3 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json"
  expect_grep "$fix" "$TMP/err" "$name: message"
  expect_eq "$(sha256sum < "$img")" "$before" "$name: disk hash"
done
