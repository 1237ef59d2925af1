#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The seed's rule: an unsupported VDA version makes the VDA step fail with
# a logged reason while the job still completes.  A job that only asks for
# xdReconfigure then changes nothing (disk hash unchanged); with other work
# in it, that work is done.  And an image without a VDA: a clear error for
# the step.
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
requires ntfscp
requires hivexregedit
img=$(fixture_copy win2022-bios-vda)
n=2
extract "$img" $n Windows/System32/config/SOFTWARE "$TMP/SOFTWARE"
u='Microsoft\Windows\CurrentVersion\Uninstall'
key=
for sub in $(printf 'cd %s\nls\n' "$u" | hivexsh "$TMP/SOFTWARE"); do
  case $(hivexget "$TMP/SOFTWARE" "$u\\$sub" DisplayName 2>/dev/null) in
    *"Virtual Delivery Agent"*) key="$u\\$sub" ;;
  esac
done
[ -n "$key" ] || fail "no VDA uninstall entry in the fixture"
job "$TMP/job.json" '{"type":"prepare","xdReconfigure":[{"ParameterName":"controllers","ParameterValue":"ddc9.corp.example.com"}]}'
# 7.15 LTSR (the 7.x scheme) and 2402 (a release after the supported ones,
# in the YYMM.0.x.build scheme real VDAs report: docs/vda.md).
for v in 2402.0.100.629 7.15.9000.7; do
  printf 'Windows Registry Editor Version 5.00\n\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\%s]\n"DisplayVersion"="%s"\n' \
         "$key" "$v" > "$TMP/old-vda.reg"
  hivexregedit --merge --prefix 'HKEY_LOCAL_MACHINE\SOFTWARE' "$TMP/SOFTWARE" "$TMP/old-vda.reg"
  put "$img" $n Windows/System32/config/SOFTWARE "$TMP/SOFTWARE"
  expect_eq "$("$CE_OFFLINE" inspect --json "$img" | jq -r '.windows[0].vda.version')" "$v" \
            "set-up: VDA $v in the image"
  before=$(sha256sum < "$img")
  expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --json
  expect_eq "$(jq -r '.status' "$TMP/out")" complete "$v: job status"
  expect_eq "$(jq -r '.steps[] | select(.step == "vda") | .status' "$TMP/out")" failed "$v: vda step status"
  jq -r '.steps[] | select(.step == "vda") | .message' "$TMP/out" > "$TMP/msg"
  expect_grep "${v//./\\.} is not supported" "$TMP/msg" "$v: reason names the version"
  expect_eq "$(sha256sum < "$img")" "$before" "$v: nothing written"
done

job "$TMP/job2.json" '{"type":"prepare","enableRdp":true,"xdReconfigure":[{"ParameterName":"controllers","ParameterValue":"ddc9.corp.example.com"}]}'
expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job2.json" --json
expect_eq "$(jq -r '.steps[] | select(.step == "rdp") | .status' "$TMP/out")" planned "rdp step still done"
expect_eq "$(jq '[.changes[] | select(.step == "vda")] | length' "$TMP/out")" 0 "no vda change"

img2=$(fixture_copy win2016-bios)
expect_exit 0 "$CE_OFFLINE" prepare "$img2" --job "$TMP/job.json" --json
jq -r '.steps[] | select(.step == "vda") | .status + ": " + .message' "$TMP/out" > "$TMP/msg"
expect_grep '^failed: no Citrix Virtual Delivery Agent is installed' "$TMP/msg" "no VDA: clear error"
