#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Primary GPT header with a bad CRC: the backup header is used, a warning
# says so, and Windows is still found.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture gpt-bad-primary 0
expect_eq "$(jq -r .partitionTable.usedBackupHeader "$TMP/gpt-bad-primary.json")" true "usedBackupHeader"
expect_eq "$(jq -r '.partitionTable.warnings | length > 0' "$TMP/gpt-bad-primary.json")" true "a warning"
check_facts gpt-bad-primary
