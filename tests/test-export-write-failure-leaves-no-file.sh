#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# When writing fails part way, export exits 1 and neither the output nor a
# temporary file is left: a full file system (an 8 MiB tmpfs; needs root,
# CI runs as root), a file size limit (ulimit -f, any user), a directory
# that does not exist, and a directory the user cannot write (as nobody).
. "$(dirname "$0")/functions.sh"
src=$TMP/src.img
CE_BUILD=$CE_BUILD scripts/export-bench-disk "$src" 320M 32M mbr 2>"$TMP/mk.err" \
  || { cat "$TMP/mk.err"; fail "export-bench-disk"; }

# File size limit: writes past 16 MiB fail with EFBIG (SIGXFSZ ignored).
mkdir "$TMP/lim"
for fmt in raw vhdx vhd-dynamic; do
  rc=0
  ( trap '' XFSZ; ulimit -f 16384; exec "$CE_OFFLINE" export "$src" --format "$fmt" --output "$TMP/lim/o.$fmt" ) \
    >"$TMP/out" 2>"$TMP/err" || rc=$?
  expect_eq "$rc" 1 "$fmt: exit status over the file size limit"
  expect_grep 'File too large|write' "$TMP/err" "$fmt: write error reported"
  expect_eq "$(ls -A "$TMP/lim" | wc -l)" 0 "$fmt: nothing left in the directory"
done

expect_exit 1 "$CE_OFFLINE" export "$src" --format vhdx --output "$TMP/missing/dir/o.vhdx"
expect_grep 'cannot create a file in' "$TMP/err" "missing directory"

if command -v setpriv >/dev/null && [ "$(id -u)" -eq 0 ]; then
  mkdir "$TMP/ro"
  chmod 755 "$TMP" "$TMP/ro"
  chmod 644 "$src"
  expect_exit 1 setpriv --reuid=65534 --regid=65534 --clear-groups --no-new-privs \
    "$CE_OFFLINE" export "$src" --format vhdx --output "$TMP/ro/o.vhdx"
  expect_grep 'Permission denied' "$TMP/err" "unwritable directory"
  expect_eq "$(ls -A "$TMP/ro" | wc -l)" 0 "nothing left in the unwritable directory"
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "not root: the tmpfs (disk full) part is skipped"
  exit 0
fi
mkdir "$TMP/full"
mount -t tmpfs -o size=8M tmpfs "$TMP/full" || { echo "cannot mount a tmpfs: disk-full part skipped"; exit 0; }
on_exit "umount '$TMP/full'"
for fmt in raw vhdx vhd vhd-dynamic qcow2; do
  expect_exit 1 "$CE_OFFLINE" export "$src" --format "$fmt" --output "$TMP/full/o.$fmt"
  expect_grep 'No space left' "$TMP/err" "$fmt: disk full reported"
  expect_eq "$(ls -A "$TMP/full" | wc -l)" 0 "$fmt: nothing left on the full file system"
done
