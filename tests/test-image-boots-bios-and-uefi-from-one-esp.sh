#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The raw disk's layout: GPT with one EFI system partition named
# ce-appliance-esp (the name ce-init mounts to hide the boot disk), marked
# legacy-BIOS-bootable; syslinux's gptmbr.bin in the MBR; on the ESP one
# kernel and one initramfs, read by syslinux (BIOS) and by systemd-boot at
# the removable-media path \EFI\BOOT\BOOTX64.EFI (UEFI), both with a serial
# console.  Checked with sgdisk and mtools, not with our own code.
. tests/functions.sh
. tests/smoke-functions.sh
if [ "${CE_SKIP_QEMU:-0}" = 1 ]; then echo "CE_SKIP_QEMU=1: appliance image tests skipped"; exit 77; fi
smoke_requires
raw=$CE_IMAGE_DIR/ce-appliance.raw

sgdisk -v "$raw" | grep -q 'No problems found' || fail "GPT does not verify"
sgdisk -i 1 "$raw" > "$TMP/p1"
expect_grep "Partition GUID code: C12A7328-F81F-11D2-BA4B-00A0C93EC93B" "$TMP/p1" "partition 1 is an ESP"
expect_grep "Partition name: 'ce-appliance-esp'" "$TMP/p1" "ESP name"
expect_grep "Attribute flags: 0000000000000004" "$TMP/p1" "legacy BIOS bootable"
expect_eq "$(sgdisk -p "$raw" | grep -cE '^ +[0-9]+ ')" 1 "one partition"
cmp -n 440 "$raw" /usr/lib/SYSLINUX/gptmbr.bin || fail "MBR boot code is not gptmbr.bin"
expect_eq "$(od -An -tx1 -j 510 -N 2 "$raw" | tr -d ' ')" 55aa "MBR signature"
expect_eq "$(od -An -tx1 -j 450 -N 1 "$raw" | tr -d ' ')" ee "protective MBR entry"

start=$(sgdisk -i 1 "$raw" | sed -n 's/^First sector: \([0-9]*\).*/\1/p')
export MTOOLS_SKIP_CHECK=1
esp="$raw@@$((start * 512))"
minfo -i "$esp" :: | grep -q 'FAT32\|fat32\|sectors per fat' || fail "ESP is not FAT"
get() { mcopy -n -i "$esp" "::$1" "$TMP/$(basename "$1")" || fail "ESP lacks $1"; }
get /EFI/BOOT/BOOTX64.EFI
cmp -s "$TMP/BOOTX64.EFI" /usr/lib/systemd/boot/efi/systemd-bootx64.efi || fail "BOOTX64.EFI is not systemd-boot"
get /loader/loader.conf
get /loader/entries/ce.conf
get /syslinux/syslinux.cfg
get /syslinux/ldlinux.sys
get /syslinux/ldlinux.c32
get /boot/vmlinuz
get /boot/initrd.img
cmp -s "$TMP/vmlinuz" "$CE_IMAGE_DIR/kernel/bzImage" || fail "vmlinuz is not the built kernel"
cmp -s "$TMP/initrd.img" "$CE_IMAGE_DIR/initramfs.cpio.lz4" || fail "initrd.img is not the built initramfs"
expect_grep '^timeout 0' "$TMP/loader.conf" "systemd-boot boots at once"
expect_grep '^linux /boot/vmlinuz' "$TMP/ce.conf" "UEFI entry: the shared kernel"
expect_grep '^initrd /boot/initrd.img' "$TMP/ce.conf" "UEFI entry: the shared initramfs"
expect_grep 'console=ttyS0,115200' "$TMP/ce.conf" "UEFI serial console"
expect_grep 'LINUX /boot/vmlinuz' "$TMP/syslinux.cfg" "BIOS entry: the shared kernel"
expect_grep 'INITRD /boot/initrd.img' "$TMP/syslinux.cfg" "BIOS entry: the shared initramfs"
expect_grep 'console=ttyS0,115200' "$TMP/syslinux.cfg" "BIOS serial console"
expect_grep '^TIMEOUT 0' "$TMP/syslinux.cfg" "syslinux boots at once"
expect_eq "$(mdir -i "$esp" -/ -b :: | grep -ci 'vmlinuz')" 1 "exactly one kernel on the ESP"
file "$TMP/vmlinuz" | grep -q 'Linux kernel x86 boot executable' || fail "vmlinuz is not a bzImage"
grep -q '^CONFIG_KERNEL_LZ4=y' "$CE_IMAGE_DIR/kernel/config" || fail "kernel is not LZ4-compressed"
echo "ok: one ESP, one kernel, two loaders"
