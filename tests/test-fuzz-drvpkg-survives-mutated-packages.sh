#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The driver package reader (offline-win/drivers/pkg.c over libarchive)
# survives a short libFuzzer run (ASan/UBSan, no crash, no leak, no
# property broken: tests/fuzz/fuzz-drvpkg.c), seeded with a small package
# as ISO9660, ZIP, tar, tar.gz and tar.xz and with small bad packages.
# Skipped only when clang has no libFuzzer; a harness that does not build fails.
. "$(dirname "$0")/functions.sh"
. tests/fuzz/fuzz-functions.sh
fuzz_check drvpkg
