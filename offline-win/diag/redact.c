/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What never leaves in a bundle.  Files that can hold credentials are
 * left out by name (the SAM and SECURITY hives, Windows answer files that
 * may carry passwords); job documents carrying an SMB password are left
 * out whole; every other text has its secrets replaced: JSON fields whose
 * name says secret, "password=..." style pairs, Bearer tokens and URL
 * user:password@ parts. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "diag/diag.h"

#define REDACTED "<redacted>"
/* JSON nesting we walk; deeper is not one of our documents. */
#define MAX_JSON_DEPTH 64

static const char *const forbidden_names[] = { "sam", "security", "unattend.xml",
                                               "autounattend.xml", NULL };
/* Names whose value is a secret, as JSON keys or key=value words. */
static const char *const secret_words[] = { "password", "passwd", "pwd", "token", "secret",
                                            "apikey", "api_key", "credential", "tlsKey",
                                            "clientSecret", NULL };

bool
ow_diag_name_forbidden (const char *path)
{
  const char *b = path, *s;

  for (s = path; *s; s++)
    if (*s == '/' || *s == '\\')
      b = s + 1;
  for (size_t i = 0; forbidden_names[i]; i++) {
    size_t n = strlen (forbidden_names[i]);
    /* SAM, SAM.LOG1, SECURITY.ce-backup...: the hive and its copies. */
    if (strncasecmp (b, forbidden_names[i], n) == 0 && (b[n] == '\0' || b[n] == '.'))
      return true;
  }
  return false;
}

static bool
secret_key (const char *k)
{
  for (size_t i = 0; secret_words[i]; i++)
    if (strcasestr (k, secret_words[i]))
      return true;
  return false;
}

static void redact_text (FILE *out, const char *p, size_t len);

/* A string value with "password=..." and the like inside it. */
static void
redact_string (json_t *j, const char *k, json_t *v)
{
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream (&buf, &size);

  if (f == NULL)
    return;
  redact_text (f, json_string_value (v), json_string_length (v));
  if (fclose (f) == 0 && strcmp (buf, json_string_value (v)) != 0)
    json_object_set_new (j, k, json_string (buf));
  free (buf);
}

static void
redact_json (json_t *j, int depth)
{
  const char *k;
  json_t *v;
  size_t i;

  if (depth > MAX_JSON_DEPTH)
    return;
  if (json_is_object (j))
    json_object_foreach (j, k, v) {
      if (secret_key (k) && !json_is_object (v) && !json_is_array (v) && !json_is_null (v))
        json_object_set_new (j, k, json_string (REDACTED));
      else if (json_is_string (v))
        redact_string (j, k, v);
      else
        redact_json (v, depth + 1);
    }
  else if (json_is_array (j))
    json_array_foreach (j, i, v)
      redact_json (v, depth + 1);
}

/* A job document (ours or IPS's) naming an SMB destination with a password. */
static bool
job_with_password (json_t *j)
{
  json_t *loc = json_object_get (j, "outputStorageLocation");
  const char *pw = json_string_value (json_object_get (loc, "password"));
  return pw && *pw && strcmp (pw, REDACTED) != 0;
}

/* Plain text: OUT gets LINE with the value after each secret word
 * ("password=x", "Password: x", "pwd x"...), after "Bearer " and the
 * password of "scheme://user:password@" replaced. */
static void
redact_text (FILE *out, const char *p, size_t len)
{
  const char *end = p + len;

  while (p < end) {
    size_t skip = 0;
    for (size_t i = 0; secret_words[i] && !skip; i++) {
      size_t n = strlen (secret_words[i]);
      if ((size_t) (end - p) > n && strncasecmp (p, secret_words[i], n) == 0) {
        const char *q = p + n;
        while (q < end && (*q == ' ' || *q == '"' || *q == '\''))
          q++;
        if (q < end && (*q == '=' || *q == ':')) {
          q++;
          while (q < end && (*q == ' ' || *q == '"' || *q == '\''))
            q++;
          const char *v = q;
          while (q < end && !isspace ((unsigned char) *q) && *q != '"' && *q != '\'' &&
                 *q != ';' && *q != ',' && *q != '&')
            q++;
          if (q > v) {
            fwrite (p, 1, (size_t) (v - p), out);
            fputs (REDACTED, out);
            skip = (size_t) (q - p);
          }
        }
      }
    }
    if (!skip && (size_t) (end - p) > 7 && strncasecmp (p, "Bearer ", 7) == 0) {
      const char *q = p + 7;
      while (q < end && !isspace ((unsigned char) *q) && *q != '"')
        q++;
      fputs ("Bearer " REDACTED, out);
      skip = (size_t) (q - p);
    }
    if (!skip && (size_t) (end - p) > 3 && strncmp (p, "://", 3) == 0) {
      /* scheme://user:password@host */
      const char *q = p + 3, *colon = NULL;
      while (q < end && *q != '@' && *q != '/' && !isspace ((unsigned char) *q)) {
        if (*q == ':' && !colon)
          colon = q;
        q++;
      }
      if (q < end && *q == '@' && colon) {
        fwrite (p, 1, (size_t) (colon + 1 - p), out);
        fputs (REDACTED, out);
        skip = (size_t) (q - p);
      }
    }
    if (skip)
      p += skip;
    else
      fputc (*p++, out);
  }
}

char *
ow_diag_redact (const char *text, size_t len, bool *exclude)
{
  char *buf = NULL;
  size_t size = 0;
  FILE *out;
  json_t *j = json_loadb (text, len, 0, NULL);

  *exclude = false;
  if (j) {
    char *s;
    *exclude = job_with_password (j);
    redact_json (j, 0);
    s = json_dumps (j, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
    json_decref (j);
    if (s == NULL)
      ow_err (ENOMEM, "out of memory");
    return s;
  }
  out = open_memstream (&buf, &size);
  if (out == NULL) {
    ow_err (errno, "open_memstream: %m");
    return NULL;
  }
  /* Line by line: a JSON line (our job logs) is redacted as JSON. */
  for (const char *p = text, *end = text + len; p < end;) {
    const char *nl = memchr (p, '\n', (size_t) (end - p));
    size_t l = nl ? (size_t) (nl - p) : (size_t) (end - p);
    json_t *line = l > 1 && *p == '{' ? json_loadb (p, l, 0, NULL) : NULL;
    if (line) {
      char *s;
      *exclude |= job_with_password (line);
      redact_json (line, 0);
      s = json_dumps (line, JSON_COMPACT | JSON_PRESERVE_ORDER);
      if (s)
        fputs (s, out);
      free (s);
      json_decref (line);
    }
    else
      redact_text (out, p, l);
    if (nl)
      fputc ('\n', out);
    p += l + (nl ? 1 : 0);
  }
  if (fclose (out) != 0) {
    free (buf);
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  return buf;
}
