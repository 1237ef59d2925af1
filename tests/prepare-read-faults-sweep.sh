#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The full sweep of tests/test-prepare-never-deletes-on-read-errors.sh:
#   tests/prepare-read-faults-sweep.sh [FIRST [LAST]]   (seeds, default 1..100)
# Not part of make check (minutes under ASan).
first=${1:-1} last=${2:-100}
CE_READ_FAULT_SEEDS=$(seq -s ' ' "$first" "$last") \
  exec "$(dirname "$0")/test-prepare-never-deletes-on-read-errors.sh"
