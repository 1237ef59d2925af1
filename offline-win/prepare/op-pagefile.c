/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pagefile placement (WINDOWS.md "Pagefile"): on the platform's temporary
 * disk (D:, system-managed size) or system-managed on the system volume. */
#include <stdio.h>
#include <stdlib.h>

#include "prepare.h"

#define STEP "pagefile"
#define MM_KEY "Control\\Session Manager\\Memory Management"
#define TEMP_DISK_ENTRY "D:\\pagefile.sys 0 0"
#define SYSTEM_ENTRY "?:\\pagefile.sys"

/* "\??\C:\pagefile.sys" names the file on the system volume? */
static bool
is_system_volume_entry (const char *e, const char *letter)
{
  const char *p = e;

  if (strncmp (p, "\\??\\", 4) == 0)
    p += 4;
  return letter && strncasecmp (p, letter, 2) == 0 && strcasecmp (p + 2, "\\pagefile.sys") == 0;
}

int
ow_op_pagefile (struct ow_prep_ctx *ctx, struct ow_plan *plan)
{
  const char *mode = json_string_value (json_object_get (ctx->job, "pagefile"));
  const char *entry;
  char *key = NULL, **existing = NULL;
  bool to_temp;
  size_t before = plan->n;
  int r = -1;

  if (mode == NULL)
    return 0;
  to_temp = strcmp (mode, "temp-disk") == 0 || (strcmp (mode, "auto") == 0 && ctx->temp_disk);
  entry = to_temp ? TEMP_DISK_ENTRY : SYSTEM_ENTRY;
  if (asprintf (&key, "%s\\%s", ctx->control_set, MM_KEY) == -1)
    return ow_err (ENOMEM, "out of memory");
  if (ow_plan_reg_set_multi (plan, STEP, ctx->system, "SYSTEM", key, "PagingFiles",
                             &entry, 1) == -1)
    goto out;

  /* A pagefile left on the system volume after moving it to the temporary
   * disk is dead weight in the image: remove it, and its entry in
   * ExistingPageFiles, so the registry keeps describing the disk. */
  if (to_temp) {
    if (ow_plan_file_delete (plan, STEP, ctx->vol, "pagefile.sys") == -1)
      goto out;
    if (ow_hive_get_multi_string (ctx->system, key, "ExistingPageFiles", &existing) == -1)
      goto out;
    if (existing) {
      const char **keep;
      size_t n = 0, total = 0;
      for (size_t i = 0; existing[i]; i++)
        total++;
      keep = calloc (total + 1, sizeof *keep);
      if (keep == NULL) {
        ow_err (ENOMEM, "out of memory");
        goto out;
      }
      for (size_t i = 0; existing[i]; i++)
        if (!is_system_volume_entry (existing[i], ctx->drive_letter))
          keep[n++] = existing[i];
      if (n != total)
        r = n ? ow_plan_reg_set_multi (plan, STEP, ctx->system, "SYSTEM", key,
                                       "ExistingPageFiles", keep, n)
              : ow_plan_reg_delete (plan, STEP, ctx->system, "SYSTEM", key, "ExistingPageFiles");
      else
        r = 0;
      free (keep);
      if (r == -1)
        goto out;
    }
  }
  ow_plan_step (plan, STEP, plan->n > before ? OW_STEP_OK : OW_STEP_NOTHING_TO_DO,
                "pagefile %s (%s)", to_temp ? "on the temporary disk D:" : "system-managed on the system volume",
                mode);
  r = 0;
 out:
  ow_strv_free (existing);
  free (key);
  return r;
}
