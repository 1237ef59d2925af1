#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# 1 MiB of random bytes: no table, no Windows, exit 3, no crash.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture garbage 3
expect_problem garbage no-windows
