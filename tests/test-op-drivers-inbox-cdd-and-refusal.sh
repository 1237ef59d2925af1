#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The drivers operation where the image has no DriverDatabase (Windows 7 /
# Server 2008 R2, by virt-v2v's test: op-harness gives no version facts,
# and the fixture's SYSTEM hive is given with its DriverDatabase key
# deleted):
#  - a boot-critical choice is bound through CriticalDeviceDatabase
#    entries (Service, ClassGUID) for every hardware ID, pnputil takes its
#    pre-Windows-10 form, and the driver steps run before a command another
#    operation queued earlier;
#  - an in-box driver the platform needs, found from the image itself
#    (Windows\INF\stornvme.inf, or a DriverStore folder stornvme.inf_*),
#    is only made to start at boot: Start 0, its StartOverride value
#    removed, its IDs bound in the CriticalDeviceDatabase (only without a
#    DriverDatabase: from Windows 8 on, the store's own entries bind it),
#    and the platform's Parameters (Azure NVMe:
#    IoTimeoutValue 240) set;
#  - a boot-storage need met by nothing fails the step, naming what to
#    supply (not a need for a target variant only: noted); a real job is then refused before writing (exit 2, disk hash
#    unchanged), unless "missingDrivers": "warn".
# Changes are applied with hivexregedit --merge and read back with
# hivexget (not our code).
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
. tests/drivers-functions.sh
requires jq
requires hivexregedit
requires hivexget
H=$FIXTOOLS/op-harness
DP=$FIXTOOLS/drv-prepare
[ -x "$H" ] && [ -x "$DP" ] || fail "op-harness / drv-prepare missing (make test-progs)"

img=$(fixture win2022-bios-vda)
start=$(jq '.layout.partitions[] | select(.role == "windows") | .start' "$img.facts.json")
size=$(jq '.layout.partitions[] | select(.role == "windows") | .size' "$img.facts.json")
dd if="$img" of="$TMP/vol0.img" bs=1M skip=$((start / 1048576)) count=$((size / 1048576)) \
  conv=sparse status=none
echo '{"type":"prepare"}' >"$TMP/job.json"
drv_package "$TMP/pkg"
echo 'leak:libntfs-3g.so' >"$TMP/lsan.supp"
put() { LSAN_OPTIONS=suppressions=$TMP/lsan.supp "$H" put --protected "$@"; }
# apply_reg PLAN.reg HIVE: the plan's registry changes merged by hivex.
apply_reg() { hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$2" "$1" || fail "merge $1"; }

# SYSTEM as in the fixture (S0, with DriverDatabase) and without it (S7).
"$H" plan --volume --ops drivers --dump-hive SYSTEM="$TMP/S0" "$TMP/vol0.img" "$TMP/job.json" >/dev/null
cp "$TMP/S0" "$TMP/S7"
printf 'Windows Registry Editor Version 5.00\n\n[-HKEY_LOCAL_MACHINE\\SYSTEM\\DriverDatabase]\n' >"$TMP/noddb.reg"
apply_reg "$TMP/noddb.reg" "$TMP/S7"

# -- a boot-critical choice, CriticalDeviceDatabase binding -------------
drv_choices "$TMP/c1.json" "$TMP/pkg" '.choices |= [.[0]]'
cp "$TMP/S7" "$TMP/SYSTEM"
"$H" plan --volume --ops drivers,firstboot --choices "$TMP/c1.json" --queue 'pvs:setup.exe /s' \
  --hive SYSTEM="$TMP/S7" --reg-out SYSTEM="$TMP/c1.reg" \
  "$TMP/vol0.img" "$TMP/job.json" >"$TMP/p1.json" || fail "plan"
expect_eq "$(jq '[.changes[] | select(.key // "" | test("^DriverDatabase"))] | length' "$TMP/p1.json")" 0 \
  "no DriverDatabase entries without a DriverDatabase"
apply_reg "$TMP/c1.reg" "$TMP/SYSTEM"
CDD='ControlSet001\Control\CriticalDeviceDatabase'
for id in 'PCI#VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00' 'PCI#VEN_1AF4&DEV_1004' \
          'PCI#VEN_1AF4&DEV_1048&SUBSYS_11001AF4&REV_01' 'PCI#VEN_1AF4&DEV_1048'; do
  expect_eq "$(hivexget "$TMP/SYSTEM" "$CDD\\$id" Service)" vioscsi "CDD $id: Service"
  expect_eq "$(hivexget "$TMP/SYSTEM" "$CDD\\$id" ClassGUID)" '{4D36E97B-E325-11CE-BFC1-08002BE10318}' \
    "CDD $id: ClassGUID"
done
expect_eq "$(hivexget "$TMP/SYSTEM" 'ControlSet001\Services\vioscsi' Start)" 0 "vioscsi Start"
expect_eq "$(jq -r '[.firstboot[] | .step] | join(",")' "$TMP/p1.json")" "drivers,pvs" \
  "the driver install runs before the command queued earlier by another operation"
expect_eq "$(jq -r '.firstboot[0].command' "$TMP/p1.json")" \
  '"%SystemRoot%\System32\pnputil.exe" -i -a "%ProgramData%\CE-Appliance\drivers\virtio-win\vioscsi\2k22\amd64\vioscsi.inf" >>"%ProgramData%\CE-Appliance\firstboot.log" 2>&1' \
  "pnputil before Windows 10: -i -a"
expect_eq "$(jq '[.firstboot[] | select(.command | test("DriverDatabase"))] | length' "$TMP/p1.json")" 0 \
  "no bootstrap removal step without a bootstrap package"

# -- in-box stornvme ----------------------------------------------------
printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\stornvme]\n"Type"=dword:00000001\n"Start"=dword:00000003\n"ErrorControl"=dword:00000001\n"Group"="SCSI miniport"\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\stornvme\\StartOverride]\n"0"=dword:00000003\n' \
  >"$TMP/stornvme.reg"
