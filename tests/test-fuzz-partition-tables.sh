#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The MBR/GPT reader and the FAT lookup survive a short libFuzzer run
# (ASan/UBSan, no crash, no leak), seeded with the first 64 KiB of an MBR
# and a GPT fixture and the first 64 KiB of a FAT ESP
# (tests/fuzz/fuzz-ptable.c).
# Skipped only when clang has no libFuzzer; a harness that does not build fails.
. "$(dirname "$0")/functions.sh"
. tests/fuzz/fuzz-functions.sh
fuzz_check ptable
