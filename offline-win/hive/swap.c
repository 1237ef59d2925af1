/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The crash-safe hive swap and its recovery (docs/crash-safety.md).
 *
 * Names, for a hive H:  H.ce-tmp     the new hive while it is written
 *                       H.ce-new     the new hive, complete and checked
 *                       H.ce-backup  the original (hard link), until the
 *                                    job completes
 * The swap:  1 write H.ce-tmp, sync       5 remove the name H
 *            2 link it as H.ce-new        6 link H.ce-new as H, sync
 *            3 remove H.ce-tmp, sync      7 remove H.ce-new, sync
 *            4 link H as H.ce-backup      8 zero H's logs, sync
 *              (unless one exists), sync
 * H.ce-new exists only once the new hive is complete, so whatever the
 * point of a power cut, the state on disk tells recovery what to do: a
 * .ce-tmp is discarded; a .ce-new is finished into place. */
#include <stdio.h>
#include <stdlib.h>

#include "hive-internal.h"
#include "hivelog.h"
#include "ntfs/ntfs-internal.h"

#define SUFFIX_TMP    ".ce-tmp"
#define SUFFIX_NEW    ".ce-new"
#define SUFFIX_BACKUP ".ce-backup"
/* Transaction logs of a hive: the one list, ow_hive_log_suffixes (hivelog.h). */
#define log_suffixes ow_hive_log_suffixes

struct names {
  char *hive, *tmp, *new_, *backup;
};

static void
names_free (struct names *n)
{
  free (n->hive);
  free (n->tmp);
  free (n->new_);
  free (n->backup);
}

static int
names_make (const char *dir, const char *leaf, struct names *n)
{
  const char *sep = *dir ? "/" : "";

  memset (n, 0, sizeof *n);
  if (asprintf (&n->hive, "%s%s%s", dir, sep, leaf) == -1 ||
      asprintf (&n->tmp, "%s%s", n->hive, SUFFIX_TMP) == -1 ||
      asprintf (&n->new_, "%s%s", n->hive, SUFFIX_NEW) == -1 ||
      asprintf (&n->backup, "%s%s", n->hive, SUFFIX_BACKUP) == -1) {
    names_free (n);
    return ow_err (ENOMEM, "out of memory");
  }
  return 0;
}

/* Directory part of PATH (without trailing '/'), and its last component. */
static int
split (const char *path, char **dir, char **leaf)
{
  const char *end, *slash;

  while (*path == '/')
    path++;
  end = path + strlen (path);
  while (end > path && end[-1] == '/')
    end--;
  for (slash = end; slash > path && slash[-1] != '/'; slash--)
    ;
  if (slash == end)
    return ow_err_invalid ("'%s' does not name a hive file", path);
  *leaf = strndup (slash, (size_t) (end - slash));
  *dir = strndup (path, slash > path ? (size_t) (slash - 1 - path) : 0);
  if (*leaf == NULL || *dir == NULL) {
    free (*leaf);
    free (*dir);
    return ow_err (ENOMEM, "out of memory");
  }
  return 0;
}

/* The names of HIVE_PATH's swap, spelled as the hive is stored when it
 * exists (else as given: it may be missing mid-swap). */
static int
names_for (struct ow_volume *vol, const char *hive_path, struct names *n)
{
  char *dir = NULL, *leaf = NULL, *stored;
  int r;

  if (split (hive_path, &dir, &leaf) == -1)
    return -1;
  stored = ow_ntfs_stored_name (vol, hive_path);
  if (stored == NULL && errno != ENOENT) {
    free (dir);
    free (leaf);
    return -1;
  }
  r = names_make (dir, stored ? stored : leaf, n);
  free (stored);
  free (dir);
  free (leaf);
  return r;
}

/* Accumulated description of what recovery did. */
static void
note (char **what, const char *fmt, const char *arg)
{
  char *add = NULL, *joined = NULL;

  if (asprintf (&add, fmt, arg) == -1)
    return;
  if (*what == NULL) {
    *what = add;
    return;
  }
  if (asprintf (&joined, "%s; %s", *what, add) != -1) {
    free (*what);
    *what = joined;
  }
  free (add);
}


