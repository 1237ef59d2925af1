/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which INF, models section and install section serve one hardware ID on
 * this image (the rule and its sources: docs/drivers.md, "Selection").
 *
 *   1. The INF must list the ID (ow_inf_hwid_match) in a models section.
 *   2. Of each [Manufacturer] line's TargetOSVersion decorations, the one
 *      used is the highest that applies to the image (arch equal, version
 *      and build not greater, product type equal if given); only that
 *      models section counts, as Windows does.
 *   3. The install section is <name>.NT<arch>, else <name>.NT, else <name>.
 *   4. CatalogFile(.NT<arch>) must be named and present; every file the
 *      install section copies must have a [SourceDisksFiles] entry and be in
 *      the package; the service-install section must be complete.
 *   5. Among the INFs left: a hardware ID (first on the model line) beats a
 *      compatible ID, an equal ID beats a more/less specific one, then the
 *      newer DriverVer date, the higher version, the higher decoration, the
 *      first INF added. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "internal.h"
#include "inf.h"

struct entry {
  char *package, *path, *name, *dir;
  struct ow_inf *inf;     /* NULL: ERROR says why */
  char *error;
  char hash[17];          /* 16 hex digits of the INF bytes' SHA-256 */
};

struct ow_inf_set {
  struct entry *e;
  size_t n;
  ow_inf_exists_fn exists;
  void *opaque;
};

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
  struct entry *e, *p;
  const char *base = strrchr (path, '/'), *bs;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned mdlen = 0;

  if (s->n >= OW_INF_MAX_INFS)
    return ow_err (E2BIG, "more than %d INF files in the driver packages", OW_INF_MAX_INFS);
  p = realloc (s->e, (s->n + 1) * sizeof *p);
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
static const char *
target_misfit (const struct ow_inf_target *t, const struct ow_inf_image *img)
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

static int
target_cmp (const struct ow_inf_target *a, const struct ow_inf_target *b)
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

/* ---- one candidate ------------------------------------------------------------ */

struct cand {
  struct ow_drv_choice *c;
  const struct entry *e;
  bool compat;            /* matched a compatible ID (not the first) */
  int level;              /* 2 equal, 1 prefix */
  long date;              /* yyyymmdd */
  uint64_t ver;
  struct ow_inf_target t;
  size_t order;
};

static int
nomem (void)
{
  return ow_err (ENOMEM, "INF selection: out of memory");
}

static int
push (char ***v, size_t *n, char *s)
{
  char **p;

  if (s == NULL)
    return nomem ();
  p = realloc (*v, (*n + 2) * sizeof *p);
  if (p == NULL) {
    free (s);
    return nomem ();
  }
  *v = p;
  p[(*n)++] = s;
  p[*n] = NULL;
  return 0;
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

static bool
strv_has (char **v, size_t n, const char *s)
{
  for (size_t i = 0; i < n; i++)
    if (strcasecmp (v[i], s) == 0)
      return true;
  return false;
}

static void
parse_driver_ver (const char *dv, long *date, uint64_t *ver)
{
  unsigned m = 0, d = 0, y = 0, v[4] = { 0 };
  const char *comma = dv ? strchr (dv, ',') : NULL;

  *date = 0;
  *ver = 0;
  if (dv == NULL)
    return;
  if (sscanf (dv, "%u/%u/%u", &m, &d, &y) == 3 && m <= 12 && d <= 31 && y <= 9999)
    *date = (long) y * 10000 + m * 100 + d;
  if (comma && sscanf (comma + 1, "%u.%u.%u.%u", &v[0], &v[1], &v[2], &v[3]) >= 1)
    for (int i = 0; i < 4; i++)
      *ver = *ver << 16 | (v[i] & 0xFFFF);
}

static const char *
version_get (const struct ow_inf *inf, const char *key)
{
  return ow_inf_get (inf, "Version", key);
}

/* DriverVer=mm/dd/yyyy[,w.x.y.z]: its fields joined again (malloc'd). */
static char *
driver_ver (const struct ow_inf *inf)
{
  size_t n;
  const struct ow_inf_line *l = ow_inf_section (inf, "Version", &n);

  for (size_t i = 0; i < n; i++)
    if (l[i].key && strcasecmp (l[i].key, "DriverVer") == 0)
      return l[i].nfields > 1 ? fmt ("%s,%s", l[i].fields[0], l[i].fields[1])
                              : strdup (l[i].nfields ? l[i].fields[0] : "");
  return strdup ("");
}

/* Entries of the same package named NAME (case-insensitive file name),
 * the one in DIR first.  NULL if none. */
static const struct entry *
find_include (const struct ow_inf_set *s, const struct entry *from, const char *name)
{
  const struct entry *hit = NULL;
  const char *base = strrchr (name, '\\');

  base = base ? base + 1 : name;
  for (size_t i = 0; i < s->n; i++) {
    const struct entry *e = &s->e[i];

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
static int
includes (const struct ow_inf_set *s, const struct entry *e, const struct entry **stack,
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
        const struct entry *inc;
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
          const struct ow_inf **p = realloc (*incs, (*nincs + 1) * sizeof *p);

          if (p == NULL)
            return nomem ();
          *incs = p;
          p[(*nincs)++] = inc->inf;
          if (includes (s, inc, stack, depth + 1, incs, nincs, missing, nmissing, why) == -1)
            return -1;
        }
      }
    }
  }
  return 0;
}

