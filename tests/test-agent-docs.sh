#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every option of ce-agent --help is in ce-agent(8); every option and
# command of cectl --help is in cectl(1); both man pages have an EXIT
# STATUS section with the codes --help lists, and render with man.
. tests/functions.sh
agent=$CE_TOP/$CE_BUILD/bin/ce-agent
cectl=$CE_TOP/$CE_BUILD/bin/cectl
check_opts() {   # check_opts HELP-FILE MAN-PAGE
  local o
  for o in $(grep -oE -- '--[a-z][a-z-]+' "$1" | sort -u); do
    grep -qF -- "${o//-/\\-}" "$2" || fail "$o is not documented in $2"
  done
  echo "ok: every option of $(basename "$2" | cut -d. -f1) is in $2"
}
"$agent" --help > "$TMP/agent.help"
check_opts "$TMP/agent.help" docs/ce-agent.8
"$cectl" --help > "$TMP/cectl.help"
check_opts "$TMP/cectl.help" docs/cectl.1
for cmd in health info disks "job start" "job wait" "job get" "job log" "job cancel" "artifact put" complete; do
  grep -qE "^  $cmd" "$TMP/cectl.help" || fail "cectl --help lacks $cmd"
  grep -qF "$cmd" docs/cectl.1 || fail "cectl.1 lacks $cmd"
done
echo "ok: every cectl command is documented"
for page in docs/ce-agent.8 docs/cectl.1; do
  grep -q '^.SH EXIT STATUS' "$page" || fail "$page has no EXIT STATUS"
done
for code in 0 1 2 3; do grep -q "^.B $code\$" docs/ce-agent.8 || fail "ce-agent.8 lacks exit $code"; done
for code in 0 1 2 3 4 5; do grep -q "^.B $code\$" docs/cectl.1 || fail "cectl.1 lacks exit $code"; done
echo "ok: exit codes documented"
if command -v man >/dev/null; then
  for page in docs/ce-agent.8 docs/cectl.1; do
    MANWIDTH=80 man -l "$page" > "$TMP/render" 2> "$TMP/render.err" || fail "man cannot render $page"
    [ ! -s "$TMP/render.err" ] || { cat "$TMP/render.err"; fail "warnings rendering $page"; }
  done
  echo "ok: man pages render"
fi
