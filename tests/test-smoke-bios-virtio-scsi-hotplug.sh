#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The appliance boots under SeaBIOS (QEMU TCG), its agent answers through a
# hostfwd, a Windows disk hot-plugged on virtio-scsi after the agent is ready
# (as a controller attaches it, at LUN 3) is listed and worked on through
# cectl (addressed as lun:3, as Azure connectors do), and
# the VM powers itself off on `cectl complete`.  The disk is then checked on
# the host with libguestfs and hivexget.
. tests/functions.sh
. tests/agent-functions.sh
. tests/smoke-functions.sh
smoke_requires
requires virt-inspector
requires hivexget
requires xmllint

disk=$(fixture_copy win2022-bios-vda)
cp "$(fixture win2022-bios-vda).facts.json" "$disk.facts.json"
write_config
# The legacy i440fx machine (IDE, PIIX): the UEFI smoke test covers q35.
SMOKE_MACHINE=pc smoke_boot bios -device virtio-scsi-pci,id=scsi0
smoke_wait_ready
echo "boot to ready (BIOS): ${SMOKE_READY_SECONDS}s"
smoke_serial | grep -aq '^ce-init: .*(firmware: BIOS)' || fail "ce-init did not see BIOS firmware"
smoke_serial | grep -aq '^SYSLINUX ' || fail "syslinux did not print its banner"
echo "ok: booted through SeaBIOS and syslinux"

smoke_hmp "drive_add 0 if=none,id=win,format=raw,file=$disk" | tee "$TMP/hmp.out"
smoke_hmp "device_add scsi-hd,drive=win,bus=scsi0.0,scsi-id=0,lun=3" | tee -a "$TMP/hmp.out"
grep -qi 'error\|could not' "$TMP/hmp.out" && fail "hot-plug failed: $(cat "$TMP/hmp.out")"
smoke_drive "$disk" lun:3
