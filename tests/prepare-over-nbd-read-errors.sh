#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The read-error rule over a real NBD link: nbdkit's error filter fails a
# share of the reads with EIO once the job has started writing (armed by
# the first change of the image file).  Whatever each faulty run does, it
# never reports success wrongly: it ends 0 or 1 (an I/O failure), and the next healthy
# run either completes with every hive present or refuses (exit 3) --
# never exits 0 on an image with a hive missing.  nbdkit's random faults
# are not seeded: the seeded, reproducible variant is
# test-prepare-never-deletes-on-read-errors.sh.  Not in make check: see
# docs/crash-safety.md, "Read errors" (its faults are not seeded).
. "$(dirname "$0")/functions.sh"
. tests/prepare-functions.sh
requires nbdkit
requires ntfsls
cat > "$TMP/job.json" <<'EOF_JOB'
{"type":"prepare","platform":"azure","provisioningType":"Mcs","domainUnjoin":true,"enableRdp":true}
EOF_JOB
template=$(fixture win2022-bios-vda)
faulty=0
for round in 1 2 3 4; do
  img=$TMP/disk.img arm=$TMP/arm
  cp --sparse=always "$template" "$img"
  rm -f "$arm"
  touch -d '1 minute ago' "$TMP/stamp"
  touch -r "$TMP/stamp" "$img"
  # Arm the faults when the image is first written (an event, not a delay).
  ( until [ "$img" -nt "$TMP/stamp" ]; do sleep 0.05; done; touch "$arm" ) &
  watcher=$!
  rc=0
  # The faulty run is not leak-checked: when a read fails inside
  # ntfs_delete, libntfs-3g keeps the inode it could not close (as after a
  # power cut, tests/fixtures/torture-common.h).  The healthy re-run is.
  ASAN_OPTIONS=detect_leaks=0:exitcode=99 nbdkit -U - --filter=error file "$img" error-pread-rate=20% error-pread-file="$arm" \
    --run "'$CE_OFFLINE' prepare \"\$uri\" --job '$TMP/job.json'" >"$TMP/out" 2>"$TMP/err" || rc=$?
  kill "$watcher" 2>/dev/null || true
  wait "$watcher" 2>/dev/null || true
  case $rc in
    0|1) echo "ok: round $round: faulty run exit $rc"; [ "$rc" = 0 ] || tail -n 2 "$TMP/err" ;;
    *) cat "$TMP/err" >&2; fail "round $round: faulty run exit $rc" ;;
  esac
  [ "$rc" = 0 ] || faulty=$((faulty + 1))
  rc=0
  "$CE_OFFLINE" prepare "$img" --job "$TMP/job.json" >"$TMP/out" 2>"$TMP/err" || rc=$?
  case $rc in
    0|3) ;;
    *) cat "$TMP/err"; fail "round $round: the healthy re-run failed (exit $rc)" ;;
  esac
  read -r start size < <(part_window "$img" 2)
  dd if="$img" of="$TMP/p2.ntfs" bs=1M skip=$((start / 1048576)) count=$((size / 1048576)) \
     conv=sparse status=none
  listing=$(ntfsls "$TMP/p2.ntfs" -p /Windows/System32/config) || fail "round $round: ntfsls"
  for hive in SYSTEM SOFTWARE SECURITY SAM DEFAULT; do
    grep -qx "$hive" <<<"$listing" || fail "round $round: $hive missing after a re-run that exited $rc"
  done
  ntfsls "$TMP/p2.ntfs" -p / | grep -qx ProgramData || fail "round $round: ProgramData missing"
  echo "ok: round $round: healthy re-run exit $rc, every hive and ProgramData there"
done
[ "$faulty" -gt 0 ] || fail "no faulty run failed: the faults were never hit"
