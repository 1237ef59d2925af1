#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The job-document parser survives a short libFuzzer run (ASan/UBSan, no
# crash, no leak), seeded with valid and invalid documents
# (tests/fuzz/fuzz-agent-jobdoc.c, seeds in tests/fuzz/corpus/agent-jobdoc/).
# Skipped only when clang has no libFuzzer; a harness that does not build fails.
. tests/functions.sh
. tests/fuzz/fuzz-functions.sh
fuzz_check agent-jobdoc
