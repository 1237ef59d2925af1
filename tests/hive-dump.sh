#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Dump every key and value of a registry hive through hivex (hivexregedit),
# one line per key ("[path]") and one per value ("[path] name=type:data"),
# sorted, so that two hives can be compared with diff.  Fails (non-zero)
# when hivex cannot read the whole hive.
# Usage: tests/hive-dump.sh HIVE [OUT]
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 HIVE [OUT]" >&2; exit 2; }
hive=$1
out=${2:-/dev/stdout}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# hivexregedit prints each value on one line and exits non-zero on a
# broken hive; --unsafe is deliberately not used.
hivexregedit --export "$hive" '\' >"$tmp"
LC_ALL=C awk '
  /^\[.*\]$/ { key = $0; print key; next }
  /^$/ || /^Windows Registry Editor/ { next }
  { print key " " $0 }
' "$tmp" | LC_ALL=C sort >"$out"
