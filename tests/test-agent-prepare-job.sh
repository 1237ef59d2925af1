#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A prepare job through the agent (cectl job start / wait): the job
# completes, every registry value its result lists reads back with hivexget
# from the image (ntfs-3g tools extract the hives), progress reached 100;
# prepareAndPublish publishes a raw copy that ntfscat/hivexget read back; a
# BitLocker disk fails the job with error code unsafeDisk and is left
# byte-identical.
. tests/functions.sh
. tests/prepare-functions.sh
requires ntfscat
requires hivexget
. tests/agent-functions.sh

img=$(fixture_copy win2022-bios-vda)
locked=$(fixture_copy bitlocker)
start_agent --disk "$img" --disk "$locked" --export-root "$TMP"

n=$("$CE_OFFLINE" inspect --json "$img" | jq -r '.windows[0].partition')
jq -n --arg d "$img" '{type: "prepare", disk: $d, platform: "azure", provisioningType: "Mcs",
  xdReconfigure: [{ParameterName: "controllers", ParameterValue: "ddc7.corp.example.com"}],
  enableRdp: true}' > "$TMP/job.json"
expect_exit 0 cectl job start "$TMP/job.json"
id=$(cat "$TMP/out")
expect_exit 0 cectl job wait "$id"
expect_exit 0 cectl --json job get "$id"
jq .result "$TMP/out" > "$TMP/result.json"
expect_eq "$(jq -r .status "$TMP/out")" complete "prepare job status"
expect_eq "$(jq -r .overallProgressPercent "$TMP/out")" 100 "progress"
[ "$(jq '.changes | length' "$TMP/result.json")" -gt 0 ] || fail "no changes in the result"
check_changes_with_hivexget "$img" "$n" "$TMP/result.json"
expect_eq "$(hivexget "$TMP/SOFTWARE.after" 'Citrix\VirtualDesktopAgent' ListOfDDCs)" \
  "ddc7.corp.example.com" "ListOfDDCs (hivexget)"

# prepareAndPublish on the prepared disk: prepare changes nothing now
# (idempotent), then the disk is published to a local directory as raw.
mkdir -p "$TMP/store"
jq -n --arg d "$img" --arg o "$TMP/store" '{type: "prepareAndPublish", disk: $d, platform: "azure",
  provisioningType: "Mcs", xdReconfigure: [{ParameterName: "controllers", ParameterValue: "ddc7.corp.example.com"}],
  enableRdp: true, format: "Raw", outputStorageLocation: {location: $o}, outputImageFilename: "pub.raw"}' > "$TMP/pap.json"
expect_exit 0 cectl job start "$TMP/pap.json"
id3=$(cat "$TMP/out")
expect_exit 0 cectl job wait "$id3"
expect_exit 0 cectl --json job get "$id3"
jq -e '.result.prepare and .result.publish' "$TMP/out" >/dev/null || fail "prepareAndPublish result"
# Free NTFS clusters are not copied, so compare what matters with ntfs-3g
# and hivex tools: same size, same partition table, the prepared value.
expect_eq "$(stat -c %s "$TMP/store/pub.raw")" "$(stat -c %s "$img")" "published size"
cmp -n 1048576 "$img" "$TMP/store/pub.raw" || fail "partition table area differs"
extract "$TMP/store/pub.raw" "$n" "Windows/System32/config/SOFTWARE" "$TMP/SOFTWARE.pub"
expect_eq "$(hivexget "$TMP/SOFTWARE.pub" 'Citrix\VirtualDesktopAgent' ListOfDDCs)" \
  "ddc7.corp.example.com" "ListOfDDCs in the published image (ntfscat + hivexget)"

sum=$(sha256sum "$locked" | cut -c1-64)
jq -n --arg d "$locked" '{type: "prepare", disk: $d, platform: "azure", provisioningType: "Mcs", enableRdp: true}' \
  > "$TMP/locked.json"
expect_exit 0 cectl job start "$TMP/locked.json"
id2=$(cat "$TMP/out")
expect_exit 1 cectl job wait "$id2"
expect_exit 0 cectl --json job get "$id2"
expect_eq "$(jq -r .error.code "$TMP/out")" unsafeDisk "BitLocker disk refused"
expect_eq "$(sha256sum "$locked" | cut -c1-64)" "$sum" "BitLocker disk untouched"
stop_agent