/* Look at one INF for HWID: 0 it does not list the ID (nothing added),
 * 1 candidate *CAND filled, 2 rejected (line pushed to REJ). */
static int
evaluate (const struct ow_inf_set *s, const struct entry *e, const struct ow_inf_image *img,
          const char *hwid, struct cand *cand, char ***rej, size_t *nrej)
{
  const struct ow_inf *inf = e->inf;
  size_t nm;
  const struct ow_inf_line *mfr = ow_inf_section (inf, "Manufacturer", &nm);
  const struct ow_inf_line *best_line = NULL;
  char *best_models = NULL, *why_not = NULL, *reason = NULL, *install = NULL;
  struct ow_inf_target best_t = { .arch = "" };
  const char *catalog = NULL;
  char key[64], *store = NULL, *catpath = NULL;
  bool listed = false, compat = false;
  int level = 0, rc = -1;
  const struct ow_inf **incs = NULL;
  size_t nincs = 0, nmissing = 0, nseen = 0;
  char **missing = NULL, **seen = NULL;
  const struct entry *stack[OW_INF_MAX_INCLUDE];
  struct ow_drv_choice *c = NULL;

  /* Steps 1 and 2: per manufacturer line, the best decoration. */
  for (size_t i = 0; i < nm; i++) {
    const struct ow_inf_line *m = &mfr[i];
    const char *base = m->nfields ? m->fields[0] : (m->key ? m->key : "");
    char *use = NULL;
    struct ow_inf_target use_t;

    if (*base == '\0')
      continue;
    /* Each decoration, then the undecorated base section (it applies to
     * x86 only: "INF Manufacturer Section"; a decoration ranks above it). */
    for (size_t d = m->key ? 1 : 0; d <= (m->key ? m->nfields : 0); d++) {
      char *sec;
      struct ow_inf_target t;
      const char *misfit;
      size_t nl;
      const struct ow_inf_line *ml;
      bool has = false;

      if (d == (m->key ? m->nfields : 0)) {
        memset (&t, 0, sizeof t);
        sec = strdup (base);
      }
      else {
        if (ow_inf_parse_target (m->fields[d], &t) == -1)
          continue;
        sec = fmt ("%s.%s", base, m->fields[d]);
      }
      if (sec == NULL)
        goto out;
      ml = ow_inf_section (inf, sec, &nl);
      if (ml == NULL || strv_has (seen, nseen, sec)) {
        free (sec);             /* each models section is looked at once */
        continue;
      }
      if (nseen >= OW_INF_MAX_MODELS) {
        free (sec);
        free (use);
        reason = fmt ("more than %d models sections", OW_INF_MAX_MODELS);
        goto rejected;
      }
      if (push (&seen, &nseen, strdup (sec)) == -1) {
        free (sec);
        free (use);
        goto out;
      }
      for (size_t k = 0; k < nl && !has; k++)
        for (size_t f = 1; f < ml[k].nfields && !has; f++)
          has = ow_inf_hwid_match (ml[k].fields[f], hwid) > 0;
      listed |= has;
      misfit = target_misfit (&t, img);
      if (misfit) {
        if (has && why_not == NULL)
          why_not = fmt ("[%s] lists the ID but is for %s", sec, misfit);
        free (sec);
        continue;
      }
      if (use == NULL || target_cmp (&t, &use_t) > 0) {
        free (use);
        use = sec;
        use_t = t;
      }
      else
        free (sec);
    }
    if (use == NULL)
      continue;
    /* The model lines of the section used. */
    {
      size_t nl;
      const struct ow_inf_line *ml = ow_inf_section (inf, use, &nl);
      bool found = false;

      for (size_t k = 0; k < nl; k++)
        for (size_t f = 1; f < ml[k].nfields; f++) {
          int lv = ow_inf_hwid_match (ml[k].fields[f], hwid);
          bool cp = f > 1;

          if (lv == 0)
            continue;
          found = true;
          if (best_line == NULL || (compat && !cp) || (compat == cp && lv > level)) {
            best_line = &ml[k];
            compat = cp;
            level = lv;
            free (best_models);
            best_models = strdup (use);
            best_t = use_t;
            if (best_models == NULL) {
              free (use);
              goto nomem_out;
            }
          }
        }
      if (!found && listed && why_not == NULL)
        why_not = fmt ("[%s], the models section for this image, does not list the ID", use);
    }
    free (use);
  }
  if (!listed) {
    rc = 0;
    goto out;
  }
  if (best_line == NULL) {
    reason = why_not ? why_not : strdup ("no models section applies to the image");
    why_not = NULL;
    goto rejected;
  }
  if (best_line->nfields == 0 || best_line->fields[0][0] == '\0') {
    reason = fmt ("the model line (line %u) names no install section", best_line->lineno);
    goto rejected;
  }
  /* Step 3: the decorated install section. */
  {
    size_t n;

    for (int k = 0; k < 3 && install == NULL; k++) {
      char *name = k == 0 ? fmt ("%s.NT%s", best_line->fields[0], img->arch)
                 : k == 1 ? fmt ("%s.NT", best_line->fields[0]) : strdup (best_line->fields[0]);

      if (name == NULL)
        goto nomem_out;
      if (ow_inf_section (inf, name, &n))
        install = name;
      else
        free (name);
    }
    if (install == NULL) {
      reason = fmt ("the install section [%s] does not exist", best_line->fields[0]);
      goto rejected;
    }
  }
  /* Step 4: the catalog. */
  snprintf (key, sizeof key, "CatalogFile.NT%s", img->arch);
  catalog = version_get (inf, key);
  if (catalog == NULL)
    catalog = version_get (inf, "CatalogFile.NT");
  if (catalog == NULL)
    catalog = version_get (inf, "CatalogFile");
  if (catalog == NULL || *catalog == '\0') {
    reason = strdup ("[Version] names no CatalogFile (the package is not signed)");
    goto rejected;
  }
  catpath = fmt ("%s%s", e->dir, catalog);
  if (catpath == NULL)
    goto nomem_out;
  if (!s->exists (s->opaque, e->package, catpath)) {
    reason = fmt ("its catalog %s is not in the package", catalog);
    goto rejected;
  }
  if (includes (s, e, stack, 0, &incs, &nincs, &missing, &nmissing, &reason) == -1)
    goto out;
  if (reason)
    goto rejected;
  c = calloc (1, sizeof *c);
  store = fmt ("%s_%s_%s", e->name, img->arch, e->hash);
  if (c == NULL || store == NULL)
    goto nomem_out;
  c->store_name = store;
  store = fmt ("System32/DriverStore/FileRepository/%s", c->store_name);
  if (store == NULL)
    goto nomem_out;
  if (ow_inf_install (inf, incs, nincs, install, img->arch, store, e->package, e->dir,
                      s->exists, s->opaque, c, &reason) == -1)
    goto out;
  if (reason)
    goto rejected;
  for (size_t i = 0; i < nmissing; i++) {
    if (push (&c->unsupported, &c->nunsupported, missing[i]) == -1) {
      missing[i] = NULL;
      goto out;
    }
    missing[i] = NULL;
  }
  /* The choice. */
  c->package = strdup (e->package);
  c->inf_path = strdup (e->path);
  c->inf_name = strdup (e->name);
  c->class_name = strdup (version_get (inf, "Class") ? version_get (inf, "Class") : "");
  c->class_guid = strdup (version_get (inf, "ClassGUID") ? version_get (inf, "ClassGUID") : "");
  c->provider = strdup (version_get (inf, "Provider") ? version_get (inf, "Provider") : "");
  c->driver_ver = driver_ver (inf);
  c->catalog = strdup (catalog);
  c->model_section = best_models;
  best_models = NULL;
  c->install_section = install;
  install = NULL;
  if (!c->package || !c->inf_path || !c->inf_name || !c->class_name || !c->class_guid
      || !c->provider || !c->driver_ver || !c->catalog)
    goto nomem_out;
  c->boot_critical = strcasecmp (c->class_name, "SCSIAdapter") == 0
                     || strcasecmp (c->class_name, "HDC") == 0;
  /* Every ID of the model lines (of this models section) that install
   * with the chosen install section. */
  {
    size_t nl;
    const struct ow_inf_line *ml = ow_inf_section (inf, c->model_section, &nl);

    for (size_t k = 0; k < nl; k++) {
      if (ml[k].nfields == 0 || strcasecmp (ml[k].fields[0], best_line->fields[0]) != 0)
        continue;
      for (size_t f = 1; f < ml[k].nfields; f++) {
        bool dup = false;

        if (ml[k].fields[f][0] == '\0')
          continue;
        for (size_t j = 0; j < c->nhwids; j++)
          dup |= strcasecmp (c->hwids[j], ml[k].fields[f]) == 0;
        if (!dup && push (&c->hwids, &c->nhwids, strdup (ml[k].fields[f])) == -1)
          goto out;
      }
    }
  }
  {
    const char *matched = NULL;

    for (size_t f = 1; f < best_line->nfields && matched == NULL; f++)
      if (ow_inf_hwid_match (best_line->fields[f], hwid) == level)
        matched = best_line->fields[f];
    c->why = fmt ("%s (%s in %s): [%s] is the highest [Manufacturer] decoration that applies "
                  "to Windows %u.%u build %u %s (product type %u); its line %u lists %s as %s "
                  "ID (%s %s) for [%s]; class %s, DriverVer %s",
                  c->inf_name, c->inf_path, c->package, c->model_section, img->major,
                  img->minor, img->build, img->arch, img->product_type, best_line->lineno,
                  matched ? matched : "?", compat ? "a compatible" : "the hardware",
                  level == 2 ? "equal to" : "a more or less specific form of", hwid,
                  c->install_section, c->class_name, c->driver_ver);
    if (c->why == NULL)
      goto nomem_out;
  }
  cand->c = c;
  c = NULL;
  cand->e = e;
  cand->compat = compat;
  cand->level = level;
  parse_driver_ver (cand->c->driver_ver, &cand->date, &cand->ver);
  cand->t = best_t;
  rc = 1;
  goto out;

rejected:
  if (push (rej, nrej, fmt ("%s (%s): %s", e->path, e->package,
                            reason ? reason : "out of memory")) == -1)
    goto out;
  rc = 2;
  goto out;
nomem_out:
  nomem ();
out:
  free (why_not);
  free (reason);
  free (install);
  free (best_models);
  free (store);
  free (catpath);
  free (incs);
  ow_strv_free (missing);
  ow_strv_free (seen);
  ow_drv_choice_free (c);
  return rc;
}

