/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SMB location of a copy job: smb://HOST[:PORT]/SHARE[/DIR...][/].
 * It comes from a remote controller, so every part is checked here, once,
 * when the job is posted: a bad location is a 400 naming what is wrong,
 * not a failed mount minutes later. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "share/share.h"

#define SCHEME "smb://"
#define FIELD "$.outputStorageLocation.location"
#define MAX_LOCATION 4096

bool
ce_smb_url_is_smb (const char *location)
{
  return location && strncasecmp (location, SCHEME, strlen (SCHEME)) == 0;
}

void
ce_smb_url_free (struct ce_smb_url *url)
{
  if (!url)
    return;
  free (url->host);
  free (url->share);
  free (url->dir);
  memset (url, 0, sizeof *url);
}

static int
hexval (int c)
{
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decode S[0..LEN) into a new string; NULL if an escape is broken
 * or decodes to a control character (NUL included). *BAD says which. */
static char *
decode (const char *s, size_t len, const char **bad)
{
  char *out = malloc (len + 1), *o = out;

  if (!out) {
    *bad = "out of memory";
    return NULL;
  }
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char) s[i];
    if (c == '%') {
      int h, l;
      if (i + 2 >= len || (h = hexval (s[i + 1])) < 0 || (l = hexval (s[i + 2])) < 0) {
        *bad = "a '%' not followed by two hex digits";
        free (out);
        return NULL;
      }
      c = (unsigned char) (h * 16 + l);
      i += 2;
    }
    if (c < 0x20 || c == 0x7f) {
      *bad = "a control character";
      free (out);
      return NULL;
    }
    *o++ = (char) c;
  }
  *o = '\0';
  return out;
}

static bool
host_char_ok (int c)
{
  return isalnum (c) || c == '-' || c == '.' || c == '_';
}

/* HOST[:PORT] of AUTH[0..LEN). */
static int
parse_authority (const char *auth, size_t len, struct ce_smb_url *url,
                 struct ce_error *err)
{
  const char *host = auth, *port = NULL;
  size_t hlen;

  if (memchr (auth, '@', len))
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         FIELD ": user information does not belong in the URL; "
                         "use outputStorageLocation.username and .password");
  if (len > 0 && auth[0] == '[') {
    const char *close = memchr (auth, ']', len);
    if (!close)
      return ce_error_set (err, CE_E_INVALID, "invalidValue",
                           FIELD ": '[' of an IPv6 address without ']'");
    host = auth + 1;
    hlen = (size_t) (close - host);
    if (hlen == 0 || strspn (host, "0123456789abcdefABCDEF:.") < hlen)
      return ce_error_set (err, CE_E_INVALID, "invalidValue",
                           FIELD ": not an IPv6 address between '[' and ']'");
    if (close + 1 < auth + len) {
      if (close[1] != ':')
        return ce_error_set (err, CE_E_INVALID, "invalidValue",
                             FIELD ": unexpected text after ']'");
      port = close + 2;
    }
  }
  else {
    const char *colon = memchr (auth, ':', len);
    hlen = colon ? (size_t) (colon - auth) : len;
    if (colon)
      port = colon + 1;
    if (hlen == 0)
      return ce_error_set (err, CE_E_INVALID, "invalidValue",
                           FIELD ": missing host (smb://host[:port]/share/dir/)");
    for (size_t i = 0; i < hlen; i++)
      if (!host_char_ok ((unsigned char) auth[i]))
        return ce_error_set (err, CE_E_INVALID, "invalidValue",
                             FIELD ": the host name may hold only letters, digits, "
                             "'-', '_' and '.'");
  }
  if (hlen > CE_SMB_MAX_HOST)
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         FIELD ": host longer than %d characters", CE_SMB_MAX_HOST);
  url->port = CE_SMB_DEFAULT_PORT;
  if (port) {
    size_t plen = (size_t) (auth + len - port);
    unsigned long p = 0;
    if (plen == 0 || plen > 5 || strspn (port, "0123456789") < plen)
      return ce_error_set (err, CE_E_INVALID, "invalidValue",
                           FIELD ": the port must be a number from 1 to 65535");
    for (size_t i = 0; i < plen; i++)
      p = p * 10 + (unsigned long) (port[i] - '0');
    if (p < 1 || p > 65535)
      return ce_error_set (err, CE_E_INVALID, "invalidValue",
                           FIELD ": the port must be a number from 1 to 65535");
    url->port = (unsigned) p;
  }
  url->host = strndup (host, hlen);
  if (!url->host)
    return ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
  return 0;
}

