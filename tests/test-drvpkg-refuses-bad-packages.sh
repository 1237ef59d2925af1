#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# offline-win/drivers/pkg.c refuses every bad driver package with a clear
# error that names the package and the entry, and never writes a file on
# the host: names that leave the package ('..', absolute, '\' absolute, a
# drive letter) or that Windows would take for something else (':' stream,
# control characters, a trailing dot, a device name, two names differing
# only in case, a file that is also a folder); symbolic links,
# hard links to elsewhere, devices; the caps (entries, size of a file,
# total size, path length and depth); a decompression bomb (an entry that
# yields more than it declares: stopped at the declared size, memory
# bounded); truncated ISO, ZIP and tar.gz packages; not an archive; and in
# a folder package, a symbolic link and a FIFO.
. tests/functions.sh
. tests/drivers-functions.sh
requires python3
requires /usr/bin/time
LS=$CE_TOP/$CE_BUILD/tests/progs/drvpkg-ls
[ -x "$LS" ] || fail "$LS missing (make test-progs)"

mkdir -p "$TMP/bad" "$TMP/cwd"
python3 tests/drivers-bad-packages.py "$TMP/bad"

# refused FILE REGEX [--dir]: exit 1, the message names the package and matches REGEX.
refused() {
  local f=$1 re=$2; shift 2
  (cd "$TMP/cwd" && expect_exit 1 "$LS" "$@" "$f")
  expect_grep "^drvpkg-ls: driver package [^ ]*$(basename "$f"): .*$re" "$TMP/err" \
    "$(basename "$f") refused: $(cut -c1-160 "$TMP/err")"
}

refused "$TMP/bad/dotdot.tar" 'entry "\.\./evil\.sys": '"'"'\.\.'"'"' in the path'
refused "$TMP/bad/dotdot-inside.zip" 'entry "viostor/\.\./\.\./evil\.sys": '"'"'\.\.'"'"' in the path'
refused "$TMP/bad/absolute.tar" 'entry "/etc/evil\.sys": absolute path'
# (libarchive gives a ZIP's '\' as '/')
refused "$TMP/bad/absolute-backslash.zip" 'entry "/Windows/System32/drivers/evil\.sys": absolute path'
refused "$TMP/bad/drive-letter.zip" 'entry "C:/Windows/System32/drivers/evil\.sys": path with a drive letter'
refused "$TMP/bad/stream.zip" 'entry "viostor/viostor\.sys:hidden": '"'"':'"'"' in the name'
refused "$TMP/bad/control-char.tar" 'entry "viostor/evil\\x07\.sys": control character'
refused "$TMP/bad/symlink.tar" 'entry "viostor/viostor\.sys": symbolic link'
refused "$TMP/bad/hardlink-outside.tar" 'entry "viostor/viostor\.sys": hard link to "\.\./\.\./etc/passwd"'
refused "$TMP/bad/hardlink-unlisted.tar" 'entry "viostor/viostor\.sys": hard link to "viostor/later\.sys", not a file listed before it'
refused "$TMP/bad/device.tar" 'entry "viostor/null": device, FIFO or socket'
refused "$TMP/bad/same-name-two-cases.zip" 'entries "viostor/viostor\.inf" and "VIOSTOR/ViOStor\.INF" have the same name'
refused "$TMP/bad/trailing-dot.zip" 'entry "viostor/viostor\.inf\.": a name ending in'
refused "$TMP/bad/device-name.tar" 'entry "viostor/Con\.inf": a device name Windows reserves'
refused "$TMP/bad/file-and-folder.tar" 'entry "viostor/amd64" is a file and a folder of "VIOSTOR/AMD64/viostor\.inf"'
refused "$TMP/bad/too-deep.tar" 'entry "d/d/.*/x\.inf": path deeper than the cap of 32 components'
refused "$TMP/bad/too-long.tar" 'entry "viostor/xxx.*\.\.\.": path longer than the cap of 1024 bytes'
refused "$TMP/bad/too-many-entries.zip" 'more than the cap of 32768 entries'
refused "$TMP/bad/entry-too-large.tar.gz" 'entry "viostor/huge\.sys": 314572800 bytes, more than the cap of 268435456 bytes per file'
refused "$TMP/bad/total-too-large.zip" 'entry "viostor/part16\.bin": the files add up to more than the cap of 4294967296 bytes'
refused "$TMP/bad/not-an-archive.bin" 'not an ISO9660 image, ZIP or tar'

# The bomb: 256 MiB of zeros behind a header that declares 1000 bytes.
# Listing trusts the header; reading stops after 1000 bytes and one more.
(cd "$TMP/cwd" && expect_exit 1 /usr/bin/time -f 'maxrss=%M' "$LS" "$TMP/bad/bomb.zip")
expect_grep 'entry "viostor/viostor\.sys" yields more than its declared 1000 bytes' "$TMP/err" \
  "the bomb is stopped at its declared size"
rss=$(sed -n 's/^maxrss=//p' "$TMP/err")
[ "$rss" -lt $((128 * 1024)) ] || fail "reading the bomb took $rss KiB (the bomb is 256 MiB)"
echo "ok: reading the bomb peaked at $rss KiB"

# Nothing was extracted anywhere (the evil names are not on the host).
[ -z "$(find "$TMP" -name 'evil*' -o -name hidden)" ] || fail "a file was written on the host"
[ -z "$(ls -A "$TMP/cwd")" ] || fail "the reader wrote into its working folder"

# Truncated packages: the listing or the read of a file fails, naming it.
drv_tree "$TMP/tree" tests/data/drivers/synthetic
for t in iso zip tar.gz; do
  drv_pack "$TMP/tree" "$TMP/good.$t"
  # (the size without the trailing zeros: xorriso pads an ISO by 300 KiB)
  size=$(python3 -c 'import sys; print(len(open(sys.argv[1], "rb").read().rstrip(b"\0")))' \
    "$TMP/good.$t")
  head -c $((size * 2 / 3)) "$TMP/good.$t" >"$TMP/cut-$t"
  expect_exit 1 "$LS" "$TMP/cut-$t"
  expect_grep "^drvpkg-ls: driver package [^ ]*cut-$t: .*(entry|truncated|Truncated|premature|Premature)" \
    "$TMP/err" "truncated $t refused: $(cut -c1-200 "$TMP/err")"
done

# Folder packages: links and FIFOs are refused, never followed.
mkdir -p "$TMP/dir1/viostor" "$TMP/dir2/viostor"
printf 'x' >"$TMP/dir1/viostor/viostor.inf"
ln -s /etc/passwd "$TMP/dir1/viostor/viostor.sys"
refused "$TMP/dir1" 'entry "viostor/viostor\.sys": symbolic link' --dir
mkfifo "$TMP/dir2/viostor/viostor.sys"
refused "$TMP/dir2" 'entry "viostor/viostor\.sys": device, FIFO or socket' --dir
mkdir -p "$TMP/dir3"
ln -s /etc "$TMP/dir3/viostor"
refused "$TMP/dir3" 'entry "viostor": symbolic link' --dir