/* >0 if A ranks above B. */
static int
cand_cmp (const struct cand *a, const struct cand *b, const char **why)
{
  int t;

  if (a->compat != b->compat)
    return *why = "a hardware ID match beats a compatible ID match", b->compat ? 1 : -1;
  if (a->level != b->level)
    return *why = "an equal ID beats a more or less specific one", a->level - b->level;
  if (a->date != b->date)
    return *why = "a newer DriverVer date", a->date > b->date ? 1 : -1;
  if (a->ver != b->ver)
    return *why = "a higher DriverVer version", a->ver > b->ver ? 1 : -1;
  if ((t = target_cmp (&a->t, &b->t)) != 0)
    return *why = "a higher TargetOSVersion decoration", t;
  *why = "listed first";
  return a->order < b->order ? 1 : -1;
}

struct ow_drv_choice *
ow_inf_choose (struct ow_inf_set *s, const struct ow_inf_image *img, const char *hwid,
               char ***rejected)
{
  struct cand *cands = NULL, *best = NULL;
  size_t ncand = 0, nrej = 0;
  char **rej = NULL;
  struct ow_drv_choice *result = NULL;

  if (rejected)
    *rejected = NULL;
  for (size_t i = 0; i < s->n; i++) {
    struct cand c = { .order = i };
    int r;

    if (s->e[i].inf == NULL) {
      if (push (&rej, &nrej, fmt ("%s (%s): not readable: %s", s->e[i].path,
                                  s->e[i].package, s->e[i].error)) == -1)
        goto out;
      continue;
    }
    r = evaluate (s, &s->e[i], img, hwid, &c, &rej, &nrej);
    if (r == -1)
      goto out;
    if (r == 1) {
      struct cand *p = realloc (cands, (ncand + 1) * sizeof *p);

      if (p == NULL) {
        ow_drv_choice_free (c.c);
        nomem ();
        goto out;
      }
      cands = p;
      cands[ncand++] = c;
    }
  }
  for (size_t i = 0; i < ncand; i++) {
    const char *why;

    if (best == NULL || cand_cmp (&cands[i], best, &why) > 0)
      best = &cands[i];
  }
  if (best == NULL) {
    ow_err (ENOENT, "no driver in the packages fits %s on Windows %u.%u build %u %s "
            "(%zu INF%s considered)", hwid, img->major, img->minor, img->build, img->arch,
            nrej, nrej == 1 ? "" : "s");
    if (rejected) {
      *rejected = rej;
      rej = NULL;
    }
    goto out;
  }
  result = best->c;
  best->c = NULL;
  for (size_t i = 0; i < ncand; i++) {
    const char *why = "";

    if (&cands[i] == best)
      continue;
    cand_cmp (best, &cands[i], &why);
    if (push (&result->rejected, &result->nrejected,
              fmt ("%s (%s): fits too, but %s ranks higher: %s", cands[i].e->path,
                   cands[i].e->package, result->inf_path, why)) == -1)
      goto fail;
  }
  for (size_t i = 0; i < nrej; i++) {
    if (push (&result->rejected, &result->nrejected, rej[i]) == -1) {
      rej[i] = NULL;
      goto fail;
    }
    rej[i] = NULL;
  }
  if (ncand > 1 || nrej) {
    char *w = fmt ("%s; %zu other INF%s considered (see rejected)", result->why,
                   ncand - 1 + nrej, ncand - 1 + nrej == 1 ? "" : "s");

    if (w == NULL) {
      nomem ();
      goto fail;
    }
    free (result->why);
    result->why = w;
  }
  goto out;
fail:
  ow_drv_choice_free (result);
  result = NULL;
out:
  for (size_t i = 0; i < ncand; i++)
    ow_drv_choice_free (cands[i].c);
  free (cands);
  ow_strv_free (rej);
  return result;
}

static void
free_strv_n (char **v, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free (v[i]);
  free (v);
}

void
ow_drv_choice_free (struct ow_drv_choice *c)
{
  if (c == NULL)
    return;
  free (c->package); free (c->inf_path); free (c->inf_name);
  free (c->class_name); free (c->class_guid); free (c->provider); free (c->driver_ver);
  free (c->catalog); free (c->model_section); free (c->install_section);
  free_strv_n (c->hwids, c->nhwids);
  for (size_t i = 0; i < c->nservices; i++) {
    struct ow_drv_service *s = &c->services[i];

    free (s->name); free (s->group); free (s->image_path);
    for (size_t k = 0; k < s->nreg; k++) {
      free (s->reg[k].subkey); free (s->reg[k].value); free (s->reg[k].data);
    }
    free (s->reg);
  }
  free (c->services);
  for (size_t i = 0; i < c->nfiles; i++) {
    free (c->files[i].src); free (c->files[i].dest); free (c->files[i].name);
  }
  free (c->files);
  free (c->why);
  free_strv_n (c->rejected, c->nrejected);
  free_strv_n (c->unsupported, c->nunsupported);
  free (c->store_name);
  free (c);
}
