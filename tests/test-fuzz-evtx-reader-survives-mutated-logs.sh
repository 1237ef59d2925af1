#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Our use of libevtx (diag/evtx.c) survives a short libFuzzer run
# (ASan/UBSan, no crash, no leak) on mutated event logs seeded with the
# real System logs of tests/data/evtx, and every refused log fails with our
# "event log: ..." message (tests/fuzz/fuzz-evtx.c).
# Skipped only when clang has no libFuzzer; a harness that does not build fails.
. "$(dirname "$0")/functions.sh"
. tests/fuzz/fuzz-functions.sh
# Leaks inside libevtx itself (not our code) are suppressed: see the file.
export LSAN_OPTIONS="suppressions=$CE_TOP/tests/fuzz/lsan-libevtx.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fuzz_check evtx
