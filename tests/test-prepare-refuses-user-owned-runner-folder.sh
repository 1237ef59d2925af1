#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# ProgramData\CE-Appliance made beforehand by a standard user of the
# master image (owner a user SID, DACL not protected, Everyone and the
# user full control; set with ntfs-3g's ntfssecaudit): a job that needs
# the first-boot runner or stages an installer there is refused before
# anything is written (exit 2, like any job whose runner or installer
# cannot be staged), the message names the owner, the disk is unchanged
# and so is the folder's descriptor.
# On an image without the folder, the folder prepare creates is owned by
# Administrators with a protected DACL, read back with ntfssecaudit (not
# our code), and a second run accepts it.
. tests/functions.sh
. tests/prepare-functions.sh
requires ntfssecaudit
requires ntfsls
H=$FIXTOOLS/op-harness
[ -x "$H" ] || fail "$H missing (make test-progs)"

USER_SID=S-1-5-21-1004336348-1177238915-682003330-1001
le32() { printf '%02x%02x%02x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
# The user's descriptor in ntfssecaudit's backup format (MS-DTYP 2.4.6):
# control 0x8004 (DACL present, not protected), DACL: Everyone and the
# user full control, inherited by files and folders (OI|CI); owner and
# group the user.
hostile_backup() {
  local user=010500000000000515000000$(le32 1004336348)$(le32 1177238915)$(le32 682003330)$(le32 1001)
  local acl=0200400002000000 sd o w
  acl+=00031400ff011f00010100000000000100000000
  acl+=00032400ff011f00$user
  sd=0100048054000000700000000000000014000000$acl$user$user
  echo "Directory /$1"
  echo "Security key : none"
  for ((o = 0; o < ${#sd} / 2; o += 16)); do
    printf '        %06x ' "$o"
    for ((w = 0; w < 32 && 2 * o + w < ${#sd}; w += 8)); do printf ' %s' "${sd:2*o+w:8}"; done
    echo
  done
}
# sd_of VOLUME PATH: "owner control" as ntfssecaudit reads them (control:
# the descriptor's first 4 bytes, revision, padding, control little-endian).
sd_of() {
  ntfssecaudit -b "$1" "/$2" 2>/dev/null | awk -v p="/$2" '
    $1 == "Directory" || $1 == "File" { on = ($2 == p); first = 1; next }
    on && first && $1 == "000000" { ctl = $2; first = 0 }
    on && /^# Windows owner/ { print $4, ctl; exit }'
}
# volume IMG N: partition N of IMG as a volume file ($TMP/vol.ntfs).
volume() {
  read -r start size < <(part_window "$1" "$2")
  dd if="$1" of="$TMP/vol.ntfs" bs=1M skip=$((start / 1048576)) count=$((size / 1048576)) \
     conv=sparse status=none
}
unvolume() {
  read -r start size < <(part_window "$1" "$2")
  dd if="$TMP/vol.ntfs" of="$1" bs=1M seek=$((start / 1048576)) conv=sparse,notrunc status=none
}

head -c 4000 /dev/urandom > "$TMP/misa.msi"
sum=$(sha256sum "$TMP/misa.msi" | cut -c1-64)
job "$TMP/job.json" '{"type":"prepare","enableRdp":true,
  "xdReconfigure":[{"ParameterName":"enable_hdx_ports","ParameterValue":"true"}]}'
job "$TMP/misa.json" '{"type":"prepare","enableRdp":true,"provisioningType":"Mcs","installMisa":true,
  "artifacts":{"misa":"sha256:'"$sum"'"}}'
reason="ProgramData.CE-Appliance already exists and it is owned by $USER_SID, not by SYSTEM or Administrators"

img=$(fixture_copy win2022-bios-vda)
n=2
volume "$img" $n
echo 'left by a user' > "$TMP/note.txt"
"$H" put "$TMP/vol.ntfs" ProgramData/CE-Appliance/note.txt "$TMP/note.txt" >/dev/null || fail "set-up: put"
hostile_backup ProgramData/CE-Appliance > "$TMP/hostile.txt"
ntfssecaudit -s "$TMP/vol.ntfs" "$TMP/hostile.txt" > "$TMP/secaudit.out" 2>&1 || { cat "$TMP/secaudit.out"; fail "set-up: ntfssecaudit -s"; }
before=$(sd_of "$TMP/vol.ntfs" ProgramData/CE-Appliance)
expect_eq "$before" "$USER_SID 01000480" "set-up: folder owned by the user, DACL not protected (ntfssecaudit)"
unvolume "$img" $n

hash=$(sha256sum < "$img")
expect_exit 2 "$CE_OFFLINE" prepare "$img" --job "$TMP/misa.json" --artifact "misa=$TMP/misa.msi" --json
expect_grep "misa: .*$reason" "$TMP/err" "installer job refused, naming the owner"
expect_eq "$(sha256sum < "$img")" "$hash" "refused job: disk unchanged"

expect_exit 2 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --json
expect_eq "$(jq -r '.steps[] | select(.step == "firstboot") | .status' "$TMP/out")" failed "firstboot step"
expect_grep "firstboot: .*$reason" "$TMP/err" "runner job refused, naming the owner"
expect_eq "$(sha256sum < "$img")" "$hash" "refused job: disk unchanged"
volume "$img" $n
expect_eq "$(ntfsls "$TMP/vol.ntfs" -p /ProgramData/CE-Appliance | grep -v '^\.\.\?$' | tr '\n' ' ')" "note.txt " "nothing written in the folder"
expect_eq "$(sd_of "$TMP/vol.ntfs" ProgramData/CE-Appliance)" "$before" "its descriptor is unchanged"

# Without the folder: what prepare creates is Administrators' and protected.
img2=$(fixture_copy win2022-bios-vda)
expect_exit 0 "$CE_OFFLINE" prepare "$img2" --job "$TMP/misa.json" --artifact "misa=$TMP/misa.msi" --json
expect_eq "$(jq -r '.steps[] | select(.step == "firstboot") | .status' "$TMP/out")" planned "fresh image: runner and installer staged"
volume "$img2" $n
for d in ProgramData/CE-Appliance ProgramData/CE-Appliance/firstboot ProgramData/CE-Appliance/installers; do
  expect_eq "$(sd_of "$TMP/vol.ntfs" $d)" "S-1-5-32-544 01000490" "$d: owner Administrators, DACL protected (ntfssecaudit)"
done
job "$TMP/job2.json" '{"type":"prepare","xdReconfigure":[{"ParameterName":"site_guid","ParameterValue":"{6A9C3B1E-2D4F-4E5A-8B7C-9D0E1F2A3B4C}"}]}'
expect_exit 0 "$CE_OFFLINE" prepare "$img2" --job "$TMP/job2.json" --json
expect_eq "$(jq -r '.steps[] | select(.step == "firstboot") | .status' "$TMP/out")" planned "second run: our own folder is accepted"
