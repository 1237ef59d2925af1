#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Fault injection on a prepare job that edits the BCD store with a hive
# (platform azure on win2016-bios-onepart: SYSTEM and \Boot\BCD of the
# Windows volume, swapped under one job journal): the job is run once to
# count its disk writes W, then for EVERY N from 1 to W the power is cut
# after N writes; after the next run's recovery every value of every
# edited hive, the BCD elements included, must be all old or all new, and
# a re-run completes the job (tests/fixtures/prepare-torture.c).
. "$(dirname "$0")/functions.sh"
TORTURE=$FIXTOOLS/prepare-torture
[ -x "$TORTURE" ] || fail "$TORTURE is missing (make test-progs)"
ram_workdir torture
cp --sparse=always "$(fixture win2016-bios-onepart)" "$work/template.img"
echo '{"type":"prepare","platform":"azure"}' >"$TMP/job.json"
"$CE_OFFLINE" prepare "$work/template.img" --job "$TMP/job.json" --dry-run --json >"$TMP/plan.json" ||
  fail "dry run"
[ "$(jq '[.changes[] | select(.hive == "BCD")] | length' "$TMP/plan.json")" -ge 10 ] ||
  fail "the job does not edit the BCD store"
"$TORTURE" "$work/template.img" "$work/work.img" "$TMP/job.json" | tee "$TMP/torture.out"
expect_grep '^cut points: [0-9]+ ' "$TMP/torture.out" "the number of cut points is reported"
w=$(sed -n 's/^cut points: \([0-9]*\).*/\1/p' "$TMP/torture.out")
expect_grep "^cuts 1\\.\\.$w \\($w runs\\): .*mixed 0 .*failures: 0$" "$TMP/torture.out" \
  "every cut point from 1 to $w left the whole job, BCD included, old or new"
