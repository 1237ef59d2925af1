#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A driver package reads the same through offline-win/drivers/pkg.c
# (tests/progs/drvpkg-ls) whether it comes as an ISO9660 image, a ZIP, a
# tar (plain, gzip, xz) or a host folder: the same paths, sizes and bytes
# as the tree it was packed from (listed with find and python3's zlib, not
# through our code).  Lookups ignore case and take '\' for '/'; a folder is
# accepted only where the caller allows it (ce-offline), and names the
# packers store as "./x" read as "x".  Entries read in any order; in index
# order they take one pass, hard links included.
. tests/functions.sh
. tests/drivers-functions.sh
requires python3
LS=$CE_TOP/$CE_BUILD/tests/progs/drvpkg-ls
[ -x "$LS" ] || fail "$LS missing (make test-progs)"

drv_tree "$TMP/tree" tests/data/drivers/synthetic
# A file identical to another in content: xorriso stores it once and
# libarchive reports the second name as a hard link of the first.
ln "$TMP/tree/teststor/2k22/amd64/teststor.sys" "$TMP/tree/teststor/2k22/amd64/teststor-copy.sys"
# A file larger than libarchive's and our read blocks (64 KiB).
head -c 1000000 /dev/urandom >"$TMP/tree/teststor/2k22/amd64/guest-tools.bin"
drv_listing "$TMP/tree" >"$TMP/want"
n=$(wc -l <"$TMP/want")
[ "$n" -gt 40 ] || fail "the test tree has only $n files"

for t in iso zip tar tar.gz tar.xz; do
  drv_pack "$TMP/tree" "$TMP/pkg.$t"
  "$LS" --opens "$TMP/pkg.$t" >"$TMP/got.$t" 2>"$TMP/err" || { cat "$TMP/err"; fail "drvpkg-ls $t"; }
  LC_ALL=C sort -k3 "$TMP/got.$t" | diff -u "$TMP/want" - || fail "the $t package reads differently"
  echo "ok: $t: $n entries, same paths, sizes and bytes"
  # Listing, then one pass for every file in index order (the ISO's hard
  # link is read from the copy kept of its target, not by going back).
  expect_eq "$(cat "$TMP/err")" "opens 2" "$t: archive opened for the listing and one read pass"
  # Read last entry first: every read goes back in the archive (reopens it).
  "$LS" --reverse "$TMP/pkg.$t" >"$TMP/rev.$t" || fail "drvpkg-ls --reverse $t"
  LC_ALL=C sort -k3 "$TMP/rev.$t" | diff -u "$TMP/want" - || fail "the $t package reads differently backwards"
  echo "ok: $t: the same read backwards"
done

"$LS" --dir "$TMP/tree" >"$TMP/got.dir" || fail "drvpkg-ls --dir"
diff -u "$TMP/want" "$TMP/got.dir" || fail "the folder reads differently"
echo "ok: folder: $n entries, same paths, sizes and bytes"

expect_exit 1 "$LS" "$TMP/tree"
expect_grep "is a folder \(only an archive file is accepted here" "$TMP/err" "a folder is refused where it is not allowed"

# Case-insensitive lookup, '\' as '/', in every packing.
for t in iso zip tar.gz; do
  got=$("$LS" --find 'TESTSTOR\W11\arm64\TestStor.INF' "$TMP/pkg.$t") || fail "find in $t"
  expect_eq "$got" "teststor/w11/ARM64/teststor.inf" "lookup in $t"
  expect_exit 1 "$LS" --find teststor/w11/arm64/missing.inf "$TMP/pkg.$t"
done

# A file in a package is read once per pass, whatever order the caller
# asks (here: package order and, through --find, a single late entry).
last=$(tail -n 1 "$TMP/got.tar.gz" | cut -d' ' -f3)
expect_eq "$("$LS" --find "$last" "$TMP/pkg.tar.gz")" "$last" "lookup of the last tar entry"