static int
sync_vol (struct ow_volume *vol)
{
  return ow_volume_sync (vol);
}

/* ---- checking a hive image ---- */

static int
check_hive (const void *data, size_t len, const char *name)
{
  struct ow_regf_header h;
  struct ow_hive *hv;
  size_t bad = 0;

  if (len < REGF_BASE_BLOCK_SIZE + REGF_HBIN_ALIGN)
    return ow_err_invalid ("%s: %zu bytes is too short for a registry hive", name, len);
  if (ow_regf_parse_header (data, len, &h) == -1) {
    ow_err_context ("%s", name);
    return -1;
  }
  if (!h.checksum_ok)
    return ow_err_invalid ("%s: the base block checksum is wrong", name);
  if (h.dirty)
    return ow_err_invalid ("%s: the hive is not clean (sequence numbers %u and %u differ)",
                           name, h.seq1, h.seq2);
  if (h.file_type != REGF_FILE_TYPE_PRIMARY)
    return ow_err_invalid ("%s: file type %u is not a primary hive file", name, h.file_type);
  if (h.hbins_size == 0 || h.hbins_size > len - REGF_BASE_BLOCK_SIZE)
    return ow_err_invalid ("%s: hive bins size %u does not fit in %zu bytes", name,
                           h.hbins_size, len);
  if (ow_regf_check_bins ((const uint8_t *) data + REGF_BASE_BLOCK_SIZE, h.hbins_size,
                          &bad) == -1)
    return ow_err_invalid ("%s: hive bin chain broken at offset %zu", name, bad);
  hv = ow_hive_from_memory (data, len, name, 0);
  if (hv == NULL)
    return -1;
  ow_hive_close (hv);
  return 0;
}

/* Errors that describe the bytes of a hive (check_hive, hivex), as
 * opposed to the machine (no memory, no descriptors, I/O). */
static bool
content_error (int e)
{
  return e == EINVAL || e == ENOTSUP || e == EOPNOTSUPP || e == EILSEQ || e == ERANGE ||
         e == EFBIG;
}

/* 0 if the file at PATH is a valid clean hive, 1 if its bytes were read
 * and are not one, -1 if they could not be read or checked (I/O error, no
 * memory): only the bytes themselves may condemn a file, never the device. */
static int
check_hive_file (struct ow_volume *vol, const char *path)
{
  void *buf = NULL;
  size_t len = 0;
  int r;

  if (ow_file_read (vol, path, OW_MAX_HIVE_FILE, &buf, &len) == -1)
    return -1;
  r = check_hive (buf, len, path);
  free (buf);
  if (r == 0)
    return 0;
  return content_error (ow_error_errno ()) ? 1 : -1;
}

/* 1 if the hive file at PATH has a clean base block, 0 if not, -1 error. */
static int
hive_is_clean (struct ow_volume *vol, const char *path)
{
  uint8_t head[REGF_BASE_BLOCK_SIZE];
  struct ow_regf_header h;
  size_t got = 0;

  if (ow_file_read_head (vol, path, head, sizeof head, &got) == -1)
    return -1;
  if (ow_regf_parse_header (head, got, &h) == -1)
    return 0;
  return h.checksum_ok && !h.dirty;
}

/* ---- the logs ---- */

/* Windows replays a hive's logs only when its base block is dirty (the
 * sequence numbers differ or the checksum is wrong); HIVE is clean here.
 * The logs are still zeroed so that no entry can ever be replayed over
 * it, even if a later crash of Windows leaves it dirty: zeroing in place
 * changes no NTFS allocation, so it is itself safe to interrupt. */
