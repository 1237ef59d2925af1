#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The stand-in .sys files of the test driver packages are what the tests
# take them for: `file` (libmagic, an independent reader) sees a native PE
# image of the folder's architecture in every <drv>/<os>/<arch>/ folder
# tests/drivers-functions.sh lays out.
. tests/functions.sh
. tests/drivers-functions.sh
requires file

drv_tree "$TMP/tree" tests/data/drivers/synthetic
n=0
while read -r f; do
  arch=$(basename "$(dirname "$f")")
  case $arch in
    amd64) want='PE32\+ executable \(native\) x86-64' ;;
    x86)   want='PE32 executable \(native\) Intel 80386' ;;
    ARM64) want='PE32\+ executable \(native\) Aarch64' ;;
    *) fail "unexpected architecture folder $arch" ;;
  esac
  file -b "$f" | grep -qE "^$want" || fail "$f: $(file -b "$f"), expected /$want/"
  n=$((n + 1))
done < <(find "$TMP/tree" -name '*.sys')
[ "$n" -ge 15 ] || fail "only $n .sys files"
echo "ok: $n stand-in .sys files are native PE images of their folder's architecture"
