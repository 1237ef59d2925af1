#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# GET /v1/info reports the image's commit and content digest from its
# identity file (/etc/ce-image.json in the appliance; --image-info here), as
# written by imagebuild/mkinitramfs; a malformed file named on the command
# line stops the agent with status 2 (a wrong identity is never reported).
. tests/functions.sh
. tests/agent-functions.sh

commit=0123456789abcdef0123456789abcdef01234567
digest=sha256:$(printf x | sha256sum | cut -d' ' -f1)
printf '{"commit": "%s", "sourceDateEpoch": 1700000000, "contentDigest": "%s"}\n' \
  "$commit" "$digest" > "$TMP/ce-image.json"
start_agent --image-info "$TMP/ce-image.json"
expect_status 200 GET /v1/info
expect_eq "$(jq -r .image.commit "$TMP/body")" "$commit" "image commit"
expect_eq "$(jq -r .image.contentDigest "$TMP/body")" "$digest" "image content digest"
expect_eq "$(jq -r .image.sourceDateEpoch "$TMP/body")" 1700000000 "image time"
cectl --json info > "$TMP/info.json"
expect_eq "$(jq -r .image.contentDigest "$TMP/info.json")" "$digest" "cectl info shows the digest"
stop_agent

# Malformed identity files are refused, each for its own reason.
bad() {
  printf '%s\n' "$2" > "$TMP/bad.json"
  "$CE_AGENT" --host --listen 127.0.0.1:0 --config "$AGENT_CONFIG" --image-info "$TMP/bad.json" \
    > "$TMP/bad.out" 2> "$TMP/bad.err" && fail "$1: the agent started"
  expect_eq "$?" 2 "$1: exit status"
  grep -q '^CE-AGENT-READY' "$TMP/bad.out" && fail "$1: READY was printed"
  expect_grep 'image info' "$TMP/bad.err" "$1: the error names the image info"
}
bad "short commit" "{\"commit\": \"0123abc\", \"sourceDateEpoch\": 1, \"contentDigest\": \"$digest\"}"
bad "digest without algorithm" "{\"commit\": \"$commit\", \"sourceDateEpoch\": 1, \"contentDigest\": \"${digest#sha256:}\"}"
bad "unknown field" "{\"commit\": \"$commit\", \"sourceDateEpoch\": 1, \"contentDigest\": \"$digest\", \"x\": 1}"
bad "not JSON" "commit=$commit"
rm -f "$TMP/missing.json"
"$CE_AGENT" --host --listen 127.0.0.1:0 --config "$AGENT_CONFIG" --image-info "$TMP/missing.json" \
  > "$TMP/bad.out" 2> "$TMP/bad.err" && fail "a missing --image-info file was accepted"
echo "ok: malformed or missing image info refused"
