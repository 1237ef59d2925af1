#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The appliance boots under OVMF through the removable-media path with a
# fresh variable store, a Windows disk attached as NVMe at boot is listed
# and worked on through cectl, and the VM powers itself off on
# `cectl complete`.  The disk is then checked with libguestfs and hivexget.
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
smoke_boot uefi -drive "file=$disk,if=none,id=win,format=raw" -device nvme,drive=win,serial=CEWIN0002
smoke_wait_ready
echo "boot to ready (UEFI): ${SMOKE_READY_SECONDS}s"
smoke_serial | grep -aq '^ce-init: .*(firmware: UEFI)' || fail "ce-init did not see UEFI firmware"
echo "ok: booted through UEFI"
# The running image says what it is: the digest its build recorded.
expect_status 200 GET /v1/info
expect_eq "$(jq -r .image.contentDigest "$TMP/body")" \
  "$(jq -r .contentDigest "$CE_IMAGE_DIR/provenance.json")" "/v1/info image digest = provenance.json"
expect_eq "$(jq -r .image.commit "$TMP/body")" "$(jq -r .commit "$CE_IMAGE_DIR/provenance.json")" \
  "/v1/info image commit = provenance.json"
smoke_drive "$disk" serial:CEWIN0002
