/* SPDX-License-Identifier: GPL-3.0-or-later */
/* removeSourceTools: leave the source hypervisor's tools behind when the
 * image moves to a cloud (docs/ce-offline.md, "Source tools"; facts in
 * data/source-tools.json).
 *
 * "Source" is what inspection finds (win/srctools.c): every product of
 * the data file present in the image whose keepOn does not name the
 * target platform.  Offline, and only once the target's boot storage is
 * proven (in-box and boot-start, or provided by this job's drivers
 * operation), their names leave every UpperFilters/LowerFilters list (a
 * filter whose service cannot start stops its whole device class), then
 * their services get Start=4; a boot storage driver of the target is
 * never disabled.  At first boot each product is uninstalled (msiexec /x
 * or the vendor's silent uninstaller); a failure is logged and the list
 * goes on.  Every change goes through ow_plan_reg_*, so a re-run plans
 * nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "prepare.h"
#include "win/win.h"

#define STEP "sourceTools"
#define START_DISABLED 4
#define SERVICE_KERNEL_DRIVER 1
#define MAX_COMMAND_LEN 4096   /* an UninstallString longer than this is not run */

int
ow_prep_boot_storage_provided (struct ow_prep_ctx *ctx, const char *service)
{
  char **v = realloc (ctx->boot_storage, (ctx->nboot_storage + 1) * sizeof *v);

  if (v == NULL)
    return ow_err (ENOMEM, "out of memory");
  ctx->boot_storage = v;
  if ((v[ctx->nboot_storage] = strdup (service)) == NULL)
    return ow_err (ENOMEM, "out of memory");
  ctx->nboot_storage++;
  return 0;
}

static bool
in_names (json_t *names, const char *s)
{
  size_t i;
  json_t *v;

  json_array_foreach (names, i, v)
    if (strcasecmp (json_string_value (v), s) == 0)
      return true;
  return false;
}

static void
add_name (json_t *names, const char *s)
{
  if (!in_names (names, s))
    json_array_append_new (names, json_string (s));
}

/* ImagePath of a driver as a volume path: "\SystemRoot\System32\..." and
 * "System32\..." are below the system root; the default is
 * System32\drivers\<service>.sys. */
static char *
driver_file (struct ow_prep_ctx *ctx, const char *svc, const char *image)
{
  char *p = NULL;
  const char *rest = image;

  if (image == NULL) {
    if (asprintf (&p, "%s/System32/drivers/%s.sys", ctx->systemroot, svc) == -1)
      return NULL;
    return p;
  }
  if (strncasecmp (rest, "\\SystemRoot\\", 12) == 0)
    rest += 12;
  else if (strncasecmp (rest, "%SystemRoot%\\", 13) == 0)
    rest += 13;
  else if (strncasecmp (rest, "\\??\\", 4) == 0 || strchr (rest, ':'))
    return strdup ("");        /* an absolute path: not proven here */
  if (asprintf (&p, "%s/%s", ctx->systemroot, rest) == -1)
    return NULL;
  for (char *c = p; *c; c++)
    if (*c == '\\')
      *c = '/';
  return p;
}

/* 1 if SVC is a boot-start kernel driver whose file is on the volume and
 * no StartOverride value keeps it off; 0 if not (*WHY says why), -1 error. */
