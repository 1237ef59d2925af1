#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# platform azure on a BIOS image whose \Boot\BCD is on the Windows volume
# (win2016-bios-onepart): the dry run plans exactly Microsoft's documented
# BCD settings (integrityservices, recoveryenabled, bootstatuspolicy, the
# serial console group on COM1 at 115200) with old and new values and the
# bcdedit command, and writes nothing (hash unchanged).  Applied, the store
# taken out of the image by ntfs-3g reads back through hivexregedit (not our
# code) exactly as planned, inspect and hivex agree element by element, no
# swap or journal name is left, and a re-run plans nothing.
. tests/functions.sh
. tests/fixtures/checks.sh
requires jq; requires hivexregedit; requires ntfscat; requires ntfsls; requires nbdkit; requires nbdcopy; requires perl
img=$(fixture_copy win2016-bios-onepart)
cp "$(fixture win2016-bios-onepart).facts.json" "$img.facts.json"
echo '{"type":"prepare","platform":"azure"}' >"$TMP/job.json"
before=$(sha256sum <"$img")
"$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --dry-run --json >"$TMP/plan.json" ||
  fail "dry run failed"
expect_eq "$(sha256sum <"$img")" "$before" "dry run: image unchanged"
L='{3f1c5e2a-7b9d-4e6f-8a1b-2c3d4e5f6a7b}' M='{9dea862c-5cdd-4e70-acc1-f32b344d4795}'
E='{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}'
expected=$(jq -cn --arg l "$L" --arg m "$M" --arg e "$E" '[
  [$m,"1500004b",null,"hex:0100000000000000"], [$l,"1500004b",null,"hex:0100000000000000"],
  [$l,"16000009","hex:01","hex:00"], [$l,"250000e0","hex:0000000000000000","hex:0100000000000000"],
  [$m,"26000020",null,"hex:01"], [$m,"25000004","hex:1e00000000000000","hex:0500000000000000"],
  [$m,"16000020",null,"hex:01"], [$l,"260000b0",null,"hex:01"],
  [$e,"15000022",null,"hex:0100000000000000"], [$e,"15000023",null,"hex:00c2010000000000"]]')
got=$(jq -c '[.changes[] | select(.step == "bcd") | (.key | capture("^Objects\\\\(?<g>[^\\\\]+)\\\\Elements\\\\(?<i>[0-9a-f]{8})$")) as $k
              | [$k.g, $k.i, .old, .new]]' "$TMP/plan.json")
[ "$got" = "$expected" ] || { jq '.changes[] | select(.step == "bcd")' "$TMP/plan.json"; fail "BCD changes differ: $got"; }
echo "ok: the plan holds exactly the 10 documented BCD settings"
expect_eq "$(jq -r '[.changes[] | select(.step == "bcd") | .hive + " " + .value] | unique | join(",")' "$TMP/plan.json")" \
  "BCD Element" "hive and value name"
expect_grep '^bcdedit /set {default} bootstatuspolicy IgnoreAllFailures .*azure-vhd-bcd' \
  <(jq -r '.changes[] | select(.step == "bcd") | .note' "$TMP/plan.json") "the note is the bcdedit command and its source"

"$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --json >"$TMP/result.json" || fail "prepare failed"
expect_eq "$(jq -r .status "$TMP/result.json")" complete "status"
part_extract "$img" 1 "$TMP/p1.img"
ntfs_get "$TMP/p1.img" /Boot/BCD "$TMP/BCD"
hivexregedit --export "$TMP/BCD" '\' | perl tests/bcd-export-elements.pl >"$TMP/oracle"
jq -r '.changes[] | select(.step == "bcd") | (.key | capture("^Objects\\\\(?<g>[^\\\\]+)\\\\Elements\\\\(?<i>[0-9a-f]{8})$")) as $k
       | "\($k.g) \($k.i) 3 \(.new | ltrimstr("hex:"))"' "$TMP/plan.json" | sort >"$TMP/want"
while read -r line; do
  grep -qxF "$line" "$TMP/oracle" || fail "hivexregedit does not read back: $line"
done <"$TMP/want"
echo "ok: hivexregedit reads every planned element back as planned"
expect_eq "$(ntfsls -p /Boot "$TMP/p1.img" | grep -vx "\\.*" | sort | paste -sd' ')" "BCD" "no swap name left in /Boot"
ntfsls -p /Windows/System32/config "$TMP/p1.img" | grep -q 'ce-journal\|ce-backup' &&
  fail "a journal or backup name is left in config"

"$CE_OFFLINE" inspect --json "$img" >"$TMP/doc.json" || fail "inspect after prepare"
jq -r '.windows[0].bcd.objects[] | (.id | ascii_downcase) as $g | .elements[] |
       [$g, .id, .format, (.value | tojson), (.hex // "")] | join("\t")' "$TMP/doc.json" >"$TMP/ours"
perl tests/bcd-compare.pl "$TMP/oracle" "$TMP/ours" || fail "inspect and hivexregedit disagree after the write"
expect_eq "$(jq -r '.windows[0].bcd.default | [.bootstatuspolicy, .recoveryenabled, .ems, .integrityservices, .emsSettings.emsport, .emsSettings.emsbaudrate] | map(tostring) | join(" ")' "$TMP/doc.json")" \
  "IgnoreAllFailures false true Enable 1 115200" "inspect shows the new settings"

"$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --json >"$TMP/again.json" || fail "re-run failed"
expect_eq "$(jq '[.changes[] | select(.step == "bcd")] | length' "$TMP/again.json")" 0 "BCD changes on re-run"
expect_eq "$(jq -r '.steps[] | select(.step == "bcd") | .status' "$TMP/again.json")" nothing-to-do "bcd step on re-run"
