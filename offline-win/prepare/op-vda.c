/* SPDX-License-Identifier: GPL-3.0-or-later */
/* VDA reconfiguration (xdReconfigure).  What is a plain registry setting
 * is done offline; the rest is handed to the first-boot runner as
 * XenDesktopVdaSetup.exe /reconfigure, the command IPS documents. */
#include <stdio.h>
#include <stdlib.h>

#include "prepare.h"
#include "job/job.h"

#define STEP "vda"
#define VDA_KEY "Citrix\\VirtualDesktopAgent"
#define VDA_POLICY_KEY "Policies\\Citrix\\VirtualDesktopAgent"
/* Registration port value: *unverified* (single community source). */
#define VDA_PORT_VALUE "ControllerRegistrarPort"

/* VDA releases the seed supports, by DisplayVersion prefix.  The mapping
 * of cumulative updates to build numbers is *unverified*. */
static const struct { const char *prefix, *release; } supported[] = {
  { "7.24.6", "1912 LTSR CU6" },
  { "7.24.7", "1912 LTSR CU7" },
  { "7.33.1", "2203 LTSR CU1" },
  { "7.33.2", "2203 LTSR CU2" },
  { "7.36.", "2212" },
  { "7.37.", "2303" },
  { "7.38.", "2305" },
  { NULL, NULL },
};

/* Where the VDA installer stays on the machine (WINDOWS.md). */
static const char *const installer_paths[] = {
  "ProgramData/Citrix/XenDesktopSetup/XenDesktopVdaSetup.exe",
  "Program Files/Citrix/XenDesktopVdaSetup/XenDesktopVdaSetup.exe",
  NULL,
};

static const char *
supported_release (const char *version)
{
  for (size_t i = 0; version && supported[i].prefix; i++)
    if (strncmp (version, supported[i].prefix, strlen (supported[i].prefix)) == 0)
      return supported[i].release;
  return NULL;
}

static const char *
param (const json_t *xd, const char *name)
{
  size_t i;
  json_t *e;

  json_array_foreach ((json_t *) xd, i, e)
    if (strcmp (json_string_value (json_object_get (e, "ParameterName")), name) == 0)
      return json_string_value (json_object_get (e, "ParameterValue"));
  return NULL;
}

/* "a.example,b.example" → "a.example b.example" (ListOfDDCs format). */
static char *
ddc_list (const char *controllers)
{
  char **hosts = ow_job_split_hosts (controllers);
  char *out = NULL;
  size_t len = 0;
  FILE *f;

  if (hosts == NULL || (f = open_memstream (&out, &len)) == NULL) {
    ow_strv_free (hosts);
    return NULL;
  }
  for (size_t i = 0; hosts[i]; i++)
    fprintf (f, "%s%s", i ? " " : "", hosts[i]);
  fclose (f);
  ow_strv_free (hosts);
  return out;
}

static bool
policy_has_ddcs (struct ow_prep_ctx *ctx)
{
  uint32_t t;
  void *d = NULL;
  size_t len;
  int r = ow_hive_get_raw (ctx->software, VDA_POLICY_KEY, "ListOfDDCs", &t, &d, &len);

  free (d);
  return r == 1;
}

static int
offline_settings (struct ow_prep_ctx *ctx, struct ow_plan *plan, const json_t *xd)
{
  const char *controllers = param (xd, "controllers"), *port = param (xd, "portnumber");

  if (controllers) {
    char *ddcs = ddc_list (controllers);
    int r;
    if (ddcs == NULL)
      return -1;
    r = ow_plan_reg_set_string (plan, STEP, ctx->software, "SOFTWARE", VDA_KEY, "ListOfDDCs",
                                OW_REG_SZ, ddcs);
    /* The policy value overrides the VDA's own: keep both saying the same. */
    if (r == 0 && policy_has_ddcs (ctx))
      r = ow_plan_reg_set_string (plan, STEP, ctx->software, "SOFTWARE", VDA_POLICY_KEY,
                                  "ListOfDDCs", OW_REG_SZ, ddcs);
    free (ddcs);
    if (r == -1)
      return -1;
  }
  if (port &&
      ow_plan_reg_set_dword (plan, STEP, ctx->software, "SOFTWARE", VDA_KEY, VDA_PORT_VALUE,
                             (uint32_t) strtoul (port, NULL, 10)) == -1)
    return -1;
  return 0;
}

