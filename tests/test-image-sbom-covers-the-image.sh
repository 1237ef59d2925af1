#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# make image writes build/image/ce-appliance.spdx.json: it validates against
# the published SPDX 2.3 JSON schema (tests/data/spdx-2.3), lists every
# regular file of the initramfs and of the ESP (listed here with cpio and
# mtools, not with the SBOM's own code) with the right SHA-256, maps each
# library to the Debian package dpkg says owns it at the installed version,
# and names our own programs with the commit.
. tests/functions.sh
. tests/smoke-functions.sh
if [ "${CE_SKIP_QEMU:-0}" = 1 ]; then echo "CE_SKIP_QEMU=1: appliance image tests skipped"; exit 77; fi
smoke_requires
requires cpio
requires mdir
PY=/usr/bin/python3   # Debian's, with python3-jsonschema (scripts/install-deps)
$PY -c 'import jsonschema' || fail "python3-jsonschema is missing (scripts/install-deps)"
sbom=$CE_IMAGE_DIR/ce-appliance.spdx.json
raw=$CE_IMAGE_DIR/ce-appliance.raw
[ -f "$sbom" ] || fail "$sbom is missing (make image writes it)"

$PY - "$CE_TOP/tests/data/spdx-2.3/spdx-schema.json" "$sbom" <<'PYEOF' || fail "the SBOM does not validate"
import json, sys, jsonschema
schema, doc = (json.load(open(p)) for p in sys.argv[1:])
jsonschema.Draft7Validator.check_schema(schema)
jsonschema.Draft7Validator(schema).validate(doc)
PYEOF
echo "ok: the SBOM validates against the SPDX 2.3 schema"
expect_eq "$(jq -r .spdxVersion "$sbom")" SPDX-2.3 "spdxVersion"

# Every SPDXRef a relationship names exists; every LicenseRef is declared.
jq -r '[.packages[].SPDXID, .files[].SPDXID, .SPDXID] | .[]' "$sbom" | sort > "$TMP/ids"
jq -r '.relationships[] | .spdxElementId, .relatedSpdxElement' "$sbom" | sort -u > "$TMP/refs"
comm -13 "$TMP/ids" "$TMP/refs" > "$TMP/dangling"
[ -s "$TMP/dangling" ] && { cat "$TMP/dangling"; fail "relationships name undefined elements"; }
jq -r '.packages[].licenseDeclared' "$sbom" | grep -o 'LicenseRef-[A-Za-z0-9.-]*' | sort -u > "$TMP/lrefs"
jq -r '.hasExtractedLicensingInfos[]?.licenseId' "$sbom" | sort -u > "$TMP/ldecl"
comm -23 "$TMP/lrefs" "$TMP/ldecl" | grep . && fail "LicenseRefs without hasExtractedLicensingInfos"
echo "ok: relationships and licence references resolve"

# The initramfs, read from the disk's ESP and listed by cpio.
export MTOOLS_SKIP_CHECK=1
mcopy -n -i "$raw@@1M" ::/boot/initrd.img "$TMP/initrd.img"
lz4 -dc "$TMP/initrd.img" > "$TMP/initramfs.cpio"
mkdir "$TMP/root"
(cd "$TMP/root" && cpio -id --quiet --no-absolute-filenames < "$TMP/initramfs.cpio")
(cd "$TMP/root" && find . -type f | sed 's|^\.|./initramfs|' | sort) > "$TMP/initramfs-files"
[ "$(wc -l < "$TMP/initramfs-files")" -gt 20 ] || fail "too few files in the initramfs: harness broken"
jq -r '.files[].fileName' "$sbom" | sort > "$TMP/sbom-files"
comm -23 "$TMP/initramfs-files" "$TMP/sbom-files" > "$TMP/missing"
[ -s "$TMP/missing" ] && { cat "$TMP/missing"; fail "initramfs files missing from the SBOM"; }
echo "ok: all $(wc -l < "$TMP/initramfs-files") initramfs files are in the SBOM"

