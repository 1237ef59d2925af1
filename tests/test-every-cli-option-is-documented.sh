#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every command and long option ce-offline accepts appears in its man page
# and in docs/ce-offline.md.
. "$(dirname "$0")/functions.sh"
cmds=$(sed -n 's/^  { "\([a-z-]*\)", cmd_.*/\1/p' offline-win/cli/commands.c)
[ -n "$cmds" ] || fail "no commands found in commands.c"
opts=$(grep -ho '{ "[a-z][a-z-]*", \(no\|required\|optional\)_argument' offline-win/cli/*.c | cut -d'"' -f2 | sort -u)
[ -n "$opts" ] || fail "no options found"
# The man page's text with roff escapes for '-' and fonts removed.
man=$(sed 's/\\-/-/g; s/\\f[BIRP]//g' docs/ce-offline.1)
for c in $cmds; do
  grep -q -- "$c" <<<"$man" || fail "command $c missing from ce-offline.1"
  grep -q -- "$c" docs/ce-offline.md || fail "command $c missing from ce-offline.md"
  echo "ok: command $c documented"
done
for o in $opts; do
  grep -q -- "--$o" <<<"$man" || fail "option --$o missing from ce-offline.1"
  grep -q -- "--$o" docs/ce-offline.md || fail "option --$o missing from ce-offline.md"
  echo "ok: option --$o documented"
done
