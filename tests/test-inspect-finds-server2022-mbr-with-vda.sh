#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# inspect reports a Server 2022 BIOS/MBR install with a VDA and a domain exactly as built.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture win2022-bios-vda 0
check_facts win2022-bios-vda
expect_eq "$(jq -r .verdict.writable "$TMP/win2022-bios-vda.json")" true "verdict.writable"
