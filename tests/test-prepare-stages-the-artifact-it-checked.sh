#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# An installer artifact is opened once: its digest is taken from that
# descriptor and the plan stages from it.  The artifact's name is replaced
# (rename, as the agent's store does on PUT) once the plan is complete and
# applying has started; the installer written into the image must still
# be the file whose SHA-256 the job named, byte for byte (read back with
# ntfscat), not the file now under that name.
. tests/functions.sh
. tests/prepare-functions.sh
requires ntfscat
requires sha256sum
T=$FIXTOOLS/prepare-replace-artifact
[ -x "$T" ] || fail "$T missing (make test-progs)"

img=$(fixture_copy win2022-bios-vda)
head -c 300000 /dev/urandom >"$TMP/checked.msi"
head -c 300000 /dev/urandom >"$TMP/other.msi"
cp "$TMP/checked.msi" "$TMP/store-misa"
cp "$TMP/other.msi" "$TMP/replacement"
sum=$(sha256sum "$TMP/checked.msi" | cut -c1-64)
job "$TMP/job.json" '{"type":"prepare","provisioningType":"Mcs","installMisa":true,
  "artifacts":{"misa":"sha256:'"$sum"'"}}'

expect_exit 0 "$T" "$img" "$TMP/job.json" misa="$TMP/store-misa" "$TMP/replacement"
cmp -s "$TMP/store-misa" "$TMP/other.msi" || fail "set-up: the artifact's name was not replaced"
echo "ok: the artifact's name now holds another file"
expect_eq "$(jq -r .status "$TMP/out")" complete "job status"
staged=$(jq -r '.changes[] | select(.step == "misa" and (.kind | startswith("file"))) | .path' "$TMP/out")
[ -n "$staged" ] || fail "the MISA installer was not staged"
n=$(jq -r '.windows[0].partition // empty' <("$CE_OFFLINE" inspect --json "$img"))
extract "$img" "${n:-2}" "$staged" "$TMP/staged.msi"
cmp -s "$TMP/staged.msi" "$TMP/other.msi" && fail "the replacement file was staged, not the checked one"
cmp "$TMP/staged.msi" "$TMP/checked.msi" || fail "the staged installer differs from the checked file"
echo "ok: the staged installer is the checked file (sha256 $sum)"
