/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The job's "drivers" artifacts -> the choices op-drivers.c writes
 * (docs/drivers.md, "From the job to the choices"):
 *
 *   1. each artifact found ("NAME=PATH"), its SHA-256 checked against the
 *      job's "artifacts" on the descriptor that is then read (a file put
 *      under the same name afterwards is never the one read), and opened
 *      with the package reader (drivers/pkg.c);
 *   2. every *.inf of every package added to one INF set, in ascending
 *      entry order (the reader streams forwards);
 *   3. for each driver the target platform needs, its hardware IDs in
 *      order until one gets a choice (inf-select.c): one choice per need,
 *      an INF chosen for two needs kept once;
 *   4. every .sys of a choice checked as a PE driver of the image's arch:
 *      a wrong one drops the choice with the reason (a boot-storage need
 *      it leaves unmet then refuses the job in op-drivers.c).
 *
 * A host directory (ce-offline only, opts->host_dirs) cannot be pinned:
 * it is read as it is and the plan says so.  A failure here fails the
 * "drivers" step (the job is refused before writing). */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prepare.h"
#include "drivers/inf.h"
#include "win/win.h"

#define STEP "drivers"

struct sel {
  struct ow_prep_ctx *ctx;
  struct ow_plan *plan;
  struct ow_drv_wired *w;
  bool failed;
};

static const char *
artifact_path (struct ow_prep_ctx *ctx, const char *name)
{
  size_t n = strlen (name);

  for (size_t i = 0; ctx->artifact_paths && ctx->artifact_paths[i]; i++)
    if (strncmp (ctx->artifact_paths[i], name, n) == 0 && ctx->artifact_paths[i][n] == '=')
      return ctx->artifact_paths[i] + n + 1;
  return NULL;
}

static void
step_failed (struct sel *s, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static void
step_failed (struct sel *s, const char *fmt, ...)
{
  va_list ap;
  char *m = NULL;

  if (s->failed)
    return;       /* the first reason is the job's */
  va_start (ap, fmt);
  if (vasprintf (&m, fmt, ap) == -1)
    m = NULL;
  va_end (ap);
  ow_plan_step (s->plan, STEP, OW_STEP_FAILED, "%s", m ? m : "out of memory");
  free (m);
  s->failed = true;
}

/* Open artifact NAME: 0 opened (added to the set), 1 step failed, -1 error. */
static int
open_package (struct sel *s, const char *name)
{
  const char *want = json_string_value (json_object_get (json_object_get (s->ctx->job,
                                                                          "artifacts"), name));
  const char *path = artifact_path (s->ctx, name);
  char got[OW_SHA256_HEX_LEN + 1], *proc = NULL;
  struct ow_drvpkg *pkg, **nv;
  struct stat st;
  int fd;

  if (path == NULL) {
    step_failed (s, "driver package %s was not provided: give it with --artifact %s=PATH "
                 "(ce-offline) or PUT /v1/artifacts/%s (ce-agent)", name, name, name);
    return 1;
  }
  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd == -1 || fstat (fd, &st) == -1) {
    step_failed (s, "driver package %s (%s): %s", name, path, strerror (errno));
    if (fd >= 0)
      close (fd);
    return 1;
  }
  if (S_ISDIR (st.st_mode)) {
    close (fd);
    if (!s->ctx->host_dirs) {
      step_failed (s, "driver package %s (%s) is a directory: only ce-offline reads a host "
                   "directory; give an archive (ISO, ZIP, tar) pinned by its SHA-256", name, path);
      return 1;
    }
    ow_plan_note (s->plan, "drivers: package %s is the host directory %s: read as it is, NOT "
                  "checked against the job's digest (a directory cannot be pinned)", name, path);
    pkg = ow_drvpkg_open (path, name, true);
  }
  else {
    if (!S_ISREG (st.st_mode) || ow_sha256_fd (fd, got) == -1) {
      step_failed (s, "driver package %s (%s): %s", name, path,
                   S_ISREG (st.st_mode) ? ow_error_message () : "not a regular file");
      ow_error_clear ();
      close (fd);
      return 1;
    }
    if (want == NULL || strncmp (want, "sha256:", 7) != 0 || strcasecmp (got, want + 7) != 0) {
      step_failed (s, "driver package %s (%s): SHA-256 is sha256:%s but the job expects %s",
                   name, path, got, want ? want : "(no digest)");
      close (fd);
      return 1;
    }
    /* Read the very file whose digest was taken. */
    if (asprintf (&proc, "/proc/self/fd/%d", fd) == -1) {
      close (fd);
      return ow_err (ENOMEM, "out of memory");
    }
    pkg = ow_drvpkg_open (proc, name, false);
    free (proc);
    close (fd);
  }
  if (pkg == NULL) {
    if (errno == ENOMEM)
      return -1;
    /* The reader's message names the package already. */
    step_failed (s, "%s (artifact file %s)", ow_error_message (), path);
    ow_error_clear ();
    return 1;
  }
  nv = realloc (s->w->set.v, (s->w->set.n + 1) * sizeof *nv);
  if (nv == NULL) {
    ow_drvpkg_close (pkg);
    return ow_err (ENOMEM, "out of memory");
  }
  s->w->set.v = nv;
  nv[s->w->set.n++] = pkg;
  return 0;
}

