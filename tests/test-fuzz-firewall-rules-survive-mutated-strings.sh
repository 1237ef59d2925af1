#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The firewall rule strings of the SYSTEM hive, as the RDP step decodes
# and rewrites them, survive a short libFuzzer run (ASan/UBSan, no crash,
# no leak) on mutated REG_SZ data, and keep their properties
# (tests/fuzz/fuzz-fw-rule.c): a rewritten rule is one of the group, keeps
# its fields, and rewriting it again changes nothing.  Seeds: every rule
# string of platforms.json and of the fixture registries, and the inputs
# that once broke a property (tests/fuzz/corpus/fw-rule/).
# Skipped only when clang has no libFuzzer; a harness that does not build fails.
. "$(dirname "$0")/functions.sh"
. tests/fuzz/fuzz-functions.sh
fuzz_check fw-rule
