/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Small jansson helpers shared by the Windows layer. */
#include <stdio.h>
#include <stdlib.h>

#include "win.h"

void
ow_json_set_str (json_t *obj, const char *key, const char *s)
{
  json_object_set_new (obj, key, s ? json_string (s) : json_null ());
}

void
ow_json_set_str_take (json_t *obj, const char *key, char *s)
{
  ow_json_set_str (obj, key, s);
  free (s);
}

json_t *
ow_json_strv (char **v)
{
  json_t *a = json_array ();

  for (size_t i = 0; v && v[i]; i++)
    json_array_append_new (a, json_string (v[i]));
  return a;
}

void
ow_win_problem (json_t *problems, const char *code, const char *fmt, ...)
{
  va_list ap;
  char *msg = NULL;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) == -1)
    msg = NULL;
  va_end (ap);
  json_array_append_new (problems, json_pack ("{s:s, s:s}", "code", code,
                                              "message", msg ? msg : code));
  free (msg);
}
