#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The failed-migration fixture (a XenServer image moved to AWS): diagnose
# names all four causes with evidence and an operator hint: AWS's boot
# storage driver missing, xenfilt a System class UpperFilter with its
# service disabled, Service Control Manager 7026 in the System log, and
# first-boot step 2 failed with exit 1603 (still pending: retried at the
# next boot).  The platform is inferred from EC2Launch's folder.
. "$(dirname "$0")/functions.sh"
. tests/diagnose-functions.sh
requires jq
img=$(fixture failed-migration)
diagnose_json "$img" "$TMP/r.json"
r=$TMP/r.json

expect_eq "$(jq -r .platform.target "$r")" aws "platform inferred"
expect_eq "$(jq -r .platform.from "$r")" inferred "platform: said to be inferred"
expect_eq "$(jq -r '.platform.evidence[0].path' "$r")" /ProgramData/Amazon/EC2Launch "platform evidence named"

f=$(finding "$r" boot-driver-missing)
expect_eq "$(jq -r '.evidence[0].key' <<<"$f")" 'ControlSet001\Services\AWSNVMe' "boot driver: evidence key"
grep -q 'AWSNVMe' <<<"$(jq -r .hint <<<"$f")" || fail "boot driver hint does not name AWSNVMe"
grep -q 'drivers' <<<"$(jq -r .hint <<<"$f")" || fail "boot driver hint does not say to supply drivers"
echo "ok: boot-driver-missing with hint"

f=$(finding "$r" class-filter-disabled)
expect_eq "$(jq -r .filter.service <<<"$f")" xenfilt "filter: service"
expect_eq "$(jq -r .filter.list <<<"$f")" UpperFilters "filter: list"
expect_eq "$(jq -r .filter.class <<<"$f")" System "filter: class"
expect_eq "$(jq -r '.evidence[1].data' <<<"$f")" 4 "filter: Start 4 as evidence"
grep -q "remove 'xenfilt' from UpperFilters" <<<"$(jq -r .hint <<<"$f")" || fail "filter hint"
echo "ok: class-filter-disabled with hint"

f=$(finding "$r" boot-drivers-not-loaded)
[ "$(jq -r .count <<<"$f")" -ge 1 ] || fail "7026: count"
expect_eq "$(jq -r '.evidence[0].eventId' <<<"$f")" 7026 "7026: event id"
expect_eq "$(jq -r '.evidence[0].provider' <<<"$f")" "Service Control Manager" "7026: provider"
[ -n "$(jq -r .hint <<<"$f")" ] || fail "7026: no hint"
echo "ok: boot-drivers-not-loaded with hint"

f=$(finding "$r" firstboot-step-failed)
expect_eq "$(jq -r .step.id <<<"$f")" 2 "runner: failed step id"
expect_eq "$(jq -r .step.exitCode <<<"$f")" 1603 "runner: exit code"
grep -q 'retried at the next boot' <<<"$(jq -r .hint <<<"$f")" || fail "runner hint"
expect_eq "$(jq -r .firstBoot.state "$r")" retrying "runner state"
expect_eq "$(jq -r .firstBoot.stillPending "$r")" true "runner still pending"
expect_eq "$(jq -r .firstBoot.attempts "$r")" 1 "runner attempts"
expect_eq "$(jq -r '.firstBoot.steps[] | select(.id == 1) | .status' "$r")" done "step 1 done (done-1)"
echo "ok: firstboot-step-failed with hint"

# Each finding has a hint and evidence.
expect_eq "$(jq '[.findings[] | select((.hint | type) != "string" or (.hint | length) == 0)] | length' "$r")" 0 \
  "every finding has a hint"

# SetupAPI: both section footers Windows writes ("Exit status: FAILURE(...)"
# and the documented "Exit Status(0x...)"), the failed one named.
expect_eq "$(jq .driverInstalls.sections "$r")" 3 "setupapi: sections"
expect_eq "$(jq .driverInstalls.failedSections "$r")" 1 "setupapi: failed sections"
f=$(finding "$r" driver-install-failed)
expect_eq "$(jq -r '.evidence[1].exitStatus' <<<"$f")" 'FAILURE(0xe0000247)' "setupapi: failed status"
expect_eq "$(jq -r '.evidence[1].pnputil' <<<"$f")" true "setupapi: pnputil install"
