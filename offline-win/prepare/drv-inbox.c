/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the target platform needs (struct ow_drv_need, drv-needs.c),
 * against what the job supplies and what the image has (docs/drivers.md
 * "In-box drivers", "Refusal"): a need is met by a chosen package, by an
 * in-box driver found in the image itself (Windows\INF\<inf> or a driver
 * store folder <inf>_*, with its service registered; never a table), or
 * by a service already installed.  An in-box boot-storage driver is only
 * made to start at boot.  What is met by nothing is returned for the
 * caller to refuse or warn. */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "prepare.h"

#define STEP            "drivers"
#define ROLE_BOOT       OW_DRV_ROLE_BOOT
/* The SCSIAdapter class (CriticalDeviceDatabase entries of in-box
 * storage drivers on Windows 7: the class virt-v2v writes). */
#define SCSI_CLASS_GUID "{4D36E97B-E325-11CE-BFC1-08002BE10318}"

struct nd {
  struct ow_prep_ctx *ctx;
  struct ow_plan *plan;
  bool ddb;                       /* bound through DriverDatabase (Windows 8+) */
};


/* HWID (from the INF) is the platform's ID NEED or a more specific form
 * of it ("PCI\VEN_1AF4&DEV_1004&SUBSYS_..." for "PCI\VEN_1AF4&DEV_1004"). */
static bool
hwid_matches (const char *hwid, const char *need)
{
  size_t n = strlen (need);
  return strncasecmp (hwid, need, n) == 0 && (hwid[n] == '\0' || hwid[n] == '&');
}

static bool
choice_meets (const struct ow_drv_choice *c, const struct ow_drv_need *n)
{
  for (size_t i = 0; i < c->nservices; i++)
    if (strcasecmp (c->services[i].name, n->service) == 0)
      return true;
  for (size_t i = 0; i < c->nhwids; i++)
    for (size_t k = 0; k < n->nhwids; k++)
      if (hwid_matches (c->hwids[i], n->hwids[k]))
        return true;
  return false;
}

/* The image ships INF (Windows\INF\<inf> or a driver store folder
 * <inf>_*): 1, 0, -1. */
