/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The job journal: a prepare job is applied whole or not at all
 * (docs/crash-safety.md, "The job").
 *
 * Before its first change the job writes the list of what it will change
 * to <SystemRoot>/System32/config/CE-JOB.ce-journal; every original is
 * kept (hives as <HIVE>.ce-backup by the swap, replaced or deleted files
 * as <PATH>.ce-backup, hard links) until the job is committed.  The
 * commit is one link: the journal gets the second name CE-JOB.ce-commit,
 * once every change is on the disk.  Whatever the point of a power cut:
 *   journal without commit name -> roll back: originals take their names
 *                                   back, new files and directories go
 *   commit name                 -> roll forward: logs zeroed, backups
 *                                   and the journal removed
 * Hives are rolled back before files and files are written before hives
 * are swapped, so a hive never names a first-boot file that is missing. */
#include <stdio.h>
#include <stdlib.h>

#include "prepare.h"
#include "hive/hive-internal.h"
#include "ntfs/ntfs-internal.h"

#define JOURNAL_LEAF   "CE-JOB.ce-journal"
#define COMMIT_LEAF    "CE-JOB.ce-commit"
#define TMP_SUFFIX     ".ce-tmp"
#define BACKUP_SUFFIX  ".ce-backup"
#define JOURNAL_MAGIC  "ce-offline job journal 1"
/* A journal lists a few hives, directories and files: far below this. */
#define JOURNAL_MAX    (1024u * 1024)

static const char *const kind_word[] = {
  [OW_JE_HIVE] = "hive", [OW_JE_DIR] = "dir", [OW_JE_NEW] = "new",
  [OW_JE_REPLACE] = "replace", [OW_JE_DELETE] = "delete",
};

void
ow_journal_free (struct ow_journal *j)
{
  for (size_t i = 0; i < j->n; i++)
    free (j->v[i].path);
  free (j->v);
  free (j->path);
  free (j->commit);
  memset (j, 0, sizeof *j);
}

int
ow_journal_init (struct ow_journal *j, const char *root)
{
  memset (j, 0, sizeof *j);
  while (*root == '/')
    root++;
  if (asprintf (&j->path, "%s/System32/config/" JOURNAL_LEAF, root) == -1 ||
      asprintf (&j->commit, "%s/System32/config/" COMMIT_LEAF, root) == -1) {
    j->path = j->commit = NULL;
    return ow_err (ENOMEM, "out of memory");
  }
  return 0;
}

int
ow_journal_add (struct ow_journal *j, enum ow_journal_kind kind, const char *path)
{
  struct ow_journal_entry *v;

  if (*path == '\0' || strchr (path, '\n') != NULL)
    return ow_err_invalid ("'%s' cannot be recorded in the job journal", path);
  v = realloc (j->v, (j->n + 1) * sizeof *v);
  if (v == NULL)
    return ow_err (ENOMEM, "out of memory");
  j->v = v;
  v[j->n].kind = kind;
  v[j->n].path = strdup (path);
  if (v[j->n].path == NULL)
    return ow_err (ENOMEM, "out of memory");
  j->n++;
  return 0;
}

/* ---- on the volume ---- */

/* Remove PATH when it is there (synced); 0 also when it was not. */
static int
unlink_if (struct ow_volume *vol, const char *path)
{
  int e = ow_ntfs_present (vol, path);

  if (e == 1 && (ow_ntfs_unlink (vol, path) == -1 || ow_volume_sync (vol) == -1))
    return -1;
  return e == -1 ? -1 : 0;
}

static char *
with_suffix (const char *path, const char *suffix)
{
  char *s = NULL;

  if (asprintf (&s, "%s%s", path, suffix) == -1) {
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  return s;
}

int
ow_journal_write (struct ow_volume *vol, const struct ow_journal *j)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  int r;

  if (f == NULL)
    return ow_err (ENOMEM, "out of memory");
  fprintf (f, "%s\n", JOURNAL_MAGIC);
  for (size_t i = 0; i < j->n; i++)
    fprintf (f, "%s %s\n", kind_word[j->v[i].kind], j->v[i].path);
  if (fclose (f) != 0) {
    free (text);
    return ow_err (ENOMEM, "out of memory");
  }
  r = ow_file_write (vol, j->path, text, len, OW_WRITE_PROTECTED);
  free (text);
  if (r == 0)
    r = ow_volume_sync (vol);
  if (r == -1)
    ow_err_context ("writing the job journal %s", j->path);
  return r;
}

