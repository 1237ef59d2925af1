#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# A diagnostics job through the agent, on the failed-migration fixture:
# the report is the job's result (the four causes named), the disk's
# content is unchanged, the bundle is written to outputStorageLocation and
# streamed by GET /v1/jobs/{id}/bundle (the same ZIP), it holds the CE's
# own records (the job document, the job log); a job without a bundle
# answers 404; a field of another job type is refused.  (An SMB
# destination goes through the export jobs' code, ce_dest_open; the job
# document's password is replaced before the child sees it, and
# test-diagnose-bundle-leaves-out-credentials.sh proves a job document
# with one never enters a bundle.)
. tests/functions.sh
. tests/agent-functions.sh
. tests/diagnose-functions.sh
requires unzip

img=$(fixture_copy failed-migration)
before=$(content_sha "$img")
mkdir -p "$TMP/out"
# The agent's bundle directory goes under $TMPDIR: here, removed with $TMP.
TMPDIR=$TMP start_agent --disk "$img" --export-root "$TMP/out"
J=(-H 'Content-Type: application/json')

jq -n --arg d "$img" --arg o "$TMP/out" \
  '{type: "diagnostics", disk: $d, platform: "aws", outputStorageLocation: {location: $o}}' >"$TMP/job.json"
expect_status 202 POST /v1/jobs "${J[@]}" --data-binary @"$TMP/job.json"
id=$(jq -r .id "$TMP/body")
expect_eq "$(wait_job "$id" 300)" complete "diagnostics job"
expect_status 200 GET "/v1/jobs/$id"
jq .result "$TMP/body" >"$TMP/r.json"
for c in boot-driver-missing class-filter-disabled boot-drivers-not-loaded firstboot-step-failed; do
  finding "$TMP/r.json" "$c" >/dev/null
done
echo "ok: the job's result names the four causes"
expect_eq "$(jq -r .platform.from "$TMP/r.json")" given "platform from the job"
expect_eq "$(jq -r .bundle.path "$TMP/r.json")" "/v1/jobs/$id/bundle" "bundle route in the result"
expect_eq "$(content_sha "$img")" "$before" "disk content unchanged"
expect_status 200 GET "/v1/jobs/$id/log"
expect_grep '"sandbox: pid [0-9]+' "$TMP/body" "the diagnosis ran in the sandboxed child"
if [ "$(id -u)" = 0 ]; then
  expect_grep 'sandbox: pid [0-9]+, uid 65534' "$TMP/body" "the child gave up root"
fi

# The copy at the destination and the streamed bundle are the same ZIP.
out=$TMP/out/ce-diagnostics-$id.zip
[ -f "$out" ] || fail "no bundle at the destination"
acurl -D "$TMP/hdr" -o "$TMP/streamed.zip" "$AGENT_URL/v1/jobs/$id/bundle"
expect_grep '^HTTP/1.1 200' "$TMP/hdr" "GET bundle: 200"
expect_grep '^Content-Type: application/zip' "$TMP/hdr" "GET bundle: application/zip"
cmp "$out" "$TMP/streamed.zip" || fail "the streamed bundle differs from the copy"
unzip -tq "$TMP/streamed.zip" >/dev/null || fail "the bundle is not a valid ZIP"
unzip -Z1 "$TMP/streamed.zip" >"$TMP/names"
grep -qx "ce/$id-job.json" "$TMP/names" || fail "the job document is not in the bundle"
grep -qx "ce/$id-agent-log.jsonl" "$TMP/names" || fail "the job log is not in the bundle"
mkdir "$TMP/x"; (cd "$TMP/x" && unzip -q "$TMP/streamed.zip")
expect_eq "$(jq -r .type "$TMP/x/ce/$id-job.json")" diagnostics "the job document in the bundle"
expect_grep 'diagnostics: ' "$TMP/x/ce/$id-agent-log.jsonl" "the job log in the bundle"
echo "ok: bundle at the destination = GET /v1/jobs/{id}/bundle, CE records in it"

# Another job type has no bundle; an unknown job id neither.
jq -n --arg d "$img" '{type: "inspect", disk: $d}' >"$TMP/inspect.json"
expect_status 202 POST /v1/jobs "${J[@]}" --data-binary @"$TMP/inspect.json"
iid=$(jq -r .id "$TMP/body")
wait_job "$iid" 120 >/dev/null
expect_status 404 GET "/v1/jobs/$iid/bundle"
expect_status 404 GET "/v1/jobs/00000000000000000000000000000000/bundle"
# A field of another job type is refused by name.
jq -n --arg d "$img" '{type: "diagnostics", disk: $d, format: "vhdx"}' >"$TMP/bad.json"
expect_status 400 POST /v1/jobs "${J[@]}" --data-binary @"$TMP/bad.json"
expect_grep "format" "$TMP/body" "the refused field is named"
stop_agent
ls -d "$TMP"/ce-agent-bundles.* >/dev/null || fail "no bundle directory under TMPDIR"