/* One path segment (share name or directory): decoded, no separators, not
 * "." or "..". */
static char *
segment (const char *s, size_t len, const char *what, struct ce_error *err)
{
  const char *bad = NULL;
  char *seg;

  if (len == 0) {
    ce_error_set (err, CE_E_INVALID, "invalidValue",
                  FIELD ": empty %s (two '/' in a row?)", what);
    return NULL;
  }
  seg = decode (s, len, &bad);
  if (!seg) {
    ce_error_set (err, CE_E_INVALID, "invalidValue", FIELD ": the %s contains %s",
                  what, bad);
    return NULL;
  }
  if (!strcmp (seg, ".") || !strcmp (seg, "..")) {
    ce_error_set (err, CE_E_INVALID, "invalidValue",
                  FIELD ": '%s' is not allowed in the %s ('.' and '..' could leave "
                  "the share or the directory)", seg, what);
    free (seg);
    return NULL;
  }
  if (strpbrk (seg, "/\\")) {
    ce_error_set (err, CE_E_INVALID, "invalidValue",
                  FIELD ": the %s contains an encoded '/' or '\\'", what);
    free (seg);
    return NULL;
  }
  return seg;
}

int
ce_smb_url_parse (const char *location, struct ce_smb_url *url,
                  struct ce_error *err)
{
  const char *p, *slash, *end;
  size_t dirlen = 0;
  char *dir = NULL;

  memset (url, 0, sizeof *url);
  if (!ce_smb_url_is_smb (location))
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         FIELD ": expected smb://host[:port]/share/dir/");
  if (strlen (location) > MAX_LOCATION)
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         FIELD ": longer than %d characters", MAX_LOCATION);
  if (strpbrk (location, "?#"))
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         FIELD ": '?' and '#' are not allowed (no query or fragment)");
  if (strchr (location, '\\'))
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         FIELD ": use '/' to separate the share and directories, not '\\'");
  for (p = location; *p; p++)
    if ((unsigned char) *p <= 0x20 || (unsigned char) *p == 0x7f)
      return ce_error_set (err, CE_E_INVALID, "invalidValue",
                           FIELD ": spaces and control characters must be "
                           "percent-encoded (%%20)");
  p = location + strlen (SCHEME);
  slash = strchr (p, '/');
  if (!slash)
    slash = p + strlen (p);
  if (parse_authority (p, (size_t) (slash - p), url, err) == -1)
    goto fail;
  if (*slash != '/' || slash[1] == '\0') {
    ce_error_set (err, CE_E_INVALID, "invalidValue",
                  FIELD ": missing share name (smb://host[:port]/share/dir/)");
    goto fail;
  }
  p = slash + 1;
  end = strchr (p, '/');
  if (!end)
    end = p + strlen (p);
  url->share = segment (p, (size_t) (end - p), "share name", err);
  if (!url->share)
    goto fail;
  if (strlen (url->share) > CE_SMB_MAX_SHARE) {
    ce_error_set (err, CE_E_INVALID, "invalidValue",
                  FIELD ": share name longer than %d characters", CE_SMB_MAX_SHARE);
    goto fail;
  }
  /* The directory: segments up to an optional trailing '/'. */
  dir = calloc (1, strlen (end) + 1);
  if (!dir) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
    goto fail;
  }
  p = *end == '/' ? end + 1 : end;
  while (*p) {
    char *seg;
    end = strchr (p, '/');
    if (!end)
      end = p + strlen (p);
    seg = segment (p, (size_t) (end - p), "directory", err);
    if (!seg)
      goto fail;
    if (dirlen)
      dir[dirlen++] = '/';
    memcpy (dir + dirlen, seg, strlen (seg) + 1);   /* decoded: never longer */
    dirlen += strlen (seg);
    free (seg);
    p = *end == '/' ? end + 1 : end;
  }
  if (dirlen > CE_SMB_MAX_DIR) {
    ce_error_set (err, CE_E_INVALID, "invalidValue",
                  FIELD ": directory longer than %d characters", CE_SMB_MAX_DIR);
    goto fail;
  }
  url->dir = dir;
  return 0;

 fail:
  free (dir);
  ce_smb_url_free (url);
  return -1;
}

