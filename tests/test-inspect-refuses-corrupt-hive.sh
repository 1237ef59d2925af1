#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A SOFTWARE hive overwritten with garbage: exit 3, hive-corrupt, no crash.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture corrupt-hive 3
expect_problem corrupt-hive hive-corrupt
