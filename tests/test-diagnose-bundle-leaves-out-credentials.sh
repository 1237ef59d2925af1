#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The bundle is a ZIP (unzip lists and tests it) with the report, the
# image's logs and the CE's own logs and job records, and never a file that
# can hold credentials: each exclusion is tried — the SAM and SECURITY
# hives and their logs, unattend.xml / autounattend.xml (on the image and
# given with --include), a job document with an SMB password — and secrets
# in what is bundled (a CE log on the image, an agent log, a job document
# with a token) are redacted.  The caps are stated in the report.
. "$(dirname "$0")/functions.sh"
. tests/diagnose-functions.sh
requires jq
requires unzip

img=$(fixture failed-migration)
mkdir "$TMP/in"
printf '%s' '{"type":"export","disk":"/dev/sdb","outputStorageLocation":{"location":"smb://srv/share/dir","username":"svc","password":"SmbSecret-5e1d"}}' \
  >"$TMP/in/job-export.json"
printf '%s\n' '{"type":"prepare","disk":"/dev/sdb","platform":"aws","token":"JobToken-77aa"}' >"$TMP/in/job-prepare.json"
printf '%s\n' '{"t":"log","msg":"mounting as svc password=AgentSecret-19c0"}' \
  'GET /v1/jobs with Authorization: Bearer AgentBearer-3b2e' \
  'smb://svc:UrlSecret-8d8d@srv/share' >"$TMP/in/agent.log"
for f in SAM SECURITY SAM.LOG1 unattend.xml Autounattend.xml; do
  printf 'secret-file-%s\n' "$f" >"$TMP/in/$f"
done
args=()
for f in "$TMP"/in/*; do args+=(--include "$f"); done
diagnose_json "$img" "$TMP/r.json" --bundle "$TMP/b.zip" "${args[@]}"

unzip -tq "$TMP/b.zip" >/dev/null || fail "unzip -t: the bundle is not a valid ZIP"
unzip -Z1 "$TMP/b.zip" | sort >"$TMP/names"
cat "$TMP/names"
for want in report.json registry-keys.txt disk/Windows/System32/winevt/Logs/System.evtx \
            disk/Windows/INF/setupapi.dev.log disk/Windows/Logs/CBS/CBS.log \
            disk/Windows/Panther/setupact.log disk/ProgramData/CE-Appliance/firstboot.log \
            disk/ProgramData/CE-Appliance/firstboot/steps.json ce/job-prepare.json ce/agent.log; do
  grep -qxF "$want" "$TMP/names" || fail "$want is not in the bundle"
done
echo "ok: report, event log, SetupAPI, CBS, Panther, runner files, CE logs in the bundle"

# Exclusions: none of these names, under any folder, in any case.
if grep -iE '(^|/)(sam|security)(\.[^/]*)?$|(^|/)(auto)?unattend\.xml$' "$TMP/names"; then
  fail "a credential file is in the bundle"
fi
grep -q 'job-export' "$TMP/names" && fail "the job document with an SMB password is in the bundle"
for f in SAM SECURITY SAM.LOG1 unattend.xml Autounattend.xml job-export.json; do
  jq -e --arg f "$TMP/in/$f" '.bundle.excluded | any(.from == $f)' "$TMP/r.json" >/dev/null ||
    fail "$f: not listed as excluded"
done
echo "ok: SAM, SECURITY, their logs, answer files and the job with an SMB password left out (listed)"

# Nothing secret in any bundled byte.
mkdir "$TMP/x"
(cd "$TMP/x" && unzip -q "$TMP/b.zip")
for s in SmbSecret-5e1d JobToken-77aa AgentSecret-19c0 AgentBearer-3b2e UrlSecret-8d8d \
         FixtureSecret-7f3a FixtureToken-0b9c FixtureUnattend-41d2 secret-file-; do
  if grep -rlaF "$s" "$TMP/x"; then fail "secret '$s' is in the bundle"; fi
done
grep -q '<redacted>' "$TMP/x/ce/agent.log" || fail "agent.log: no redaction marker"
grep -q 'password=<redacted>' "$TMP/x/disk/ProgramData/CE-Appliance/components-install.log" ||
  fail "the image's CE log was not redacted"
echo "ok: secrets redacted in every bundled file"

# Caps stated; the report inside the bundle is the report.
expect_eq "$(jq .bundle.caps.perFileBytes "$TMP/r.json")" "$(jq .limits.bundleFileBytes "$TMP/r.json")" "per-file cap stated"
[ "$(jq .bundle.caps.totalBytes "$TMP/r.json")" -gt 0 ] || fail "total cap not stated"
expect_eq "$(jq -c .findings "$TMP/x/report.json")" "$(jq -c .findings "$TMP/r.json")" "report.json in the bundle"

# An existing bundle path is refused, and left alone.
echo keep >"$TMP/exists.zip"
expect_exit 1 "$CE_OFFLINE" diagnose --bundle "$TMP/exists.zip" "$img"
expect_eq "$(cat "$TMP/exists.zip")" keep "an existing file is not replaced"

# The text dump of the keys the report used: the filter and its service,
# and the BCD's default entry.
expect_grep '^\[SYSTEM\\ControlSet001\\Services\\xenfilt\]' "$TMP/x/registry-keys.txt" "keys dump: xenfilt"
expect_grep '^"Start"=dword:00000004' "$TMP/x/registry-keys.txt" "keys dump: Start 4"
expect_grep '^\[BCD\\Objects\\\{9dea862c-5cdd-4e70-acc1-f32b344d4795\}\\Elements\\23000003\]' \
  "$TMP/x/registry-keys.txt" "keys dump: the BCD default entry"