static int
parse (struct ow_journal *j, const char *text, size_t len)
{
  const char *p = text, *end = text + len;
  bool first = true;

  while (p < end) {
    const char *nl = memchr (p, '\n', (size_t) (end - p)), *sp;
    size_t l = nl ? (size_t) (nl - p) : (size_t) (end - p);
    enum ow_journal_kind k;
    char *path;
    int r;

    if (first) {
      if (l != strlen (JOURNAL_MAGIC) || memcmp (p, JOURNAL_MAGIC, l) != 0)
        return ow_err_invalid ("%s: not a job journal of this version", j->path);
      first = false;
    } else {
      sp = memchr (p, ' ', l);
      if (sp == NULL || sp + 1 >= p + l)
        return ow_err_invalid ("%s: malformed line", j->path);
      for (k = 0; k < sizeof kind_word / sizeof kind_word[0]; k++)
        if ((size_t) (sp - p) == strlen (kind_word[k]) &&
            memcmp (p, kind_word[k], (size_t) (sp - p)) == 0)
          break;
      if (k == sizeof kind_word / sizeof kind_word[0])
        return ow_err_invalid ("%s: unknown entry '%.*s'", j->path, (int) (sp - p), p);
      path = strndup (sp + 1, (size_t) (p + l - sp - 1));
      if (path == NULL)
        return ow_err (ENOMEM, "out of memory");
      r = ow_journal_add (j, k, path);
      free (path);
      if (r == -1)
        return -1;
    }
    p += l + 1;
  }
  if (first)
    return ow_err_invalid ("%s: empty job journal", j->path);
  return 0;
}

static int
read_journal (struct ow_volume *vol, struct ow_journal *j, const char *from)
{
  void *buf = NULL;
  size_t len = 0;
  int r;

  if (ow_file_read (vol, from, JOURNAL_MAX, &buf, &len) == -1)
    return -1;
  r = parse (j, buf, len);
  free (buf);
  return r;
}

/* ---- rolling back ---- */

/* PATH takes back the original kept as PATH.ce-backup, if there is one. */
static int
restore_file (struct ow_volume *vol, const char *path)
{
  char *backup = with_suffix (path, BACKUP_SUFFIX);
  int hb, hp, same = 0, r = -1;

  if (backup == NULL)
    return -1;
  if ((hb = ow_ntfs_present (vol, backup)) == -1 || (hp = ow_ntfs_present (vol, path)) == -1)
    goto out;
  if (hb) {
    if (hp && (same = ow_ntfs_same_file (vol, path, backup)) == -1)
      goto out;
    if (hp && !same && (ow_ntfs_unlink (vol, path) == -1 || ow_volume_sync (vol) == -1))
      goto out;
    if (!same && (ow_ntfs_link (vol, backup, path) == -1 || ow_volume_sync (vol) == -1))
      goto out;
    if (ow_ntfs_unlink (vol, backup) == -1 || ow_volume_sync (vol) == -1)
      goto out;
  }
  r = 0;
 out:
  free (backup);
  return r;
}

static int
rollback_entry (struct ow_volume *vol, const struct ow_journal_entry *e)
{
  char *tmp;
  int r = 0;

  switch (e->kind) {
  case OW_JE_HIVE:
    return ow_hive_swap_rollback (vol, e->path);
  case OW_JE_DIR:
    /* Created by the job, so whatever it holds is the job's and is gone
     * by now (entries are undone in reverse order). */
    return unlink_if (vol, e->path);
  case OW_JE_NEW:
    r = unlink_if (vol, e->path);
    break;
  case OW_JE_REPLACE:
  case OW_JE_DELETE:
    r = restore_file (vol, e->path);
    break;
  }
  if (r == 0) {
    /* An unfinished write of the new content. */
    if ((tmp = with_suffix (e->path, TMP_SUFFIX)) == NULL)
      return -1;
    r = unlink_if (vol, tmp);
    free (tmp);
  }
  return r;
}

/* Is PATH inside one of the new directories found GONE? */
static bool
in_gone_dir (const struct ow_journal *j, const bool *gone, const char *path)
{
  for (size_t k = 0; k < j->n; k++) {
    size_t l = strlen (j->v[k].path);
    if (gone[k] && strncasecmp (path, j->v[k].path, l) == 0 && path[l] == '/')
      return true;
  }
  return false;
}

