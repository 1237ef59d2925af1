#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The job field serialConsole overrides the platform's serial console
# default in the BCD (dry runs on win2016-bios-onepart, whose store is on
# the Windows volume): azure + false plans EMS off and none of the serial
# group; aws plans nothing by default and, with true, COM1 at 115200 and
# a 15 s boot menu (AWS's SAC page); gcp plans COM2 (Google's import
# script); no platform + true plans the generic COM1 group.  A wrong type
# is refused (exit 2).
. tests/functions.sh
requires jq
img=$(fixture win2016-bios-onepart)
plan() {
  echo "$1" >"$TMP/job.json"
  "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --dry-run --json >"$TMP/plan.json" ||
    fail "dry run of $1 failed"
  jq -r '[.changes[] | select(.step == "bcd") | .note | split(" (")[0]] | join("; ")' "$TMP/plan.json"
}
got=$(plan '{"type":"prepare","platform":"azure","serialConsole":false}')
expect_grep 'bcdedit /set {default} bootstatuspolicy IgnoreAllFailures' <(echo "$got") "azure off: platform settings kept"
expect_grep 'bcdedit /set {default} ems no; bcdedit /set {bootmgr} bootems no' <(echo "$got") "azure off: EMS off"
[[ $got == *emsport* || $got == *displaybootmenu* ]] && fail "azure off: serial group planned: $got"
echo "ok: azure with serialConsole false"

expect_eq "$(plan '{"type":"prepare","platform":"aws","missingDrivers":"warn"}')" "" "aws: no BCD change by default"
expect_eq "$(jq -r '.steps[] | select(.step == "bcd") | .status' "$TMP/plan.json")" nothing-to-do "aws: step"
expect_eq "$(plan '{"type":"prepare","platform":"aws","missingDrivers":"warn","serialConsole":true}')" \
  "bcdedit /set {bootmgr} displaybootmenu yes; bcdedit /set {bootmgr} timeout 15; bcdedit /set {bootmgr} bootems yes; bcdedit /set {default} ems yes; bcdedit /set {emssettings} emsport 1; bcdedit /set {emssettings} emsbaudrate 115200" \
  "aws + serialConsole: the SAC settings"
expect_eq "$(plan '{"type":"prepare","platform":"gcp","missingDrivers":"warn"}')" \
  "bcdedit /set {default} bootstatuspolicy IgnoreAllFailures; bcdedit /set {bootmgr} bootems yes; bcdedit /set {default} ems yes; bcdedit /set {emssettings} emsport 2; bcdedit /set {emssettings} emsbaudrate 115200" \
  "gcp: COM2 and ignore failures"
expect_eq "$(plan '{"type":"prepare","serialConsole":true}')" \
  "bcdedit /set {bootmgr} bootems yes; bcdedit /set {default} ems yes; bcdedit /set {emssettings} emsport 1; bcdedit /set {emssettings} emsbaudrate 115200" \
  "no platform + serialConsole: COM1"
echo '{"type":"prepare","serialConsole":"yes"}' >"$TMP/bad.json"
expect_exit 2 "$CE_OFFLINE" prepare "$img" --job "$TMP/bad.json" --dry-run
expect_grep 'serialConsole' "$TMP/err" "the error names the field"

# A serial kernel debugger on the loader: the plan says it competes with
# EMS for the port (the store edited with hivexregedit, put back with ntfscp).
requires ntfscp; requires hivexregedit; requires ntfscat
. tests/fixtures/checks.sh
img=$(fixture_copy win2016-bios-onepart)
cp "$(fixture win2016-bios-onepart).facts.json" "$img.facts.json"
part_extract "$img" 1 "$TMP/p1.img"
ntfs_get "$TMP/p1.img" /Boot/BCD "$TMP/BCD"
cat >"$TMP/dbg.reg" <<'REG'
Windows Registry Editor Version 5.00

[\Objects\{3f1c5e2a-7b9d-4e6f-8a1b-2c3d4e5f6a7b}\Elements\260000a0]
"Element"=hex(3):01

[\Objects\{4636856e-540f-4170-a130-a84776f4c654}\Elements\15000011]
"Element"=hex(3):00,00,00,00,00,00,00,00

[\Objects\{4636856e-540f-4170-a130-a84776f4c654}\Elements\15000013]
"Element"=hex(3):01,00,00,00,00,00,00,00
REG
hivexregedit --merge "$TMP/BCD" "$TMP/dbg.reg" || fail "hivexregedit merge"
ntfscp -f "$TMP/p1.img" "$TMP/BCD" /Boot/BCD >/dev/null 2>&1 || fail "ntfscp"
dd if="$TMP/p1.img" of="$img" bs=1M seek=1 conv=notrunc,sparse status=none
echo '{"type":"prepare","platform":"azure"}' >"$TMP/job.json"
"$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --dry-run --json >"$TMP/plan.json" || fail "dry run"
expect_eq "$(jq -r '.windows // empty | .partition' "$TMP/plan.json")" 1 "the edited image still prepares"
expect_grep 'kernel debugging on \(debugtype Serial, debugport 1\)' <(jq -r '.notes[]' "$TMP/plan.json") \
  "a serial debugger is pointed out"
