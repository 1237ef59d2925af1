#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A good NTFS volume without Windows: exit 3, 'no Windows installation found'.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture no-windows 3
expect_problem no-windows no-windows
