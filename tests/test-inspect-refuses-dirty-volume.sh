#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The NTFS dirty flag (chkdsk pending): exit 3, fix named.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture ntfs-dirty-flag 3
expect_problem ntfs-dirty-flag dirty
