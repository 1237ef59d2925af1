/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-thread last error: class, errno and a message with context. */
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

static _Thread_local char *last_msg;
static _Thread_local enum ow_error_class last_class;
static _Thread_local int last_errno;

int
ow_err_set (enum ow_error_class cls, int errnum, const char *fmt, ...)
{
  va_list ap;
  char *msg = NULL;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) == -1)
    msg = NULL;
  va_end (ap);
  free (last_msg);
  last_msg = msg;
  last_class = cls;
  last_errno = errnum;
  ow_debug ("error: %s", msg ? msg : "(out of memory)");
  errno = errnum;
  return -1;
}

void
ow_err_context (const char *fmt, ...)
{
  va_list ap;
  char *ctx = NULL, *msg = NULL;
  int saved = errno;

  va_start (ap, fmt);
  if (vasprintf (&ctx, fmt, ap) == -1)
    ctx = NULL;
  va_end (ap);
  if (ctx && asprintf (&msg, "%s: %s", ctx, last_msg ? last_msg : "unknown error") != -1) {
    free (last_msg);
    last_msg = msg;
  }
  free (ctx);
  errno = saved;
}

const char *
ow_error_message (void)
{
  return last_msg ? last_msg : "unknown error";
}

enum ow_error_class
ow_error_class (void)
{
  return last_msg ? last_class : OW_ERR_NONE;
}

int
ow_error_errno (void)
{
  return last_errno;
}

void
ow_error_clear (void)
{
  free (last_msg);
  last_msg = NULL;
  last_class = OW_ERR_NONE;
  last_errno = 0;
}
