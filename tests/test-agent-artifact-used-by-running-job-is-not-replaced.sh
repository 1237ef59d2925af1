#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# PUT /v1/artifacts/{name} of an artifact the running job names in its
# "artifacts" is refused with 409 artifactInUse, and the stored file is
# left as it was; other names can still be stored.  Once the job has
# ended, the same PUT succeeds.
. tests/functions.sh
. tests/agent-functions.sh

store=$TMP/store
mkdir -p "$store"
start_agent --artifact-dir "$store" --artifact-max-bytes 1000000
O=(-H 'Content-Type: application/octet-stream')
J=(-H 'Content-Type: application/json')
head -c 5000 /dev/urandom > "$TMP/v1"
head -c 5000 /dev/urandom > "$TMP/v2"
s1=$(sha256sum "$TMP/v1" | cut -c1-64)
s2=$(sha256sum "$TMP/v2" | cut -c1-64)

expect_status 201 PUT /v1/artifacts/misa "${O[@]}" -H "X-Content-SHA256: $s1" --data-binary @"$TMP/v1"
# A prepare job that waits for its disk: it runs (and names misa) until canceled.
jq -n --arg s "sha256:$s1" '{type: "prepare", disk: "/nonexistent/ce-test-disk",
  waitForDiskSeconds: 120, provisioningType: "Mcs", installMisa: true, artifacts: {misa: $s}}' \
  > "$TMP/job.json"
expect_status 202 POST /v1/jobs "${J[@]}" --data-binary @"$TMP/job.json"
id=$(jq -r .id "$TMP/body")
expect_status 200 GET "/v1/jobs/$id"
expect_eq "$(jq -r .status "$TMP/body")" inProgress "the job runs"

expect_status 409 PUT /v1/artifacts/misa "${O[@]}" -H "X-Content-SHA256: $s2" --data-binary @"$TMP/v2"
expect_error_code artifactInUse
cmp "$store/misa" "$TMP/v1" || fail "the artifact in use was replaced"
echo "ok: the stored artifact is unchanged"
expect_eq "$(ls -A "$store" | tr '\n' ' ')" "misa " "no temporary left in the store"
expect_status 201 PUT /v1/artifacts/other "${O[@]}" -H "X-Content-SHA256: $s2" --data-binary @"$TMP/v2"

expect_status 202 POST "/v1/jobs/$id/cancel"
expect_eq "$(wait_job "$id" 30)" canceled "job ended"
expect_status 201 PUT /v1/artifacts/misa "${O[@]}" -H "X-Content-SHA256: $s2" --data-binary @"$TMP/v2"
cmp "$store/misa" "$TMP/v2" || fail "the artifact was not replaced after the job"
echo "ok: replaced once the job has ended"
stop_agent
