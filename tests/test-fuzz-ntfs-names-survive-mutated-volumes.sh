#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The NTFS layer's decoding of directory index entries and file-record
# names (listing, lookups, the entry-state check, names as stored) survives
# a short libFuzzer run (ASan/UBSan, no crash, no leak, no hang) on mutated
# volumes (tests/fuzz/fuzz-ntfs-names.c).  Seed: a small volume made like
# the fixtures' (mkntfs, ntfs-populate) holding the engine's paths and
# long, non-ASCII and non-BMP names.
# Skipped only when clang has no libFuzzer; a harness that does not build fails.
. "$(dirname "$0")/functions.sh"
. tests/fuzz/fuzz-functions.sh
fuzz_check ntfs-names
