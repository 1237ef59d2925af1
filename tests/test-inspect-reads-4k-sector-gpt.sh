#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# inspect reads a GPT disk with 4096-byte logical sectors and an NTFS volume with 4K sectors.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture win10-gpt4k 0
check_facts win10-gpt4k
expect_eq "$(jq -r .verdict.writable "$TMP/win10-gpt4k.json")" true "verdict.writable"
expect_eq "$(jq -r '.partitionTable.sectorSize' "$TMP/win10-gpt4k.json")" 4096 "sector size"
