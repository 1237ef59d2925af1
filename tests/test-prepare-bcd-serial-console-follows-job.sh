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

expect_eq "$(plan '{"type":"prepare","platform":"aws"}')" "" "aws: no BCD change by default"
expect_eq "$(jq -r '.steps[] | select(.step == "bcd") | .status' "$TMP/plan.json")" nothing-to-do "aws: step"
expect_eq "$(plan '{"type":"prepare","platform":"aws","serialConsole":true}')" \
  "bcdedit /set {bootmgr} displaybootmenu yes; bcdedit /set {bootmgr} timeout 15; bcdedit /set {bootmgr} bootems yes; bcdedit /set {default} ems yes; bcdedit /set {emssettings} emsport 1; bcdedit /set {emssettings} emsbaudrate 115200" \
  "aws + serialConsole: the SAC settings"
expect_eq "$(plan '{"type":"prepare","platform":"gcp"}')" \
  "bcdedit /set {default} bootstatuspolicy IgnoreAllFailures; bcdedit /set {bootmgr} bootems yes; bcdedit /set {default} ems yes; bcdedit /set {emssettings} emsport 2; bcdedit /set {emssettings} emsbaudrate 115200" \
  "gcp: COM2 and ignore failures"
expect_eq "$(plan '{"type":"prepare","serialConsole":true}')" \
  "bcdedit /set {bootmgr} bootems yes; bcdedit /set {default} ems yes; bcdedit /set {emssettings} emsport 1; bcdedit /set {emssettings} emsbaudrate 115200" \
  "no platform + serialConsole: COM1"
echo '{"type":"prepare","serialConsole":"yes"}' >"$TMP/bad.json"
expect_exit 2 "$CE_OFFLINE" prepare "$img" --job "$TMP/bad.json" --dry-run
expect_grep 'serialConsole' "$TMP/err" "the error names the field"
