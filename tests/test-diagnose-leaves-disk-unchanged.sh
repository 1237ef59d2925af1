#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# diagnose is read-only: the image's SHA-256 (content_sha: over its data
# extents, see diagnose-functions.sh) is the same afterwards (also
# with a bundle written), and volumes that are unsafe to write are still
# read, read-only, and the report says so (hibernated, unclean journal,
# dirty flag); a BitLocker volume is named, not read.
. "$(dirname "$0")/functions.sh"
. tests/diagnose-functions.sh
requires jq

img=$(fixture_copy failed-migration)
before=$(content_sha "$img")
diagnose_json "$img" "$TMP/r.json" --bundle "$TMP/b.zip"
expect_eq "$(content_sha "$img")" "$before" "failed-migration: content SHA-256 unchanged"
expect_eq "$(jq -r .readOnly "$TMP/r.json")" true "report says read-only"

for name in hibernated unclean-ntfs ntfs-dirty-flag bitlocker; do
  img=$(fixture_copy "$name")
  before=$(content_sha "$img")
  diagnose_json "$img" "$TMP/$name.json"
  expect_eq "$(content_sha "$img")" "$before" "$name: content SHA-256 unchanged"
  rm -f "$img"
done
expect_eq "$(jq -r '.volumes[] | select(.partition == 3) | .state' "$TMP/hibernated.json")" hibernated \
  "hibernated: volume state"
expect_eq "$(jq -r '.windows.systemRoot' "$TMP/hibernated.json")" /Windows "hibernated: still read"
finding "$TMP/hibernated.json" volume-not-clean >/dev/null
expect_eq "$(jq -r '.volumes[] | select(.partition == 3) | .state' "$TMP/unclean-ntfs.json")" unclean-journal \
  "unclean-ntfs: volume state"
finding "$TMP/unclean-ntfs.json" volume-not-clean >/dev/null
finding "$TMP/ntfs-dirty-flag.json" volume-not-clean >/dev/null
echo "ok: unsafe volumes read read-only and said so"
f=$(finding "$TMP/bitlocker.json" volume-bitlocker)
grep -q 'manage-bde -off' <<<"$(jq -r .hint <<<"$f")" || fail "bitlocker hint"
finding "$TMP/bitlocker.json" no-windows >/dev/null
echo "ok: BitLocker named, not read"
