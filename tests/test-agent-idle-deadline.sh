#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# With no authenticated request for idleTimeoutSeconds the agent exits on
# its own (--host; the appliance powers off), logged; when a job passes
# jobDeadlineSeconds it is canceled and the agent exits, logged.
. tests/functions.sh
. tests/agent-functions.sh

write_config '.idleTimeoutSeconds = 2'
start_agent
# Unauthenticated requests do not keep it alive.
curl -sk -o /dev/null "$AGENT_URL/v1/health"
wait_agent_exit 15
expect_eq "$AGENT_STATUS" 3 "exit status after the idle timeout"
expect_grep '"event":"idle.timeout"' "$TMP/agent.err" "idle timeout logged"

write_config '.jobDeadlineSeconds = 2'
start_agent
waiting_job 60 > "$TMP/wait.json"
expect_status 202 POST /v1/jobs -H 'Content-Type: application/json' --data-binary @"$TMP/wait.json"
wait_agent_exit 20
expect_eq "$AGENT_STATUS" 3 "exit status after the job deadline"
expect_grep '"event":"job.deadline"' "$TMP/agent.err" "deadline logged"
expect_grep 'job finished: canceled' "$TMP/agent.err" "the job was canceled first"
