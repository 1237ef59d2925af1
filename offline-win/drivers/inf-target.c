/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TargetOSVersion decorations and hardware ID matching (the rules and
 * their sources: docs/drivers.md, "Selection"). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "inf.h"

/* ---- decorations ----------------------------------------------------------- */

int
ow_inf_parse_target (const char *d, struct ow_inf_target *t)
{
  static const char *const arches[] = { "amd64", "arm64", "x86", "arm", "ia64" };
  unsigned *num[] = { &t->major, &t->minor, &t->product_type, &t->suite, &t->build };
  const char *p = d;

  memset (t, 0, sizeof *t);
  if (strncasecmp (p, "NT", 2) != 0)
    return -1;
  p += 2;
  for (size_t i = 0; i < sizeof arches / sizeof *arches; i++)
    if (strncasecmp (p, arches[i], strlen (arches[i])) == 0) {
      strcpy (t->arch, arches[i]);
      p += strlen (arches[i]);
      break;
    }
  for (size_t i = 0; *p && i < sizeof num / sizeof *num; i++) {
    char *end;
    unsigned long v;

    if (*p != '.')
      return -1;
    p++;
    if (*p == '.' || *p == '\0')
      continue;                 /* an empty field: any */
    if (!isdigit ((unsigned char) *p))
      return -1;
    errno = 0;
    v = strtoul (p, &end, 0);   /* SuiteMask may be 0x... */
    if (errno || v > UINT32_MAX)
      return -1;
    *num[i] = (unsigned) v;
    p = end;
  }
  return *p ? -1 : 0;
}

/* NULL if T applies to IMG, else why not (static text). */
const char *
ow_inf_target_misfit (const struct ow_inf_target *t, const struct ow_inf_image *img)
{
  if (t->arch[0] ? strcasecmp (t->arch, img->arch) != 0 : strcmp (img->arch, "x86") != 0)
    return "another architecture";
  if (t->major > img->major || (t->major == img->major && t->minor > img->minor))
    return "a newer Windows version";
  if (t->build && (t->major < img->major || t->minor < img->minor
                   ? false : t->build > img->build))
    return "a newer Windows build";
  if (t->product_type && t->product_type != img->product_type)
    return "another product type";
  if (t->suite)
    return "a SuiteMask (the image's suite is not read offline)";
  return NULL;
}

int
ow_inf_target_cmp (const struct ow_inf_target *a, const struct ow_inf_target *b)
{
  unsigned ka[] = { a->major, a->minor, a->build, a->product_type != 0, a->arch[0] != 0 };
  unsigned kb[] = { b->major, b->minor, b->build, b->product_type != 0, b->arch[0] != 0 };

  for (size_t i = 0; i < sizeof ka / sizeof *ka; i++)
    if (ka[i] != kb[i])
      return ka[i] < kb[i] ? -1 : 1;
  return 0;
}

/* ---- IDs ------------------------------------------------------------------- */

int
ow_inf_hwid_match (const char *inf_id, const char *needed)
{
  size_t a = strlen (inf_id), b = strlen (needed);

  if (a == b)
    return strcasecmp (inf_id, needed) == 0 ? 2 : 0;
  if (a > b)
    return strncasecmp (inf_id, needed, b) == 0 && inf_id[b] == '&';
  return strncasecmp (inf_id, needed, a) == 0 && needed[a] == '&';
}
