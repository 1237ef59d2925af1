#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# inspect recognises Windows 11 (build >= 22000) although ProductName says Windows 10.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture win11-uefi-vda 0
check_facts win11-uefi-vda
expect_eq "$(jq -r .verdict.writable "$TMP/win11-uefi-vda.json")" true "verdict.writable"
expect_eq "$(jq -r '.windows[0].osName' "$TMP/win11-uefi-vda.json")" "Windows 11" "osName"
