/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The INFs of the driver packages, parsed once (struct ow_inf_set), and
 * the Include= chains between them. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "internal.h"
#include "inf.h"

static int
nomem (void)
{
  return ow_err (ENOMEM, "INF set: out of memory");
}

static char *
fmt (const char *f, ...) __attribute__ ((format (printf, 1, 2)));
static char *
fmt (const char *f, ...)
{
  va_list ap;
  char *s;

  va_start (ap, f);
  if (vasprintf (&s, f, ap) < 0)
    s = NULL;
  va_end (ap);
  return s;
}

static int
push (char ***v, size_t *n, char *s)
{
  char **p;

  if (s == NULL)
    return nomem ();
  p = ow_inf_grow (v, *n ? *n + 1 : 0, *n + 2, sizeof *p) == 0 ? *v : NULL;
  if (p == NULL) {
    free (s);
    return nomem ();
  }
  *v = p;
  p[(*n)++] = s;
  p[*n] = NULL;
  return 0;
}

struct ow_inf_set *
ow_inf_set_new (ow_inf_exists_fn exists, void *opaque)
{
  struct ow_inf_set *s = calloc (1, sizeof *s);

  if (s == NULL) {
    ow_err (ENOMEM, "INF set: out of memory");
    return NULL;
  }
  s->exists = exists;
  s->opaque = opaque;
  return s;
}

void
ow_inf_set_free (struct ow_inf_set *s)
{
  if (s == NULL)
    return;
  for (size_t i = 0; i < s->n; i++) {
    free (s->e[i].package); free (s->e[i].path); free (s->e[i].name);
    free (s->e[i].dir); free (s->e[i].error);
    ow_inf_free (s->e[i].inf);
  }
  free (s->e);
  free (s);
}

int
ow_inf_set_add (struct ow_inf_set *s, const char *package, const char *path,
                const void *buf, size_t len)
{
  struct ow_inf_entry *e, *p;
  const char *base = strrchr (path, '/'), *bs;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned mdlen = 0;

  if (s->n >= OW_INF_MAX_INFS)
    return ow_err (E2BIG, "more than %d INF files in the driver packages", OW_INF_MAX_INFS);
  p = ow_inf_grow (&s->e, s->n, s->n + 1, sizeof *p) == 0 ? s->e : NULL;
  if (p == NULL)
    return ow_err (ENOMEM, "INF set: out of memory");
  s->e = p;
  e = &p[s->n];
  memset (e, 0, sizeof *e);
  base = base ? base + 1 : path;
  if ((bs = strrchr (base, '\\')) != NULL)
    base = bs + 1;
  e->package = strdup (package);
  e->path = strdup (path);
  e->name = strdup (base);
  e->dir = strndup (path, (size_t) (base - path));
  if (!e->package || !e->path || !e->name || !e->dir)
    goto nomem;
  for (char *c = e->name; *c; c++)
    *c = (char) tolower ((unsigned char) *c);
  if (EVP_Digest (buf, len, md, &mdlen, EVP_sha256 (), NULL) != 1 || mdlen < 8)
    goto nomem;
  for (int i = 0; i < 8; i++)
    snprintf (e->hash + 2 * i, 3, "%02x", md[i]);
  e->inf = ow_inf_parse (path, buf, len);
  if (e->inf == NULL) {
    if (errno == ENOMEM && strstr (ow_error_message (), "out of memory"))
      goto nomem;
    e->error = strdup (ow_error_message ());
    ow_error_clear ();
    if (e->error == NULL)
      goto nomem;
  }
  s->n++;
  return 0;
nomem:
  free (e->package); free (e->path); free (e->name); free (e->dir);
  return ow_err (ENOMEM, "INF set: out of memory");
}

/* Entries of the same package named NAME (case-insensitive file name),
 * the one in DIR first.  NULL if none. */
static const struct ow_inf_entry *
find_include (const struct ow_inf_set *s, const struct ow_inf_entry *from, const char *name)
{
  const struct ow_inf_entry *hit = NULL;
  const char *base = strrchr (name, '\\');

  base = base ? base + 1 : name;
  for (size_t i = 0; i < s->n; i++) {
    const struct ow_inf_entry *e = &s->e[i];

    if (strcmp (e->package, from->package) != 0 || strcasecmp (e->name, base) != 0)
      continue;
    if (strcmp (e->dir, from->dir) == 0)
      return e;
    if (hit == NULL)
      hit = e;
  }
  return hit;
}

/* Include= chains of E: every INF reached goes to INCS; a loop or a
 * too deep chain sets *WHY; a name not in the package goes to MISSING. */
int
ow_inf_set_includes (const struct ow_inf_set *s, const struct ow_inf_entry *e,
                     const struct ow_inf_entry **stack,
          size_t depth, const struct ow_inf ***incs, size_t *nincs,
          char ***missing, size_t *nmissing, char **why)
{
  if (depth >= OW_INF_MAX_INCLUDE) {
    *why = fmt ("Include= chains deeper than %d", OW_INF_MAX_INCLUDE);
    return *why ? 0 : nomem ();
  }
  stack[depth] = e;
  for (size_t k = 0; k < ow_inf_nsections (e->inf) && *why == NULL; k++) {
    size_t n;
    const struct ow_inf_line *l = ow_inf_section (e->inf, ow_inf_section_name (e->inf, k), &n);

    for (size_t i = 0; i < n && *why == NULL; i++) {
      if (l[i].key == NULL || strcasecmp (l[i].key, "Include") != 0)
        continue;
      for (size_t f = 0; f < l[i].nfields && *why == NULL; f++) {
        const struct ow_inf_entry *inc;
        bool seen = false;

        if (l[i].fields[f][0] == '\0')
          continue;
        inc = find_include (s, e, l[i].fields[f]);
        if (inc == NULL || inc->inf == NULL) {
          if (*nmissing < OW_INF_MAX_UNSUPPORTED && push (missing, nmissing, fmt ("%s: Include=%s: not in the package (pnputil "
                                            "reads it at first boot)", e->path,
                                            l[i].fields[f])) == -1)
            return -1;
          continue;
        }
        for (size_t d = 0; d <= depth; d++)
          if (stack[d] == inc) {
            /* The loop, spelled out: a.inf -> b.inf -> a.inf. */
            char *path = strdup ("");

            for (size_t j = d; path && j <= depth; j++) {
              char *np = fmt ("%s%s -> ", path, stack[j]->name);
              free (path);
              path = np;
            }
            *why = path ? fmt ("an Include loop: %s%s", path, inc->name) : NULL;
            free (path);
            return *why ? 0 : nomem ();
          }
        for (size_t j = 0; j < *nincs; j++)
          seen |= (*incs)[j] == inc->inf;
        /* (An INF seen already was searched whole: any loop through it
         * was found then.) */
        if (!seen) {
          const struct ow_inf **p = ow_inf_grow (incs, *nincs, *nincs + 1, sizeof *p) == 0
                                    ? *incs : NULL;

          if (p == NULL)
            return nomem ();
          *incs = p;
          p[(*nincs)++] = inc->inf;
          if (ow_inf_set_includes (s, inc, stack, depth + 1, incs, nincs, missing, nmissing, why) == -1)
            return -1;
        }
      }
    }
  }
  return 0;
}
