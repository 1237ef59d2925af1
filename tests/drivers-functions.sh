# SPDX-License-Identifier: GPL-3.0-or-later
# Driver packages for the tests (issue "Target drivers"), built from INF
# files and stand-in binaries.  Source after tests/functions.sh.
#   drv_tree OUT INFDIR     a tree laid out like the virtio-win ISO:
#                           <drv>/<os>/<arch>/<drv>.inf with the .sys/.dll files
#                           its [SourceDisksFiles] name (minimal PE images of
#                           the folder's architecture, tests/progs/mkpe) and
#                           the catalog its CatalogFile names (placeholder
#                           bytes).  INFDIR holds *.inf (ANSI or UTF-16LE),
#                           *.inx templates (NT$ARCH$: every architecture,
#                           $ARCH$ filled in as stampinf does) and *.inf.utf8
#                           (written as UTF-16LE with a BOM).  Folders:
#                           DRV_LAYOUT (os/arch pairs), an architecture only
#                           when the INF has models for it.
#   drv_pack TREE OUT       TREE packed as OUT's extension says: .iso (xorriso,
#                           Joliet + Rock Ridge), .zip (zip), .tar, .tar.gz, .tar.xz
#   drv_crc FILE            CRC-32 of FILE as drvpkg-ls prints it (python3 zlib)
#   drv_listing TREE        "CRC32 SIZE PATH" of every file below TREE, sorted:
#                           what drvpkg-ls must print for any packing of it
DRV_LAYOUT=${DRV_LAYOUT:-"2k16/amd64 2k19/amd64 2k22/amd64 w10/amd64 w10/x86 w11/amd64 w11/ARM64"}
DRV_PROGS=$CE_TOP/$CE_BUILD/tests/progs

# The files an INF (UTF-8 text) needs beside it: "file NAME" for each
# [SourceDisksFiles*] entry, "cat NAME" for each CatalogFile* value.
_drv_inf_files() {
  tr -d '\r' <"$1" | awk '
    function trim(s) { sub(/;.*/, "", s); gsub(/^[ \t"]+|[ \t"]+$/, "", s); return s }
    /^[ \t]*\[/ { sec = tolower($0); gsub(/[ \t]/, "", sec); insdf = sec ~ /^\[sourcedisksfiles/; next }
    tolower($0) ~ /^[ \t]*catalogfile/ { split($0, a, "="); print "cat " trim(a[2]); next }
    insdf && /=/ { split($0, a, "="); n = trim(a[1]); if (n != "") print "file " n }
  ' | sort -u
}

# INF (any encoding) as UTF-8 text: UTF-16LE with a BOM is converted.
_drv_inf_text() {
  if [ "$(head -c 2 "$1" | od -An -tx1 | tr -d ' ')" = fffe ]; then
    tail -c +3 "$1" | iconv -f UTF-16LE -t UTF-8
  else
    cat "$1"
  fi
}

drv_tree() {
  local out=$1 infdir=$2 inf drv text spec os arch dir kind name pe
  [ -x "$DRV_PROGS/mkpe" ] || fail "$DRV_PROGS/mkpe missing (make test-progs)"
  mkdir -p "$out"
  for inf in "$infdir"/*.inf "$infdir"/*.inx "$infdir"/*.inf.utf8; do
    [ -e "$inf" ] || continue
    drv=$(basename "$inf"); drv=${drv%.utf8}; drv=${drv%.inf}; drv=${drv%.inx}
    text=$TMP/drv-inf-$drv.txt
    _drv_inf_text "$inf" >"$text"
    for spec in $DRV_LAYOUT; do
      os=${spec%/*}; arch=${spec#*/}
      pe=$(echo "$arch" | tr 'A-Z' 'a-z')
      # A template (NT$ARCH$, as in virtio-win's .inx and gvnic.inf) fits
      # every architecture; stampinf fills $ARCH$ in, and so do we.
      grep -qiE "NT$pe|NT\\\$ARCH\\\$" "$text" || continue
      dir=$out/$drv/$os/$arch
      mkdir -p "$dir"
      if [ "${inf%.utf8}" != "$inf" ]; then
        { printf '\xff\xfe'; sed 's/$/\r/' "$inf" | iconv -f UTF-8 -t UTF-16LE; } >"$dir/$drv.inf"
      elif grep -q 'NT\$ARCH\$' "$text"; then
        sed "s/\\\$ARCH\\\$/$pe/g" "$inf" >"$dir/$drv.inf"
      else
        cp "$inf" "$dir/$drv.inf"
      fi
      _drv_inf_files "$text" | while read -r kind name; do
        [ -e "$dir/$name" ] && continue
        case $kind:$name in
          file:*.sys|file:*.dll|file:*.SYS|file:*.DLL) "$DRV_PROGS/mkpe" "$pe" "$dir/$name" ;;
          cat:*) printf 'stand-in catalog of %s (%s/%s)\n' "$drv" "$os" "$arch" >"$dir/$name" ;;
          *) printf 'stand-in %s\n' "$name" >"$dir/$name" ;;
        esac
      done
    done
  done
  [ -n "$(ls -A "$out")" ] || fail "drv_tree: no INF in $infdir"
}

