#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# inspect reports a Server 2019 UEFI/GPT install (ESP, MSR, recovery) with a VDA.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture win2019-uefi-vda 0
check_facts win2019-uefi-vda
expect_eq "$(jq -r .verdict.writable "$TMP/win2019-uefi-vda.json")" true "verdict.writable"
