#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The BCD element decoder (bcd/element.c), as inspect runs it on every
# Element value of a store, survives a short libFuzzer run (ASan/UBSan, no
# crash, no leak) on mutated ids, registry types and bytes, and keeps its
# properties (tests/fuzz/fuzz-bcd.c): a value is decoded or kept as hex,
# and a decoded integer or boolean encodes back to the same bytes.  Seeds:
# the elements of the real BCD store (tests/data/real-hives/BCD.xz) and a
# device of an unknown kind.
# Skipped only when clang has no libFuzzer; a harness that does not build fails.
. "$(dirname "$0")/functions.sh"
. tests/fuzz/fuzz-functions.sh
fuzz_check bcd
