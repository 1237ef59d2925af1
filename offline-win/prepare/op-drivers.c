/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Target drivers (docs/drivers.md): make the image boot and reach the
 * network on the target's virtual hardware.
 *
 *   1. Boot-critical storage (choice->boot_critical): its .sys copied to
 *      System32\drivers, its service key written from the INF with
 *      Start=0, and its hardware IDs bound at boot before PnP runs
 *      (drv-bind.c: CriticalDeviceDatabase before Windows 8,
 *      DriverDatabase from Windows 8 / Server 2012 on).
 *   2. Every chosen package (the storage one too) staged under
 *      ProgramData\CE-Appliance\drivers\<package>\ with the files of its
 *      INF's folder as in the archive, and installed by the first-boot
 *      runner before any other step: pnputil, then the bootstrap
 *      DriverDatabase keys of 1 removed.
 *   3. In-box drivers the platform needs (drv-inbox.c: found in the image, not in a
 *      table): only made to start at boot, their IDs bound on Windows 7.
 *   4. A boot-storage need met by none of these fails the step: the job
 *      is refused before writing, unless the job says
 *      "missingDrivers": "warn".
 *
 * Everything goes through the plan (ow_plan_*): a dry run writes
 * nothing, the apply is crash-safe, a re-run plans nothing. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "prepare.h"

#define STEP            "drivers"
#define STAGE_DIR       "ProgramData/CE-Appliance/drivers"
/* As printf formats ("%%" is one '%'). */
#define STAGE_DIR_WIN   "%%ProgramData%%\\CE-Appliance\\drivers"
#define RUNNER_LOG      "%%ProgramData%%\\CE-Appliance\\firstboot.log"
#define MAX_CMDLINE     8000     /* cmd.exe takes 8191 characters */
#define MAX_STAGED      100000   /* files staged by one job */

/* pnputil: 0 done, 3010 done after a restart, 259 (ERROR_NO_MORE_ITEMS)
 * staged but no device to update, which virt-v2v's firstboot script
 * also accepts. */
static const int pnputil_ok[] = { 0, 3010, 259 };

struct drv {
  struct ow_prep_ctx *ctx;
  struct ow_plan *plan;
  const struct ow_drv_source *src;
  const char *arch;               /* "amd64", "x86", "arm64" */
  bool ddb;                       /* bind through DriverDatabase (Windows 8+) */
  bool modern_pnputil;            /* pnputil /add-driver (Windows 10+) */
  char **staged;                  /* volume paths staged so far */
  size_t nstaged;
  char **unbind;                  /* removal commands, queued after every install */
  size_t nunbind;
  size_t boot, packages, inbox;   /* counts for the step message */
  char *failed;                   /* first reason the step fails */
};

static void
drv_free (struct drv *d)
{
  for (size_t i = 0; i < d->nstaged; i++)
    free (d->staged[i]);
  free (d->staged);
  for (size_t i = 0; i < d->nunbind; i++)
    free (d->unbind[i]);
  free (d->unbind);
  free (d->failed);
}

