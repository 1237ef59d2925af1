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

#include "internal.h"
#include "inf.h"

/* ---- one candidate ------------------------------------------------------------ */

struct cand {
  struct ow_drv_choice *c;
  const struct ow_inf_entry *e;
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

/* The model line chosen in an INF for one hardware ID (steps 1 and 2). */
struct pick {
  const struct ow_inf_line *line;
  char *section;          /* the models section it is in */
  struct ow_inf_target t; /* that section's decoration */
  bool compat;            /* the ID matched is not the first of the line */
  int level;              /* 2 equal, 1 more or less specific */
  bool listed;            /* some models section lists the ID */
  char *why_not;          /* why a section listing it is not used */
  char **seen;            /* models sections looked at */
  size_t nseen;
};

static void
pick_free (struct pick *p)
{
  free (p->section);
  free (p->why_not);
  ow_strv_free (p->seen);
}

/* Of manufacturer line M's models sections, the one used on IMG (the
 * highest decoration that applies), in *USE (NULL: none applies).  Each
 * models section is looked at once.  0 or -1; 2 with *REASON: too many. */
static int
models_for_line (const struct ow_inf *inf, const struct ow_inf_line *m,
                 const struct ow_inf_image *img, const char *hwid, struct pick *p,
                 char **use, struct ow_inf_target *use_t, char **reason)
{
  const char *base = m->nfields ? m->fields[0] : (m->key ? m->key : "");
  size_t last = m->key ? m->nfields : 0;

  *use = NULL;
  if (*base == '\0')
    return 0;
  /* Each decoration, then the undecorated base section (it applies to
   * x86 only: "INF Manufacturer Section"; a decoration ranks above it). */
  for (size_t d = m->key ? 1 : 0; d <= last; d++) {
    struct ow_inf_target t = { .arch = "" };
    const struct ow_inf_line *ml;
    const char *misfit;
    bool has = false;
    size_t nl;
    char *sec;

    if (d < last && ow_inf_parse_target (m->fields[d], &t) == -1)
      continue;
    sec = d < last ? fmt ("%s.%s", base, m->fields[d]) : strdup (base);
    if (sec == NULL)
      return nomem ();
    ml = ow_inf_section (inf, sec, &nl);
    if (ml == NULL || strv_has (p->seen, p->nseen, sec)) {
      free (sec);
      continue;
    }
    if (p->nseen >= OW_INF_MAX_MODELS) {
      free (sec);
      *reason = fmt ("more than %d models sections", OW_INF_MAX_MODELS);
      return *reason ? 2 : nomem ();
    }
    if (push (&p->seen, &p->nseen, strdup (sec)) == -1) {
      free (sec);
      return -1;
    }
    for (size_t k = 0; k < nl && !has; k++)
      for (size_t f = 1; f < ml[k].nfields && !has; f++)
        has = ow_inf_hwid_match (ml[k].fields[f], hwid) > 0;
    p->listed |= has;
    misfit = ow_inf_target_misfit (&t, img);
    if (misfit) {
      if (has && p->why_not == NULL)
        p->why_not = fmt ("[%s] lists the ID but is for %s", sec, misfit);
      free (sec);
    }
    else if (*use == NULL || ow_inf_target_cmp (&t, use_t) > 0) {
      free (*use);
      *use = sec;
      *use_t = t;
    }
    else
      free (sec);
  }
  return 0;
}

/* The best line for HWID in models section USE into P. */
static int
best_line_in (const struct ow_inf *inf, const char *use, const struct ow_inf_target *use_t,
              const char *hwid, struct pick *p)
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
      if (p->line == NULL || (p->compat && !cp) || (p->compat == cp && lv > p->level)) {
        p->line = &ml[k];
        p->compat = cp;
        p->level = lv;
        free (p->section);
        if ((p->section = strdup (use)) == NULL)
          return nomem ();
        p->t = *use_t;
      }
    }
  if (!found && p->listed && p->why_not == NULL)
    p->why_not = fmt ("[%s], the models section for this image, does not list the ID", use);
  return 0;
}

/* Steps 1 and 2: 0 the INF does not list HWID, 1 P->line chosen, 2 not
 * usable (*REASON), -1 error. */
static int
pick_model (const struct ow_inf *inf, const struct ow_inf_image *img, const char *hwid,
            struct pick *p, char **reason)
{
  size_t nm;
  const struct ow_inf_line *mfr = ow_inf_section (inf, "Manufacturer", &nm);