drv_pack() {
  local tree=$1 out=$2
  rm -f "$out"
  case $out in
    *.iso) requires xorriso
           xorriso -as mkisofs -quiet -J -R -V CE_DRIVERS -o "$out" "$tree" 2>"$TMP/xorriso.log" ||
             { cat "$TMP/xorriso.log"; fail "xorriso $out"; } ;;
    *.zip) requires zip; (cd "$tree" && zip -qrX "$out" .) || fail "zip $out" ;;
    *.tar) tar -C "$tree" -cf "$out" . ;;
    *.tar.gz|*.tgz) tar -C "$tree" -czf "$out" . ;;
    *.tar.xz) tar -C "$tree" -cJf "$out" . ;;
    *) fail "drv_pack: unknown package type $out" ;;
  esac
}

drv_crc() {
  python3 -c 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$1"
}

drv_listing() {
  python3 - "$1" <<'PY'
import os, sys, zlib
root = sys.argv[1]
rows = []
for d, _, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        data = open(p, "rb").read()
        rows.append("%08x %d %s" % (zlib.crc32(data), len(data), os.path.relpath(p, root)))
print("\n".join(sorted(rows, key=lambda r: r.split(" ", 2)[2].encode())))
PY
}

# ---- driver choices for the prepare operation's tests
# Helpers for the driver tests.  Source after functions.sh and
# prepare-functions.sh.

# drv_package DIR: a virtio-win-like package tree with stand-in files:
# each .sys a minimal amd64 PE (tests/progs/mkpe), the INF and catalog
# placeholder bytes (the INF facts are in tests/data/drivers/*.json).
drv_package() {
  local d=$1 m
  for m in vioscsi/2k22/amd64/vioscsi viostor/2k22/amd64/viostor NetKVM/2k22/amd64/netkvm; do
    mkdir -p "$d/$(dirname "$m")"
    "$DRV_PROGS/mkpe" amd64 "$d/$m.sys" native || fail "mkpe $m.sys"
    printf '; stand-in for %s.inf (facts in tests/data/drivers)\r\n' "$(basename "$m")" >"$d/$m.inf"
    printf 'stand-in catalog %s\n' "$m" >"$d/$m.cat"
  done
  # Another OS folder of the same package: never staged for 2k22.
  mkdir -p "$d/vioscsi/2k19/amd64"
  printf 'other\n' >"$d/vioscsi/2k19/amd64/vioscsi.inf"
}

# drv_choices OUT PKGDIR [JQ-FILTER]: tests/data/drivers/virtio-choices.json
# pointing at PKGDIR, optionally transformed.
drv_choices() {
  jq --arg p "$2" "(.packages[] |= \$p) | ${3:-.}" \
    "$CE_TOP/tests/data/drivers/virtio-choices.json" >"$1" || fail "drv_choices"
}
