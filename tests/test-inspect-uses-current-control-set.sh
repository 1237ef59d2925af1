#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# inspect reads the control set named by Select\\Current (ControlSet002 here; ControlSet001 holds another hostname).
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture win10-uefi 0
check_facts win10-uefi
expect_eq "$(jq -r .verdict.writable "$TMP/win10-uefi.json")" true "verdict.writable"
expect_eq "$(jq -r '.windows[0].currentControlSet' "$TMP/win10-uefi.json")" "ControlSet002" "control set"