  for (size_t i = 0; i < nm; i++) {
    struct ow_inf_target use_t;
    char *use = NULL;
    int r = models_for_line (inf, &mfr[i], img, hwid, p, &use, &use_t, reason);

    if (r == 0 && use)
      r = best_line_in (inf, use, &use_t, hwid, p);
    free (use);
    if (r != 0)
      return r;
  }
  if (!p->listed)
    return 0;
  if (p->line == NULL) {
    *reason = p->why_not ? p->why_not : strdup ("no models section applies to the image");
    p->why_not = NULL;
    return *reason ? 2 : nomem ();
  }
  if (p->line->nfields == 0 || p->line->fields[0][0] == '\0') {
    *reason = fmt ("the model line (line %u) names no install section", p->line->lineno);
    return *reason ? 2 : nomem ();
  }
  return 1;
}

/* Step 3: <name>.NT<arch>, else <name>.NT, else <name>; NULL with *REASON
 * if none exists (or out of memory, *REASON NULL). */
static char *
install_section (const struct ow_inf *inf, const char *name, const char *arch, char **reason)
{
  for (int k = 0; k < 3; k++) {
    char *s = k == 0 ? fmt ("%s.NT%s", name, arch) : k == 1 ? fmt ("%s.NT", name) : strdup (name);
    size_t n;

    if (s == NULL) {
      nomem ();
      return NULL;
    }
    if (ow_inf_section (inf, s, &n))
      return s;
    free (s);
  }
  *reason = fmt ("the install section [%s] does not exist", name);
  return NULL;
}

/* Step 4's catalog: CatalogFile.NT<arch>, .NT, plain; present in the
 * package.  The name, or NULL with *REASON. */
static const char *
catalog_of (const struct ow_inf_set *s, const struct ow_inf_entry *e, const char *arch,
            char **reason)
{
  char key[64], *path;
  const char *cat;

  snprintf (key, sizeof key, "CatalogFile.NT%s", arch);
  cat = version_get (e->inf, key);
  if (cat == NULL)
    cat = version_get (e->inf, "CatalogFile.NT");
  if (cat == NULL)
    cat = version_get (e->inf, "CatalogFile");
  if (cat == NULL || *cat == '\0') {
    *reason = strdup ("[Version] names no CatalogFile (the package is not signed)");
    return NULL;
  }
  if ((path = fmt ("%s%s", e->dir, cat)) == NULL) {
    nomem ();
    return NULL;
  }
  if (!s->exists (s->opaque, e->package, path)) {
    *reason = fmt ("its catalog %s is not in the package", cat);
    cat = NULL;
  }
  free (path);
  return cat;
}

/* The [Version] facts, the IDs and the why of C. */
static int
describe (struct ow_drv_choice *c, const struct ow_inf_entry *e, const struct pick *p,
          const struct ow_inf_image *img, const char *hwid, const char *catalog)
{
  const struct ow_inf *inf = e->inf;
  const char *v, *matched = "?";
  size_t nl;
  const struct ow_inf_line *ml;

  c->package = strdup (e->package);
  c->inf_path = strdup (e->path);
  c->inf_name = strdup (e->name);
  c->class_name = strdup ((v = version_get (inf, "Class")) ? v : "");
  c->class_guid = strdup ((v = version_get (inf, "ClassGUID")) ? v : "");
  c->provider = strdup ((v = version_get (inf, "Provider")) ? v : "");
  c->driver_ver = driver_ver (inf);
  c->catalog = strdup (catalog);
  c->model_section = strdup (p->section);
  if (!c->package || !c->inf_path || !c->inf_name || !c->class_name || !c->class_guid
      || !c->provider || !c->driver_ver || !c->catalog || !c->model_section)
    return nomem ();
  c->boot_critical = strcasecmp (c->class_name, "SCSIAdapter") == 0
                     || strcasecmp (c->class_name, "HDC") == 0;
  /* Every ID of this models section's lines that install with the
   * chosen install section. */
  ml = ow_inf_section (inf, c->model_section, &nl);
  for (size_t k = 0; k < nl; k++) {
    if (ml[k].nfields == 0 || strcasecmp (ml[k].fields[0], p->line->fields[0]) != 0)
      continue;
    for (size_t f = 1; f < ml[k].nfields; f++) {
      bool dup = ml[k].fields[f][0] == '\0';

      for (size_t j = 0; j < c->nhwids && !dup; j++)
        dup = strcasecmp (c->hwids[j], ml[k].fields[f]) == 0;
      if (!dup && push (&c->hwids, &c->nhwids, strdup (ml[k].fields[f])) == -1)
        return -1;
    }
  }
  for (size_t f = 1; f < p->line->nfields; f++)
    if (ow_inf_hwid_match (p->line->fields[f], hwid) == p->level) {
      matched = p->line->fields[f];
      break;
    }
  c->why = fmt ("%s (%s in %s): [%s] is the highest [Manufacturer] decoration that applies "
                "to Windows %u.%u build %u %s (product type %u); its line %u lists %s as %s "
                "ID (%s %s) for [%s]; class %s, DriverVer %s",
                c->inf_name, c->inf_path, c->package, c->model_section, img->major,
                img->minor, img->build, img->arch, img->product_type, p->line->lineno,
                matched, p->compat ? "a compatible" : "the hardware",
                p->level == 2 ? "equal to" : "a more or less specific form of", hwid,
                c->install_section, c->class_name, c->driver_ver);
  return c->why ? 0 : nomem ();
}

