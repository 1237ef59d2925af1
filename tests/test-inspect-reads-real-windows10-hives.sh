#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# inspect on a disk built around real Windows 10 1709 hives: MountedDevices matches the real MBR signature and offset.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture realhive-bios 0
check_facts realhive-bios
expect_eq "$(jq -r .verdict.writable "$TMP/realhive-bios.json")" true "verdict.writable"
# The real SYSTEM hive is dirty (sequence 4317/4316) with no logs: reported, not refused.
expect_eq "$(jq -r '.windows[0].hives[] | select(.name == "SYSTEM") | .state' "$TMP/realhive-bios.json")" \
          dirty-no-logs "real SYSTEM hive state"
expect_eq "$(jq -c '.windows[0].hives[] | select(.name == "SYSTEM") | .sequence' "$TMP/realhive-bios.json")" \
          "[4317,4316]" "real SYSTEM sequence numbers"
# Cross-check one fact with hivexget, independent of our reader.
img=$(fixture realhive-bios)
dd if="$img" of="$TMP/p2" bs=1M skip=501 count=3596 conv=sparse status=none
ntfscat "$TMP/p2" Windows/System32/config/SYSTEM > "$TMP/SYSTEM"
expect_eq "$(hivexget "$TMP/SYSTEM" 'ControlSet001\Control\ComputerName\ComputerName' ComputerName)" \
          "$(jq -r '.windows[0].hostname' "$TMP/realhive-bios.json")" "hostname agrees with hivexget"