static int
neutralise_logs (struct ow_volume *vol, const char *hive, bool *changed)
{
  size_t i;

  *changed = false;
  for (i = 0; log_suffixes[i]; i++) {
    char *log = NULL;
    bool ch = false;
    int e;

    if (asprintf (&log, "%s%s", hive, log_suffixes[i]) == -1)
      return ow_err (ENOMEM, "out of memory");
    e = ow_ntfs_present (vol, log);
    if (e == 1 && ow_ntfs_zero_data (vol, log, &ch) == -1) {
      free (log);
      return -1;
    }
    if (ch)
      ow_debug ("%s: zeroed", log);
    *changed |= ch;
    free (log);
    if (e == -1)
      return -1;
  }
  return 0;
}

/* ---- swap ---- */

/* Steps 4 to 8 (4 to 7 without ZERO_LOGS), from a complete NEW onwards. */
static int
finish_swap (struct ow_volume *vol, const struct names *n, bool zero_logs)
{
  int have_backup, have_hive;
  bool changed;

  if ((have_backup = ow_ntfs_present (vol, n->backup)) == -1 ||
      (have_hive = ow_ntfs_present (vol, n->hive)) == -1)
    return -1;
  /* An existing backup is the older original: it stays. */
  if (!have_backup && have_hive) {
    if (ow_ntfs_link (vol, n->hive, n->backup) == -1 || sync_vol (vol) == -1)
      return -1;
  }
  if (have_hive && ow_ntfs_unlink (vol, n->hive) == -1)
    return -1;
  if (ow_ntfs_link (vol, n->new_, n->hive) == -1 || sync_vol (vol) == -1)
    return -1;
  if (ow_ntfs_unlink (vol, n->new_) == -1 || sync_vol (vol) == -1)
    return -1;
  if (!zero_logs)
    return 0;
  if (neutralise_logs (vol, n->hive, &changed) == -1)
    return -1;
  return sync_vol (vol);
}

static int
swap_in (struct ow_volume *vol, const char *hive_path, const void *data, size_t len,
         bool zero_logs)
{
  struct names n;
  int e, r = -1;

  if (check_hive (data, len, hive_path) == -1) {
    ow_err_context ("refusing to swap in %s", hive_path);
    return -1;
  }
  if (names_for (vol, hive_path, &n) == -1)
    return -1;
  if ((e = ow_ntfs_present (vol, n.hive)) != 1) {
    if (e == 0)
      ow_err (ENOENT, "%s: the hive to replace does not exist", hive_path);
    goto out;
  }
  if ((e = ow_ntfs_present (vol, n.new_)) != 0) {
    if (e == 1)
      ow_err (EBUSY, "%s: an interrupted swap is pending (%s exists): run the "
              "recovery first", hive_path, n.new_);
    goto out;
  }
  if ((e = ow_ntfs_present (vol, n.tmp)) == -1 || (e == 1 && ow_ntfs_unlink (vol, n.tmp) == -1))
    goto out;
  {
    struct ow_write_src src = { .data = data, .fd = -1, .len = len };
    /* The new hive gets the original's security descriptor. */
    if (ow_ntfs_create_file (vol, n.tmp, &src, 0, n.hive) == -1 || sync_vol (vol) == -1)
      goto out;
  }
  if (ow_ntfs_link (vol, n.tmp, n.new_) == -1 || ow_ntfs_unlink (vol, n.tmp) == -1 ||
      sync_vol (vol) == -1)
    goto out;
  if (finish_swap (vol, &n, zero_logs) == -1)
    goto out;
  ow_debug ("%s: %zu bytes swapped in", n.hive, len);
  r = 0;
 out:
  if (r == -1)
    ow_err_context ("swapping in %s", hive_path);
  names_free (&n);
  return r;
}

int
ow_hive_swap_in (struct ow_volume *vol, const char *hive_path, const void *data,
                 size_t len)
{
  return swap_in (vol, hive_path, data, len, true);
}

int
ow_hive_swap_stage (struct ow_volume *vol, const char *hive_path, const void *data,
                    size_t len)
{
  return swap_in (vol, hive_path, data, len, false);
}

