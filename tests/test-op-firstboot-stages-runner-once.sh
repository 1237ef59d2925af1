#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The first-boot runner on the Windows volume of win2022-bios-vda: with one
# command queued (as the PVS step would), the plan writes the runner, its step list,
# scripts.ini (UTF-16LE with BOM, MS-GPSCR) and gpt.ini.  Written into the
# volume (test writer through libntfs-3g) and read back with ntfscat (not
# our code), the files hold exactly that; planning again changes nothing;
# an empty queue plans nothing, even with a runner staged; an existing
# local GPO (ANSI scripts.ini with one entry, gpt.ini with another
# extension) is merged, not replaced; new steps reset the retry counter.
. tests/functions.sh
requires ntfscat
requires jq
requires iconv
H=$FIXTOOLS/op-harness
[ -x "$H" ] || fail "$H missing (make test-progs)"

img=$(fixture win2022-bios-vda)
start=$(jq '.layout.partitions[] | select(.role == "windows") | .start' "$img.facts.json")
size=$(jq '.layout.partitions[] | select(.role == "windows") | .size' "$img.facts.json")
dd if="$img" of="$TMP/vol0.img" bs=1M skip=$((start / 1048576)) count=$((size / 1048576)) \
  conv=sparse status=none
cp --sparse=always "$TMP/vol0.img" "$TMP/vol.img"

echo '{"type":"prepare"}' >"$TMP/job.json"
Q1='pvs:"%ProgramData%\CE-Appliance\installers\PVS_Device_x64.exe" /s'
Q2='pvs:"%ProgramData%\CE-Appliance\installers\PVS_Device_x64.exe" /s /v"/qn"'
plan() {  # VOLUME [options] -> stdout
  local vol=$1; shift
  "$H" plan --volume --ops firstboot "$@" "$vol" "$TMP/job.json"
}
# The test writer replaces a file by reopening its inode, which libntfs-3g
# (2022.10) then never frees: a leak of the library, in test tooling only,
# suppressed for `put` alone.
echo 'leak:libntfs-3g.so' >"$TMP/lsan.supp"
put() { LSAN_OPTIONS=suppressions=$TMP/lsan.supp "$H" put --protected "$@"; }
apply() {  # VOLUME DUMPDIR: write every planned file into the volume
  local f
  (cd "$2" && find . -type f | sed 's|^\./||') | while read -r f; do
    put "$1" "$f" "$2/$f" || fail "put $f"
  done
}

plan "$TMP/vol.img" --queue "$Q1" --dump-files "$TMP/d1" >"$TMP/p1.json"
GP=Windows/System32/GroupPolicy
FB=ProgramData/CE-Appliance/firstboot
expect_eq "$(jq -c '[.changes[] | [.step, .kind, .path]]' "$TMP/p1.json")" \
  "$(jq -cn --arg gp $GP --arg fb $FB '[
     ["firstboot","file-create",($fb+"/runner.ps1")],
     ["firstboot","file-create",($fb+"/steps.json")],
     ["firstboot","file-create",($gp+"/Machine/Scripts/scripts.ini")],
     ["firstboot","file-create",($gp+"/gpt.ini")]]')" "first run: files planned"
jq -e '[.changes[] | select(.step == "firstboot") | .note | test("protected")] | all' "$TMP/p1.json" \
  >/dev/null || fail "a firstboot change lacks the protection note"
echo "ok: every runner file is marked protected"
expect_eq "$(jq -r '.steps[0].status' "$TMP/p1.json")" planned "first run: firstboot step"

apply "$TMP/vol.img" "$TMP/d1"
CMD='C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe'
PAR='-NoProfile -NonInteractive -ExecutionPolicy Bypass -File "C:\ProgramData\CE-Appliance\firstboot\runner.ps1"'
ntfscat "$TMP/vol.img" $GP/Machine/Scripts/scripts.ini >"$TMP/scripts.ini"
expect_eq "$(head -c 2 "$TMP/scripts.ini" | od -An -tx1 | tr -d ' ')" fffe "scripts.ini starts with the UTF-16LE BOM"
expect_eq "$(tail -c +3 "$TMP/scripts.ini" | iconv -f UTF-16LE -t UTF-8 | tr -d '\r')" \
  "$(printf '[Startup]\n0CmdLine=%s\n0Parameters=%s' "$CMD" "$PAR")" "scripts.ini content (ntfscat)"
expect_eq "$(ntfscat "$TMP/vol.img" $GP/gpt.ini | tr -d '\r')" \
  "$(printf '[General]\ngPCFunctionalityVersion=2\ngPCMachineExtensionNames=[{42B5FAAE-6536-11D2-AE5A-0000F87571E3}{40B6664F-4972-11D1-A7CA-0000F87571E3}]\nVersion=1')" \
  "gpt.ini content (ntfscat)"
ntfscat "$TMP/vol.img" $FB/runner.ps1 | cmp - offline-win/data/firstboot-runner.ps1 \
  || fail "runner.ps1 differs from offline-win/data/firstboot-runner.ps1"
echo "ok: runner.ps1 is the reviewed script"
ntfscat "$TMP/vol.img" $FB/steps.json >"$TMP/steps.json"
expect_eq "$(jq -c '[.maxAttempts, (.steps | length), .steps[0].step, .restore.gptIniExisted, .restore.scriptsIniExisted]' "$TMP/steps.json")" \
  '[3,1,"pvs",false,false]' "steps.json: attempts cap, one step, restore facts"