apply_reg "$TMP/stornvme.reg" "$TMP/S0"
apply_reg "$TMP/stornvme.reg" "$TMP/S7"
jq -n '{packages: {}, choices: [], needs: [{service: "stornvme", what: "NVMe (Azure NVMe VM sizes)",
  role: "bootStorage", hardwareIds: ["PCI\\CC_010802"], inbox: "stornvme",
  registry: [{key: "Parameters", value: "IoTimeoutValue", type: "REG_DWORD", data: 240}],
  source: "az-nvme"}]}' >"$TMP/nvme.json"
cp --sparse=always "$TMP/vol0.img" "$TMP/vol-inf.img"
printf '; stand-in\r\n' >"$TMP/stornvme.inf"
put "$TMP/vol-inf.img" Windows/INF/stornvme.inf "$TMP/stornvme.inf" || fail put
cp --sparse=always "$TMP/vol0.img" "$TMP/vol-store.img"
put "$TMP/vol-store.img" Windows/System32/DriverStore/FileRepository/stornvme.inf_amd64_8a3c6ee4d4bdb2b8/stornvme.inf \
  "$TMP/stornvme.inf" || fail put
# Windows\INF with a DriverDatabase (S0); the driver store without (S7).
declare -A hive=([inf]=S0 [store]=S7)
for v in inf store; do
  cp "$TMP/${hive[$v]}" "$TMP/S-$v"
  "$H" plan --volume --ops drivers --choices "$TMP/nvme.json" --hive SYSTEM="$TMP/${hive[$v]}" \
    --reg-out SYSTEM="$TMP/nvme-$v.reg" "$TMP/vol-$v.img" "$TMP/job.json" >"$TMP/p-$v.json" || fail plan
  expect_eq "$(jq -r '.steps[0].status' "$TMP/p-$v.json")" planned "in-box ($v): drivers step"
  want='[["registry-delete","ControlSet001\\Services\\stornvme\\StartOverride","0"],
         ["registry-set","ControlSet001\\Services\\stornvme","Start"],
         ["registry-set","ControlSet001\\Services\\stornvme\\Parameters","IoTimeoutValue"]]'
  [ $v = store ] && want="$want"' + [["registry-set","ControlSet001\\Control\\CriticalDeviceDatabase\\PCI#CC_010802","ClassGUID"],
         ["registry-set","ControlSet001\\Control\\CriticalDeviceDatabase\\PCI#CC_010802","Service"]]'
  expect_eq "$(jq -c '[.changes[] | [.kind, .key, .value]] | sort' "$TMP/p-$v.json")" \
    "$(jq -cn "$want | sort")" "in-box ($v): exactly Start, StartOverride, IoTimeoutValue (+ CDD without DriverDatabase)"
  apply_reg "$TMP/nvme-$v.reg" "$TMP/S-$v"
  expect_eq "$(hivexget "$TMP/S-$v" 'ControlSet001\Services\stornvme' Start)" 0 "in-box ($v): Start"
  expect_eq "$(hivexget "$TMP/S-$v" 'ControlSet001\Services\stornvme\Parameters' IoTimeoutValue)" 240 \
    "in-box ($v): IoTimeoutValue"
  expect_eq "$(hivexget "$TMP/S-$v" 'ControlSet001\Services\stornvme\StartOverride' 0)" "" \
    "in-box ($v): StartOverride value gone"
  [ $v = inf ] || expect_eq "$(hivexget "$TMP/S-$v" 'ControlSet001\Control\CriticalDeviceDatabase\PCI#CC_010802' Service)" \
    stornvme "in-box ($v): CDD"
  "$H" plan --volume --ops drivers --choices "$TMP/nvme.json" --hive SYSTEM="$TMP/S-$v" \
    "$TMP/vol-$v.img" "$TMP/job.json" >"$TMP/p2-$v.json" || fail plan
  expect_eq "$(jq -c '[(.changes | length), .steps[0].status]' "$TMP/p2-$v.json")" '[0,"nothing-to-do"]' \
    "in-box ($v): second run plans nothing"
