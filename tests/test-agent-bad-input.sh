#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Bad requests get the right status and a JSON error: malformed JSON 400,
# wrong content type 415, huge bodies 413 (announced and chunked), unknown
# job fields 400 naming the field, wrong types 400 naming the JSON path,
# unknown job id 404, unknown path 404, wrong method 405 with Allow.
. tests/functions.sh
. tests/agent-functions.sh

start_agent
J=(-H 'Content-Type: application/json')

expect_status 400 POST /v1/jobs "${J[@]}" -d '{"type":'
expect_error_code malformedJson
expect_status 400 POST /v1/jobs "${J[@]}" -d '[1,2]'
expect_error_code invalidType
expect_status 415 POST /v1/jobs -H 'Content-Type: text/plain' -d '{"type":"inspect","disk":"x"}'
expect_error_code unsupportedMediaType
expect_status 415 POST /v1/jobs -d '{"type":"inspect","disk":"x"}'

head -c 200000 /dev/zero | tr '\0' ' ' > "$TMP/huge"
expect_status 413 POST /v1/jobs "${J[@]}" --data-binary @"$TMP/huge"
expect_error_code bodyTooLarge
expect_status 413 POST /v1/jobs "${J[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$TMP/huge"
expect_error_code bodyTooLarge
expect_status 413 GET /v1/info --data-binary @"$TMP/huge"

expect_status 400 POST /v1/jobs "${J[@]}" -d '{"type":"inspect","disk":"/x","colour":"red"}'
expect_error_code unknownField
expect_grep "'colour'" "$TMP/body" "the unknown field is named"
expect_status 400 POST /v1/jobs "${J[@]}" -d '{"type":"inspect","disk":"/x","platform":"azure"}'
expect_error_code unknownField
expect_grep "'platform' is not allowed in a 'inspect' job" "$TMP/body" "field not allowed for the type"
expect_status 400 POST /v1/jobs "${J[@]}" -d '{"type":"prepare","disk":"/x","platform":"azure","provisioningType":"Mcs","installMisa":"yes"}'
expect_grep '\$\.installMisa: expected' "$TMP/body" "wrong type names the path"
expect_error_code invalidType
expect_status 400 POST /v1/jobs "${J[@]}" -d '{"type":"prepare","disk":"/x","platform":"azure","provisioningType":"Mcs","xdReconfigure":[{"ParameterName":"controllers","ParameterValue":"ddc1.corp.example"},{"ParameterName":"portnumber","ParameterValue":7}]}'
expect_grep '\$\.xdReconfigure\[1\]\.ParameterValue: expected' "$TMP/body" "nested path"
expect_status 400 POST /v1/jobs "${J[@]}" -d '{"type":"prepare","disk":"/x","platform":"azure","provisioningType":"Pvs","installMisa":true}'
expect_grep 'installMisa: .*provisioningType' "$TMP/body" "installMisa needs Mcs"
expect_status 400 POST /v1/jobs "${J[@]}" -d '{"type":"inspect"}'
expect_error_code missingField
expect_status 400 POST /v1/jobs "${J[@]}" -d '{"type":"defrag","disk":"/x"}'
expect_status 400 POST /v1/jobs "${J[@]}" -d '{"type":"inspect","disk":"/x","disk":"/y"}'

expect_status 404 GET /v1/jobs/00000000-0000-4000-8000-000000000000
expect_error_code notFound
expect_status 404 GET /v1/jobs/00000000-0000-4000-8000-000000000000/log
expect_status 404 POST /v1/jobs/00000000-0000-4000-8000-000000000000/cancel
expect_status 404 GET /v1/nothing-here
expect_status 404 GET /v2/info
expect_status 405 DELETE /v1/jobs
expect_error_code methodNotAllowed
acurl -X PUT -D "$TMP/hdr" -o /dev/null "$AGENT_URL/v1/info"
expect_grep '^Allow: GET' "$TMP/hdr" "405 names the allowed method"
expect_status 405 GET /v1/complete
expect_status 400 GET '/v1/jobs/x/log?since=-4'

# The agent is still healthy after all that.
expect_status 200 GET /v1/info
stop_agent
