/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Before a prepare plans anything, finish or roll back the hive swaps a
 * previous run left half-done (power cut, killed CE), so the installation
 * is whole again.  This only completes writes an earlier job had already
 * validated; a volume that is unsafe to write is refused as usual. */
#include <stdio.h>
#include <stdlib.h>

#include "prepare.h"
#include "win/win.h"

#define SWAP_SUFFIX_NEW ".ce-new"
#define SWAP_SUFFIX_BACKUP ".ce-backup"
#define SWAP_SUFFIX_TMP ".ce-tmp"

static bool
ends_with_ci (const char *s, const char *suffix)
{
  size_t a = strlen (s), b = strlen (suffix);
  return a >= b && strcasecmp (s + a - b, suffix) == 0;
}

/* Does the config directory hold traces of an interrupted swap? */
static bool
has_swap_traces (struct ow_volume *vol, const char *cfg)
{
  char **names = ow_dir_list (vol, cfg);
  bool found = false;

  for (size_t i = 0; names && names[i] && !found; i++)
    found = ends_with_ci (names[i], SWAP_SUFFIX_NEW) || ends_with_ci (names[i], SWAP_SUFFIX_BACKUP) ||
            ends_with_ci (names[i], SWAP_SUFFIX_TMP) || ow_journal_is_trace (names[i]);
  ow_strv_free (names);
  return found;
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
    int r;

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
ow_prepare_recover (struct ow_disk *disk, struct ow_plan *plan)
{
  struct ow_ptable *pt = ow_ptable_read (disk);
  int r = 0;

  if (pt == NULL)
    return -1;
  for (size_t i = 0; i < pt->count && r == 0; i++) {
    const struct ow_partition *p = &pt->parts[i];
    enum ow_fs_type fs;
    struct ow_volume *vol;
    char **roots;
    bool traces = false;

    if (ow_fs_probe (disk, p->start, p->size, &fs) == -1 || fs != OW_FS_NTFS)
      continue;
    vol = ow_volume_open (disk, p->start, p->size, 0);
    if (vol == NULL) {
      /* A power cut between libntfs-3g's writes of $MFT and $MFTMirr
       * leaves a volume nothing mounts; put the mirror back in step (only
       * when every differing $MFT record is intact) and try again. */
      int m = ow_volume_repair_mirror (disk, p->start, p->size);
      if (m == 1) {
        ow_plan_note (plan, "partition %u: $MFTMirr brought back in step with $MFT after an "
                      "interrupted write", p->number);
        vol = ow_volume_open (disk, p->start, p->size, 0);
      }
      if (vol == NULL)
        continue;         /* inspection reports why */
    }
    roots = ow_win_find_systemroots (vol);
    for (size_t k = 0; roots && roots[k] && !traces; k++) {
      char *cfg = NULL;
      if (roots[k][0] && asprintf (&cfg, "%s/System32/config", roots[k]) != -1)
        traces = has_swap_traces (vol, cfg);
      free (cfg);
    }
    ow_volume_close (vol);
    if (!traces) {
      ow_strv_free (roots);
      continue;
    }
    vol = ow_volume_open (disk, p->start, p->size, OW_VOL_WRITE);
    if (vol == NULL)
      r = -1;
    for (size_t k = 0; r == 0 && roots && roots[k]; k++)
      if (roots[k][0])
        r = recover_root (vol, roots[k], plan);
    if (vol && ow_volume_close (vol) == -1)
      r = -1;
    ow_strv_free (roots);
  }
  ow_ptable_free (pt);
  return r;
}
