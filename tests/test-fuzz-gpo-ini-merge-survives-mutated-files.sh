#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The scripts.ini / gpt.ini reader and merger of the first-boot runner
# survive a short libFuzzer run (ASan/UBSan, no crash, no leak) on mutated
# files, and keep their properties (tests/fuzz/fuzz-gpo-ini.c): what is
# written back reads back the same, merging twice changes nothing more.
# Seeds: the local GPO files of the firstboot tests in every encoding, and
# the inputs that once broke a property (tests/fuzz/corpus/gpo-ini/).
# Skipped only when clang has no libFuzzer; a harness that does not build fails.
. "$(dirname "$0")/functions.sh"
. tests/fuzz/fuzz-functions.sh
fuzz_check gpo-ini
