#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Fault injection: the write sequence of a prepare (SYSTEM and SOFTWARE
# swapped for hivex-edited copies, a protected directory and two protected
# files, backups removed) is cut after N disk writes for EVERY N from 1 to
# the total W.  After each cut: $MFTMirr repair, ow_hive_swap_recover, the
# volume mounts read-write, each hive opens with hivex and is byte for byte
# the old or the new hive, no file holds partial content under its final
# name; then the job is re-run to completion and everything is new, no
# .ce-* name is left, the logs are zeroed and the volume is safe to write.
. "$(dirname "$0")/functions.sh"
TORTURE=$FIXTOOLS/swap-torture
[ -x "$TORTURE" ] || fail "$TORTURE is missing (make test-progs)"

img=$(fixture_copy win10-uefi)
"$TORTURE" setup "$img"            # non-empty SYSTEM/SOFTWARE .LOG1/.LOG2
"$TORTURE" torture "$img" "$TMP/work.img" | tee "$TMP/torture.out"
expect_grep '^cut points: [0-9]+$' "$TMP/torture.out" "the number of cut points is reported"
w=$(sed -n 's/^cut points: //p' "$TMP/torture.out")
[ "$w" -ge 50 ] || fail "only $w writes: the sequence is not what a prepare writes"
expect_grep "^cuts 1\\.\\.$w: .*failures: 0$" "$TMP/torture.out" "every cut point from 1 to $w recovered"