/* A credential field: a string within LIMIT characters (the parser already
 * checked types; this is the kernel's limit). */
static int
check_cred (const json_t *loc, const char *key, size_t limit, struct ce_error *err)
{
  const json_t *v = json_object_get (loc, key);
  if (!v)
    return 0;
  if (!json_is_string (v))
    return ce_error_set (err, CE_E_INVALID, "invalidType",
                         "$.outputStorageLocation.%s: expected a string", key);
  if (json_string_length (v) > limit)
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         "$.outputStorageLocation.%s: longer than %zu characters",
                         key, limit);
  return 0;
}

int
ce_share_check_location (const json_t *loc, struct ce_error *err)
{
  static const char *const creds[] = { "username", "password", "domain", NULL };
  const char *where;
  struct ce_smb_url url;

  if (!loc)
    return 0;
  where = json_string_value (json_object_get (loc, "location"));
  if (!where)
    return ce_error_set (err, CE_E_INVALID, "missingField",
                         "$.outputStorageLocation: missing field 'location'");
  if (!ce_smb_url_is_smb (where)) {
    if (where[0] == '\\')
      return ce_error_set (err, CE_E_INVALID, "invalidValue",
                           FIELD ": write a UNC path \\\\host\\share\\dir as "
                           "smb://host/share/dir/");
    if (where[0] != '/')
      return ce_error_set (err, CE_E_INVALID, "invalidValue",
                           FIELD ": expected smb://host[:port]/share/dir/ or an "
                           "absolute directory of the agent's machine");
    for (const char *const *c = creds; *c; c++)
      if (json_object_get (loc, *c))
        return ce_error_set (err, CE_E_INVALID, "invalidValue",
                             "$.outputStorageLocation.%s: only used with smb:// "
                             "locations", *c);
    return 0;
  }
  if (ce_smb_url_parse (where, &url, err) == -1)
    return -1;
  ce_smb_url_free (&url);
  if (!json_object_get (loc, "username"))
    return ce_error_set (err, CE_E_INVALID, "missingField",
                         "$.outputStorageLocation: missing field 'username' "
                         "(required for smb:// locations)");
  if (json_string_length (json_object_get (loc, "username")) == 0)
    return ce_error_set (err, CE_E_INVALID, "invalidValue",
                         "$.outputStorageLocation.username: must not be empty");
  if (check_cred (loc, "username", CE_SMB_MAX_USERNAME, err) == -1 ||
      check_cred (loc, "password", CE_SMB_MAX_PASSWORD, err) == -1 ||
      check_cred (loc, "domain", CE_SMB_MAX_DOMAIN, err) == -1)
    return -1;
  return 0;
}

void
ce_share_forget_credentials (json_t *loc)
{
  json_t *pw = json_object_get (loc, "password");

  if (!json_is_string (pw))
    return;
  /* jansson hands out its own buffer; overwrite it before it is freed. */
  explicit_bzero ((char *) json_string_value (pw), json_string_length (pw));
  json_object_del (loc, "password");
}

/* S percent-encoded where a URL needs it ('/' kept when KEEP_SLASH). */
static void
put_encoded (FILE *f, const char *s, bool keep_slash)
{
  for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
    if (isalnum (*p) || strchr ("-._~!$&'()*+,;=:@", *p) || (keep_slash && *p == '/'))
      fputc (*p, f);
    else
      fprintf (f, "%%%02X", *p);
  }
}

char *
ce_smb_url_format (const struct ce_smb_url *url)
{
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream (&buf, &size);
  bool v6 = strchr (url->host, ':') != NULL;

  if (!f)
    return NULL;
  fprintf (f, "smb://%s%s%s", v6 ? "[" : "", url->host, v6 ? "]" : "");
  if (url->port != CE_SMB_DEFAULT_PORT)
    fprintf (f, ":%u", url->port);
  fputc ('/', f);
  put_encoded (f, url->share, false);
  if (*url->dir) {
    fputc ('/', f);
    put_encoded (f, url->dir, true);
  }
  if (fclose (f) != 0) {
    free (buf);
    return NULL;
  }
  return buf;
}
