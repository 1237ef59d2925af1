#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# An NTFS $LogFile that is not clean: exit 3, fix named.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture unclean-ntfs 3
expect_problem unclean-ntfs unclean-journal
expect_grep 'chkdsk|shut it down cleanly' "$TMP/unclean-ntfs.err" "operator fix on stderr"