int
ow_journal_rollback (struct ow_volume *vol, const struct ow_journal *j)
{
  bool *gone = calloc (j->n + 1, sizeof *gone);

  if (gone == NULL)
    return ow_err (ENOMEM, "out of memory");
  /* Hives first: once they are the originals nothing names the new files. */
  for (size_t i = j->n; i-- > 0;)
    if (j->v[i].kind == OW_JE_HIVE && rollback_entry (vol, &j->v[i]) == -1)
      goto fail;
  /* A new directory whose creation was cut (parents first: a broken entry
   * is removed) holds nothing, and what would be below it cannot be
   * looked up. */
  for (size_t i = 0; i < j->n; i++) {
    int e;
    if (j->v[i].kind != OW_JE_DIR || in_gone_dir (j, gone, j->v[i].path))
      continue;
    if ((e = ow_ntfs_present (vol, j->v[i].path)) == -1)
      goto fail;
    gone[i] = e == 0;
  }
  for (size_t i = j->n; i-- > 0;) {
    const struct ow_journal_entry *e = &j->v[i];
    if (e->kind == OW_JE_HIVE || gone[i] || in_gone_dir (j, gone, e->path))
      continue;
    if (rollback_entry (vol, e) == -1) {
      ow_err_context ("%s", e->path);
      goto fail;
    }
  }
  if (unlink_if (vol, j->path) == -1)
    goto fail;
  free (gone);
  return 0;
 fail:
  free (gone);
  ow_err_context ("rolling back the interrupted job (%s)", j->path);
  return -1;
}

/* ---- committing ---- */

int
ow_journal_commit (struct ow_volume *vol, const struct ow_journal *j)
{
  if (ow_volume_sync (vol) == -1 || ow_ntfs_link (vol, j->path, j->commit) == -1 ||
      ow_volume_sync (vol) == -1) {
    ow_err_context ("committing the job (%s)", j->commit);
    return -1;
  }
  return 0;
}

int
ow_journal_finish (struct ow_volume *vol, const struct ow_journal *j)
{
  for (size_t i = 0; i < j->n; i++) {
    const struct ow_journal_entry *e = &j->v[i];
    char *backup;
    int r;

    if (e->kind == OW_JE_HIVE) {
      /* The new hive is clean: its predecessor's logs must never be
       * replayed over it.  Zeroed only now, so a rollback before the
       * commit gave the original back with its logs. */
      if (ow_hive_logs_neutralise (vol, e->path) == -1 ||
          ow_hive_backup_remove (vol, e->path) == -1)
        goto fail;
      continue;
    }
    if (e->kind != OW_JE_REPLACE && e->kind != OW_JE_DELETE)
      continue;
    if ((backup = with_suffix (e->path, BACKUP_SUFFIX)) == NULL)
      goto fail;
    r = unlink_if (vol, backup);
    free (backup);
    if (r == -1)
      goto fail;
  }
  /* The journal name, then the commit name: while the commit name exists
   * a later run rolls forward. */
  if (unlink_if (vol, j->path) == -1 || unlink_if (vol, j->commit) == -1)
    goto fail;
  return 0;
 fail:
  ow_err_context ("finishing the committed job (%s)", j->commit);
  return -1;
}

/* ---- a later run ---- */

int
ow_journal_recover (struct ow_volume *vol, const char *root, char **what)
{
  struct ow_journal j;
  char *tmp = NULL;
  int hj, hc, r = -1;

  *what = NULL;
  if (ow_journal_init (&j, root) == -1)
    return -1;
  if ((tmp = with_suffix (j.path, TMP_SUFFIX)) == NULL)
    goto out;
  if ((hc = ow_ntfs_present (vol, j.commit)) == -1 || (hj = ow_ntfs_present (vol, j.path)) == -1)
    goto out;
  if (hc) {
    if (read_journal (vol, &j, j.commit) == -1 || ow_journal_finish (vol, &j) == -1)
      goto out;
    *what = strdup ("the interrupted job had been committed: finished it (backups removed)");
  } else if (hj) {
    if (read_journal (vol, &j, j.path) == -1 || ow_journal_rollback (vol, &j) == -1)
      goto out;
    *what = strdup ("the interrupted job was rolled back: every hive and file is the original");
  }
  /* A journal that was never complete: the job had changed nothing. */
  if (unlink_if (vol, tmp) == -1)
    goto out;
  r = *what != NULL;
 out:
  if (r == -1)
    ow_err_context ("recovering an interrupted job");
  free (tmp);
  ow_journal_free (&j);
  return r;
}

bool
ow_journal_is_trace (const char *name)
{
  return strncasecmp (name, "CE-JOB.ce-", strlen ("CE-JOB.ce-")) == 0;
}