static int
inbox_boot_driver (struct ow_prep_ctx *ctx, const char *svc, char **why)
{
  char *key = NULL, *ov = NULL, *image = NULL, *file = NULL, **names = NULL;
  uint32_t start = 99, type = 0;
  int r = -1;

  *why = NULL;
  if (asprintf (&key, "%s\\Services\\%s", ctx->control_set, svc) == -1
      || asprintf (&ov, "%s\\StartOverride", key) == -1) {
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  r = ow_hive_key_exists (ctx->system, key);
  if (r != 1) {
    if (r == 0 && asprintf (why, "%s: no service", svc) == -1)
      *why = NULL;
    goto out;
  }
  if (ow_hive_get_dword (ctx->system, key, "Start", &start) != 1
      || ow_hive_get_dword (ctx->system, key, "Type", &type) != 1
      || start != 0 || type != SERVICE_KERNEL_DRIVER) {
    r = 0;
    if (asprintf (why, "%s: not a boot-start kernel driver (Start %u, Type %u)", svc,
                  start, type) == -1)
      *why = NULL;
    goto out;
  }
  /* StartOverride\<n> values other than 0 keep an in-box storage driver
   * off (WINDOWS.md / DRIVERS.md 1.5, UNVERIFIED: community sources). */
  names = ow_hive_value_names (ctx->system, ov);
  for (size_t i = 0; names && names[i]; i++) {
    uint32_t v;
    if (ow_hive_get_dword (ctx->system, ov, names[i], &v) == 1 && v != 0) {
      r = 0;
      if (asprintf (why, "%s: StartOverride\\%s is %u", svc, names[i], v) == -1)
        *why = NULL;
      goto out;
    }
  }
  if (ow_hive_get_string (ctx->system, key, "ImagePath", &image) != 1)
    image = NULL;
  file = driver_file (ctx, svc, image);
  if (file == NULL) {
    r = ow_err (ENOMEM, "out of memory");
    goto out;
  }
  r = *file ? ow_path_exists (ctx->vol, file) : 0;
  if (r == 0 && asprintf (why, "%s: its driver file %s is not in the image", svc,
                          *file ? file : image) == -1)
    *why = NULL;
 out:
  ow_strv_free (names);
  free (key);
  free (ov);
  free (image);
  free (file);
  return r;
}

/* The target's boot storage: 1 proven (*WHICH names the driver), 0 not
 * (*WHY lists what was checked), -1 error. */
static int
boot_storage_proven (struct ow_prep_ctx *ctx, json_t *target, const char **which, char **why)
{
  char *list = NULL;
  size_t len = 0, i;
  FILE *f = open_memstream (&list, &len);
  json_t *s;
  int r = 0;

  *why = NULL;
  if (f == NULL)
    return ow_err (ENOMEM, "out of memory");
  json_array_foreach (json_object_get (target, "bootStorage"), i, s) {
    const char *svc = json_string_value (s);
    char *w = NULL;

    for (size_t k = 0; k < ctx->nboot_storage && r == 0; k++)
      if (strcasecmp (ctx->boot_storage[k], svc) == 0) {
        *which = svc;
        r = 1;
      }
    if (r == 0)
      r = inbox_boot_driver (ctx, svc, &w);
    if (r == 1)
      *which = svc;
    if (r != 0)
      break;
    fprintf (f, "%s%s", i ? "; " : "", w ? w : svc);
    free (w);
  }
  fclose (f);
  if (r == 0)
    *why = list;
  else
    free (list);
  return r;
}

/* The filter lists naming NAMES lose them: one change per list. */
static int
remove_filters (struct ow_prep_ctx *ctx, struct ow_plan *plan, json_t *names, size_t *lists)
{
  json_t *hits = json_array (), *h;
  size_t i;
  int r = ow_srctools_filters (ctx->system, ctx->control_set, names, hits);

  json_array_foreach (hits, i, h) {
    json_t *list = json_object_get (h, "list"), *v;
    const char *key = json_string_value (json_object_get (h, "key"));
    const char *value = json_string_value (json_object_get (h, "value"));
    const char **keep;
    size_t n = 0, k;

    if (r == -1)
      break;
    keep = calloc (json_array_size (list) + 1, sizeof *keep);
    if (keep == NULL) {
      r = ow_err (ENOMEM, "out of memory");
      break;
    }
    json_array_foreach (list, k, v)
      if (!in_names (names, json_string_value (v)))
        keep[n++] = json_string_value (v);
    /* An empty list goes: Windows reads a missing value as no filter. */
    r = n == 0 ? ow_plan_reg_delete (plan, STEP, ctx->system, "SYSTEM", key, value)
               : ow_plan_reg_set_multi (plan, STEP, ctx->system, "SYSTEM", key, value, keep, n);
    if (r == 0 && plan->n > 0 && plan->v[plan->n - 1].note == NULL) {
      char *names_s = json_dumps (json_object_get (h, "names"), JSON_COMPACT);
      if (asprintf (&plan->v[plan->n - 1].note, "source tools: filter %s taken out of %s, "
                    "before its service is disabled", names_s ? names_s : "?", value) == -1)
        plan->v[plan->n - 1].note = NULL;
      free (names_s);
    }
    free (keep);
    (*lists)++;
  }
  json_decref (hits);
  return r;
}

/* The first-boot command that uninstalls one Uninstall entry E of
 * product P, or NULL (no silent way known; *WHY says so). */
static char *
uninstall_command (json_t *p, json_t *e)
{
  json_t *un = json_object_get (p, "uninstall");
  const char *method = json_string_value (json_object_get (un, "method"));
  const char *extra = json_string_value (json_object_get (un, "extra"));
  const char *code = json_string_value (json_object_get (e, "productCode"));
  const char *quiet = json_string_value (json_object_get (e, "quietUninstallString"));
  const char *us = json_string_value (json_object_get (e, "uninstallString"));
  const char *silent = json_string_value (json_object_get (un, "silent"));
  char *cmd = NULL;

  /* msiexec options: /x uninstall, /qn no UI, /norestart and
   * REBOOT=ReallySuppress: never a restart in the middle of the list. */
  if (strcmp (method, "msi") == 0 && code
      && json_is_true (json_object_get (e, "windowsInstaller"))) {
    if (asprintf (&cmd, "msiexec.exe /x %s /qn /norestart REBOOT=ReallySuppress%s%s", code,
                  extra ? " " : "", extra ? extra : "") == -1)
      cmd = NULL;
  }
  else if (quiet)
    cmd = strdup (quiet);        /* the vendor's own silent form */
  else if (strcmp (method, "command") == 0 && us && silent) {
    if (asprintf (&cmd, "%s %s", us, silent) == -1)
      cmd = NULL;
  }
  /* The command comes from the image's own registry: no line breaks or
   * control characters in what cmd.exe runs. */
  for (const char *c = cmd; c && *c; c++)
    if ((unsigned char) *c < 0x20) {
      free (cmd);
      return NULL;
    }
  if (cmd && strlen (cmd) > MAX_COMMAND_LEN) {
    free (cmd);
    return NULL;
  }
  return cmd;
}

static int
queue_uninstalls (struct ow_prep_ctx *ctx, struct ow_plan *plan, json_t *prod, json_t *data,
                  size_t *queued)
{
  size_t i;
  json_t *e;

  if (json_array_size (json_object_get (prod, "products")) == 0)
    ow_plan_note (plan, "source tools: %s: found by its services, no Uninstall entry: its "
                  "services are disabled, nothing is uninstalled at first boot",
                  json_string_value (json_object_get (prod, "title")));
  json_array_foreach (json_object_get (prod, "products"), i, e) {
    const char *dn = json_string_value (json_object_get (e, "displayName"));
    const char *ver = json_string_value (json_object_get (e, "displayVersion"));
    char *cmd = uninstall_command (data, e), *desc = NULL;
    int r;

    if (cmd == NULL) {
      ow_plan_note (plan, "source tools: %s %s (%s): no silent uninstaller is known; "
                    "its services are disabled, remove it by hand on the target", dn,
                    ver ? ver : "", json_string_value (json_object_get (e, "key")));
      continue;
    }
    if (asprintf (&desc, "uninstall %s %s (source tools; a failure such as 1603 off the "
                  "source platform is reported and the list goes on)", dn, ver ? ver : "") == -1) {
      free (cmd);
      return ow_err (ENOMEM, "out of memory");
    }
    r = ow_firstboot_add_lenient (ctx, STEP, cmd, desc);
    if (r == 0)
      ow_plan_note (plan, "source tools: %s %s (%s): uninstalled at first boot with: %s", dn,
                    ver ? ver : "", json_string_value (json_object_get (e, "key")), cmd);
    free (cmd);
    free (desc);
    if (r == -1)
      return -1;
    (*queued)++;
  }
  return 0;
}

static json_t *
product_data (json_t *table, const char *id)
{
  size_t i;
  json_t *p;

  json_array_foreach (json_object_get (table, "products"), i, p)
    if (strcmp (json_string_value (json_object_get (p, "id")), id) == 0)
      return p;
  return NULL;
}

struct run {
  struct ow_prep_ctx *ctx;
  struct ow_plan *plan;
  json_t *table, *found, *target;
  const char *platform;
  bool explicit_;
};

static int
remove_tools (struct run *u, json_t *removed, json_t *kept)
{
  json_t *protect = json_array (), *names = json_array (), *done = json_array (), *prod;
  size_t before = u->plan->n, lists = 0, disabled = 0, queued = 0, i, k;
  const char *boot = NULL;
  char *why = NULL;
  int r;

  /* Never disabled: the target's boot storage and what kept tools use. */
  json_array_foreach (json_object_get (u->target, "bootStorage"), i, prod)
    add_name (protect, json_string_value (prod));
  json_array_foreach (kept, i, prod) {
    json_t *s;
    json_array_foreach (json_object_get (prod, "services"), k, s)
      add_name (protect, json_string_value (json_object_get (s, "name")));
  }
  r = boot_storage_proven (u->ctx, u->target, &boot, &why);
  if (r == 0) {
    ow_plan_step (u->plan, STEP, u->explicit_ ? OW_STEP_FAILED : OW_STEP_SKIPPED,
                  "%zu source tool product(s) found but the boot storage of %s is not "
                  "proven present (%s): nothing is disabled or uninstalled, since the "
                  "image would not boot there anyway; install the target's storage "
                  "driver first, or enable the in-box one (Start=0, its StartOverride values "
                  "0 or gone)", json_array_size (removed), u->platform, why ? why : "?");
    free (why);
    goto out;
  }
  if (r == -1)
    goto out;
  json_array_foreach (removed, i, prod) {
    json_t *data = product_data (u->table, json_string_value (json_object_get (prod, "id")));
    json_t *s, *f;
    json_array_foreach (json_object_get (prod, "services"), k, s)
      if (!in_names (protect, json_string_value (json_object_get (s, "name"))))
        add_name (names, json_string_value (json_object_get (s, "name")));
    json_array_foreach (json_object_get (data, "filters"), k, f)
      if (!in_names (protect, json_string_value (json_object_get (f, "service"))))
        add_name (names, json_string_value (json_object_get (f, "service")));
  }
  /* Filters first: a name must be out of every list before its service
   * is disabled (one hive commit holds both, in this order). */
  r = remove_filters (u->ctx, u->plan, names, &lists);
  json_array_foreach (removed, i, prod) {
    json_t *data = product_data (u->table, json_string_value (json_object_get (prod, "id")));
    json_t *s;
    if (r == -1)
      break;
    json_array_foreach (json_object_get (prod, "services"), k, s) {
      const char *name = json_string_value (json_object_get (s, "name"));
      size_t n0 = u->plan->n;
      if (r == -1)
        break;
      /* Two products may share a driver (virtio-win and Nutanix VirtIO):
       * one change for it. */
      if (in_names (done, name))
        continue;
      add_name (done, name);
      if (in_names (protect, name)) {
        ow_plan_note (u->plan, "source tools: %s: service %s kept (the target or a kept "
                      "product needs it)", json_string_value (json_object_get (prod, "title")),
                      name);
        continue;
      }
      r = ow_plan_reg_set_dword (u->plan, STEP, u->ctx->system, "SYSTEM",
                                 json_string_value (json_object_get (s, "key")), "Start",
                                 START_DISABLED);
      if (r == 0 && u->plan->n > n0) {
        disabled++;
        if (asprintf (&u->plan->v[n0].note, "source tools: %s: %s%s disabled",
                      json_string_value (json_object_get (prod, "title")),
                      json_is_true (json_object_get (s, "bootDriver")) ? "boot driver " : "service ",
                      name) == -1)
          u->plan->v[n0].note = NULL;
      }
    }
    if (r == 0)
      r = queue_uninstalls (u->ctx, u->plan, prod, data, &queued);
  }
  if (r == 0) {
    char *titles = NULL;
    size_t tl = 0;
    FILE *f = open_memstream (&titles, &tl);
    if (f == NULL) {
      r = ow_err (ENOMEM, "out of memory");
      goto out;
    }
    json_array_foreach (removed, i, prod)
      fprintf (f, "%s%s", i ? ", " : "", json_string_value (json_object_get (prod, "title")));
    fclose (f);
    ow_plan_step (u->plan, STEP, u->plan->n > before ? OW_STEP_OK : OW_STEP_NOTHING_TO_DO,
                  "target %s boots from %s: removing %s: %zu filter list(s) edited, %zu "
                  "service(s) set to Start=4 now, %zu uninstaller(s) queued for first boot",
                  u->platform, boot, titles ? titles : "", lists, disabled, queued);
    free (titles);
  }
 out:
  json_decref (protect);
  json_decref (names);
  json_decref (done);
  return r;
}

int
ow_op_srctools (struct ow_prep_ctx *ctx, struct ow_plan *plan)
{
  json_t *rm = json_object_get (ctx->job, "removeSourceTools");
  struct run u = { .ctx = ctx, .plan = plan };
  json_t *removed = NULL, *kept = NULL, *prod;
  size_t i;
  int r = -1;

  u.platform = json_string_value (json_object_get (ctx->job, "platform"));
  u.explicit_ = rm != NULL;
  if ((rm && !json_is_true (rm)) || u.platform == NULL)
    return 0;
  u.table = ow_srctools_load ();
  if (u.table == NULL)
    return -1;
  u.target = json_object_get (json_object_get (u.table, "targets"), u.platform);
  /* The default is on for the clouds (the targets the data file knows
   * the boot storage of); elsewhere only when asked. */
  if (!u.explicit_ && u.target == NULL) {
    json_decref (u.table);
    return 0;
  }
  if (ctx->system == NULL || ctx->software == NULL) {
    ow_plan_step (plan, STEP, OW_STEP_FAILED, "the SYSTEM or SOFTWARE hive is not available");
    r = 0;
    goto out;
  }
  if (u.target == NULL) {
    ow_plan_step (plan, STEP, OW_STEP_FAILED, "platform %s: which storage driver boots it "
                  "is not known (source-tools.json \"targets\"), so no source tools are "
                  "removed", u.platform);
    r = 0;
    goto out;
  }
  u.found = ow_srctools_detect (ctx->system, ctx->software, ctx->control_set, u.table);
  if (u.found == NULL)
    goto out;
  removed = json_array ();
  kept = json_array ();
  json_array_foreach (u.found, i, prod) {
    json_t *data = product_data (u.table, json_string_value (json_object_get (prod, "id")));
    json_array_append (in_names (json_object_get (data, "keepOn"), u.platform) ? kept : removed,
                       prod);
  }
  json_array_foreach (kept, i, prod)
    ow_plan_note (plan, "source tools: %s kept: it belongs to %s",
                  json_string_value (json_object_get (prod, "title")), u.platform);
  if (json_array_size (removed) == 0) {
    ow_plan_step (plan, STEP, OW_STEP_NOTHING_TO_DO, "no tools of another hypervisor found "
                  "(%zu product(s) of %s kept)", json_array_size (kept), u.platform);
    r = 0;
    goto out;
  }
  r = remove_tools (&u, removed, kept);
 out:
  json_decref (removed);
  json_decref (kept);
  json_decref (u.found);
  json_decref (u.table);
  return r;
}
