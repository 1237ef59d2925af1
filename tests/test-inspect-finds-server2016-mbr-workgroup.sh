#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# inspect reports a Server 2016 workgroup install on MBR.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture win2016-bios 0
check_facts win2016-bios
expect_eq "$(jq -r .verdict.writable "$TMP/win2016-bios.json")" true "verdict.writable"
