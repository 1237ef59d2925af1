#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make-fixture: --list names every fixture, an unknown name is exit 2 with
# the list, bad usage is exit 2, and missing tools are a clear error.
. tests/functions.sh
MF=tests/fixtures/make-fixture

expect_exit 0 "$MF" --list
expect_eq "$(wc -l <"$TMP/out")" 27 "number of fixtures"
for n in win2022-bios-vda win2016-bios win2019-uefi-vda win10-uefi win11-uefi-vda \
         win10-gpt4k realhive-bios win2016-bios-onepart bitlocker hibernated unclean-ntfs ntfs-dirty-flag \
         no-windows two-windows corrupt-hive truncated-hive dirty-hive-logs truncated gpt-bad-primary \
         gpt-bad-both garbage empty win2022-bios-vda-8g win2022-bios-vda-64g win2019-bios-srctools \
         failed-migration failed-migration-64g; do
  grep -qx -- "$n" "$TMP/out" || fail "--list lacks $n"
done
echo "ok: --list names all 27 fixtures"

expect_exit 2 "$MF" no-such-fixture "$TMP/x.img"
expect_grep "unknown fixture 'no-such-fixture'" "$TMP/err" "unknown name is named"
expect_grep "win2022-bios-vda .*empty" "$TMP/err" "unknown name lists the names"
[ ! -e "$TMP/x.img" ] || fail "an image was written for an unknown name"

expect_exit 2 "$MF"
expect_exit 2 "$MF" empty

# Tools missing: a clear message, not a half-built image.
expect_exit 1 env CE_BUILD="$TMP/nowhere" "$MF" empty "$TMP/e.img"
expect_grep "missing: build the fixture tools first" "$TMP/err" "missing tools are reported"
[ ! -e "$TMP/e.img" ] || fail "image written although tools are missing"

# The temp dir is removed on exit, also on failure.
TMPDIR=$TMP expect_exit 0 "$MF" empty "$TMP/e.img"
TMPDIR=$TMP expect_exit 2 "$MF" bogus "$TMP/b.img"
expect_eq "$(find "$TMP" -maxdepth 1 -name "make-fixture.*" | wc -l)" 0 "no temp dir left behind"
