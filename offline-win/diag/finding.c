/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Findings and their evidence: every finding names where it comes from
 * (a registry value, a file, an event record) and says in operator words
 * what to do about it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "diag/diag.h"

/* Seconds from 1601-01-01 (FILETIME) to 1970-01-01. */
#define FILETIME_UNIX_OFFSET 11644473600ULL

json_t *
diag_finding (struct diag *d, const char *code, const char *severity,
              json_t *evidence, const char *hint_fmt, ...)
{
  json_t *f = json_object ();
  char *hint = NULL;
  va_list ap;

  va_start (ap, hint_fmt);
  if (vasprintf (&hint, hint_fmt, ap) == -1)
    hint = NULL;
  va_end (ap);
  if (evidence && !json_is_array (evidence)) {
    json_t *a = json_array ();
    json_array_append_new (a, evidence);
    evidence = a;
  }
  json_object_set_new (f, "code", json_string (code));
  json_object_set_new (f, "severity", json_string (severity));
  json_object_set_new (f, "evidence", evidence ? evidence : json_array ());
  json_object_set_new (f, "hint", hint ? json_string (hint) : json_null ());
  free (hint);
  json_array_append_new (d->findings, f);
  return f;
}

json_t *
diag_ev_registry (const char *hive, const char *key, const char *value, json_t *data)
{
  json_t *e = json_pack ("{s:s, s:s, s:s}", "source", "registry", "hive", hive, "key", key);
  if (value)
    json_object_set_new (e, "value", json_string (value));
  json_object_set_new (e, "data", data ? data : json_null ());
  return e;
}

json_t *
diag_ev_file (const char *path, const char *what)
{
  json_t *e = json_pack ("{s:s, s:s+}", "source", "file", "path", "/", path);
  if (what)
    json_object_set_new (e, "what", json_string (what));
  return e;
}

void
diag_key_used (struct diag *d, const char *hive, const char *key)
{
  json_t *k = json_sprintf ("%s\\%s", hive, key);
  size_t i;
  json_t *v;

  json_array_foreach (d->keys, i, v)
    if (json_equal (v, k)) {
      json_decref (k);
      return;
    }
  json_array_append_new (d->keys, k);
}

void
diag_file_note (struct diag *d, const char *path, const char *kind)
{
  size_t i;
  json_t *v;

  json_array_foreach (d->files, i, v)
    if (strcasecmp (json_string_value (json_object_get (v, "path")), path) == 0)
      return;
  json_array_append_new (d->files, json_pack ("{s:s, s:s}", "path", path, "kind", kind));
}

char *
diag_cs (struct diag *d, const char *rest)
{
  char *p;
  if (asprintf (&p, "%s\\%s", d->w.control_set ? d->w.control_set : "ControlSet001",
                rest) == -1)
    return NULL;
  return p;
}

void
diag_filetime_text (uint64_t ft, char buf[32])
{
  uint64_t secs = ft / 10000000ULL;
  struct tm tm;
  time_t t;

  if (ft == 0 || secs < FILETIME_UNIX_OFFSET) {
    snprintf (buf, 32, "unknown");
    return;
  }
  t = (time_t) (secs - FILETIME_UNIX_OFFSET);
  if (gmtime_r (&t, &tm) == NULL ||
      strftime (buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    snprintf (buf, 32, "unknown");
}
