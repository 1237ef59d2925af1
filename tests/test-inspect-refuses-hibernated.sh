#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# hiberfil.sys saying HIBR (hibernation / Fast Startup): exit 3 with the Fast Startup fix.
. "$(dirname "$0")/functions.sh"
. tests/inspect-functions.sh
inspect_fixture hibernated 3
expect_problem hibernated hibernated
expect_grep 'Fast Startup' "$TMP/hibernated.err" "operator fix on stderr"
expect_eq "$(jq -r '.windows[0].writeSafety.problem' "$TMP/hibernated.json")" hibernated "writeSafety.problem"
