#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# libarchive is linked into our programs statically (Makefile ARCHIVE_LIBS):
# Debian's shared libarchive needs libxml2 and ICU, which the appliance
# initramfs must not carry (imagebuild/mkinitramfs refuses them).  A
# program that reads driver packages (tests/progs/drvpkg-ls) holds the
# libarchive code itself and needs no libarchive.so; nothing of libarchive
# needs libxml2 (no xml symbol is undefined in it).
. tests/functions.sh
requires ldd
requires nm
LS=$CE_TOP/$CE_BUILD/tests/progs/drvpkg-ls
[ -x "$LS" ] || fail "$LS missing (make test-progs)"

ldd "$LS" >"$TMP/ldd"
grep -q 'libarchive\.so' "$TMP/ldd" && { cat "$TMP/ldd"; fail "drvpkg-ls loads the shared libarchive"; }
echo "ok: no libarchive.so in drvpkg-ls's closure"
nm "$LS" >"$TMP/nm"
grep -qE ' T archive_read_new$' "$TMP/nm" || fail "drvpkg-ls does not hold archive_read_new"
echo "ok: archive_read_new is linked into drvpkg-ls"
nm -u "$LS" >"$TMP/undef"
grep -E ' (xml|ucnv_|u_)' "$TMP/undef" && fail "drvpkg-ls calls libxml2 or ICU itself"
echo "ok: no libxml2 or ICU symbol is needed by the linked code"
