/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The image's identity, for GET /v1/info: the commit it was built from and
 * its content digest, from the file imagebuild/mkinitramfs writes
 * (/etc/ce-image.json).  The digest covers the kernel and every other
 * initramfs entry (scripts/image-digest): a connector compares it with the
 * provenance.json of the image it approved (docs/APPLIANCE.md). */
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

/* The file holds three short fields; anything larger is not ours. */
#define MAX_IMAGE_INFO_SIZE 4096
#define COMMIT_RE "^([0-9a-f]{40}(-dirty)?|unknown)$"
#define DIGEST_RE "^sha256:[0-9a-f]{64}$"

static int
fail (char **errmsg, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  if (vasprintf (errmsg, fmt, ap) == -1)
    *errmsg = NULL;
  va_end (ap);
  return -1;
}

static bool
matches (const char *s, const char *re)
{
  regex_t r;
  bool ok;
  if (regcomp (&r, re, REG_EXTENDED | REG_NOSUB) != 0)
    return false;
  ok = regexec (&r, s, 0, NULL, 0) == 0;
  regfree (&r);
  return ok;
}

int
ce_image_info_load (const char *path, json_t **out, char **errmsg)
{
  size_t len;
  char *text = ce_read_file (path, MAX_IMAGE_INFO_SIZE, &len);
  json_error_t jerr;
  json_t *doc;
  const char *commit = NULL, *digest = NULL;
  json_int_t sde = -1;

  *out = NULL;
  if (!text)
    return fail (errmsg, "image info %s: %s", path, strerror (errno));
  doc = json_loadb (text, len, JSON_REJECT_DUPLICATES, &jerr);
  free (text);
  if (!doc)
    return fail (errmsg, "image info %s: %s", path, jerr.text);
  if (json_unpack_ex (doc, &jerr, JSON_STRICT, "{s:s, s:I, s:s}", "commit", &commit,
                      "sourceDateEpoch", &sde, "contentDigest", &digest) == -1) {
    json_decref (doc);
    return fail (errmsg, "image info %s: %s", path, jerr.text);
  }
  if (!matches (commit, COMMIT_RE) || !matches (digest, DIGEST_RE) || sde < 0) {
    json_decref (doc);
    return fail (errmsg, "image info %s: malformed commit, digest or time", path);
  }
  *out = doc;
  return 0;
}
