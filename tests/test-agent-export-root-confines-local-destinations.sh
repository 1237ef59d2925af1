#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Local export destinations lie beneath the export root or nowhere:
# without one (the default) a local location is a 400 that says how to set
# it; with --export-root (or the boot config's exportRoot) a directory
# outside it, or one named with "..", is a 400; a symlink planted beneath
# the root that points out of it is refused when the job opens the
# directory (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS), and nothing is
# written where it points.  The same open guards SMB mounts.
. tests/functions.sh
. tests/agent-functions.sh

head -c 1048576 /dev/urandom > "$TMP/src.img"
mkdir -p "$TMP/root/ok" "$TMP/outside"
ln -s "$TMP/outside" "$TMP/root/link"
J=(-H 'Content-Type: application/json')
job() {  # job DIR NAME: an export job document
  jq -cn --arg d "$TMP/src.img" --arg o "$1" --arg n "$2" \
    '{type: "export", disk: $d, format: "raw", outputStorageLocation: {location: $o},
      outputImageFilename: $n}'
}

# No export root: local destinations are refused, with the way to allow them.
start_agent --disk "$TMP/src.img"
expect_status 400 POST /v1/jobs "${J[@]}" -d "$(job "$TMP/root/ok" a.raw)"
expect_error_code invalidValue
expect_grep "no export root" "$TMP/body" "the message says there is no export root"
expect_grep "export-root" "$TMP/body" "the message names --export-root"
stop_agent

# An export root from the boot config.
write_config ".exportRoot = \"$TMP/root\""
start_agent --disk "$TMP/src.img"
expect_status 202 POST /v1/jobs "${J[@]}" -d "$(job "$TMP/root/ok" a.raw)"
expect_eq "$(wait_job "$(jq -r .id "$TMP/body")")" complete "export beneath the root"
cmp "$TMP/src.img" "$TMP/root/ok/a.raw" || fail "the export differs"
stop_agent

write_config
start_agent --disk "$TMP/src.img" --export-root "$TMP/root"
for bad in "$TMP/outside" "$TMP/root/../outside" "$TMP/rootx" "relative/dir"; do
  expect_status 400 POST /v1/jobs "${J[@]}" -d "$(job "$bad" b.raw)"
  expect_error_code invalidValue
done
echo "ok: directories outside the root are refused at POST"

# The symlink passes the name check and is refused when opened.
expect_status 202 POST /v1/jobs "${J[@]}" -d "$(job "$TMP/root/link" c.raw)"
id=$(jq -r .id "$TMP/body")
expect_eq "$(wait_job "$id")" failed "export through a planted symlink"
expect_status 200 GET "/v1/jobs/$id"
expect_error_code destinationNotFound
expect_grep "symbolic link" "$TMP/body" "the error names the symlink"
[ -z "$(ls -A "$TMP/outside")" ] || fail "something was written where the symlink points: $(ls -A "$TMP/outside")"
echo "ok: nothing written through the symlink"

# The root itself works.
expect_status 202 POST /v1/jobs "${J[@]}" -d "$(job "$TMP/root" d.raw)"
expect_eq "$(wait_job "$(jq -r .id "$TMP/body")")" complete "export into the root itself"
[ -f "$TMP/root/d.raw" ] || fail "no d.raw in the root"
stop_agent