static int
inbox_present (struct nd *d, const char *driver, char ***store)
{
  size_t dn = strlen (driver), n;
  /* platforms.json names the driver ("stornvme"); Windows ships it as
   * "stornvme.inf" (a name already ending in .inf is taken as it is). */
  bool ext = dn > 4 && strcasecmp (driver + dn - 4, ".inf") == 0;
  char *inf = NULL, *path = NULL;
  int r = -1;

  if (asprintf (&inf, "%s%s", driver, ext ? "" : ".inf") == -1)
    return ow_err (ENOMEM, "out of memory");
  n = strlen (inf);
  if (asprintf (&path, "%s/INF/%s", d->ctx->systemroot, inf) == -1) {
    path = NULL;
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  r = ow_path_exists (d->ctx->vol, path);
  free (path);
  path = NULL;
  if (r != 0)
    goto out;
  r = -1;
  if (*store == NULL) {
    if (asprintf (&path, "%s/System32/DriverStore/FileRepository", d->ctx->systemroot) == -1) {
      path = NULL;
      ow_err (ENOMEM, "out of memory");
      goto out;
    }
    *store = ow_dir_list (d->ctx->vol, path);
    if (*store == NULL && errno != ENOENT)
      goto out;
    if (*store == NULL && (*store = calloc (1, sizeof **store)) == NULL) {
      ow_err (ENOMEM, "out of memory");
      goto out;
    }
  }
  r = 0;
  for (size_t i = 0; (*store)[i] && r == 0; i++)
    if (strncasecmp ((*store)[i], inf, n) == 0 && (*store)[i][n] == '_')
      r = 1;
 out:
  free (path);
  free (inf);
  return r;
}

static int
service_exists (struct nd *d, const char *svc)
{
  char *key = NULL;
  int r;

  if (asprintf (&key, "%s\\Services\\%s", d->ctx->control_set, svc) == -1)
    return ow_err (ENOMEM, "out of memory");
  r = ow_hive_key_exists (d->ctx->system, key);
  free (key);
  return r;
}

static int
set_params (struct nd *d, const struct ow_drv_need *n)
{
  int r = 0;

  for (size_t i = 0; i < n->nparams && r == 0; i++) {
    char *key = NULL;
    if (asprintf (&key, "%s\\Services\\%s\\%s", d->ctx->control_set, n->service,
                  n->param_keys[i]) == -1)
      return ow_err (ENOMEM, "out of memory");
    r = ow_plan_reg_set_dword (d->plan, STEP, d->ctx->system, "SYSTEM", key, n->param_names[i],
                               n->param_values[i]);
    free (key);
  }
  return r;
}

/* An in-box boot driver: Start=0 (the service Windows registered for
 * it), a StartOverride that keeps it off removed, its IDs in the
 * CriticalDeviceDatabase before Windows 8 (from 8 on the driver store's
 * own DriverDatabase entries bind it). */
static int
plan_inbox_boot (struct nd *d, const struct ow_drv_need *n)
{
  char *key = NULL, *ov = NULL;
  uint32_t t;
  void *data = NULL;
  size_t len, before = d->plan->n;
  int r;

  if (asprintf (&key, "%s\\Services\\%s", d->ctx->control_set, n->service) == -1
      || asprintf (&ov, "%s\\Services\\%s\\StartOverride", d->ctx->control_set, n->service) == -1)
    return ow_err (ENOMEM, "out of memory");
  r = ow_plan_reg_set_dword (d->plan, STEP, d->ctx->system, "SYSTEM", key, "Start", 0);
  if (r == 0 && (r = ow_hive_get_raw (d->ctx->system, ov, "0", &t, &data, &len)) == 1)
    r = ow_plan_reg_delete (d->plan, STEP, d->ctx->system, "SYSTEM", ov, "0");
  free (data);
  if (r == 0 && !d->ddb)
    r = ow_drv_bind_cdd (d->ctx, d->plan, n->service, SCSI_CLASS_GUID, n->hwids, n->nhwids);
  free (key);
  free (ov);
  for (size_t i = before; r == 0 && i < d->plan->n; i++)
    if (d->plan->v[i].note == NULL
        && asprintf (&d->plan->v[i].note, "in-box %s (%s): starts at boot", n->service,
                     n->inbox) == -1) {
      d->plan->v[i].note = NULL;
      r = ow_err (ENOMEM, "out of memory");
    }
  return r;
}

int
ow_drv_plan_needs (struct ow_prep_ctx *ctx, struct ow_plan *plan,
                   const struct ow_drv_choice *choices, size_t n,
                   const struct ow_drv_need *needs, size_t nneeds, bool ddb,
                   size_t *inbox_used, char **missing)
{
  struct nd nd_ = { .ctx = ctx, .plan = plan, .ddb = ddb }, *d = &nd_;
  char **store = NULL, *list = NULL;
  size_t mlen = 0;
  FILE *mf = open_memstream (&list, &mlen);
  int r = 0, nmissing = 0;

  *missing = NULL;
  if (mf == NULL)
    return ow_err (ENOMEM, "out of memory");
  for (size_t i = 0; i < nneeds && r == 0; i++) {
    const struct ow_drv_need *nd = &needs[i];
    bool boot = nd->role && strcmp (nd->role, ROLE_BOOT) == 0, met = false;
    int inbox = 0, svc = 0;

    if (nd->role == NULL)
      continue;

    for (size_t k = 0; k < n && !met; k++)
      met = choice_meets (&choices[k], nd);
    if (!met && nd->inbox && (inbox = inbox_present (d, nd->inbox, &store)) == -1)
      r = -1;
    if (r == 0 && !met && (svc = service_exists (d, nd->service)) == -1)
      r = -1;
    if (r == -1)
      break;
    if (!met && inbox == 1 && svc == 1) {
      /* In the image: make sure it can start at boot. */
      if (boot)
        r = plan_inbox_boot (d, nd);
      (*inbox_used)++;
      ow_plan_note (d->plan, "drivers: %s (%s) is in the image (%s)%s", nd->service,
                    nd->what ? nd->what : "", nd->inbox, boot ? ": set to start at boot" : "");
      met = true;
    }
    else if (!met && svc == 1) {
      ow_plan_note (d->plan, "drivers: %s (%s) is already installed in the image", nd->service,
                    nd->what ? nd->what : "");
      met = true;
    }
    if (r == 0 && met)
      r = set_params (d, nd);
    if (r == 0 && !met) {
      ow_plan_note (d->plan, "drivers: the platform needs %s (%s%s%s%s%s): neither in the "
                    "image nor in the job's \"drivers\"", nd->service, nd->what ? nd->what : "",
                    nd->nhwids ? ", hardware ID " : "", nd->nhwids ? nd->hwids[0] : "",
                    nd->variant ? ", only for the target variant " : "",
                    nd->variant ? nd->variant : "");
      /* A variant need (NVMe sizes, gVNIC, LSI SAS) is prepared when it
       * can be, never a refusal: the job does not say which variant the
       * target is (docs/drivers.md, "Variants"). */
      if (boot && nd->variant == NULL)
        fprintf (mf, "%s%s (%s%s%s)", nmissing++ ? "; " : "", nd->service,
                 nd->what ? nd->what : "boot storage", nd->nhwids ? ", " : "",
                 nd->nhwids ? nd->hwids[0] : "");
    }
  }
  fclose (mf);
  ow_strv_free (store);
  if (r == 0 && nmissing > 0)
    *missing = list;
  else
    free (list);
  return r;
}
