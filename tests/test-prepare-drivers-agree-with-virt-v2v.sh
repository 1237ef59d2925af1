#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Independent oracle: virt-v2v-in-place (Debian's virt-v2v, VIRTIO_WIN
# pointing at the same virtio-win-like tree) converts one copy of the
# win2022-bios-vda fixture; our prepare job with the viostor/vioscsi
# choices prepares another.  Every service value and every DriverDatabase
# value virt-v2v writes for its boot driver (viostor) is in ours, its
# package names mapped to ours (its guestor.inf / guestor_conf / package
# label are our ce-viostor.inf / scsi_inst / label); the boot .sys is the
# same file; libguestfs inspection still finds the OS in ours.
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
. tests/drivers-functions.sh
requires virt-v2v-in-place
requires virt-inspector
requires hivexregedit
requires python3
requires jq
requires xmllint
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
DP=$FIXTOOLS/drv-prepare
[ -x "$DP" ] || fail "$DP missing (make test-progs)"
drv_package "$TMP/pkg"
drv_choices "$TMP/choices.json" "$TMP/pkg"
v2v=$(fixture_copy win2022-bios-vda)
ours=$TMP/ours.img
cp --sparse=always "$v2v" "$ours"

VIRTIO_WIN=$TMP/pkg virt-v2v-in-place -i disk "$v2v" >"$TMP/v2v.log" 2>&1 \
  || { tail -20 "$TMP/v2v.log"; fail "virt-v2v-in-place failed"; }
echo "ok: virt-v2v-in-place converted its copy"
echo '{"type":"prepare"}' >"$TMP/job.json"
expect_exit 0 "$DP" "$TMP/choices.json" "$ours" "$TMP/job.json"
n=$(jq '.windows.partition' "$TMP/out")

extract "$v2v" "$n" Windows/System32/config/SYSTEM "$TMP/SYSTEM.v2v"
extract "$v2v" "$n" Windows/System32/drivers/viostor.sys "$TMP/viostor.v2v"
extract "$ours" "$n" Windows/System32/config/SYSTEM "$TMP/SYSTEM.ours"
extract "$ours" "$n" Windows/System32/drivers/viostor.sys "$TMP/viostor.ours"
cmp "$TMP/viostor.v2v" "$TMP/viostor.ours" || fail "System32/drivers/viostor.sys differs"
echo "ok: the same viostor.sys in System32/drivers"

ex() { hivexregedit --export --unsafe-printable-strings "$1" "$2" >"$3" || fail "export $2 from $1"; }
ex "$TMP/SYSTEM.v2v" 'ControlSet001\Services\viostor' "$TMP/svc.v2v.reg"
ex "$TMP/SYSTEM.ours" 'ControlSet001\Services\viostor' "$TMP/svc.ours.reg"
ex "$TMP/SYSTEM.v2v" DriverDatabase "$TMP/ddb.v2v.reg"
ex "$TMP/SYSTEM.ours" DriverDatabase "$TMP/ddb.ours.reg"
v2v_label=$(sed -n 's/^"Active"=str(1):"\(.*\)"$/\1/p' "$TMP/ddb.v2v.reg" | head -1)
our_label=$(hivexget "$TMP/SYSTEM.ours" 'DriverDatabase\DriverInfFiles\ce-viostor.inf' Active)
[ -n "$v2v_label" ] && [ -n "$our_label" ] || fail "package labels: '$v2v_label' '$our_label'"
norm() { python3 "$CE_TOP/tests/reg-normalize.py" "$@"; }
norm "$TMP/svc.v2v.reg" >"$TMP/svc.v2v"
norm "$TMP/svc.ours.reg" >"$TMP/svc.ours"
[ -s "$TMP/svc.v2v" ] || fail "virt-v2v wrote no viostor service values"
missing=$(comm -23 "$TMP/svc.v2v" "$TMP/svc.ours")
[ -z "$missing" ] || { cat "$TMP/svc.ours"; fail "service values of virt-v2v missing in ours: $missing"; }
echo "ok: all $(wc -l <"$TMP/svc.v2v") viostor service values virt-v2v writes are in ours"
norm "$TMP/ddb.v2v.reg" "$v2v_label=LABEL" guestor.inf=INF guestor_conf=CONF >"$TMP/ddb.v2v"
norm "$TMP/ddb.ours.reg" "$our_label=LABEL" ce-viostor.inf=INF scsi_inst=CONF \
  | grep -v 'ce-vioscsi' >"$TMP/ddb.ours"
[ "$(wc -l <"$TMP/ddb.v2v")" -ge 7 ] || { cat "$TMP/ddb.v2v"; fail "virt-v2v's DriverDatabase is not what it is known to write"; }
missing=$(comm -23 "$TMP/ddb.v2v" "$TMP/ddb.ours")
[ -z "$missing" ] || { cat "$TMP/ddb.ours"; fail "DriverDatabase values of virt-v2v missing in ours: $missing"; }
echo "ok: all $(wc -l <"$TMP/ddb.v2v") DriverDatabase values virt-v2v writes for viostor are in ours"

virt-inspector --format=raw -a "$ours" >"$TMP/after.xml"
expect_eq "$(xmllint --xpath 'string(/operatingsystems/operatingsystem[1]/product_name)' "$TMP/after.xml")" \
  "Windows Server 2022 Datacenter" "libguestfs inspection still finds the OS in ours"
