/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Debug messages on stderr, behind -v or CE_DEBUG=1.  Never changes errno. */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

static int debug_state = -1;    /* -1: not decided yet, read CE_DEBUG */

void
ow_set_debug (bool on)
{
  debug_state = on;
}

bool
ow_debug_enabled (void)
{
  if (debug_state == -1) {
    const char *e = getenv ("CE_DEBUG");
    debug_state = e && *e && strcmp (e, "0") != 0;
  }
  return debug_state;
}

void
ow_debug_at (const char *fn, const char *fmt, ...)
{
  va_list ap;
  int saved = errno;

  fprintf (stderr, "libofflinewin: %s: ", fn);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  errno = saved;
}