static bool
pkg_exists (void *opaque, const char *package, const char *path)
{
  const struct ow_drv_pkgset *set = opaque;

  for (size_t i = 0; i < set->n; i++)
    if (strcmp (ow_drvpkg_name (set->v[i]), package) == 0)
      return ow_drvpkg_find (set->v[i], path) >= 0;
  return false;
}

static bool
is_inf (const char *p)
{
  size_t n = strlen (p);
  return n > 4 && strcasecmp (p + n - 4, ".inf") == 0;
}

/* Every INF of every package into one set: 0, 1 step failed, -1. */
static int
add_infs (struct sel *s, struct ow_inf_set *set)
{
  for (size_t k = 0; k < s->w->set.n; k++) {
    struct ow_drvpkg *pkg = s->w->set.v[k];
    size_t ninf = 0;
    for (size_t i = 0; i < ow_drvpkg_count (pkg); i++) {
      const struct ow_drvpkg_entry *e = ow_drvpkg_entry (pkg, i);
      void *buf = NULL;
      size_t len = 0;
      int r;
      if (!is_inf (e->path))
        continue;
      ninf++;
      if (ow_drvpkg_read (pkg, i, &buf, &len) == -1) {
        if (errno == ENOMEM)
          return -1;
        step_failed (s, "driver package %s: %s: %s", ow_drvpkg_name (pkg), e->path,
                     ow_error_message ());
        ow_error_clear ();
        return 1;
      }
      r = ow_inf_set_add (set, ow_drvpkg_name (pkg), e->path, buf, len);
      free (buf);
      if (r == -1) {
        if (errno == ENOMEM)
          return -1;
        step_failed (s, "driver package %s: %s", ow_drvpkg_name (pkg), ow_error_message ());
        ow_error_clear ();
        return 1;
      }
    }
    if (ninf == 0)
      ow_plan_note (s->plan, "drivers: package %s holds no INF file", ow_drvpkg_name (pkg));
  }
  return 0;
}

/* The image the drivers are for, from inspection's facts. */
static void
image_of (json_t *facts, struct ow_inf_image *img)
{
  const char *a = json_string_value (json_object_get (facts, "arch"));
  const char *b = json_string_value (json_object_get (facts, "build"));
  const char *it = json_string_value (json_object_get (facts, "installationType"));

  img->arch = a && strcmp (a, "i386") == 0 ? "x86" : a && strcmp (a, "aarch64") == 0 ? "arm64"
              : "amd64";
  img->major = (unsigned) json_integer_value (json_object_get (facts, "majorVersion"));
  img->minor = (unsigned) json_integer_value (json_object_get (facts, "minorVersion"));
  img->build = b ? (unsigned) strtoul (b, NULL, 10) : 0;
  /* InstallationType "Server" / "Server Core" (SOFTWARE, win/version.c):
   * a server (3); a workstation (1) otherwise.  A domain controller (2)
   * is not told apart: offline images to move are rarely DCs. */
  img->product_type = it && strncmp (it, "Server", 6) == 0 ? 3 : 1;
}

static bool
same_choice (const struct ow_drv_choice *a, const struct ow_drv_choice *b)
{
  return strcmp (a->package, b->package) == 0 && strcmp (a->inf_path, b->inf_path) == 0
         && strcmp (a->install_section, b->install_section) == 0;
}

/* 0 every .sys of C is a driver for ARCH; 1 not (*WHY set); -1 error. */
static int
check_sys (struct sel *s, const struct ow_drv_choice *c, const char *arch, char **why)
{
  for (size_t i = 0; i < c->nfiles; i++) {
    const struct ow_drv_file *f = &c->files[i];
    struct ow_drvpkg *pkg = NULL;
    void *buf = NULL;
    size_t len = 0;
    ssize_t k;
    int r;

    if (strlen (f->name) < 4 || strcasecmp (f->name + strlen (f->name) - 4, ".sys") != 0)
      continue;
    for (size_t p = 0; p < s->w->set.n; p++)
      if (strcmp (ow_drvpkg_name (s->w->set.v[p]), c->package) == 0)
        pkg = s->w->set.v[p];
    k = pkg ? ow_drvpkg_find (pkg, f->src) : -1;
    if (k < 0) {
      if (asprintf (why, "%s: %s is not in package %s", c->inf_path, f->src, c->package) == -1)
        return ow_err (ENOMEM, "out of memory");
      return 1;
    }
    if (ow_drvpkg_read (pkg, (size_t) k, &buf, &len) == -1)
      return -1;
    r = ow_pe_check_driver (buf, len, arch, f->src);
    free (buf);
    if (r == -1) {
      r = asprintf (why, "%s (%s): %s", c->inf_path, c->package, ow_error_message ());
      ow_error_clear ();
      return r == -1 ? ow_err (ENOMEM, "out of memory") : 1;
    }
  }
  return 0;
}

