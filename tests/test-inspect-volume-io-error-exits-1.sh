#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# An NTFS volume that cannot be read (EIO from the disk: nbdkit's ddrescue
# filter marks 1 GiB of the Windows partition bad, its boot sector stays
# readable) is a failure, exit 1, not a verdict: --json still prints the
# document, with "error" naming the partition, and no "no-windows" guess.
# (Before: exit 3 "no Windows installation found", nothing said why.)
# And a disk that cannot be read at all still gets a document with --json.
. "$(dirname "$0")/functions.sh"
requires nbdkit
requires jq
[ -e "$(nbdkit --dump-config | sed -n 's/^filterdir=//p')/nbdkit-ddrescue-filter.so" ] ||
  skip "nbdkit has no ddrescue filter"
img=$(fixture win2016-bios)
"$CE_OFFLINE" inspect --json "$img" >"$TMP/good.json" || fail "the fixture itself is not good"
start=$(jq -r '.partitions[] | select(.contents == "windows") | .start' "$TMP/good.json")
num=$(jq -r '.partitions[] | select(.contents == "windows") | .number' "$TMP/good.json")
size=$(stat -c %s "$img")
bad=$((start + 65536)) len=$((1 << 30))
printf '# Rescue Logfile\n0x00000000 ? 1\n0x0 0x%x +\n0x%x 0x%x -\n0x%x 0x%x +\n' \
  "$bad" "$bad" "$len" $((bad + len)) $((size - bad - len)) >"$TMP/bad.map"

nbdkit -U - --filter=ddrescue file "$img" ddrescue-mapfile="$TMP/bad.map" \
  --run "'$CE_OFFLINE' inspect --json \"\$uri\" >'$TMP/out' 2>'$TMP/err'; echo \$? >'$TMP/rc'"
cat "$TMP/err"
expect_eq "$(cat "$TMP/rc")" 1 "exit code"
jq -e . "$TMP/out" >/dev/null || fail "stdout is not one JSON document"
expect_eq "$(jq -r .error.code "$TMP/out")" volume-unreadable "error.code"
expect_eq "$(jq -r .error.partition "$TMP/out")" "$num" "error.partition"
expect_grep 'Input/output error' <(jq -r .error.message "$TMP/out") "error names the I/O error"
expect_eq "$(jq -r '[.verdict.problems[].code] | index("no-windows")' "$TMP/out")" null \
  "no 'no Windows' guess"
expect_grep "partition $num cannot be read" "$TMP/err" "stderr says which partition"

# Cannot open the disk at all: exit 1, and --json still prints a document.
expect_exit 1 "$CE_OFFLINE" inspect --json "$TMP/no-such-disk.img"
expect_eq "$(jq -r .error.code "$TMP/out")" disk-unreadable "missing disk: error.code"
expect_eq "$(jq -r .verdict.writable "$TMP/out")" false "missing disk: not writable"

# prepare on the same disk: the same failure (exit 1), nothing written (the
# disk is served read-only, so a dry run).
printf '%s\n' '{"type":"prepare","enableRdp":true}' >"$TMP/job.json"
nbdkit -U - -r --filter=ddrescue file "$img" ddrescue-mapfile="$TMP/bad.map" \
  --run "'$CE_OFFLINE' prepare \"\$uri\" --job '$TMP/job.json' --dry-run >'$TMP/out' 2>'$TMP/err'; echo \$? >'$TMP/rc'"
cat "$TMP/err"
expect_eq "$(cat "$TMP/rc")" 1 "prepare exit code"
expect_grep "partition $num cannot be read" "$TMP/err" "prepare names the partition"
