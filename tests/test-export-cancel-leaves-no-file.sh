#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# SIGINT or SIGTERM during an export stops it at the next chunk: exit 1,
# "canceled" on stderr, and neither the output nor a temporary file is left.
# --progress prints "progress PERCENT DONE TOTAL" lines.
. "$(dirname "$0")/functions.sh"
img=$(fixture win10-uefi)
for sig in INT TERM; do
  mkdir "$TMP/o$sig"
  "$CE_OFFLINE" export "$img" --format raw --output "$TMP/o$sig/disk.raw" --progress \
    >"$TMP/out" 2>"$TMP/err" &
  pid=$!
  for _ in $(seq 300); do grep -q '^progress [0-9]' "$TMP/err" && break; sleep 0.05; done
  grep -q '^progress [0-9]' "$TMP/err" || fail "no progress line"
  kill -s "$sig" "$pid"
  rc=0
  wait "$pid" || rc=$?
  expect_eq "$rc" 1 "SIG$sig: exit status"
  expect_grep 'canceled' "$TMP/err" "SIG$sig: canceled reported"
  expect_grep '^progress [0-9]+ [0-9]+ 4294967296$' "$TMP/err" "SIG$sig: progress lines"
  if grep -q '^progress 100 ' "$TMP/err"; then fail "SIG$sig: the export finished before the signal"; fi
  expect_eq "$(ls -A "$TMP/o$sig" | wc -l)" 0 "SIG$sig: nothing left"
done
