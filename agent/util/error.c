/* SPDX-License-Identifier: GPL-3.0-or-later */
/* struct ce_error: what went wrong, in a form the HTTP layer can map. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent.h"

int
ce_error_set (struct ce_error *err, enum ce_err_kind kind, const char *code,
              const char *fmt, ...)
{
  va_list ap;
  char *msg = NULL;

  if (!err)
    return -1;
  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) == -1)
    msg = NULL;
  va_end (ap);
  free (err->message);
  err->kind = kind;
  err->code = code;
  err->message = msg;
  return -1;
}

void
ce_error_clear (struct ce_error *err)
{
  free (err->message);
  err->message = NULL;
  err->kind = CE_E_NONE;
  err->code = NULL;
}

void
ce_error_move (struct ce_error *dst, struct ce_error *src)
{
  free (dst->message);
  *dst = *src;
  src->message = NULL;
  src->kind = CE_E_NONE;
  src->code = NULL;
}