int
ow_hive_logs_neutralise (struct ow_volume *vol, const char *hive_path)
{
  struct names n;
  bool changed = false;
  int clean, r = -1;

  if (names_for (vol, hive_path, &n) == -1)
    return -1;
  /* A hive Windows has used since (dirty) keeps its logs. */
  clean = hive_is_clean (vol, n.hive);
  if (clean == 1 && (neutralise_logs (vol, n.hive, &changed) == -1 || sync_vol (vol) == -1))
    clean = -1;
  r = clean == -1 ? -1 : 0;
  names_free (&n);
  return r;
}

int
ow_hive_swap_rollback (struct ow_volume *vol, const char *hive_path)
{
  struct names n;
  int have_hive, have_new, have_backup, have_tmp, same, r = -1;

  if (names_for (vol, hive_path, &n) == -1)
    return -1;
  if ((have_tmp = ow_ntfs_present (vol, n.tmp)) == -1 ||
      (have_new = ow_ntfs_present (vol, n.new_)) == -1 ||
      (have_backup = ow_ntfs_present (vol, n.backup)) == -1 ||
      (have_hive = ow_ntfs_present (vol, n.hive)) == -1)
    goto out;
  if (have_tmp && (ow_ntfs_unlink (vol, n.tmp) == -1 || sync_vol (vol) == -1))
    goto out;
  if (have_backup) {
    /* The backup is the original: it takes the name back. */
    same = have_hive ? ow_ntfs_same_file (vol, n.hive, n.backup) : 0;
    if (same == -1)
      goto out;
    if (have_hive && !same && (ow_ntfs_unlink (vol, n.hive) == -1 || sync_vol (vol) == -1))
      goto out;
    if (!same && (ow_ntfs_link (vol, n.backup, n.hive) == -1 || sync_vol (vol) == -1))
      goto out;
    have_hive = 1;
  } else if (have_new && have_hive) {
    /* Without a backup the swap never reached step 4, so the name is
     * still the original's; a .ce-new under the same inode would mean the
     * original is gone. */
    same = ow_ntfs_same_file (vol, n.hive, n.new_);
    if (same == -1)
      goto out;
    if (same) {
      ow_err (EIO, "%s: the new hive is in place and no backup of the original "
              "is left: cannot roll back", hive_path);
      goto out;
    }
  }
  if (!have_hive) {
    ow_err (ENOENT, "%s: the hive is missing and there is no %s to restore",
            hive_path, n.backup);
    goto out;
  }
  if (have_new && (ow_ntfs_unlink (vol, n.new_) == -1 || sync_vol (vol) == -1))
    goto out;
  if (have_backup && (ow_ntfs_unlink (vol, n.backup) == -1 || sync_vol (vol) == -1))
    goto out;
  r = 0;
 out:
  if (r == -1)
    ow_err_context ("rolling back the swap of %s", hive_path);
  names_free (&n);
  return r;
}

/* ---- recovery ---- */