/* Parameters that only the installer can apply: a /reconfigure command. */
static int
queue_reconfigure (struct ow_prep_ctx *ctx, struct ow_plan *plan, const json_t *xd,
                   bool *queued)
{
  const char *installer = NULL;
  char *cmd = NULL, *winpath;
  size_t len = 0, i;
  json_t *e;
  FILE *f;
  bool needed = false;

  *queued = false;
  json_array_foreach ((json_t *) xd, i, e) {
    const char *n = json_string_value (json_object_get (e, "ParameterName"));
    if (strcmp (n, "controllers") != 0 && strcmp (n, "portnumber") != 0)
      needed = true;
  }
  if (!needed)
    return 0;
  for (size_t k = 0; installer_paths[k] && !installer; k++)
    if (ow_path_exists (ctx->vol, installer_paths[k]) == 1)
      installer = installer_paths[k];
  if (installer == NULL) {
    ow_plan_step (plan, STEP, OW_STEP_FAILED, "XenDesktopVdaSetup.exe is not in the image "
                  "(looked in C:\\ProgramData\\Citrix\\XenDesktopSetup and C:\\Program Files\\"
                  "Citrix\\XenDesktopVdaSetup): enable_hdx_ports, site_guid and wem_* need it");
    return 1;
  }
  f = open_memstream (&cmd, &len);
  if (f == NULL)
    return ow_err (ENOMEM, "out of memory");
  winpath = strdup (installer);
  for (char *p = winpath; p && *p; p++)
    if (*p == '/')
      *p = '\\';
  fprintf (f, "\"C:\\%s\" /reconfigure /quiet /noreboot", winpath ? winpath : installer);
  free (winpath);
  json_array_foreach ((json_t *) xd, i, e) {
    const char *n = json_string_value (json_object_get (e, "ParameterName"));
    const char *v = json_string_value (json_object_get (e, "ParameterValue"));
    if (strcmp (n, "enable_hdx_ports") == 0) {
      if (strcmp (v, "true") == 0)
        fputs (" /enable_hdx_ports", f);
    }
    else
      fprintf (f, " /%s \"%s\"", n, v);   /* values were checked: no quotes */
  }
  fclose (f);
  if (ow_firstboot_add (ctx, STEP, cmd, "VDA reconfiguration that needs the installer") == -1) {
    free (cmd);
    return -1;
  }
  free (cmd);
  *queued = true;
  return 0;
}

int
ow_op_vda (struct ow_prep_ctx *ctx, struct ow_plan *plan)
{
  const json_t *xd = json_object_get (ctx->job, "xdReconfigure");
  json_t *vda = json_object_get (ctx->facts, "vda");
  const char *version = json_string_value (json_object_get (vda, "version"));
  const char *release;
  size_t before = plan->n;
  bool queued;
  int r;

  if (xd == NULL || json_array_size (xd) == 0)
    return 0;
  if (!json_is_object (vda)) {
    ow_plan_step (plan, STEP, OW_STEP_FAILED,
                  "no Citrix Virtual Delivery Agent is installed in this image: xdReconfigure "
                  "needs one (install the VDA first, or drop xdReconfigure from the job)");
    return 0;
  }
  release = supported_release (version);
  if (release == NULL) {
    ow_plan_step (plan, STEP, OW_STEP_FAILED,
                  "VDA version %s is not supported for reconfiguration (supported: 1912 CU6, "
                  "1912 CU7, 2203 CU1, 2203 CU2, 2212, 2303, 2305): step skipped, the rest of "
                  "the job goes on", version ? version : "(unknown)");
    return 0;
  }
  if (offline_settings (ctx, plan, xd) == -1)
    return -1;
  r = queue_reconfigure (ctx, plan, xd, &queued);
  if (r == -1)
    return -1;
  if (r == 1)
    return 0;
  ow_plan_step (plan, STEP, plan->n > before || queued ? OW_STEP_OK : OW_STEP_NOTHING_TO_DO,
                "VDA %s (%s)%s", version, release,
                queued ? "; /reconfigure queued for first boot" : "");
  return 0;
}
