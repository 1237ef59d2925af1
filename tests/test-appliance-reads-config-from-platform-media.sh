#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# With no configuration on fw_cfg, the appliance finds its boot config on the
# platform's medium, as on the real clouds: ce-init mounts the medium
# read-only where ce-agent's reader looks, and the agent accepts only the
# token that was on it.
#   Nutanix: SMBIOS vendor Nutanix, an ISO9660 config drive labelled config-2
#            with openstack/latest/user_data (base64 of the config), as a
#            SATA CD on q35's AHCI
#   Azure:   SMBIOS vendor Microsoft + Azure's chassis asset tag, a UDF DVD
#            holding ovf-env.xml whose CustomData is the config, as an IDE
#            CD on the i440fx machine (as Azure Gen1 attaches it)
. tests/functions.sh
. tests/agent-functions.sh
. tests/smoke-functions.sh
smoke_requires
requires genisoimage

AZURE_ASSET_TAG=7783-7084-3265-9085-8269-3286-77
export SMOKE_NO_FWCFG=1

# boot_with_medium NAME ISO QEMU-ARGS...: boot, check the token works, complete.
boot_with_medium() {
  local name=$1 iso=$2 mount_point=$3 where=$4; shift 4
  smoke_boot bios -drive "file=$iso,if=ide,index=2,media=cdrom,readonly=on" "$@"
  smoke_wait_ready
  echo "$name: boot to ready ${SMOKE_READY_SECONDS}s"
  smoke_serial | grep -a "^ce-init: .* media: " || true
  smoke_serial | grep -aq "^ce-init: \[ *[0-9.]*\] media: /dev/sr0 (.*) mounted read-only on $mount_point\$" \
    || fail "$name: ce-init did not mount the medium on $mount_point"
  smoke_serial | grep -a '"event":"config.loaded"' | grep -q "$where" \
    || fail "$name: the agent did not take its config from $where"
  expect_status 200 GET /v1/info
  local code
  code=$(curl -sk -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer not-the-token' \
    "$AGENT_URL/v1/info")
  [ "$code" = 401 ] || fail "$name: a wrong token got HTTP $code, expected 401"
  echo "ok: $name: a wrong token is refused (401)"
  acurl -X POST -H 'Content-Type: application/json' -d '{}' "$AGENT_URL/v1/complete" >/dev/null \
    || fail "$name: POST /v1/complete failed"
  smoke_wait_poweroff 120
  echo "ok: $name: powered off after complete"
}

write_config
config_b64=$(base64 -w0 "$AGENT_CONFIG")

# Nutanix / OpenStack config drive.
mkdir -p "$TMP/cfg2/openstack/latest"
echo '{"uuid": "ce-smoke"}' > "$TMP/cfg2/openstack/latest/meta_data.json"
printf '%s\n' "$config_b64" > "$TMP/cfg2/openstack/latest/user_data"
genisoimage -quiet -V config-2 -J -r -o "$TMP/config-2.iso" "$TMP/cfg2" || fail "genisoimage (config-2)"
SMOKE_MACHINE=q35 boot_with_medium nutanix "$TMP/config-2.iso" /run/ce/config-2 "config-2 drive user_data" \
  -smbios type=1,manufacturer=Nutanix,product=AHV

# Azure provisioning medium: the recorded ovf-env.xml with our config as CustomData.
mkdir -p "$TMP/azure"
sed "s|<ns1:CustomData>[^<]*</ns1:CustomData>|<ns1:CustomData>$config_b64</ns1:CustomData>|" \
  tests/data/platform/azure-ovf-env.xml > "$TMP/azure/ovf-env.xml"
grep -q "$config_b64" "$TMP/azure/ovf-env.xml" || fail "CustomData not replaced"
genisoimage -quiet -udf -V rd_rdfe_stable -o "$TMP/azure.iso" "$TMP/azure" || fail "genisoimage (UDF)"
SMOKE_MACHINE=pc boot_with_medium azure "$TMP/azure.iso" /run/ce/media "Azure ovf-env.xml CustomData" \
  -smbios "type=1,manufacturer=Microsoft Corporation,product=Virtual Machine" \
  -smbios "type=3,manufacturer=Microsoft Corporation,asset=$AZURE_ASSET_TAG"
echo "PASS"