int
ow_hive_swap_recover (struct ow_volume *vol, const char *hive_path, char **what)
{
  struct names n;
  char *done = NULL;
  int have_hive, have_new, have_backup, have_tmp, valid, r = -1;
  bool changed = false;

  if (what)
    *what = NULL;
  if (names_for (vol, hive_path, &n) == -1)
    return -1;
  {
    const char *all[] = { n.tmp, n.new_, n.backup, n.hive };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
      int s = ow_ntfs_entry_state (vol, all[i]);
      if (s == -1)
        goto out;
      if (s == 2)
        note (&done, "removed the broken directory entry %s", all[i]);
    }
  }
  if ((have_tmp = ow_ntfs_present (vol, n.tmp)) == -1 ||
      (have_new = ow_ntfs_present (vol, n.new_)) == -1 ||
      (have_backup = ow_ntfs_present (vol, n.backup)) == -1 ||
      (have_hive = ow_ntfs_present (vol, n.hive)) == -1)
    goto out;

  /* A .ce-tmp is a new hive that was never complete. */
  if (have_tmp) {
    if (ow_ntfs_unlink (vol, n.tmp) == -1 || sync_vol (vol) == -1)
      goto out;
    note (&done, "removed the unfinished copy %s", n.tmp);
  }

  if (have_new) {
    int same = have_hive ? ow_ntfs_same_file (vol, n.hive, n.new_) : 0;
    if (same == -1)
      goto out;
    if (same) {
      /* Cut after step 6: only the temporary name and the logs remain. */
      if (ow_ntfs_unlink (vol, n.new_) == -1 || sync_vol (vol) == -1 ||
          neutralise_logs (vol, n.hive, &changed) == -1 || sync_vol (vol) == -1)
        goto out;
      note (&done, "finished the swap of %s (new hive already in place)", n.hive);
    } else if ((valid = check_hive_file (vol, n.new_)) == -1) {
      goto out;       /* a read error says nothing about the file */
    } else if (valid == 0) {
      if (finish_swap (vol, &n, true) == -1)
        goto out;
      note (&done, "finished the swap of %s: the new hive is in place", n.hive);
    } else {
      /* Never expected (.ce-new is only made from a checked, complete
       * file): keep the original. */
      ow_debug ("%s: %s", n.new_, ow_error_message ());
      if (ow_ntfs_unlink (vol, n.new_) == -1 || sync_vol (vol) == -1)
        goto out;
      note (&done, "discarded the invalid new hive %s", n.new_);
      have_new = 0;
    }
  }

  if (!have_new) {
    if ((have_hive = ow_ntfs_present (vol, n.hive)) == -1)
      goto out;
    if (!have_hive) {
      if (!have_backup) {
        ow_err (ENOENT, "%s: the hive is missing and there is no %s to restore",
                hive_path, n.backup);
        goto out;
      }
      if (ow_ntfs_link (vol, n.backup, n.hive) == -1 || sync_vol (vol) == -1)
        goto out;
      note (&done, "restored the original %s from its backup", n.hive);
    } else if (have_backup) {
      /* Swap complete but the job was not: the logs may not have been
       * zeroed yet.  Only a clean hive's logs are touched (Windows never
       * reads them then), so a hive Windows has used since keeps its logs. */
      int clean = hive_is_clean (vol, n.hive);
      if (clean == -1)
        goto out;
      if (clean && (neutralise_logs (vol, n.hive, &changed) == -1 || sync_vol (vol) == -1))
        goto out;
      if (changed)
        note (&done, "zeroed the stale transaction logs of %s", n.hive);
    }
  }
  r = done != NULL;
  if (r)
    ow_debug ("%s: %s", hive_path, done);
 out:
  if (r == -1)
    ow_err_context ("recovering an interrupted swap of %s", hive_path);
  if (r == 1 && what)
    *what = done;
  else
    free (done);
  names_free (&n);
  return r;
}

int
ow_hive_backup_remove (struct ow_volume *vol, const char *hive_path)
{
  struct names n;
  int e, r = -1;

  if (names_for (vol, hive_path, &n) == -1)
    return -1;
  /* The backup is the only copy of the original while a swap is pending. */
  if ((e = ow_ntfs_present (vol, n.new_)) != 0) {
    if (e == 1)
      ow_err (EBUSY, "%s: a swap is unfinished (%s exists): not removing the backup",
              hive_path, n.new_);
    goto out;
  }
  if ((e = ow_ntfs_present (vol, n.hive)) != 1) {
    if (e == 0)
      ow_err (ENOENT, "%s: the hive is missing: keeping %s", hive_path, n.backup);
    goto out;
  }
  e = ow_ntfs_present (vol, n.backup);
  if (e == -1 || (e == 1 && (ow_ntfs_unlink (vol, n.backup) == -1 || sync_vol (vol) == -1)))
    goto out;
  r = 0;
 out:
  names_free (&n);
  return r;
}
