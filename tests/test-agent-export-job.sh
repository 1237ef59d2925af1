#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# export jobs through the agent write the attached disk to a local
# directory: raw comes out byte-identical (cmp), VHDX is recognised by
# qemu-img with the right virtual size, qcow2 (qemu-img run by the
# sandboxed worker) compares equal; an existing file is refused unless
# overwriteTargetFile; a dry run writes nothing.
. tests/functions.sh
requires qemu-img
. tests/agent-functions.sh

head -c 3145728 /dev/urandom > "$TMP/src.img"
mkdir -p "$TMP/out"
start_agent --disk "$TMP/src.img" --export-root "$TMP/out"
J=(-H 'Content-Type: application/json')
export_job() {  # export_job FORMAT NAME [EXTRA-JQ]
  jq -n --arg d "$TMP/src.img" --arg f "$1" --arg o "$TMP/out" --arg n "$2" \
    "{type: \"export\", disk: \$d, format: \$f, outputStorageLocation: {location: \$o},
      outputImageFilename: \$n} | ${3:-.}" > "$TMP/job.json"
  expect_status 202 POST /v1/jobs "${J[@]}" --data-binary @"$TMP/job.json"
  JOB=$(jq -r .id "$TMP/body")
  STATUS=$(wait_job "$JOB" 120)
  expect_status 200 GET "/v1/jobs/$JOB"
}

export_job raw copy.raw
expect_eq "$STATUS" complete "raw export"
cmp "$TMP/src.img" "$TMP/out/copy.raw" || fail "raw export differs from the disk"
echo "ok: raw export is byte-identical"

export_job VhdxDiskFormat copy.vhdx
expect_eq "$STATUS" complete "vhdx export"
qemu-img info --output=json "$TMP/out/copy.vhdx" > "$TMP/qi.json"
expect_eq "$(jq -r .format "$TMP/qi.json")" vhdx "qemu-img sees VHDX"
expect_eq "$(jq -r '."virtual-size"' "$TMP/qi.json")" 3145728 "virtual size"
qemu-img convert -O raw "$TMP/out/copy.vhdx" "$TMP/back.raw"
cmp "$TMP/src.img" "$TMP/back.raw" || fail "VHDX content differs"
echo "ok: VHDX content read back by qemu-img is identical"

# qcow2 goes through qemu-img, run by the sandboxed worker.
export_job QCow2 copy.qcow2
expect_eq "$STATUS" complete "qcow2 export"
qemu-img compare -f raw -F qcow2 "$TMP/src.img" "$TMP/out/copy.qcow2" || fail "qcow2 content differs"
echo "ok: qcow2 (qemu-img in the sandbox) is identical"

export_job raw copy.raw
expect_eq "$STATUS" failed "existing file without overwriteTargetFile"
export_job raw copy.raw '.overwriteTargetFile = true'
expect_eq "$STATUS" complete "overwriteTargetFile"

export_job raw dry.raw '.dryRun = true'
expect_eq "$STATUS" complete "dry run"
[ ! -e "$TMP/out/dry.raw" ] || fail "dry run wrote the output"
echo "ok: dry run wrote nothing"
ls -A "$TMP/out" | sort > "$TMP/ls"
expect_eq "$(tr '\n' ' ' < "$TMP/ls")" "copy.qcow2 copy.raw copy.vhdx " "no temporaries left in the output directory"
stop_agent