expect_eq "$(jq -r '.steps[0].command' "$TMP/steps.json")" "${Q1#pvs:}" "steps.json: the queued command"

plan "$TMP/vol.img" --queue "$Q1" >"$TMP/p2.json"
expect_eq "$(jq '.changes | length' "$TMP/p2.json")" 0 "second run: changes"
expect_eq "$(jq -r '.steps[0].status' "$TMP/p2.json")" nothing-to-do "second run: firstboot step"

plan "$TMP/vol.img" >"$TMP/p3.json"
expect_eq "$(jq -c '[(.changes | length), (.steps | length)]' "$TMP/p3.json")" '[0,0]' \
  "empty queue with a staged runner: no changes, no steps"
plan "$TMP/vol0.img" >"$TMP/p3.json"
expect_eq "$(jq '.changes | length' "$TMP/p3.json")" 0 "empty queue on a clean image: no changes"

# New steps on a runner that already failed a boot: its counters go.
printf '1\r\n' >"$TMP/attempts"
put "$TMP/vol.img" $FB/attempts "$TMP/attempts"
put "$TMP/vol.img" $FB/done-1 "$TMP/attempts"
plan "$TMP/vol.img" --queue "$Q2" >"$TMP/p4.json"
expect_eq "$(jq -c '[.changes[] | select(.step == "firstboot") | [.kind, .path]] | sort' "$TMP/p4.json")" \
  "$(jq -cn --arg fb $FB '[["file-delete",($fb+"/attempts")],["file-delete",($fb+"/done-1")],["file-replace",($fb+"/steps.json")]]')" \
  "new steps: counters deleted, steps.json replaced, GPO files untouched"

# An existing local GPO is merged.
cp --sparse=always "$TMP/vol0.img" "$TMP/vol2.img"
printf '[General]\r\ngPCFunctionalityVersion=2\r\ngPCMachineExtensionNames=[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{D02B1F72-3407-48AE-BA88-E8213C6761F1}]\r\nVersion=65538\r\n' \
  >"$TMP/gpt.ini"
printf '[Startup]\r\n0CmdLine=C:\\Scripts\\mine.cmd\r\n0Parameters=\r\n' >"$TMP/scripts-ansi.ini"
put "$TMP/vol2.img" $GP/gpt.ini "$TMP/gpt.ini"
put "$TMP/vol2.img" $GP/Machine/Scripts/scripts.ini "$TMP/scripts-ansi.ini"
plan "$TMP/vol2.img" --queue "$Q1" --dump-files "$TMP/d2" >"$TMP/p5.json"
expect_eq "$(jq -c '[.changes[] | select(.path | test("GroupPolicy")) | .kind]' "$TMP/p5.json")" \
  '["file-replace","file-replace"]' "existing GPO: both files replaced (merged)"
expect_eq "$(tr -d '\r' <"$TMP/d2/$GP/Machine/Scripts/scripts.ini")" \
  "$(printf '[Startup]\n0CmdLine=C:\\Scripts\\mine.cmd\n0Parameters=\n1CmdLine=%s\n1Parameters=%s' "$CMD" "$PAR")" \
  "existing ANSI scripts.ini: entry 0 kept, ours at 1, still ANSI"
expect_eq "$(tr -d '\r' <"$TMP/d2/$GP/gpt.ini")" \
  "$(printf '[General]\ngPCFunctionalityVersion=2\ngPCMachineExtensionNames=[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{D02B1F72-3407-48AE-BA88-E8213C6761F1}][{42B5FAAE-6536-11D2-AE5A-0000F87571E3}{40B6664F-4972-11D1-A7CA-0000F87571E3}]\nVersion=65539')" \
  "existing gpt.ini: extension added in order, computer version bumped, user version kept"
expect_eq "$(jq -c '.restore' "$TMP/d2/$FB/steps.json")" \
  '{"gptIniExisted":true,"machineExtensionNames":"[{35378EAC-683F-11D2-A89A-00C04FBBCFA2}{D02B1F72-3407-48AE-BA88-E8213C6761F1}]","scriptsIniExisted":true}' \
  "steps.json remembers the GPO as it was"
apply "$TMP/vol2.img" "$TMP/d2"
plan "$TMP/vol2.img" --queue "$Q1" >"$TMP/p6.json"
expect_eq "$(jq '.changes | length' "$TMP/p6.json")" 0 "merged GPO: second run changes"

# A domain controller ignores local Group Policy: the step fails, nothing
# is planned.
requires hivexregedit
"$H" plan --volume --ops firstboot --dump-hive SYSTEM="$TMP/SYSTEM" "$TMP/vol0.img" "$TMP/job.json" >/dev/null
printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\ProductOptions]\n"ProductType"="LanmanNT"\n' \
  >"$TMP/dc.reg"
hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SYSTEM' "$TMP/SYSTEM" "$TMP/dc.reg"
plan "$TMP/vol0.img" --queue "$Q1" --hive SYSTEM="$TMP/SYSTEM" >"$TMP/dc.json"
expect_eq "$(jq -r '[.steps[0].status, (.changes | length)] | join(" ")' "$TMP/dc.json")" "failed 0" \
  "domain controller: step fails, no changes"
expect_grep 'domain controller' <(jq -r '.steps[0].message' "$TMP/dc.json") "domain controller: message"
