#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The write-safety verdict comes before any write, and an interrupted
# run's repair touches only the partition being prepared, only when it
# carries our own .ce-* traces (docs/crash-safety.md, "Recovery"):
#  - hibernated disk, stale $MFTMirr on the Windows and on the recovery
#    partition: exit 3, the disk byte for byte as it was;
#  - stale mirror on a partition that is not prepared: the job completes,
#    that partition byte for byte as it was, the result says so;
#  - stale mirror on the Windows partition with nothing of ours on it:
#    exit 3, chkdsk /f, the disk untouched;
#  - the same with a SOFTWARE.ce-tmp of ours: the mirror is repaired, the
#    trace removed, the job completes.
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
requires ntfsls
job "$TMP/job.json" '{"type":"prepare","enableRdp":true}'

# Hibernated, two stale mirrors.
img=$(fixture_copy hibernated)
tear_mirror "$img" 3
tear_mirror "$img" 4
! mounts "$img" 4 || fail "the torn mirror does not stop libntfs-3g: the test proves nothing"
before=$(sha256sum < "$img")
expect_exit 3 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json"
expect_grep 'Fast Startup' "$TMP/err" "hibernated: the operator's fix"
expect_eq "$(sha256sum < "$img")" "$before" "hibernated disk with stale mirrors: disk hash"

# Stale mirror on the recovery partition (4) of a healthy disk.
img=$(fixture_copy win10-uefi)
tear_mirror "$img" 4
before=$(part_sha "$img" 4)
expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --json
expect_eq "$(part_sha "$img" 4)" "$before" "partition 4 (not prepared): hash"
expect_grep 'partition 4: .MFTMirr does not match .MFT; left as it is' "$TMP/out" \
  "the result names the partition left alone"

# Stale mirror on the Windows partition (3), nothing of ours there.
img=$(fixture_copy win10-uefi)
tear_mirror "$img" 3
before=$(sha256sum < "$img")
expect_exit 3 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json"
expect_grep 'chkdsk /f' "$TMP/err" "stale mirror without traces: the operator's fix"
expect_eq "$(sha256sum < "$img")" "$before" "stale mirror without traces: disk hash"

# The same with a trace of an interrupted swap of ours.
img=$(fixture_copy win10-uefi)
head -c 8192 /dev/zero > "$TMP/partial"
put "$img" 3 Windows/System32/config/SOFTWARE.ce-tmp "$TMP/partial"
tear_mirror "$img" 3
! mounts "$img" 3 || fail "the torn mirror does not stop libntfs-3g"
expect_exit 0 "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" --json
expect_grep 'MFTMirr brought back in step' "$TMP/out" "the repair is reported"
mounts "$img" 3 || fail "libntfs-3g still refuses the Windows volume after the repair"
read -r start size < <(part_window "$img" 3)
dd if="$img" of="$TMP/p3.ntfs" bs=1M skip=$((start / 1048576)) count=$((size / 1048576)) \
   conv=sparse status=none
if ntfsls "$TMP/p3.ntfs" -p /Windows/System32/config | grep -qi 'ce-tmp'; then
  fail "the .ce-tmp trace is still there"
fi
echo "ok: trace removed, volume repaired, job complete"
