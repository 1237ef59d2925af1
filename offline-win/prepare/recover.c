/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Before a prepare plans anything, finish or roll back the hive swaps a
 * previous run left half-done (power cut, killed CE), so the installation
 * is whole again.  Nothing is written before the write-safety verdict,
 * nothing outside the partition being prepared, and nothing unless that
 * partition carries our own traces (docs/crash-safety.md, "Recovery"):
 * a volume in any other odd state is the operator's (chkdsk /f), not ours. */
#include <stdio.h>
#include <stdlib.h>

#include "prepare.h"
#include "win/inspect.h"
#include "win/win.h"

/* Names our hive swap gives a hive's other copies (hive/swap.c). */
static const char *const swap_suffixes[] = { ".ce-tmp", ".ce-new", ".ce-backup", NULL };

/* Registry problems: an interrupted swap explains them (a hive briefly
 * absent under its name), so they are judged after recovery.  Every other
 * problem of the inspection refuses before anything is written. */
static const char *const registry_problems[] = {
  "hive-missing", "hive-unreadable", "hive-corrupt", "hive-unrecoverable",
  "registry-unreadable", NULL,
};

/* Is NAME "<HIVE><SUFFIX>" for a hive of ow_win_hive_names (when HIVE is
 * NULL) or for HIVE, and one of our swap suffixes (any case)? */
static bool
is_trace (const char *name, const char *hive)
{
  for (size_t h = 0; ow_win_hive_names[h]; h++) {
    const char *hn = ow_win_hive_names[h];
    size_t hl = strlen (hn);
    if ((hive && strcasecmp (hive, hn) != 0) || strncasecmp (name, hn, hl) != 0)
      continue;
    for (size_t s = 0; swap_suffixes[s]; s++)
      if (strcasecmp (name + hl, swap_suffixes[s]) == 0)
        return true;
  }
  return false;
}

/* 1 if ROOT/System32/config holds a trace of HIVE's swap (of any hive's
 * when HIVE is NULL), 0 if not, -1 if the directory cannot be read (a read
 * error is never taken for "no traces"). */
static int
config_traces (struct ow_volume *vol, const char *root, const char *hive)
{
  char *cfg = NULL, **names;
  int found = 0;

  if (asprintf (&cfg, "%s/System32/config", root) == -1)
    return ow_err (ENOMEM, "out of memory");
  names = ow_dir_list (vol, cfg);
  if (names == NULL) {
    ow_err_context ("looking for an interrupted run in %s", cfg);
    free (cfg);
    return -1;
  }
  for (size_t i = 0; names[i] && !found; i++)
    found = is_trace (names[i], hive)
            || (hive == NULL && ow_journal_is_trace (names[i]));
  ow_strv_free (names);
  free (cfg);
  return found;
}

static bool
is_registry_problem (const char *code)
{
  for (size_t i = 0; code && registry_problems[i]; i++)
    if (strcmp (code, registry_problems[i]) == 0)
      return true;
  return false;
}

int
ow_prepare_safety_verdict (struct ow_disk *disk, json_t *inspect)
{
  json_t *problems = json_object_get (json_object_get (inspect, "verdict"), "problems"), *pr;
  char *msg = NULL;
  size_t len = 0, i, n = 0;
  FILE *f;

  /* A volume that could not be read is a failure (exit 1), not a verdict:
   * an I/O error says nothing about whether the disk is safe to write. */
  if ((pr = json_object_get (inspect, "error")) != NULL)
    return ow_err (EIO, "%s: not prepared, nothing was written: %s", ow_disk_spec (disk),
                   json_string_value (json_object_get (pr, "message")));
  f = open_memstream (&msg, &len);
  if (f == NULL)
    return ow_err (ENOMEM, "out of memory");
  json_array_foreach (problems, i, pr) {
    if (is_registry_problem (json_string_value (json_object_get (pr, "code"))))
      continue;
    fprintf (f, "%s%s", n++ ? "; " : "", json_string_value (json_object_get (pr, "message")));
  }
  fclose (f);
  if (n == 0 && json_array_size (json_object_get (inspect, "windows")) == 1) {
    free (msg);
    return 0;
  }
  ow_err_unsafe (EPERM, "%s: not prepared, the disk was left untouched: %s",
                 ow_disk_spec (disk), msg && *msg ? msg : "no single Windows installation");
  free (msg);
  return -1;
}