/* Look at one INF for HWID: 0 it does not list the ID (nothing added),
 * 1 candidate *CAND filled, 2 rejected (line pushed to REJ), -1 error. */
static int
evaluate (const struct ow_inf_set *s, const struct ow_inf_entry *e,
          const struct ow_inf_image *img, const char *hwid, struct cand *cand,
          char ***rej, size_t *nrej)
{
  struct pick p = { .line = NULL };
  char *reason = NULL, *install = NULL, *store = NULL, **missing = NULL;
  const struct ow_inf **incs = NULL;
  const struct ow_inf_entry *stack[OW_INF_MAX_INCLUDE];
  size_t nincs = 0, nmissing = 0;
  const char *catalog;
  struct ow_drv_choice *c = NULL;
  int rc = pick_model (e->inf, img, hwid, &p, &reason);

  if (rc != 1)
    goto done;                  /* 0, -1, or 2 with the reason */
  rc = -1;
  install = install_section (e->inf, p.line->fields[0], img->arch, &reason);
  if (install == NULL)
    goto rejected;
  catalog = catalog_of (s, e, img->arch, &reason);
  if (catalog == NULL)
    goto rejected;
  if (ow_inf_set_includes (s, e, stack, 0, &incs, &nincs, &missing, &nmissing, &reason) == -1)
    goto done;
  if (reason)
    goto rejected;
  /* Steps 4 (files, services) and the choice. */
  if ((c = calloc (1, sizeof *c)) == NULL
      || (c->store_name = fmt ("%s_%s_%s", e->name, img->arch, e->hash)) == NULL
      || (store = fmt ("System32/DriverStore/FileRepository/%s", c->store_name)) == NULL) {
    nomem ();
    goto done;
  }
  c->install_section = install;
  install = NULL;
  if (ow_inf_install (e->inf, incs, nincs, c->install_section, img->arch, store, e->package,
                      e->dir, s->exists, s->opaque, c, &reason) == -1)
    goto done;
  if (reason)
    goto rejected;
  for (size_t i = 0; i < nmissing; i++) {
    int r = push (&c->unsupported, &c->nunsupported, missing[i]);

    missing[i] = NULL;
    if (r == -1)
      goto done;
  }
  if (describe (c, e, &p, img, hwid, catalog) == -1)
    goto done;
  cand->c = c;
  c = NULL;
  cand->e = e;
  cand->compat = p.compat;
  cand->level = p.level;
  parse_driver_ver (cand->c->driver_ver, &cand->date, &cand->ver);
  cand->t = p.t;
  rc = 1;
  goto done;

rejected:
  if (reason == NULL) {         /* out of memory on the way */
    rc = -1;
    goto done;
  }
  rc = 2;
done:
  if (rc == 2 && push (rej, nrej, fmt ("%s (%s): %s", e->path, e->package, reason)) == -1)
    rc = -1;
  pick_free (&p);
  free (reason);
  free (install);
  free (store);
  free (incs);
  ow_strv_free (missing);
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
  if ((t = ow_inf_target_cmp (&a->t, &b->t)) != 0)
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
      struct cand *p = ow_inf_grow (&cands, ncand, ncand + 1, sizeof *p) == 0 ? cands : NULL;

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
