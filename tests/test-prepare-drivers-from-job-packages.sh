#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `ce-offline prepare` with the job's "drivers" artifacts (the wiring:
# offline-win/prepare/drv-select.c): a package built from the real public
# virtio-win INFs (viostor, vioscsi, netkvm; tests/data/drivers/inf) with
# stand-in PE .sys files, packed as ISO, ZIP and tar.gz, digest-pinned in
# "artifacts", for platform nutanix (virtio-scsi boot) on Windows Server
# 2022 (win2022-bios-vda):
#   - the plan names the INF chosen for each device the platform needs;
#   - a dry run leaves the disk hash unchanged; ISO, ZIP and tar.gz plan
#     the same changes;
#   - applied: vioscsi.sys in System32\drivers (ntfscat), its service key
#     with Start 0 and a DriverDatabase entry for its ID (hivexget);
#     running the job again plans nothing;
#   - bad inputs are refused (exit 2) with a clear error and nothing
#     written: a digest mismatch, a traversal name, a wrong-arch .sys, an
#     INF naming a missing file, an archive bomb, an Include= loop, a
#     10 MB line;
#   - a host directory is read (ce-offline only), unpinned, and the plan
#     says so.
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
. tests/drivers-functions.sh
requires jq
requires hivexget
requires ntfscat
requires xorriso
requires zip

INF=$CE_TOP/tests/data/drivers/inf/virtio-win
mkdir -p "$TMP/infs"
cp "$INF/vioscsi/w10/amd64/vioscsi.inf" "$INF/viostor/w10/amd64/viostor.inf" \
   "$INF/NetKVM/w10/amd64/netkvm.inf" "$TMP/infs/"
DRV_LAYOUT="2k22/amd64" drv_tree "$TMP/tree" "$TMP/infs"
for t in iso zip tar.gz; do drv_pack "$TMP/tree" "$TMP/virtio.$t"; done

# job OUT PACKAGE-FILE [DIGEST]
drv_job() {
  local sum=${3:-$(sha256sum <"$2" | cut -d' ' -f1)}
  jq -n --arg s "sha256:$sum" '{type: "prepare", platform: "nutanix", drivers: ["virtio"],
    artifacts: {virtio: $s}}' >"$1"
}

img=$(fixture_copy win2022-bios-vda)
before=$(content_sha "$img")
for t in iso zip tar.gz; do
  drv_job "$TMP/job-$t.json" "$TMP/virtio.$t"
  expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job-$t.json" --artifact "virtio=$TMP/virtio.$t" \
    --dry-run --json
  cp "$TMP/out" "$TMP/plan-$t.json"
  jq -c '[.changes[] | [.kind, .key // .path, .value // ""]] | sort' "$TMP/plan-$t.json" >"$TMP/changes-$t"
done
# The same tree as a host directory: ce-offline reads it, unpinned, and says so.
expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job-zip.json" --artifact "virtio=$TMP/tree" \
  --dry-run --json
expect_grep 'package virtio is the host directory .*NOT checked against the job.s digest' \
  <(jq -r '.notes[]' "$TMP/out") "a directory is read unpinned and the plan says so"
jq -c '[.changes[] | [.kind, .key // .path, .value // ""]] | sort' "$TMP/out" >"$TMP/changes-dir"
cmp -s "$TMP/changes-iso" "$TMP/changes-dir" || fail "the directory plans other changes than the ISO"
expect_eq "$(content_sha "$img")" "$before" "disk hash after four dry runs"
expect_eq "$(jq -r '.steps[] | select(.step == "drivers") | .status' "$TMP/plan-iso.json")" planned \
  "drivers step planned"
cmp -s "$TMP/changes-iso" "$TMP/changes-zip" || fail "ISO and ZIP plan different changes"
cmp -s "$TMP/changes-iso" "$TMP/changes-tar.gz" || fail "ISO and tar.gz plan different changes"
echo "ok: ISO, ZIP and tar.gz plan the same $(jq length "$TMP/changes-iso") changes"
expect_grep 'boot storage: vioscsi/2k22/amd64/vioscsi.inf from virtio, section .*PCI\\VEN_1AF4&DEV_1004' \
  <(jq -r '.notes[]' "$TMP/plan-iso.json") "the plan names the INF chosen for the boot controller"
expect_grep 'Net: netkvm/2k22/amd64/netkvm.inf from virtio, section .*PCI\\VEN_1AF4&DEV_1000' \
  <(jq -r '.notes[]' "$TMP/plan-iso.json") "the plan names the INF chosen for the network"

# The bad inputs below run on the unprepared disk (the prepared one has
# vioscsi and needs nothing).
fresh=$TMP/fresh.img
cp --sparse=always "$img" "$fresh"
expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job-zip.json" --artifact "virtio=$TMP/virtio.zip" --json
expect_eq "$(jq -r .status "$TMP/out")" complete "applied"
n=$(jq '.windows.partition' "$TMP/out")
extract "$img" "$n" Windows/System32/config/SYSTEM "$TMP/SYSTEM"
ntfscat "$TMP/part$n.ntfs" Windows/System32/drivers/vioscsi.sys | cmp - "$TMP/tree/vioscsi/2k22/amd64/vioscsi.sys" \
  || fail "System32/drivers/vioscsi.sys is not the package's"
