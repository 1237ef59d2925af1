/* SPDX-License-Identifier: GPL-3.0-or-later */
/* VDA reconfiguration (xdReconfigure).  The one setting with a documented
 * registry form (ListOfDDCs) is done offline; the rest is handed to the
 * first-boot runner as XenDesktopVdaSetup.exe /reconfigure, the command
 * IPS documents.  Facts and sources: docs/vda.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "prepare.h"
#include "job/job.h"

#define STEP "vda"
#define VDA_KEY "Citrix\\VirtualDesktopAgent"
#define VDA_POLICY_KEY "Policies\\Citrix\\VirtualDesktopAgent"
#define VERSION_PARTS 4
#define MAX_VERSION_PART 99999u
#define CU_STEP 1000u            /* LTSR cumulative update N has third part N*1000 */

/* VDA releases the seed supports.  A VDA reports its version as
 * YYMM.0.<third>.<build>, the release's year and month first: 2203 LTSR
 * CU2 is 2203.0.2000.2076 (DisplayVersion and the broker's AgentVersion;
 * Nutanix reference architecture "Citrix User Profile Management on
 * Nutanix", worker VM config, VDA 2203 CU2), an LTSR's cumulative update
 * N has <third> = N * 1000 (2203.0.3000.3052 as 2203 LTSR and
 * 1912.0.9000.26 as 1912 in the synthetic site of a peer PowerShell
 * module's tests), a Current Release has small <third> values
 * (2402.0.100.629, same source).  Versions of the 7.x form belong to
 * releases before 1912 (7.15 LTSR) and are not supported.  docs/vda.md
 * lists the sources. */
static const struct vda_release {
  unsigned yymm;
  const char *name;
  bool ltsr;
  unsigned cu_min, cu_max;       /* LTSR: the supported cumulative updates */
} supported[] = {
  { 1912, "1912 LTSR", true, 6, 7 },
  { 2203, "2203 LTSR", true, 1, 2 },
  { 2212, "2212", false, 0, 0 },
  { 2303, "2303", false, 0, 0 },
  { 2305, "2305", false, 0, 0 },
};
#define SUPPORTED_TEXT "1912 LTSR CU6, 1912 LTSR CU7, 2203 LTSR CU1, 2203 LTSR CU2, 2212, 2303, 2305"

/* Where the VDA installer stays on the machine (WINDOWS.md). */
static const char *const installer_paths[] = {
  "ProgramData/Citrix/XenDesktopSetup/XenDesktopVdaSetup.exe",
  "Program Files/Citrix/XenDesktopVdaSetup/XenDesktopVdaSetup.exe",
  NULL,
};

/* "a.b.c.d", four decimal parts and nothing else: 0 with PARTS filled, or -1. */
static int
parse_version (const char *s, unsigned parts[VERSION_PARTS])
{
  for (size_t i = 0; i < VERSION_PARTS; i++) {
    unsigned long v = 0;
    size_t digits = 0;
    for (; *s >= '0' && *s <= '9'; s++, digits++)
      if ((v = v * 10 + (unsigned long) (*s - '0')) > MAX_VERSION_PART)
        return -1;
    if (digits == 0 || (i + 1 < VERSION_PARTS ? *s != '.' : *s != '\0'))
      return -1;
    parts[i] = (unsigned) v;
    if (*s == '.')
      s++;
  }
  return 0;
}

/* The supported release VERSION belongs to, with its name ("2203 LTSR
 * CU2") in NAME (malloc'd); NULL if it is not one of them.  An LTSR base
 * release or a CU outside the table is not supported. */
static const struct vda_release *
supported_release (const char *version, char **name)
{
  unsigned p[VERSION_PARTS];

  *name = NULL;
  errno = 0;
  if (version == NULL || parse_version (version, p) == -1 || p[1] != 0)
    return NULL;
  for (size_t i = 0; i < sizeof supported / sizeof supported[0]; i++) {
    const struct vda_release *r = &supported[i];
    unsigned cu = p[2] / CU_STEP;
    if (p[0] != r->yymm)
      continue;
    if (!r->ltsr)
      return (*name = strdup (r->name)) ? r : NULL;
    if (p[2] % CU_STEP != 0 || cu < r->cu_min || cu > r->cu_max)
      return NULL;
    return asprintf (name, "%s CU%u", r->name, cu) == -1 ? NULL : r;
  }
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

/* The one setting with a documented registry form (ListOfDDCs under
 * HKLM\SOFTWARE\Citrix\VirtualDesktopAgent, Citrix "VDA registration").
 * The registration port has no documented value name: it goes to the
 * installer's /portnumber.  A Group Policy ListOfDDCs is left alone: its
 * registry form is unverified, and the policy sets it again anyway. */
static int
offline_settings (struct ow_prep_ctx *ctx, struct ow_plan *plan, const json_t *xd)
{
  const char *controllers = param (xd, "controllers");
  char *ddcs;
  int r;

  if (controllers == NULL)
    return 0;
  if ((ddcs = ddc_list (controllers)) == NULL)
    return -1;
  r = ow_plan_reg_set_string (plan, STEP, ctx->software, "SOFTWARE", VDA_KEY, "ListOfDDCs",
                              OW_REG_SZ, ddcs);
  free (ddcs);
  if (r == 0 && policy_has_ddcs (ctx))
    ow_plan_note (plan, "vda: a Group Policy ListOfDDCs (HKLM\\%s) is also set and was left "
                  "as it is: if Group Policy names the controllers, change them there",
                  VDA_POLICY_KEY);
  return r;
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
    if (strcmp (n, "controllers") != 0)
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
                  "Citrix\\XenDesktopVdaSetup): portnumber, enable_hdx_ports, site_guid and wem_* "
                  "need it");
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
  char *release = NULL;
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
  if (supported_release (version, &release) == NULL) {
    if (errno == ENOMEM)
      return ow_err (ENOMEM, "out of memory");
    ow_plan_step (plan, STEP, OW_STEP_FAILED,
                  "VDA version %s is not supported for reconfiguration (supported: "
                  SUPPORTED_TEXT "): step skipped, the rest of the job goes on",
                  version ? version : "(unknown)");
    return 0;
  }
  /* The installer check first: a step that fails plans nothing. */
  r = queue_reconfigure (ctx, plan, xd, &queued);
  if (r == 0)
    r = offline_settings (ctx, plan, xd);
  if (r == 0)
    ow_plan_step (plan, STEP, plan->n > before || queued ? OW_STEP_OK : OW_STEP_NOTHING_TO_DO,
                  "VDA %s (%s)%s", version, release,
                  queued ? "; /reconfigure queued for first boot" : "");
  free (release);
  return r == -1 ? -1 : 0;
}