done
# The INF alone, without its service in the image, does not count.
"$H" plan --volume --ops drivers --choices "$TMP/nvme.json" "$TMP/vol-inf.img" "$TMP/job.json" \
  >"$TMP/p3.json" || fail plan
expect_eq "$(jq -r '.steps[0].status' "$TMP/p3.json")" failed "in-box INF without its service: refused"
# The same need for a target variant only (platforms.json "variant": NVMe
# VM sizes): prepared when it can be, never a refusal (docs/drivers.md,
# "Variants").
jq '.needs[0].variant = "nvme"' "$TMP/nvme.json" >"$TMP/nvme-variant.json"
"$H" plan --volume --ops drivers --choices "$TMP/nvme-variant.json" "$TMP/vol-inf.img" "$TMP/job.json" \
  >"$TMP/p4.json" || fail plan
expect_eq "$(jq -r '.steps[0].status' "$TMP/p4.json")" nothing-to-do "a missing variant need: not refused"
expect_grep 'stornvme .*only for the target variant nvme' <(jq -r '.notes[]' "$TMP/p4.json") \
  "a missing variant need: noted"

# -- refusal on a real job ----------------------------------------------
jq -n '{packages: {}, choices: [], needs: [{service: "awsnvme", what: "AWS NVMe",
  role: "bootStorage", hardwareIds: ["PCI\\VEN_1D0F&DEV_8061"], source: "aws-nvme"},
  {service: "ena", what: "AWS ENA", role: "network", hardwareIds: ["PCI\\VEN_1D0F&DEV_EC20"],
   source: "aws-ena"}]}' >"$TMP/aws.json"
disk=$(fixture_copy win2022-bios-vda)
before=$(sha256sum <"$disk")
echo '{"type":"prepare","enableRdp":true}' >"$TMP/job2.json"
expect_exit 2 "$DP" "$TMP/aws.json" "$disk" "$TMP/job2.json"
expect_grep "drivers: the target's boot storage driver is neither in the image nor in \"drivers\": awsnvme \\(AWS NVMe, PCI.VEN_1D0F&DEV_8061\\)\\. Supply a driver package" \
  "$TMP/err" "the refusal names what to supply"
expect_eq "$(sha256sum <"$disk")" "$before" "refused job: disk hash unchanged"
echo '{"type":"prepare","enableRdp":true,"missingDrivers":"warn"}' >"$TMP/job3.json"
expect_exit 0 "$DP" --dry-run "$TMP/aws.json" "$disk" "$TMP/job3.json"
expect_grep '"missingDrivers": "warn": the image may not boot on the target without its boot storage driver: awsnvme' \
  <(jq -r '.notes[]' "$TMP/out") "missingDrivers warn: a note instead of a refusal"
expect_grep 'the platform needs ena \(AWS ENA, hardware ID PCI.VEN_1D0F&DEV_EC20\)' \
  <(jq -r '.notes[]' "$TMP/out") "a missing network driver is noted"