echo "ok: vioscsi.sys written (ntfscat)"
expect_eq "$(hivexget "$TMP/SYSTEM" 'ControlSet001\Services\vioscsi' Start)" 0 "vioscsi starts at boot"
expect_eq "$(hivexget "$TMP/SYSTEM" 'DriverDatabase\DeviceIds\PCI\VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00' \
  | grep -ci vioscsi)" 1 "DriverDatabase binds the controller's ID to vioscsi.inf"
after=$(content_sha "$img")
expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job-zip.json" --artifact "virtio=$TMP/virtio.zip" --json
expect_eq "$(jq '.changes | length' "$TMP/out")" 0 "a second run plans nothing"
expect_eq "$(content_sha "$img")" "$after" "the second run wrote nothing"

# ---- bad inputs: exit 2, the reason, nothing written ---------------------
img=$fresh
refused() {   # WHAT PATTERN JOB PACKAGE
  local h; h=$(content_sha "$img")
  expect_exit 2 "$CE_OFFLINE" prepare "$img" --job "$3" --artifact "virtio=$4" --json
  cat "$TMP/out" "$TMP/err" >"$TMP/both"
  expect_grep "$2" "$TMP/both" "$1: the reason"
  expect_eq "$(content_sha "$img")" "$h" "$1: disk hash unchanged"
}
drv_job "$TMP/bad-digest.json" "$TMP/virtio.zip" "$(printf '0%.0s' $(seq 64))"
refused "digest mismatch" "SHA-256 is sha256:.* but the job expects" "$TMP/bad-digest.json" "$TMP/virtio.zip"

python3 - "$TMP/trav.zip" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("vioscsi/vioscsi.inf", "; x\r\n")
    z.writestr("../evil.sys", "x")
PY
drv_job "$TMP/trav.json" "$TMP/trav.zip"
refused "traversal name" '\.\./evil.sys' "$TMP/trav.json" "$TMP/trav.zip"

cp -r "$TMP/tree" "$TMP/arm"
rm "$TMP/arm/vioscsi/2k22/amd64/vioscsi.sys"
"$DRV_PROGS/mkpe" arm64 "$TMP/arm/vioscsi/2k22/amd64/vioscsi.sys"
drv_pack "$TMP/arm" "$TMP/arm.zip"
drv_job "$TMP/arm.json" "$TMP/arm.zip"
refused "wrong-arch .sys" 'rejected vioscsi/2k22/amd64/vioscsi.inf: .*vioscsi.sys is built for arm64' \
  "$TMP/arm.json" "$TMP/arm.zip"

cp -r "$TMP/tree" "$TMP/miss"
rm "$TMP/miss/vioscsi/2k22/amd64/vioscsi.sys"
drv_pack "$TMP/miss" "$TMP/miss.zip"
drv_job "$TMP/miss.json" "$TMP/miss.zip"
refused "INF naming a missing file" 'vioscsi.sys' "$TMP/miss.json" "$TMP/miss.zip"
expect_grep "boot storage driver is neither in the image nor in" "$TMP/both" \
  "missing file: the job says what to supply"

# An archive bomb: one entry declared larger than a package may hold
# (a sparse 300 MiB file: tar records its size, the reader refuses the
# header before reading a byte of it).
mkdir -p "$TMP/bomb/vioscsi"
cp "$TMP/tree/vioscsi/2k22/amd64/vioscsi.inf" "$TMP/bomb/vioscsi/"
truncate -s 300M "$TMP/bomb/vioscsi/vioscsi.sys"
tar -C "$TMP/bomb" -czSf "$TMP/bomb.tar.gz" .
drv_job "$TMP/bomb.json" "$TMP/bomb.tar.gz"
refused "archive bomb" 'vioscsi.sys.: 314572800 bytes, more than the cap' "$TMP/bomb.json" "$TMP/bomb.tar.gz"

# An Include= loop: vioscsi.inf's install section includes loop.inf,
# which includes vioscsi.inf.
cp -r "$TMP/tree" "$TMP/loop"
d=$TMP/loop/vioscsi/2k22/amd64
sed -i 's/^\[scsi_inst\]\r*$/[scsi_inst]\r\nInclude=loop.inf\r\nNeeds=loop_inst/' "$d/vioscsi.inf"
grep -q '^Include=loop.inf' "$d/vioscsi.inf" || fail "the loop was not written into vioscsi.inf"
printf '[Version]\r\nSignature="$Windows NT$"\r\n[loop_inst]\r\nInclude=vioscsi.inf\r\n' >"$d/loop.inf"
drv_pack "$TMP/loop" "$TMP/loop.zip"
drv_job "$TMP/loop.json" "$TMP/loop.zip"
refused "Include loop" 'Include loop' "$TMP/loop.json" "$TMP/loop.zip"

# A 10 MB line in the INF.
cp -r "$TMP/tree" "$TMP/long"
{ printf 'Comment='; head -c 10000000 /dev/zero | tr '\0' x; printf '\r\n'; } \
  >>"$TMP/long/vioscsi/2k22/amd64/vioscsi.inf"
drv_pack "$TMP/long" "$TMP/long.zip"
drv_job "$TMP/long.json" "$TMP/long.zip"
refused "10 MB line" 'vioscsi.inf.*line' "$TMP/long.json" "$TMP/long.zip"
