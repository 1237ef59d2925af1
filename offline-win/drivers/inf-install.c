/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One chosen install (DDInstall) section -> what must be written offline:
 * the files its CopyFiles copy, the services its .Services section adds
 * (with the service-install section's AddReg), and the list of what we
 * saw and do not apply (pnputil applies the whole package at first boot).
 * Directive syntax: learn.microsoft.com "INF CopyFiles Directive", "INF
 * DestinationDirs Section", "INF SourceDisksFiles Section", "INF
 * SourceDisksNames Section", "INF AddService Directive", "INF AddReg
 * Directive" (docs/drivers.md). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "inf.h"

/* Everything one install pass needs. */
struct ctx {
  const struct ow_inf *inf;
  const struct ow_inf *const *incs;
  size_t nincs;
  const char *arch, *store_dir, *package, *inf_dir;
  ow_inf_exists_fn exists;
  void *opaque;
  struct ow_drv_choice *c;
  char **reason;          /* set: the INF is rejected */
  char **done;            /* sections installed already (Needs= once each) */
  size_t ndone;
  size_t work;            /* lines read so far (OW_INF_MAX_WORK) */
  char **copied;          /* CopyFiles sections done (each once) */
  size_t ncopied;
  char **regdone;         /* AddReg sections of the current service done */
  size_t nregdone;
};

static int
nomem (void)
{
  return ow_err (ENOMEM, "INF install: out of memory");
}

static int
push_str (char ***v, size_t *n, char *s)
{
  char **p;

  if (s == NULL)
    return nomem ();
  for (size_t i = 0; i < *n; i++)
    if (strcmp ((*v)[i], s) == 0) {
      free (s);                 /* listed once */
      return 0;
    }
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

/* Is NAME in V (case-insensitive)?  If not, add it: false the first time
 * (do the work), true after (skip it); -1 out of memory. */
static int
once (char ***v, size_t *n, const char *name)
{
  for (size_t i = 0; i < *n; i++)
    if (strcasecmp ((*v)[i], name) == 0)
      return 1;
  return push_str (v, n, strdup (name)) == -1 ? -1 : 0;
}

static int
unsupported (struct ctx *x, const char *section, const struct ow_inf_line *l,
             const char *why)
{
  char *s;

  /* A hostile INF can have thousands: the plan lists the first ones. */
  if (x->c->nunsupported > OW_INF_MAX_UNSUPPORTED)
    return 0;
  if (x->c->nunsupported == OW_INF_MAX_UNSUPPORTED)
    return push_str (&x->c->unsupported, &x->c->nunsupported,
                     strdup ("(more directives not applied: not listed)"));

  if (l && l->key)
    s = (asprintf (&s, "%s [%s] line %u %s=%s: %s", ow_inf_name (x->inf), section,
                   l->lineno, l->key, l->nfields ? l->fields[0] : "", why) < 0) ? NULL : s;
  else if (l)
    s = (asprintf (&s, "%s [%s] line %u %s: %s", ow_inf_name (x->inf), section, l->lineno,
                   l->nfields ? l->fields[0] : "", why) < 0) ? NULL : s;
  else
    s = (asprintf (&s, "%s [%s]: %s", ow_inf_name (x->inf), section, why) < 0) ? NULL : s;
  return push_str (&x->c->unsupported, &x->c->nunsupported, s);
}

static int
reject (struct ctx *x, const char *fmt, const char *a, const char *b)
{
  free (*x->reason);
  if (asprintf (x->reason, fmt, a, b) < 0) {
    *x->reason = NULL;
    return nomem ();
  }
  return 0;
}

/* Count N more lines read; false (and the INF rejected) past the budget:
 * sections that name each other many times over would otherwise make a
 * few KiB of INF cost minutes. */
static bool
charge (struct ctx *x, size_t n)
{
  x->work += n;
  if (x->work <= OW_INF_MAX_WORK)
    return true;
  if (*x->reason == NULL) {
    char n[24];

    snprintf (n, sizeof n, "%d", OW_INF_MAX_WORK);
    reject (x, "the install section makes us read more than %s lines%s", n, "");
  }
  return false;
}

/* A section from the INF or an included one (first found). */
static const struct ow_inf_line *
find (const struct ctx *x, const char *name, size_t *n, const struct ow_inf **owner)
{
  const struct ow_inf_line *l = ow_inf_section (x->inf, name, n);

  *owner = x->inf;
  for (size_t i = 0; l == NULL && i < x->nincs; i++) {
    l = ow_inf_section (x->incs[i], name, n);
    *owner = x->incs[i];
  }
  return l;
}

const char *
ow_inf_dirid (unsigned long dirid, const char *store_dir)
{
  switch (dirid) {
  case 10: return "";                   /* %SystemRoot% */
  case 11: return "System32";
  case 12: return "System32/drivers";
  case 13: return store_dir;            /* this package's driver store folder */
  default: return NULL;
  }
}

/* "a\\b/./c" -> "a/b/c" appended to OUT; 1 (refused) for a ".." or a
 * component with ':'. */
static int
append_rel (char **out, const char *rel)
{
  char *r = strdup (rel), *save = NULL, *tok, *o = *out;

  if (r == NULL)
    return nomem ();
  for (char *p = r; *p; p++)
    if (*p == '\\')
      *p = '/';
  for (tok = strtok_r (r, "/", &save); tok; tok = strtok_r (NULL, "/", &save)) {
    char *n;

    if (strcmp (tok, ".") == 0)
      continue;
    /* ".." leaves the folder; a ':' is a drive or an NTFS stream. */
    if (strcmp (tok, "..") == 0 || strchr (tok, ':')) {
      free (r);
      return 1;
    }
    if (asprintf (&n, "%s%s%s", o, *o && o[strlen (o) - 1] != '/' ? "/" : "", tok) < 0) {
      free (r);
      return nomem ();
    }
    free (o);
    o = n;
  }
  *out = o;
  free (r);
  return 0;
}

/* The line of KEY in OWNER's [DestinationDirs], or NULL. */
static const struct ow_inf_line *
dest_line (const struct ow_inf *owner, const char *key)
{
  size_t n;
  const struct ow_inf_line *l = ow_inf_section (owner, "DestinationDirs", &n);

  for (size_t i = 0; i < n; i++)
    if (l[i].key && strcasecmp (l[i].key, key) == 0)
      return &l[i];
  return NULL;
}

/* The destination folder of copy section SEC (in OWNER): its
 * [DestinationDirs] line, else DefaultDestDir of the INF being installed
 * (it wins over an included INF's: "INF DestinationDirs Section"), else
 * the included INF's.  None: the INF is malformed (DestinationDirs is
 * required with CopyFiles; Windows documents no default) and *BAD says
 * so.  NULL with *BAD set if unsupported. */
static char *
dest_dir (struct ctx *x, const struct ow_inf *owner, const char *sec, const char **bad)
{
  const struct ow_inf_line *hit;
  unsigned long dirid;
  size_t n1, n2;

  ow_inf_section (owner, "DestinationDirs", &n1);
  ow_inf_section (x->inf, "DestinationDirs", &n2);
  if (!charge (x, n1 + n2)) {
    *bad = "over the budget";
    return NULL;
  }
  hit = dest_line (owner, sec);
  const char *base;
  char *d;

  if (hit == NULL)
    hit = dest_line (x->inf, "DefaultDestDir");
  if (hit == NULL)
    hit = dest_line (owner, "DefaultDestDir");
  if (hit == NULL) {
    *bad = "no [DestinationDirs] entry and no DefaultDestDir";
    return NULL;
  }
  if (hit->nfields == 0 || ow_inf_number (hit->fields[0], &dirid) == -1) {
    *bad = "a DestinationDirs entry that is not a DIRID number";
    return NULL;
  }
  base = ow_inf_dirid (dirid, x->store_dir);
  if (base == NULL) {
    *bad = "a destination DIRID other than 10, 11, 12, 13";
    return NULL;
  }
  d = strdup (base);
  if (d == NULL) {
    nomem ();
    *bad = "out of memory";
    return NULL;
  }
  if (hit->nfields > 1 && hit->fields[1][0]) {
    int r = append_rel (&d, hit->fields[1]);

    if (r != 0) {
      free (d);
      *bad = r == 1 ? "a destination subdirectory with '..' or ':'" : "out of memory";
      return NULL;
    }
  }
  return d;
}

/* [SourceDisksFiles.<arch>] or [SourceDisksFiles]: where NAME is in the
 * package.  0 found (*PATH malloc'd), 1 no entry, 2 over the budget (the
 * INF is rejected), -1 error. */
static int
source_path (struct ctx *x, const struct ow_inf *owner, const char *name, char **path)
{
  const struct ow_inf_line *hit = NULL, *disk = NULL;
  char sec[64];
  size_t n;
  char *p;
  int r;

  for (int pass = 0; pass < 2 && hit == NULL; pass++) {
    const struct ow_inf_line *l;

    snprintf (sec, sizeof sec, pass == 0 ? "SourceDisksFiles.%s" : "SourceDisksFiles", x->arch);
    l = ow_inf_section (owner, sec, &n);
    if (!charge (x, n))
      return 2;
    for (size_t i = 0; i < n && hit == NULL; i++)
      if (l[i].key && strcasecmp (l[i].key, name) == 0)
        hit = &l[i];
  }
  if (hit == NULL)
    return 1;
  for (int pass = 0; pass < 2 && disk == NULL && hit->nfields > 0; pass++) {
    const struct ow_inf_line *l;

    snprintf (sec, sizeof sec, pass == 0 ? "SourceDisksNames.%s" : "SourceDisksNames", x->arch);
    l = ow_inf_section (owner, sec, &n);
    if (!charge (x, n))
      return 2;
    for (size_t i = 0; i < n && disk == NULL; i++)
      if (l[i].key && strcasecmp (l[i].key, hit->fields[0]) == 0)
        disk = &l[i];
  }
  p = strdup (x->inf_dir);
  if (p == NULL)
    return nomem ();
  /* Disk path (4th field of the disk line), file subdir (2nd field). */
  r = disk && disk->nfields > 3 ? append_rel (&p, disk->fields[3]) : 0;
  if (r == 0 && hit->nfields > 1)
    r = append_rel (&p, hit->fields[1]);
  if (r == 0)
    r = append_rel (&p, name);
  if (r != 0) {
    free (p);
    return r == 1 ? 1 : -1;
  }
  *path = p;
  return 0;
}

static int
add_file (struct ctx *x, const struct ow_inf *owner, const char *copysec,
          const char *dst_name, const char *src_name, unsigned lineno)
{
  const char *bad = NULL;
  char *dir, *src = NULL, *where = NULL;
  struct ow_drv_file *f;
  int r;
  (void) lineno;

  if (*x->reason)
    return 0;
  if (x->c->nfiles >= OW_INF_MAX_FILES) {
    char n[24];

    snprintf (n, sizeof n, "%d", OW_INF_MAX_FILES);
    return reject (x, "more than %s files to copy%s", n, "");
  }
  /* A destination is a file name: a path there would write elsewhere. */
  if (strpbrk (dst_name, "/\\:") || strcmp (dst_name, ".") == 0 || strcmp (dst_name, "..") == 0)
    return reject (x, "the destination file name \"%s\" is not a file name%s", dst_name, "");
  r = source_path (x, owner, src_name, &src);
  if (r == -1)
    return -1;
  if (r == 2)
    return *x->reason ? 0 : -1;
  if (r == 1)
    return reject (x, "%s is copied but has no [SourceDisksFiles] entry%s", src_name, "");
  if (!x->exists (x->opaque, x->package, src)) {
    reject (x, "%s is not in the package (%s)", src_name, src);
    free (src);
    return *x->reason ? 0 : -1;
  }
  dir = dest_dir (x, owner, copysec, &bad);
  if (dir == NULL) {
    free (src);
    if (strcmp (bad, "out of memory") == 0)
      return -1;
    if (strcmp (bad, "over the budget") == 0)
      return *x->reason ? 0 : -1;
    if (strncmp (bad, "no [", 4) == 0 || strncmp (bad, "a destination subdirectory", 26) == 0)
      return reject (x, "the copy of %s has %s", dst_name, bad);
    if (asprintf (&where, "copy of %s not applied: %s", dst_name, bad) < 0)
      return nomem ();
    r = unsupported (x, copysec, NULL, where);
    free (where);
    return r;
  }
  f = ow_inf_grow (&x->c->files, x->c->nfiles, x->c->nfiles + 1, sizeof *f) == 0
      ? x->c->files : NULL;
  if (f == NULL) {
    free (dir);
    free (src);
    return nomem ();
  }
  x->c->files = f;
  f = &f[x->c->nfiles];
  f->src = src;
  f->dest = dir;
  f->name = strdup (dst_name);
  x->c->nfiles++;
  return f->name ? 0 : nomem ();
}

/* CopyFiles=a,b,@file (fields of one directive line). */
static int
copy_files (struct ctx *x, const struct ow_inf_line *dl)
{
  for (size_t i = 0; i < dl->nfields && *x->reason == NULL; i++) {
    const char *v = dl->fields[i];
    const struct ow_inf *owner;
    const struct ow_inf_line *l;
    size_t n;

    if (*v == '\0')
      continue;
    if (v[0] == '@') {
      if (add_file (x, x->inf, "DefaultDestDir", v + 1, v + 1, dl->lineno) == -1)
        return -1;
      continue;
    }
    l = find (x, v, &n, &owner);
    if (l == NULL) {
      if (reject (x, "CopyFiles names a section [%s] that does not exist%s", v, "") == -1)
        return -1;
      return 0;
    }
    switch (once (&x->copied, &x->ncopied, v)) {
    case -1: return -1;
    case 1: continue;           /* copied already */
    }
    for (size_t k = 0; k < n && *x->reason == NULL && charge (x, 1); k++) {
      /* destination-file-name[,source-file-name][,unused][,flag] */
      const char *dst = l[k].key ? l[k].key : (l[k].nfields ? l[k].fields[0] : "");
      const char *src = !l[k].key && l[k].nfields > 1 && l[k].fields[1][0] ? l[k].fields[1] : dst;

      if (*dst == '\0')
        continue;
      if (add_file (x, owner, v, dst, src, l[k].lineno) == -1)
        return -1;
    }
  }
  return 0;
}

/* ---- AddReg (service key) ---------------------------------------------------- */

static int
add_reg_sections (struct ctx *x, struct ow_drv_service *svc, const struct ow_inf_line *dl,
                  char ***done, size_t *ndone)
{
  for (size_t i = 0; i < dl->nfields && svc->nreg < OW_INF_MAX_REG && *x->reason == NULL; i++) {
    const struct ow_inf *owner;
    size_t n;
    const struct ow_inf_line *l;

    if (dl->fields[i][0] == '\0')
      continue;
    l = find (x, dl->fields[i], &n, &owner);
    if (l == NULL) {
      if (unsupported (x, dl->fields[i], NULL, "AddReg section not found") == -1)
        return -1;
      continue;
    }
    switch (once (done, ndone, dl->fields[i])) {
    case -1: return -1;
    case 1: continue;           /* this service has its values already */
    }
    for (size_t k = 0; k < n && charge (x, 1); k++) {
      const char *why = NULL;
      int r = ow_inf_addreg_line (svc, &l[k], &why);

      if (r == -1)
        return -1;
      if (r == 1 && unsupported (x, dl->fields[i], &l[k], why) == -1)
        return -1;
    }
  }
  return 0;
}

/* ---- services ------------------------------------------------------------- */

/* ServiceBinary "%12%\x.sys" -> "System32\\drivers\\x.sys". */
static char *
image_path (struct ctx *x, const char *bin)
{
  unsigned long dirid;
  const char *close, *base;
  char *num, *rel = NULL, *out;

  if (bin[0] != '%' || (close = strchr (bin + 1, '%')) == NULL)
    return NULL;
  num = strndup (bin + 1, (size_t) (close - bin - 1));
  if (num == NULL)
    return NULL;
  if (ow_inf_number (num, &dirid) == -1 || (base = ow_inf_dirid (dirid, x->store_dir)) == NULL) {
    free (num);
    return NULL;
  }
  free (num);
  rel = strdup (base);
  if (rel == NULL || append_rel (&rel, close + 1) != 0) {
    free (rel);
    return NULL;
  }
  out = rel;
  for (char *p = out; *p; p++)
    if (*p == '/')
      *p = '\\';
  return out;
}

static int
set_sz (struct ow_drv_service *svc, const char *value, uint32_t type, const char *s)
{
  struct ow_drv_reg r = { .type = type }, *p;

  r.data = ow_reg_encode_sz (s, &r.len);
  r.subkey = strdup ("");
  r.value = strdup (value);
  p = ow_inf_grow (&svc->reg, svc->nreg, svc->nreg + 1, sizeof *p) == 0 ? svc->reg : NULL;
  if (r.data == NULL || r.subkey == NULL || r.value == NULL || p == NULL) {
    free (r.data); free (r.subkey); free (r.value);
    if (p)
      svc->reg = p;
    return nomem ();
  }
  svc->reg = p;
  p[svc->nreg++] = r;
  return 0;
}

static int
service_section (struct ctx *x, struct ow_drv_service *svc, const char *secname)
{
  const struct ow_inf *owner;
  size_t n;
  const struct ow_inf_line *l = find (x, secname, &n, &owner);
  bool have_type = false, have_start = false, have_err = false, have_bin = false;

  if (l == NULL)
    return reject (x, "AddService names a service-install section [%s] that does not exist%s",
                   secname, "");
  ow_strv_free (x->regdone);    /* a new service: its own values */
  x->regdone = NULL;
  x->nregdone = 0;
  for (size_t i = 0; i < n && *x->reason == NULL && charge (x, 1); i++) {
    const char *k = l[i].key, *v = l[i].nfields ? l[i].fields[0] : "";
    unsigned long num;

    if (k == NULL) {
      if (unsupported (x, secname, &l[i], "not a directive") == -1)
        return -1;
    }
    else if (strcasecmp (k, "ServiceType") == 0 || strcasecmp (k, "StartType") == 0
             || strcasecmp (k, "ErrorControl") == 0) {
      if (ow_inf_number (v, &num) == -1)
        return reject (x, "[%s] %s is not a number", secname, k);
      if (strcasecmp (k, "ServiceType") == 0)
        svc->type = (uint32_t) num, have_type = true;
      else if (strcasecmp (k, "StartType") == 0)
        svc->start = (uint32_t) num, have_start = true;
      else
        svc->error_control = (uint32_t) num, have_err = true;
    }
    else if (strcasecmp (k, "ServiceBinary") == 0) {
      free (svc->image_path);
      svc->image_path = image_path (x, v);
      have_bin = true;
      if (svc->image_path == NULL
          && unsupported (x, secname, &l[i], "a ServiceBinary outside DIRIDs 10-13") == -1)
        return -1;
    }
    else if (strcasecmp (k, "LoadOrderGroup") == 0) {
      free (svc->group);
      if ((svc->group = strdup (v)) == NULL)
        return nomem ();
    }
    else if (strcasecmp (k, "AddReg") == 0) {
      if (add_reg_sections (x, svc, &l[i], &x->regdone, &x->nregdone) == -1)
        return -1;
    }
    else if (strcasecmp (k, "DisplayName") == 0 || strcasecmp (k, "Description") == 0) {
      if (set_sz (svc, k, OW_REG_SZ, v) == -1)
        return -1;
    }
    else if (unsupported (x, secname, &l[i], "not applied offline") == -1)
      return -1;
  }
  if (*x->reason)
    return 0;
  if (!have_type || !have_start || !have_err || !have_bin)
    return reject (x, "[%s] lacks one of ServiceType, StartType, ErrorControl, "
                   "ServiceBinary (required)%s", secname, "");
  return 0;
}

static int
add_service (struct ctx *x, const char *sec, const struct ow_inf_line *l)
{
  struct ow_drv_service *s;

  /* AddService=ServiceName,[flags],service-install-section[,event-log...] */
  if (l->nfields < 3 || l->fields[0][0] == '\0' || l->fields[2][0] == '\0')
    return unsupported (x, sec, l, "AddService without a name or a service-install section");
  if (l->nfields > 3 && l->fields[3][0]
      && unsupported (x, sec, l, "the event log section is not applied offline") == -1)
    return -1;
  if (x->c->nservices >= OW_INF_MAX_SERVICES) {
    char n[24];

    snprintf (n, sizeof n, "%d", OW_INF_MAX_SERVICES);
    return reject (x, "more than %s services%s", n, "");
  }
  s = ow_inf_grow (&x->c->services, x->c->nservices, x->c->nservices + 1, sizeof *s) == 0
      ? x->c->services : NULL;
  if (s == NULL)
    return nomem ();
  x->c->services = s;
  s = &s[x->c->nservices++];
  memset (s, 0, sizeof *s);
  if ((s->name = strdup (l->fields[0])) == NULL)
    return nomem ();
  /* The name becomes a key below Services: one key, not a path. */
  if (strpbrk (s->name, "/\\") || strcmp (s->name, ".") == 0 || strcmp (s->name, "..") == 0)
    return reject (x, "the service name \"%s\" is not a key name%s", s->name, "");
  return service_section (x, s, l->fields[2]);
}

/* ---- the install section and its Needs ---------------------------------------- */

static int install_one (struct ctx *x, const char *install, unsigned depth);

static int
needs (struct ctx *x, const char *sec, const struct ow_inf_line *l, unsigned depth)
{
  for (size_t i = 0; i < l->nfields; i++) {
    const struct ow_inf *owner;
    size_t n;

    if (l->fields[i][0] == '\0')
      continue;
    if (find (x, l->fields[i], &n, &owner) == NULL) {
      char *why;
      int r;

      if (asprintf (&why, "the needed section [%s] is not in the package's INFs "
                    "(pnputil applies it at first boot)", l->fields[i]) < 0)
        return nomem ();
      r = unsupported (x, sec, l, why);
      free (why);
      if (r == -1)
        return -1;
      continue;
    }
    {
      bool done = false;

      for (size_t k = 0; k < x->ndone && !done; k++)
        done = strcasecmp (x->done[k], l->fields[i]) == 0;
      if (done)
        continue;               /* installed once (a Needs= of itself too) */
    }
    if (depth >= OW_INF_MAX_INCLUDE)
      return reject (x, "Needs=%s nested deeper than the limit%s", l->fields[i], "");
    if (install_one (x, l->fields[i], depth + 1) == -1)
      return -1;
  }
  return 0;
}

static int
install_one (struct ctx *x, const char *install, unsigned depth)
{
  const struct ow_inf *owner;
  size_t n, ns;
  const struct ow_inf_line *l = find (x, install, &n, &owner);
  char *svcname;
  const struct ow_inf_line *sl;

  if (l == NULL)
    return reject (x, "the install section [%s] does not exist%s", install, "");
  if (push_str (&x->done, &x->ndone, strdup (install)) == -1)
    return -1;
  for (size_t i = 0; i < n && *x->reason == NULL && charge (x, 1); i++) {
    const char *k = l[i].key;

    if (k && strcasecmp (k, "CopyFiles") == 0) {
      if (copy_files (x, &l[i]) == -1)
        return -1;
    }
    else if (k && strcasecmp (k, "Needs") == 0) {
      if (needs (x, install, &l[i], depth) == -1)
        return -1;
    }
    else if (k && strcasecmp (k, "Include") == 0)
      ;                         /* resolved by the set (inf-select.c) */
    else if (k && strcasecmp (k, "AddReg") == 0) {
      if (unsupported (x, install, &l[i], "the device's driver key is written by pnputil "
                       "at first boot") == -1)
        return -1;
    }
    else if (unsupported (x, install, &l[i], "not applied offline") == -1)
      return -1;
  }
  if (*x->reason)
    return 0;
  if (asprintf (&svcname, "%s.Services", install) < 0)
    return nomem ();
  sl = find (x, svcname, &ns, &owner);
  for (size_t i = 0; sl && i < ns && *x->reason == NULL && charge (x, 1); i++) {
    int r;

    if (sl[i].key && strcasecmp (sl[i].key, "AddService") == 0)
      r = add_service (x, svcname, &sl[i]);
    else if (sl[i].key && (strcasecmp (sl[i].key, "Include") == 0
                           || strcasecmp (sl[i].key, "Needs") == 0))
      r = 0;                    /* the Needs sections' .Services come with them */
    else
      r = unsupported (x, svcname, &sl[i], "not applied offline");
    if (r == -1) {
      free (svcname);
      return -1;
    }
  }
  free (svcname);
  /* Every other <install>.* section (.HW, .CoInstallers, .Wdf, ...). */
  for (size_t i = 0; i < ow_inf_nsections (x->inf); i++) {
    const char *s = ow_inf_section_name (x->inf, i);
    size_t len = strlen (install);

    /* (Not the install section of another platform: "<install>.NTx86".) */
    if (strncasecmp (s, install, len) == 0 && s[len] == '.'
        && strcasecmp (s + len, ".Services") != 0 && strncasecmp (s + len, ".NT", 3) != 0
        && unsupported (x, s, NULL, "not applied offline (pnputil applies it at first boot)") == -1)
      return -1;
  }
  return 0;
}

int
ow_inf_install (const struct ow_inf *inf, const struct ow_inf *const *incs, size_t nincs,
                const char *install, const char *arch, const char *store_dir,
                const char *package, const char *inf_dir,
                ow_inf_exists_fn exists, void *opaque,
                struct ow_drv_choice *c, char **reason)
{
  struct ctx x = {
    .inf = inf, .incs = incs, .nincs = nincs, .arch = arch, .store_dir = store_dir,
    .package = package, .inf_dir = inf_dir, .exists = exists, .opaque = opaque,
    .c = c, .reason = reason,
  };

  int r;

  *reason = NULL;
  r = install_one (&x, install, 0);
  ow_strv_free (x.done);
  ow_strv_free (x.copied);
  ow_strv_free (x.regdone);
  return r;
}
