#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make image writes SHA256SUMS over every artifact (sha256sum -c passes) and
# provenance.json whose facts are the image's: the commit and content digest
# that /etc/ce-image.json in the initramfs carries (what ce-agent reports in
# /v1/info), that digest recomputed here from the disk with shell tools (not
# with scripts/image-digest), the kernel's config hash and cache key, the
# artifacts' hashes; SOURCE_DATE_EPOCH is the commit's time when unset; the
# kernel's version string carries the fixed build identity, not the
# builder's user, host or clock.
. tests/functions.sh
. tests/smoke-functions.sh
if [ "${CE_SKIP_QEMU:-0}" = 1 ]; then echo "CE_SKIP_QEMU=1: appliance image tests skipped"; exit 77; fi
smoke_requires
requires cpio
requires mcopy
d=$CE_IMAGE_DIR
prov=$d/provenance.json
[ -f "$prov" ] && [ -f "$d/SHA256SUMS" ] || fail "provenance.json or SHA256SUMS missing (make image)"

(cd "$d" && sha256sum --strict -c SHA256SUMS) || fail "SHA256SUMS does not verify"
for a in ce-appliance.raw ce-appliance.qcow2 ce-appliance.vhd ce-appliance.vmdk ce-appliance.ova \
         ce-appliance-gce.tar.gz ce-appliance.spdx.json provenance.json; do
  grep -q "  $a\$" "$d/SHA256SUMS" || fail "$a is not in SHA256SUMS"
  [ "$a" = provenance.json ] && continue
  expect_eq "$(jq -r --arg a "$a" '.artifacts[$a]' "$prov")" "$(sha256sum < "$d/$a" | cut -d' ' -f1)" \
    "provenance: $a" >/dev/null
done
echo "ok: SHA256SUMS verifies and covers every artifact; provenance has their hashes"

# The identity file inside the image.
export MTOOLS_SKIP_CHECK=1
mcopy -n -i "$d/ce-appliance.raw@@1M" ::/boot/initrd.img "$TMP/initrd.img"
mcopy -n -i "$d/ce-appliance.raw@@1M" ::/boot/vmlinuz "$TMP/vmlinuz"
lz4 -dc "$TMP/initrd.img" > "$TMP/initramfs.cpio"
mkdir "$TMP/root"
(cd "$TMP/root" && cpio -id --quiet --no-absolute-filenames < "$TMP/initramfs.cpio")
id=$TMP/root/etc/ce-image.json
[ -f "$id" ] || fail "/etc/ce-image.json is not in the initramfs"
head=$(git -C "$CE_TOP" rev-parse HEAD)
expect_eq "$(jq -r .commit "$prov" | sed 's/-dirty$//')" "$head" "provenance commit = HEAD"
expect_eq "$(jq -r .commit "$id")" "$(jq -r .commit "$prov")" "image commit = provenance commit"
expect_eq "$(jq -r .contentDigest "$id")" "$(jq -r .contentDigest "$prov")" "image digest = provenance digest"
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
  expect_eq "$(jq -r .sourceDateEpoch "$prov")" "$(git -C "$CE_TOP" log -1 --format=%ct)" \
    "SOURCE_DATE_EPOCH defaults to the commit's time"
fi
cpio -tv --quiet < "$TMP/initramfs.cpio" > "$TMP/list"
LC_ALL=C TZ=UTC date -u -d "@$(jq -r .sourceDateEpoch "$prov")" '+%b %e' > "$TMP/day"
grep -v -F "$(cat "$TMP/day")" "$TMP/list" && fail "initramfs entries with another time than SOURCE_DATE_EPOCH"
echo "ok: every initramfs entry has the time SOURCE_DATE_EPOCH"

# The content digest, recomputed from the extracted tree (the definition in
# docs/APPLIANCE.md): one line per entry but the identity file, by path.
(cd "$TMP/root" && find . -mindepth 1 | sed 's|^\.||' | LC_ALL=C sort) |
while read -r p; do
  [ "$p" = /etc/ce-image.json ] && continue
  f=$TMP/root$p
  mode=$(printf '%04o' "$((8#$(stat -c %a "$f")))")
  own=$(stat -c %u:%g "$f")
  case $(stat -c %F "$f") in
    "regular file"|"regular empty file") echo "F $mode $own $(sha256sum < "$f" | cut -d' ' -f1) $p" ;;
    "symbolic link") echo "L $mode $own $(readlink "$f") $p" ;;
    directory) echo "D $mode $own $p" ;;
    *) echo "N $mode $own $((16#$(stat -c %t "$f"))):$((16#$(stat -c %T "$f"))) $p" ;;
  esac
done > "$TMP/manifest"
echo "K $(sha256sum < "$TMP/vmlinuz" | cut -d' ' -f1) /boot/vmlinuz" >> "$TMP/manifest"
expect_eq "sha256:$(sha256sum < "$TMP/manifest" | cut -d' ' -f1)" "$(jq -r .contentDigest "$prov")" \
  "content digest recomputed from the disk with shell tools"
expect_eq "$("$CE_TOP/scripts/image-digest" --raw "$d/ce-appliance.raw")" "$(jq -r .contentDigest "$prov")" \
  "scripts/image-digest --raw"

# The kernel.
expect_eq "$(jq -r .kernel.configSha256 "$prov")" "$(sha256sum < "$d/kernel/config" | cut -d' ' -f1)" "kernel config hash"
expect_eq "$(jq -r .kernel.cacheKey "$prov")" "$("$CE_TOP/scripts/kernel-build" --key)" "kernel cache key"
expect_eq "$(jq -r .kernel.bzImageSha256 "$prov")" "$(sha256sum < "$TMP/vmlinuz" | cut -d' ' -f1)" "kernel on the ESP"
# The version string (uname -v, /proc/version) sits in the compressed
# kernel: unpack it with the kernel's own extract-vmlinux.
xv=$(ls "${XDG_CACHE_HOME:-$HOME/.cache}"/ce-appliance/src-*/scripts/extract-vmlinux 2>/dev/null | head -n1)
[ -n "$xv" ] || fail "the kernel source (scripts/kernel-build unpacks it) is missing"
"$xv" "$TMP/vmlinuz" > "$TMP/vmlinux" 2>/dev/null || fail "extract-vmlinux failed"
strings "$TMP/vmlinux" > "$TMP/strings"
grep -m1 '^Linux version [0-9]' "$TMP/strings" > "$TMP/banner" || fail "no Linux version string"
cat "$TMP/banner"
expect_grep '(ce@ce-appliance)' "$TMP/banner" "kernel built as ce@ce-appliance, not the builder"
when=$(LC_ALL=C date -u -d "@$(stat -c %Y /usr/src/linux-source-6.1.tar.xz)" '+%a %b %e %H:%M:%S UTC %Y')
expect_grep " #1 SMP .*$when" "$TMP/banner" "kernel time = the source package's"
