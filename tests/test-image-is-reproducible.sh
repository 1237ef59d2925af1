#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Two `make image` runs from two clean clones of one commit, in different
# directories, on different days (faketime), with different umask, locale
# and time zone, and nothing else set (SOURCE_DATE_EPOCH is the commit's
# time by default) give byte-identical artifacts: the disk in every format,
# the SBOM, the provenance and SHA256SUMS.  The kernel comes from the cache
# (scripts/kernel-build; its build identity is fixed there), everything else
# is built afresh.  On a difference, diffoscope explains it in this log.
# CE_REPRO_COMMIT (default HEAD) picks the commit; uncommitted changes of
# this tree are not in the clones.
. tests/functions.sh
. tests/smoke-functions.sh
if [ "${CE_SKIP_QEMU:-0}" = 1 ]; then echo "CE_SKIP_QEMU=1: appliance image tests skipped"; exit 77; fi
requires git
requires faketime
# The kernel must be in the cache: the same make image as the other image
# tests brings it there (a 20-minute build only the first time).
smoke_requires
commit=$(git -C "$CE_TOP" rev-parse "${CE_REPRO_COMMIT:-HEAD}")
git -C "$CE_TOP" diff --quiet HEAD -- || echo "note: this tree has uncommitted changes; the clones build $commit"
ARTIFACTS="ce-appliance.raw ce-appliance.qcow2 ce-appliance.vhd ce-appliance.vmdk ce-appliance-gce.tar.gz
           ce-appliance.ova ce-appliance.spdx.json provenance.json SHA256SUMS"
# The pieces, to say where a difference starts.
PIECES="ce-agent ce-init kernel/bzImage initramfs.cpio.lz4"

# build DIR UMASK LOCALE TZ FAKETIME: clone, check out, make image (with
# the clock moved by FAKETIME, a faketime -f offset, if not empty).
# NO_FAKE_STAT=1: libfaketime would also shift every time stat() returns,
# so files stamped with SOURCE_DATE_EPOCH would look 3 days off; on a
# real later day their times are what the build set.
build() {
  local dir=$1 mask=$2 loc=$3 zone=$4 fake=$5 start=$SECONDS
  git clone -q --no-local "$CE_TOP" "$dir" || fail "git clone failed"
  git -C "$dir" -c advice.detachedHead=false checkout -q "$commit" || fail "checkout $commit"
  echo "build in $dir: umask $mask, LC_ALL=$loc, TZ=$zone, faketime '$fake'"
  # INSTALL_DEPS=true: the packages are checked by this tree's own build
  # (a clone would otherwise run npm for the OpenAPI test's validator).
  ( cd "$dir" && umask "$mask" &&
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE -u BUILD -u SOURCE_DATE_EPOCH \
        -u CE_COMMIT LC_ALL="$loc" LANG="$loc" TZ="$zone" \
      NO_FAKE_STAT=1 ${fake:+faketime -f "$fake"} nice make --no-print-directory -j"$(nproc)" INSTALL_DEPS=true image ) \
    > "$dir.log" 2>&1 || { tail -n 40 "$dir.log"; fail "make image in $dir failed (log $dir.log)"; }
  echo "built in $((SECONDS - start)) s"
}
a=$TMP/a/ce
b=$TMP/second/clone/in/a/deeper/directory/ce
mkdir -p "$(dirname "$a")" "$(dirname "$b")"
t0=$SECONDS
# (This machine has only the C locales; a French one is what an operator's
# environment might say: the scripts set LC_ALL=C for what depends on it.)
build "$a" 022 C.UTF-8 UTC ""
build "$b" 077 fr_FR.UTF-8 Pacific/Kiritimati "+3d"
echo "double build: $((SECONDS - t0)) s"

differ=
for f in $ARTIFACTS; do
  if [ ! -f "$a/build/image/$f" ] || [ ! -f "$b/build/image/$f" ]; then
    echo "MISSING: $f (not written by make image)"
    differ="$differ $f"
    continue
  fi
  ha=$(sha256sum < "$a/build/image/$f" | cut -d' ' -f1)
  hb=$(sha256sum < "$b/build/image/$f" | cut -d' ' -f1)
  if [ "$ha" = "$hb" ]; then
    echo "same: $f $ha"
  else
    echo "DIFFERENT: $f $ha $hb"
    differ="$differ $f"
  fi
done
[ -z "$differ" ] && { echo "ok: both builds are byte-identical"; exit 0; }

# Explain: each piece that differs, then the first two artifacts that do
# (diffoscope; it exits 1 on a difference, and head may cut it short: the
# verdict is the hashes above, diffoscope only explains).
explain() { timeout "$1" diffoscope --text - --max-report-size 400000 "$2" "$3" | head -n 300 || true; }
for p in $PIECES; do
  cmp -s "$a/build/image/$p" "$b/build/image/$p" && { echo "same piece: $p"; continue; }
  echo "DIFFERENT piece: $p"
  case $p in
    *.lz4) lz4 -dc "$a/build/image/$p" > "$TMP/a.cpio"; lz4 -dc "$b/build/image/$p" > "$TMP/b.cpio"
           explain 600 "$TMP/a.cpio" "$TMP/b.cpio" ;;
    *) explain 600 "$a/build/image/$p" "$b/build/image/$p" ;;
  esac
done
n=0
for f in $differ; do
  [ -f "$a/build/image/$f" ] && [ -f "$b/build/image/$f" ] || continue
  n=$((n + 1)); [ "$n" -le 2 ] || break
  echo "== diffoscope $f"
  explain 900 "$a/build/image/$f" "$b/build/image/$f"
done
fail "the two builds differ:$differ"
