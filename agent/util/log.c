/* SPDX-License-Identifier: GPL-3.0-or-later */
/* JSON-lines log on stderr.  One line per call, written with one write so
 * lines from different threads never interleave. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

static bool debug_on;

void
ce_log_set_debug (bool on)
{
  debug_on = on;
}

static const char *
level_name (enum ce_log_level l)
{
  switch (l) {
  case CE_LOG_DEBUG: return "debug";
  case CE_LOG_INFO: return "info";
  case CE_LOG_WARN: return "warning";
  case CE_LOG_ERROR: return "error";
  }
  return "info";
}

void
ce_log (enum ce_log_level level, const char *event, const char *fmt, ...)
{
  int saved = errno;
  va_list ap;
  char *msg = NULL, *line = NULL;
  char tbuf[CE_TIME_BUF];
  struct timespec ts;
  json_t *obj = NULL;

  if (level == CE_LOG_DEBUG && !debug_on)
    goto out;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) == -1)
    msg = NULL;
  va_end (ap);
  clock_gettime (CLOCK_REALTIME, &ts);
  ce_time_format (&ts, tbuf);
  obj = json_pack ("{s:s, s:s, s:s, s:s}", "time", tbuf,
                   "level", level_name (level), "event", event,
                   "message", msg ? msg : "(out of memory)");
  if (!obj)
    goto out;
  line = json_dumps (obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (line) {
    char *full = NULL;
    if (asprintf (&full, "%s\n", line) != -1) {
      ssize_t r = write (STDERR_FILENO, full, strlen (full));
      (void) r;
      free (full);
    }
  }
 out:
  free (line);
  free (msg);
  json_decref (obj);
  errno = saved;
}
