#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The FAT12/16/32 reader survives a short libFuzzer run (ASan/UBSan, no
# crash, no leak, no hang) on mutated volumes while looking up and reading the ESP's
# boot files (tests/fuzz/fuzz-fat.c).  Seeds: a FAT12, a FAT16 and a FAT32
# volume made with mkfs.fat and mtools holding those files, as the fixture
# ESPs are made.
# Skipped only when clang has no libFuzzer; a harness that does not build fails.
. "$(dirname "$0")/functions.sh"
. tests/fuzz/fuzz-functions.sh
fuzz_check fat
