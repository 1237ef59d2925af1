#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The transaction-log replay survives a short libFuzzer run (ASan/UBSan, no
# crash, no leak) on mutated primaries and logs, seeded with the dirty
# hives of tests/data (tests/fuzz/fuzz-hivelog.c).
# Skipped only when clang has no libFuzzer; a harness that does not build fails.
. "$(dirname "$0")/functions.sh"
. tests/fuzz/fuzz-functions.sh
requires perl
fuzz_check hivelog
