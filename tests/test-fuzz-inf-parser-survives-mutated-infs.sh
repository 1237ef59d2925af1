#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The INF parser and the driver selection survive a short libFuzzer run
# (ASan/UBSan, no crash, no leak) on mutated INFs and keep their properties
# (tests/fuzz/fuzz-inf.c): a choice is complete and none of its files
# leaves the package or the system root.  Seeds: the real INFs of
# tests/data/drivers/inf/ and the corner cases in tests/fuzz/corpus/inf/.
# Skipped only when clang has no libFuzzer; a harness that does not build fails.
. "$(dirname "$0")/functions.sh"
. tests/fuzz/fuzz-functions.sh
fuzz_check inf
