/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "chkdsk": Windows' own check of the system volume at next boot;
 * "defrag": an optimisation of it at first boot (docs/firstboot.md,
 * "Check disk and defrag").
 *
 * chkdsk is scheduled the way Windows schedules it for a volume in use:
 * an "autocheck autochk /p \??\C:" line in Session Manager's BootExecute,
 * which autochk runs before any service starts.  Not the NTFS dirty bit:
 * our own write-safety verdict (and libntfs-3g) refuse a dirty volume, so
 * a re-run of the job, or any later job on the image, would refuse it;
 * the registry line is an ordinary planned change, idempotent and
 * crash-safe with the hive swap.  A first-boot step then puts BootExecute
 * back to Windows' default autochk behaviour (chkntfs /d), so the check
 * happens once. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "prepare.h"

#define SESSION_MANAGER "Control\\Session Manager"
#define DEFAULT_AUTOCHK "autocheck autochk *"   /* Microsoft's documented default */
#define MAX_BOOT_EXECUTE 256                    /* lines of BootExecute we keep */

static int
op_chkdsk (struct ow_prep_ctx *ctx, struct ow_plan *plan, char drive)
{
  char *key = NULL, *line = NULL, **old = NULL;
  const char **v = NULL;
  size_t n = 0, before = plan->n;
  bool have = false;
  int r = -1, g;

  if (asprintf (&key, "%s\\" SESSION_MANAGER, ctx->control_set) == -1
      || asprintf (&line, "autocheck autochk /p \\??\\%c:", drive) == -1) {
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  g = ow_hive_get_multi_string (ctx->system, key, "BootExecute", &old);
  if (g == -1) {
    ow_plan_step (plan, "chkdsk", OW_STEP_FAILED, "%s\\BootExecute cannot be read as a "
                  "list (%s): not changed", key, ow_error_message ());
    r = 0;
    goto out;
  }
  for (size_t i = 0; old && old[i]; i++)
    have |= strcasecmp (old[i], line) == 0;
  if (!have) {
    size_t nold = 0;
    while (old && old[nold])
      nold++;
    if (nold >= MAX_BOOT_EXECUTE) {
      ow_plan_step (plan, "chkdsk", OW_STEP_FAILED, "%s\\BootExecute has %zu lines: not "
                    "changed", key, nold);
      r = 0;
      goto out;
    }
    v = calloc (nold + 2, sizeof *v);
    if (v == NULL) {
      ow_err (ENOMEM, "out of memory");
      goto out;
    }
    /* Our line first, then what was there (Windows' default when the
     * value is missing, since Microsoft says never to drop it). */
    v[n++] = line;
    for (size_t i = 0; i < nold; i++)
      v[n++] = old[i];
    if (nold == 0)
      v[n++] = DEFAULT_AUTOCHK;
    if (ow_plan_reg_set_multi (plan, "chkdsk", ctx->system, "SYSTEM", key, "BootExecute",
                               v, n) == -1)
      goto out;
    if (plan->n > before && (plan->v[plan->n - 1].note = strdup (
          "chkdsk: autochk checks the system volume once at next boot, before Windows "
          "starts (the way chkdsk /f schedules it on a volume in use)")) == NULL) {
      ow_err (ENOMEM, "out of memory");
      goto out;
    }
  }
  /* Once: at first boot (after autochk ran) BootExecute returns to the
   * default; chkntfs /d restores "all drives checked at boot, chkdsk on
   * dirty ones" (Microsoft's chkntfs reference). */
  if (ow_firstboot_add_lenient (ctx, "chkdsk", "chkntfs.exe /d",
                                "chkdsk: back to Windows' default boot-time check after the "
                                "one scheduled by prepare") == -1)
    goto out;
  ow_plan_step (plan, "chkdsk", plan->n > before ? OW_STEP_OK : OW_STEP_NOTHING_TO_DO,
                "%c: checked by autochk at next boot (BootExecute \"%s\"); BootExecute "
                "restored with chkntfs /d at first boot", drive, line);
  r = 0;
 out:
  ow_strv_free (old);
  free (v);
  free (key);
  free (line);
  return r;
}

static int
op_defrag (struct ow_prep_ctx *ctx, struct ow_plan *plan, char drive)
{
  char *cmd = NULL;
  int r;

  /* /O: "the proper optimization for each media type" (Microsoft's defrag
   * reference): TRIM on thin/SSD disks, defragmentation on others. */
  if (asprintf (&cmd, "defrag.exe %c: /O", drive) == -1)
    return ow_err (ENOMEM, "out of memory");
  r = ow_firstboot_add_lenient (ctx, "defrag", cmd, "defrag: optimise the system volume "
                                "(a failure is reported, the list goes on)");
  if (r == 0)
    ow_plan_step (plan, "defrag", OW_STEP_OK, "first boot: %s", cmd);
  free (cmd);
  return r;
}

int
ow_op_diskcheck (struct ow_prep_ctx *ctx, struct ow_plan *plan)
{
  bool chk = json_is_true (json_object_get (ctx->job, "chkdsk"));
  bool dfr = json_is_true (json_object_get (ctx->job, "defrag"));
  const char *dl = ctx->drive_letter;
  char drive;

  if (!chk && !dfr)
    return 0;
  /* The Windows volume's letter as MountedDevices names it ("C" or "C:"). */
  if (dl == NULL || !isalpha ((unsigned char) dl[0]) || (dl[1] && dl[1] != ':')) {
    if (chk)
      ow_plan_step (plan, "chkdsk", OW_STEP_FAILED, "the Windows volume has no drive letter "
                    "in MountedDevices: not scheduled");
    if (dfr)
      ow_plan_step (plan, "defrag", OW_STEP_FAILED, "the Windows volume has no drive letter "
                    "in MountedDevices: not scheduled");
    return 0;
  }
  drive = (char) toupper ((unsigned char) dl[0]);
  if (ctx->system == NULL) {
    ow_plan_step (plan, "chkdsk", OW_STEP_FAILED, "the SYSTEM hive is not available");
    return 0;
  }
  if (chk && op_chkdsk (ctx, plan, drive) == -1)
    return -1;
  if (dfr && op_defrag (ctx, plan, drive) == -1)
    return -1;
  return 0;
}