/* Keep C (moved into W's array) unless it is one already kept. */
static int
keep (struct sel *s, struct ow_drv_choice *c)
{
  struct ow_drv_wired *w = s->w;
  struct ow_drv_choice *nv;

  for (size_t i = 0; i < w->nchoices; i++)
    if (same_choice (&w->choices[i], c)) {
      ow_drv_choice_free (c);
      return 0;
    }
  nv = realloc (w->choices, (w->nchoices + 1) * sizeof *nv);
  if (nv == NULL) {
    ow_drv_choice_free (c);
    return ow_err (ENOMEM, "out of memory");
  }
  w->choices = nv;
  nv[w->nchoices++] = *c;
  free (c);       /* the shell only: its fields now live in the array */
  return 0;
}

static int
choose_all (struct sel *s, struct ow_inf_set *set)
{
  struct ow_inf_image img;

  image_of (s->ctx->facts, &img);
  for (size_t i = 0; i < s->w->nneeds; i++) {
    const struct ow_drv_need *n = &s->w->needs[i];
    struct ow_drv_choice *c = NULL;
    char **rejected = NULL;

    for (size_t h = 0; h < n->nhwids && c == NULL; h++) {
      ow_strv_free (rejected);
      rejected = NULL;
      c = ow_inf_choose (set, &img, n->hwids[h], &rejected);
      if (c == NULL && errno != ENOENT) {
        ow_strv_free (rejected);
        return -1;
      }
      ow_error_clear ();
    }
    if (c == NULL) {
      for (size_t r = 0; rejected && rejected[r]; r++)
        ow_plan_note (s->plan, "drivers: for %s (%s): not chosen: %s", n->service,
                      n->what ? n->what : "", rejected[r]);
      ow_strv_free (rejected);
      continue;
    }
    ow_strv_free (rejected);
    {
      char *why = NULL;
      int r = check_sys (s, c, img.arch, &why);
      if (r == -1) {
        ow_drv_choice_free (c);
        return -1;
      }
      if (r == 1) {
        ow_plan_note (s->plan, "drivers: for %s (%s): rejected %s: %s", n->service,
                      n->what ? n->what : "", c->inf_path, why);
        free (why);
        ow_drv_choice_free (c);
        continue;
      }
    }
    /* Boot-critical: a storage class INF for a boot storage need. */
    c->boot_critical = c->boot_critical && n->role && strcmp (n->role, OW_DRV_ROLE_BOOT) == 0;
    if (keep (s, c) == -1)
      return -1;
  }
  return 0;
}

int
ow_drv_select (struct ow_prep_ctx *ctx, struct ow_plan *plan, struct ow_drv_wired *w)
{
  json_t *names = json_object_get (ctx->job, "drivers"), *v;
  const char *platform = json_string_value (json_object_get (ctx->job, "platform"));
  struct sel s = { .ctx = ctx, .plan = plan, .w = w };
  struct ow_inf_set *set = NULL;
  size_t i;
  int r = 0;

  if (json_array_size (names) == 0 || ctx->drv_src != NULL)
    return 0;       /* nothing supplied, or the choices were given (tests) */
  json_array_foreach (names, i, v)
    if ((r = open_package (&s, json_string_value (v))) != 0)
      return r == 1 ? 0 : -1;
  ow_drv_source_init (&w->src, &w->set);
  if (platform == NULL) {
    step_failed (&s, "\"drivers\" needs \"platform\": the target's devices say which "
                 "driver of the packages to install");
    return 0;
  }
  if (ow_drv_platform_needs (platform, &w->needs, &w->nneeds) == -1)
    return -1;
  set = ow_inf_set_new (pkg_exists, &w->set);
  if (set == NULL)
    return -1;
  r = add_infs (&s, set);
  if (r == 0)
    r = choose_all (&s, set);
  ow_inf_set_free (set);
  if (r != 0)
    return r == 1 ? 0 : -1;
  ctx->drv_choices = w->choices;
  ctx->ndrv_choices = w->nchoices;
  ctx->drv_src = &w->src;
  ctx->drv_needs = w->needs;
  ctx->ndrv_needs = w->nneeds;
  return 0;
}

void
ow_drv_wired_free (struct ow_drv_wired *w)
{
  for (size_t i = 0; i < w->nchoices; i++) {
    ow_drv_choice_clear (&w->choices[i]);
  }
  free (w->choices);
  for (size_t i = 0; i < w->set.n; i++)
    ow_drvpkg_close (w->set.v[i]);
  free (w->set.v);
  ow_drv_needs_free (w->needs, w->nneeds);
  memset (w, 0, sizeof *w);
}
