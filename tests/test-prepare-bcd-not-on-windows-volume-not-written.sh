#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A BCD store the job journal does not cover is never written
# (docs/crash-safety.md, "The BCD store").  On the EFI system partition
# (win2019-uefi-vda): platform azure completes with the bcd step failed,
# naming the reason and the bcdedit commands, and the ESP is byte for byte
# unchanged (fsck.fat -n clean); with serialConsole given the whole job is
# refused with exit 3 and the image hash is unchanged.  On System Reserved
# (win2022-bios-vda) the same refusal.  A truncated store on the ESP with
# serialConsole: exit 3, the reason says it cannot be read.
. tests/functions.sh
requires jq; requires fsck.fat; requires mcopy
esp_sum() { dd if="$1" bs=1M skip=1 count=100 status=none | sha256sum; }

img=$(fixture_copy win2019-uefi-vda)
esp_before=$(esp_sum "$img")
echo '{"type":"prepare","platform":"azure"}' >"$TMP/job.json"
"$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --json >"$TMP/res.json" || fail "prepare failed"
expect_eq "$(jq -r .status "$TMP/res.json")" complete "the rest of the job completes"
expect_eq "$(jq -r '.steps[] | select(.step == "bcd") | .status' "$TMP/res.json")" failed "bcd step"
expect_grep 'EFI system partition \(FAT, partition 1\).*not changed; in Windows run: bcdedit /set \{bootmgr\} integrityservices Enable' \
  <(jq -r '.steps[] | select(.step == "bcd") | .message' "$TMP/res.json") "the step says why and what to run"
expect_eq "$(jq '[.changes[] | select(.hive == "BCD")] | length' "$TMP/res.json")" 0 "no BCD change in the result"
expect_eq "$(esp_sum "$img")" "$esp_before" "ESP unchanged"
dd if="$img" of="$TMP/esp" bs=1M skip=1 count=100 status=none
fsck.fat -n "$TMP/esp" >"$TMP/fsck" 2>&1 || { cat "$TMP/fsck"; fail "fsck.fat -n on the ESP"; }

img=$(fixture_copy win2019-uefi-vda)
before=$(sha256sum <"$img")
echo '{"type":"prepare","platform":"azure","serialConsole":true}' >"$TMP/job.json"
expect_exit 3 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json"
expect_grep 'serialConsole was asked for and the BCD store cannot be changed.*EFI system partition' "$TMP/err" \
  "ESP + serialConsole: refused with the reason"
expect_eq "$(sha256sum <"$img")" "$before" "ESP + serialConsole: image unchanged"

img=$(fixture_copy win2022-bios-vda)
before=$(sha256sum <"$img")
echo '{"type":"prepare","platform":"gcp","missingDrivers":"warn","serialConsole":false}' >"$TMP/job.json"
expect_exit 3 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json"
expect_grep 'partition 1 \(System Reserved\), not on the Windows volume' "$TMP/err" "System Reserved: refused"
expect_eq "$(sha256sum <"$img")" "$before" "System Reserved: image unchanged"

img=$(fixture_copy win2019-uefi-vda)
# Whole, then cut: "xz | head" can end xz with SIGPIPE, which pipefail
# turns into a failed test.
xz -dc tests/data/real-hives/BCD.xz >"$TMP/BCD.whole"
head -c 6000 "$TMP/BCD.whole" >"$TMP/truncated"
MTOOLS_SKIP_CHECK=1 mcopy -o -i "$img@@1048576" "$TMP/truncated" ::/EFI/Microsoft/Boot/BCD
before=$(sha256sum <"$img")
echo '{"type":"prepare","serialConsole":true}' >"$TMP/job.json"
expect_exit 3 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json"
expect_grep 'BCD store cannot be read' "$TMP/err" "truncated store: refused, says why"
expect_eq "$(sha256sum <"$img")" "$before" "truncated store: image unchanged"