/* The partition and system root the inspection found Windows in. */
static int
target_of (struct ow_disk *view, json_t *inspect, struct ow_partition *part, char **root)
{
  json_t *win = json_array_get (json_object_get (inspect, "windows"), 0);
  json_int_t number = json_integer_value (json_object_get (win, "partition"));
  const char *sr = json_string_value (json_object_get (win, "systemRoot"));
  struct ow_ptable *pt;
  int r = -1;

  if (sr == NULL)
    return ow_err (EINVAL, "the inspection names no system root");
  pt = ow_ptable_read (view);
  if (pt == NULL)
    return -1;
  for (size_t i = 0; i < pt->count; i++)
    if ((json_int_t) pt->parts[i].number == number) {
      *part = pt->parts[i];
      part->name = NULL;        /* owned by PT */
      r = 0;
    }
  ow_ptable_free (pt);
  if (r == -1)
    return ow_err (EINVAL, "inspection result and partition table disagree");
  *root = strdup (sr + (*sr == '/'));
  return *root ? 0 : ow_err (ENOMEM, "out of memory");
}

static int
recover_root (struct ow_volume *vol, const char *root, struct ow_plan *plan)
{
  /* The whole interrupted job first (prepare/journal.c); what is left
   * after it is a swap from before job journals. */
  {
    char *what = NULL;
    int r = ow_journal_recover (vol, root, &what);
    if (r == 1)
      ow_plan_note (plan, "%s: %s", root, what ? what : "");
    free (what);
    if (r == -1)
      return -1;
  }
  for (size_t i = 0; ow_win_hive_names[i]; i++) {
    char *path = NULL, *what = NULL;
    int r = config_traces (vol, root, ow_win_hive_names[i]);

    /* A hive without traces of its own is not ours to restore: a
     * missing one is refused by the verdict after recovery. */
    if (r <= 0) {
      if (r == -1)
        return -1;
      continue;
    }
    if (asprintf (&path, "%s/System32/config/%s", root, ow_win_hive_names[i]) == -1)
      return ow_err (ENOMEM, "out of memory");
    r = ow_hive_swap_recover (vol, path, &what);
    if (r == 1)
      ow_plan_note (plan, "%s: an interrupted swap from an earlier run was repaired: %s",
                    path, what ? what : "");
    free (what);
    free (path);
    if (r == -1)
      return -1;
  }
  return 0;
}

int
ow_prepare_recover_target (struct ow_disk *disk, struct ow_disk *view, json_t *inspect,
                           bool dry_run, struct ow_plan *plan)
{
  struct ow_partition part = { 0 };  /* set by target_of; zeroed for -O2 -Wmaybe-uninitialized */
  struct ow_volume *vol;
  char *root = NULL;
  int traces, stale, r = -1;

  if (target_of (view, inspect, &part, &root) == -1)
    return -1;
  stale = ow_volume_mirror_state (disk, part.start, part.size);
  if (stale == -1)
    goto out;
  vol = ow_volume_open (view, part.start, part.size, 0);
  if (vol == NULL)
    goto out;
  traces = config_traces (vol, root, NULL);
  ow_volume_close (vol);
  if (traces == -1)
    goto out;
  if (stale && !traces) {
    ow_err_unsafe (EIO, "%s: not prepared, the disk was left untouched: partition %u: "
                   "$MFTMirr does not match $MFT and no interrupted run of ours explains "
                   "it: run chkdsk /f on the volume in Windows, shut down fully, then retry",
                   ow_disk_spec (disk), part.number);
    goto out;
  }
  if (!traces || dry_run) {
    if (traces)
      ow_plan_note (plan, "partition %u: an earlier run was interrupted; a real run "
                    "finishes or rolls back its changes first", part.number);
    r = 0;
    goto out;
  }
  if (stale) {
    /* A power cut between libntfs-3g's writes of $MFT and $MFTMirr during
     * our own earlier run: put the mirror back in step (only intact $MFT
     * records are copied), as chkdsk and ntfsfix do. */
    if (ow_volume_repair_mirror (disk, part.start, part.size) == -1)
      goto out;
    ow_plan_note (plan, "partition %u: $MFTMirr brought back in step with $MFT after an "
                  "interrupted write of an earlier run", part.number);
  }
  /* ow_volume_open checks every write-safety condition again. */
  vol = ow_volume_open (disk, part.start, part.size, OW_VOL_WRITE);
  if (vol == NULL)
    goto out;
  r = recover_root (vol, root, plan);
  if (ow_volume_close (vol) == -1)
    r = -1;
  if (r == 0)
    r = 1;
 out:
  free (root);
  return r;
}

int
ow_prepare_recover (struct ow_disk *disk, struct ow_plan *plan)
{
  uint64_t stale;
  struct ow_disk *view = ow_disk_open_mirror_view (disk, &stale);
  json_t *inspect;
  int r = -1;

  if (view == NULL)
    return -1;
  inspect = ow_inspect (view);
  if (inspect != NULL && ow_prepare_safety_verdict (disk, inspect) == 0)
    r = ow_prepare_recover_target (disk, view, inspect, false, plan);
  json_decref (inspect);
  ow_disk_close (view);
  return r < 0 ? -1 : 0;
}