/* Record why the step fails (the first reason wins). */
static void
fail (struct drv *d, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static void
fail (struct drv *d, const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;

  va_start (ap, fmt);
  if (vasprintf (&s, fmt, ap) == -1)
    s = NULL;
  va_end (ap);
  if (d->failed == NULL)
    d->failed = s;
  else {
    ow_plan_note (d->plan, "drivers: %s", s ? s : "?");
    free (s);
  }
}

static int
push (char ***v, size_t *n, char *s)
{
  char **nv;

  if (s == NULL)
    return ow_err (ENOMEM, "out of memory");
  nv = realloc (*v, (*n + 1) * sizeof *nv);
  if (nv == NULL) {
    free (s);
    return ow_err (ENOMEM, "out of memory");
  }
  *v = nv;
  nv[(*n)++] = s;
  return 0;
}

/* ---- image facts ------------------------------------------------------ */

static const char *
image_arch (json_t *facts)
{
  const char *a = json_string_value (json_object_get (facts, "arch"));

  if (a && strcmp (a, "i386") == 0)
    return "x86";
  if (a && strcmp (a, "aarch64") == 0)
    return "arm64";
  return "amd64";
}

/* DriverDatabase binding from NT 6.2 (Windows 8 / Server 2012) on; when
 * the facts carry no version, the SYSTEM hive tells: it has a
 * DriverDatabase key from Windows 8 on (virt-v2v's test). */
static int
uses_ddb (struct ow_prep_ctx *ctx, bool *ddb, bool *modern)
{
  json_int_t major = json_integer_value (json_object_get (ctx->facts, "majorVersion"));
  json_int_t minor = json_integer_value (json_object_get (ctx->facts, "minorVersion"));
  int r;

  *modern = major >= 10;
  if (major > 0) {
    *ddb = major > 6 || (major == 6 && minor >= 2);
    return 0;
  }
  r = ow_hive_key_exists (ctx->system, "DriverDatabase");
  if (r == -1)
    return -1;
  *ddb = r == 1;
  return 0;
}

/* Names that go into a cmd.exe command line (inside double quotes) or
 * a PowerShell single-quoted string: no quote, no expansion character. */
static bool
command_safe (const char *s)
{
  if (s == NULL || *s == '\0')
    return false;
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    if (*p < 0x20 || *p == 0x7f || strchr ("\"'%^`$|<>!\r\n", *p))
      return false;
  return true;
}

/* A '/'-separated relative path with no empty, "." or ".." component and
 * no drive or stream colon (the package reader refuses these already;
 * this layer does not rely on it). */
static bool
relative_path_ok (const char *p)
{
  if (p == NULL || *p == '\0' || *p == '/' || strchr (p, '\\') || strchr (p, ':'))
    return false;
  for (const char *c = p; c; ) {
    const char *e = strchr (c, '/');
    size_t n = e ? (size_t) (e - c) : strlen (c);
    if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
      return false;
    c = e ? e + 1 : NULL;
  }
  return true;
}

static bool
ends_with_ci (const char *s, const char *suffix)
{
  size_t a = strlen (s), b = strlen (suffix);
  return a >= b && strcasecmp (s + a - b, suffix) == 0;
}

static bool
starts_with_ci (const char *s, const char *prefix)
{
  return strncasecmp (s, prefix, strlen (prefix)) == 0;
}

static bool
already_staged (struct drv *d, const char *path)
{
  for (size_t i = 0; i < d->nstaged; i++)
    if (strcasecmp (d->staged[i], path) == 0)
      return true;
  return false;
}

/* ---- 1. boot-critical storage ----------------------------------------- */

/* A boot driver is loaded from System32\drivers: a DIRID 13 (driver
 * store) destination has no store package yet before first boot. */
static const char *
boot_dest (const char *dest)
{
  return starts_with_ci (dest, "System32/DriverStore") ? "System32/drivers" : dest;
}

static int
copy_boot_files (struct drv *d, const struct ow_drv_choice *c)
{
  for (size_t i = 0; i < c->nfiles; i++) {
    const struct ow_drv_file *f = &c->files[i];
    const char *dest = boot_dest (f->dest);
    char *path = NULL;
    void *buf = NULL;
    size_t len = 0;
    int r;

    if (!ends_with_ci (f->name, ".sys"))
      continue;       /* the rest is pnputil's at first boot */
    if (!relative_path_ok (dest) || strchr (f->name, '/') || !relative_path_ok (f->name)) {
      fail (d, "%s: destination %s/%s is not a path below the system root", c->inf_path,
            f->dest, f->name);
      continue;
    }
    if (asprintf (&path, "%s/%s/%s", d->ctx->systemroot, dest, f->name) == -1)
      return ow_err (ENOMEM, "out of memory");
    if (already_staged (d, path)) {
      free (path);
      continue;
    }
    r = d->src->read (d->src->opaque, c->package, f->src, &buf, &len);
    if (r == 0)
      r = ow_plan_file_write (d->plan, STEP, d->ctx->vol, path, buf, len);
    free (buf);
    if (r == 0)
      r = push (&d->staged, &d->nstaged, path);
    else
      free (path);
    if (r == -1)
      return -1;
  }
  return 0;
}

/* ImagePath of a boot service: where copy_boot_files put the binary. */
static char *
boot_image_path (const char *image_path)
{
  const char *base;
  char *s;

  if (image_path == NULL)
    return NULL;
  if (strcasestr (image_path, "DriverStore") == NULL)
    return strdup (image_path);
  base = strrchr (image_path, '\\');
  if (asprintf (&s, "System32\\drivers\\%s", base ? base + 1 : image_path) == -1)
    return NULL;
  return s;
}

static bool
own_value (const char *v)
{
  static const char *const ours[] = { "Type", "Start", "ErrorControl", "Group", "ImagePath", NULL };
  for (size_t i = 0; ours[i]; i++)
    if (strcasecmp (v, ours[i]) == 0)
      return true;
  return false;
}

static int
write_service (struct drv *d, const struct ow_drv_service *s, bool boot)
{
  struct ow_hive *hv = d->ctx->system;
  char *key = NULL, *image = NULL;
  int r = -1;

  if (!command_safe (s->name) || strchr (s->name, '\\') || strchr (s->name, '/')) {
    fail (d, "service name \"%s\" is not one this step writes", s->name);
    return 0;
  }
  if (asprintf (&key, "%s\\Services\\%s", d->ctx->control_set, s->name) == -1)
    return ow_err (ENOMEM, "out of memory");
  image = boot_image_path (s->image_path);
  if (s->image_path && image == NULL) {
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  /* "Drivers required to load the OS must use" StartType 0 (MS-ADDSVC):
   * a kernel driver of a boot-critical package starts at boot whatever
   * its INF says. */
  if (ow_plan_reg_set_dword (d->plan, STEP, hv, "SYSTEM", key, "Type", s->type) == -1
      || ow_plan_reg_set_dword (d->plan, STEP, hv, "SYSTEM", key, "Start",
                                boot && s->type == 1 ? 0 : s->start) == -1
      || ow_plan_reg_set_dword (d->plan, STEP, hv, "SYSTEM", key, "ErrorControl",
                                s->error_control) == -1
      || (s->group && ow_plan_reg_set_string (d->plan, STEP, hv, "SYSTEM", key, "Group",
                                              OW_REG_SZ, s->group) == -1)
      || (image && ow_plan_reg_set_string (d->plan, STEP, hv, "SYSTEM", key, "ImagePath",
                                           OW_REG_EXPAND_SZ, image) == -1))
    goto out;
  for (size_t i = 0; i < s->nreg; i++) {
    const struct ow_drv_reg *g = &s->reg[i];
    char *k = NULL;
    int rr;
    if (*g->subkey == '\0' && own_value (g->value))
      continue;       /* set above, from the service section itself */
    if (*g->subkey && asprintf (&k, "%s\\%s", key, g->subkey) == -1) {
      ow_err (ENOMEM, "out of memory");
      goto out;
    }
    rr = ow_plan_reg_set (d->plan, STEP, hv, "SYSTEM", k ? k : key, g->value, g->type,
                          g->data, g->len);
    free (k);
    if (rr == -1)
      goto out;
  }
  r = 0;
 out:
  free (key);
  free (image);
  return r;
}

static int
plan_boot (struct drv *d, const struct ow_drv_choice *c)
{
  const char *svc;
  size_t before = d->plan->n;

  if (c->nservices == 0) {
    fail (d, "%s (%s): a boot-critical driver without AddService cannot start at boot",
          c->inf_path, c->package);
    return 0;
  }
  svc = c->services[0].name;
  if (copy_boot_files (d, c) == -1)
    return -1;
  for (size_t i = 0; i < c->nservices; i++)
    if (write_service (d, &c->services[i], true) == -1)
      return -1;
  if (d->ddb) {
    char *inf = NULL, *label = NULL, *cmd;
    if (ow_drv_bind_ddb (d->ctx, d->plan, c, svc, d->arch, &inf, &label) == -1) {
      if (errno == ENOMEM)
        return -1;
      fail (d, "%s (%s): %s", c->inf_path, c->package, ow_error_message ());
      ow_error_clear ();
      return 0;
    }
    cmd = ow_drv_unbind_command (c, inf, label);
    free (inf);
    free (label);
    if (push (&d->unbind, &d->nunbind, cmd) == -1)
      return -1;
  }
  else if (ow_drv_bind_cdd (d->ctx, d->plan, svc, c->class_guid, c->hwids, c->nhwids) == -1)
    return -1;
  for (size_t i = before; i < d->plan->n; i++)
    if (d->plan->v[i].note == NULL
        && asprintf (&d->plan->v[i].note, "boot-critical %s (%s from %s): starts at boot, "
                     "bound through %s", svc, c->inf_name, c->package,
                     d->ddb ? "DriverDatabase" : "CriticalDeviceDatabase") == -1) {
      d->plan->v[i].note = NULL;
      return ow_err (ENOMEM, "out of memory");
    }
  /* removeSourceTools (op-srctools.c, after this step) counts its
   * services as the target's boot storage. */
  for (size_t i = 0; i < c->nservices; i++)
    if (ow_prep_boot_storage_provided (d->ctx, c->services[i].name) == -1)
      return -1;
  d->boot++;
  return 0;
}

/* ---- 2. staging and first-boot installation -------------------------- */

/* "dir/sub/x.inf" -> "dir/sub" ("" at the top). */
static char *
dir_of (const char *path)
{
  const char *slash = strrchr (path, '/');
  return slash ? strndup (path, (size_t) (slash - path)) : strdup ("");
}

/* Every file of the INF's folder (and below it), as in the archive. */
static int
stage_files (struct drv *d, const struct ow_drv_choice *c)
{
  char **files = d->src->list (d->src->opaque, c->package);
  char *dir = dir_of (c->inf_path);
  size_t dlen = dir ? strlen (dir) : 0;
  int r = 0;

  if (files == NULL || dir == NULL) {
    ow_strv_free (files);
    free (dir);
    return dir == NULL ? ow_err (ENOMEM, "out of memory") : -1;
  }
  for (size_t i = 0; files[i] && r == 0; i++) {
    char *path = NULL;
    void *buf = NULL;
    size_t len = 0;

    if (dlen && (strncasecmp (files[i], dir, dlen) != 0 || files[i][dlen] != '/'))
      continue;
    if (!relative_path_ok (files[i])) {
      fail (d, "%s: entry %s is not a relative path: not staged", c->package, files[i]);
      continue;
    }
    if (asprintf (&path, STAGE_DIR "/%s/%s", c->package, files[i]) == -1)
      r = ow_err (ENOMEM, "out of memory");
    else if (!already_staged (d, path)) {
      if (d->nstaged >= MAX_STAGED)
        r = ow_err (EFBIG, "more than %d driver files to stage", MAX_STAGED);
      else if ((r = d->src->read (d->src->opaque, c->package, files[i], &buf, &len)) == 0
               && (r = ow_plan_file_write (d->plan, STEP, d->ctx->vol, path, buf, len)) == 0) {
        r = push (&d->staged, &d->nstaged, path);
        path = NULL;
      }
    }
    free (buf);
    free (path);
  }
  ow_strv_free (files);
  free (dir);
  return r;
}

static char *
win_path (const char *p)
{
  char *s = strdup (p);
  for (char *q = s; q && *q; q++)
    if (*q == '/')
      *q = '\\';
  return s;
}

static int
queue_install (struct drv *d, const struct ow_drv_choice *c)
{
  char *inf = win_path (c->inf_path), *cmd = NULL, *desc = NULL;
  int r;

  if (inf == NULL)
    return ow_err (ENOMEM, "out of memory");
  /* Windows 10 brought /add-driver; older pnputil takes -i -a (what
   * virt-v2v runs).  Its output goes to the runner's log. */
  r = asprintf (&cmd, "\"%%SystemRoot%%\\System32\\pnputil.exe\" %s \"" STAGE_DIR_WIN
                "\\%s\\%s\"%s >>\"" RUNNER_LOG "\" 2>&1",
                d->modern_pnputil ? "/add-driver" : "-i -a", c->package, inf,
                d->modern_pnputil ? " /install" : "");
  free (inf);
  if (r == -1)
    return ow_err (ENOMEM, "out of memory");
  for (size_t i = 0; i < d->ctx->nfb; i++)
    if (strcmp (d->ctx->fb[i].command, cmd) == 0) {
      free (cmd);
      return 0;       /* two devices of one INF: one install */
    }
  if (strlen (cmd) > MAX_CMDLINE) {
    fail (d, "%s (%s): the install command would be longer than cmd.exe takes", c->inf_path,
          c->package);
    free (cmd);
    return 0;
  }
  if (asprintf (&desc, "install driver package %s from %s (%s)", c->inf_name, c->package,
                c->class_name ? c->class_name : "driver") == -1)
    desc = NULL;
  r = desc ? ow_firstboot_add_first (d->ctx, STEP, cmd, desc, pnputil_ok,
                                     sizeof pnputil_ok / sizeof pnputil_ok[0])
      : ow_err (ENOMEM, "out of memory");
  free (cmd);
  free (desc);
  return r;
}

/* ---- the plan says what was chosen and why ----------------------------- */

static void
explain (struct drv *d, const struct ow_drv_choice *c)
{
  char *ids = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&ids, &len);

  for (size_t i = 0; f && i < c->nhwids; i++)
    fprintf (f, "%s%s", i ? ", " : "", c->hwids[i]);
  if (f)
    fclose (f);
  ow_plan_note (d->plan, "drivers: %s: %s from %s, section %s, for %s%s%s%s", c->boot_critical
                ? "boot storage" : c->class_name ? c->class_name : "driver", c->inf_path,
                c->package, c->install_section ? c->install_section : "?", ids ? ids : "",
                c->why ? " (" : "", c->why ? c->why : "", c->why ? ")" : "");
  free (ids);
  for (size_t i = 0; i < c->nrejected; i++)
    ow_plan_note (d->plan, "drivers: not chosen: %s", c->rejected[i]);
  for (size_t i = 0; i < c->nunsupported; i++)
    ow_plan_note (d->plan, "drivers: %s: not applied offline (pnputil applies it at first "
                  "boot): %s", c->inf_path, c->unsupported[i]);
}

static bool
choice_ok (struct drv *d, const struct ow_drv_choice *c)
{
  if (!command_safe (c->package) || strchr (c->package, '/') || !relative_path_ok (c->inf_path)
      || !command_safe (c->inf_path) || c->inf_name == NULL || !command_safe (c->inf_name)) {
    fail (d, "package %s, INF %s: a name the first-boot command line cannot carry",
          c->package ? c->package : "?", c->inf_path ? c->inf_path : "?");
    return false;
  }
  for (size_t i = 0; i < c->nhwids; i++)
    if (!command_safe (c->hwids[i])) {
      fail (d, "%s: hardware ID %s has characters this step does not write", c->inf_path,
            c->hwids[i]);
      return false;
    }
  return true;
}

/* ---- entry points ------------------------------------------------------ */

int
ow_drivers_plan (struct ow_prep_ctx *ctx, struct ow_plan *plan,
                 const struct ow_drv_choice *choices, size_t n,
                 const struct ow_drv_source *src,
                 const struct ow_drv_need *needs, size_t nneeds, bool missing_warn)
{
  struct drv d = { .ctx = ctx, .plan = plan, .src = src, .arch = image_arch (ctx->facts) };
  size_t before = plan->n, fb_before = ctx->nfb;
  char *missing = NULL;
  int r = -1;

  /* Needs without a role are the platform profile's to report (it
   * notes a missing service): nothing to do here without a choice. */
  {
    size_t roles = 0;
    for (size_t i = 0; i < nneeds; i++)
      roles += needs[i].role != NULL;
    if (n == 0 && roles == 0)
      return 0;
  }
  if (ctx->system == NULL) {
    ow_plan_step (plan, STEP, OW_STEP_FAILED, "the SYSTEM hive is not available");
    return 0;
  }
  if (n > 0 && src == NULL) {
    ow_plan_step (plan, STEP, OW_STEP_FAILED, "driver choices without a package to read "
                  "their files from");
    return 0;
  }
  if (uses_ddb (ctx, &d.ddb, &d.modern_pnputil) == -1)
    return -1;
  if (n > 0) {
    int c = ow_firstboot_dirs_check (ctx, plan, STEP);
    if (c != 0)
      return c == 1 ? 0 : -1;
  }
  for (size_t i = 0; i < n; i++) {
    const struct ow_drv_choice *c = &choices[i];
    if (!choice_ok (&d, c))
      continue;
    explain (&d, c);
    if (c->boot_critical && plan_boot (&d, c) == -1)
      goto out;
    if (stage_files (&d, c) == -1 || queue_install (&d, c) == -1)
      goto out;
    d.packages++;
  }
  /* The bootstrap keys go once every package is installed. */
  for (size_t i = 0; i < d.nunbind; i++) {
    if (strlen (d.unbind[i]) > MAX_CMDLINE) {
      fail (&d, "the removal command of a bootstrap package would be longer than cmd.exe takes");
      break;
    }
    if (ow_firstboot_add_first (ctx, STEP, d.unbind[i], "remove the bootstrap DriverDatabase "
                                "entries now that pnputil installed the real package",
                                NULL, 0) == -1)
      goto out;
  }
  if (ow_drv_plan_needs (ctx, plan, choices, n, needs, nneeds, d.ddb, &d.inbox, &missing) == -1)
    goto out;
  if (missing && missing_warn)
    ow_plan_note (plan, "drivers: \"missingDrivers\": \"warn\": the image may not boot on the "
                  "target without its boot storage driver: %s", missing);
  else if (missing)
    fail (&d, "the target's boot storage driver is neither in the image nor in \"drivers\": "
          "%s. Supply a driver package for it in \"drivers\" (an artifact), or set "
          "\"missingDrivers\": \"warn\" to prepare anyway", missing);
  if (d.failed)
    ow_plan_step (plan, STEP, OW_STEP_FAILED, "%s", d.failed);
  else
    ow_plan_step (plan, STEP, plan->n > before ? OW_STEP_OK : OW_STEP_NOTHING_TO_DO,
                  "%zu boot-critical driver(s) written and bound through %s, %zu package(s) "
                  "staged and installed first at next boot (%zu first-boot commands), "
                  "%zu in-box driver(s) used: %zu changes; signatures are checked by Windows "
                  "when it loads the driver, not offline", d.boot,
                  d.ddb ? "DriverDatabase" : "CriticalDeviceDatabase", d.packages,
                  ctx->nfb - fb_before, d.inbox, plan->n - before);
  r = 0;
 out:
  free (missing);
  drv_free (&d);
  return r;
}

int
ow_op_drivers (struct ow_prep_ctx *ctx, struct ow_plan *plan)
{
  const char *platform = json_string_value (json_object_get (ctx->job, "platform"));
  const char *missing = json_string_value (json_object_get (ctx->job, "missingDrivers"));
  struct ow_drv_need *needs = NULL;
  size_t nneeds = 0;
  int r;

  /* The selection (drv-select.c) already failed the step: its reason stands. */
  {
    size_t i;
    json_t *st;
    json_array_foreach (plan->steps, i, st)
      if (strcmp (json_string_value (json_object_get (st, "step")), STEP) == 0)
        return 0;
  }
  if (json_array_size (json_object_get (ctx->job, "drivers")) > 0 && ctx->drv_src == NULL) {
    ow_plan_step (plan, STEP, OW_STEP_FAILED, "the job names driver packages in \"drivers\" "
                  "but none was read");
    return 0;
  }
  if (ctx->drv_needs == NULL && platform
      && ow_drv_platform_needs (platform, &needs, &nneeds) == -1)
    return -1;
  r = ow_drivers_plan (ctx, plan, ctx->drv_choices, ctx->ndrv_choices, ctx->drv_src,
                       ctx->drv_needs ? ctx->drv_needs : needs,
                       ctx->drv_needs ? ctx->ndrv_needs : nneeds,
                       missing && strcmp (missing, "warn") == 0);
  ow_drv_needs_free (needs, nneeds);
  return r;
}
