#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# offlinewin.h is self-contained: it compiles alone, as C11 and as C++.
. "$(dirname "$0")/functions.sh"
printf '#include "offlinewin.h"\nint main (void) { return ow_error_class () != OW_ERR_NONE; }\n' > "$TMP/t.c"
cc -std=c11 -Wall -Wextra -Werror -Ioffline-win/include -c -o "$TMP/t.o" "$TMP/t.c"
echo "ok: C11"
if command -v g++ >/dev/null; then
  cp "$TMP/t.c" "$TMP/t.cc"
  g++ -Wall -Wextra -Werror -Ioffline-win/include -c -o "$TMP/t2.o" "$TMP/t.cc"
  echo "ok: C++"
fi