# The ESP, listed by mtools (hidden files too: ldlinux.sys).
mdir -i "$raw@@1M" -a -b -/ :: | grep -v '/$' | sed 's|^::|./esp|' | sort > "$TMP/esp-files"
grep -q '^./esp/boot/vmlinuz$' "$TMP/esp-files" || fail "mdir listing broken: no vmlinuz"
comm -23 "$TMP/esp-files" "$TMP/sbom-files" > "$TMP/missing"
[ -s "$TMP/missing" ] && { cat "$TMP/missing"; fail "ESP files missing from the SBOM"; }
comm -13 <(sort "$TMP/initramfs-files" "$TMP/esp-files") "$TMP/sbom-files" > "$TMP/extra"
[ -s "$TMP/extra" ] && { cat "$TMP/extra"; fail "the SBOM lists files the image does not hold"; }
echo "ok: all $(wc -l < "$TMP/esp-files") ESP files are in the SBOM, nothing more"

# Hashes: the SBOM's SHA-256 of each initramfs file is the file's.
while read -r name; do
  want=$(sha256sum < "$TMP/root/${name#./initramfs/}" | cut -d' ' -f1)
  got=$(jq -r --arg n "$name" '.files[] | select(.fileName == $n) | .checksums[] |
                               select(.algorithm == "SHA256") | .checksumValue' "$sbom")
  expect_eq "$got" "$want" "SHA-256 of $name" >/dev/null
done < "$TMP/initramfs-files"
echo "ok: the SBOM's hashes are the initramfs files' hashes"

# owner FILE: the package the SBOM says CONTAINS the file.
owner() {
  jq -r --arg n "$1" '(.files[] | select(.fileName == $n) | .SPDXID) as $f |
    .relationships[] | select(.relationshipType == "CONTAINS" and .relatedSpdxElement == $f
                              and .spdxElementId != "SPDXRef-Package-ce-appliance") |
    .spdxElementId' "$sbom"
}
version_of() {
  jq -r --arg id "$1" '.packages[] | select(.SPDXID == $id) | .versionInfo' "$sbom"
}
for lib in lib/x86_64-linux-gnu/libc.so.6 lib/x86_64-linux-gnu/libhivex.so.0 sbin/udhcpc; do
  # (usr-merge: dpkg knows some libraries under /lib, others under /usr/lib)
  case $lib in
    sbin/udhcpc) pkg=$(dpkg-query -S /bin/busybox | cut -d: -f1) ;;
    *) pkg=$({ dpkg-query -S "/$lib" 2>/dev/null || dpkg-query -S "/usr/$lib"; } | head -n1 | cut -d: -f1) ;;
  esac
  expect_eq "$(owner "./initramfs/$lib")" "SPDXRef-Package-$pkg" "/$lib is from $pkg"
  expect_eq "$(version_of "SPDXRef-Package-$pkg")" "$(dpkg-query -W -f='${Version}' "$pkg")" "$pkg version"
done
expect_eq "$(owner ./esp/EFI/BOOT/BOOTX64.EFI)" SPDXRef-Package-systemd-boot-efi "BOOTX64.EFI from systemd-boot-efi"

# Our own programs: in the ce-appliance package, whose version is the commit.
commit=$(jq -r .commit "$CE_IMAGE_DIR/provenance.json")
expect_eq "$(version_of SPDXRef-Package-ce-appliance)" "$commit" "ce-appliance version = commit"
jq -r '.files[] | select(.fileName == "./initramfs/usr/bin/ce-agent") | .comment' "$sbom" > "$TMP/c"
expect_grep "$commit" "$TMP/c" "ce-agent's entry names the commit"

# Licences: DEP-5 where machine-readable, else NOASSERTION (libc6's is not).
expect_eq "$(jq -r '.packages[] | select(.name == "libjansson4") | .licenseDeclared' "$sbom")" MIT \
  "libjansson4 licence from its DEP-5 copyright"
expect_eq "$(jq -r '.packages[] | select(.name == "libc6") | .licenseDeclared' "$sbom")" NOASSERTION \
  "libc6 (copyright not DEP-5): NOASSERTION"
echo "SBOM: $(jq '[.packages[] | select(.name != "ce-appliance")] | length' "$sbom") Debian packages," \
     "$(jq '.files | length' "$sbom") files"
