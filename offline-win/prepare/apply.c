/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Applying a validated plan, as one job (docs/crash-safety.md, "The job").
 * First, without writing: each edited hive is committed to a new private
 * file, re-opened and every change checked.  Then: the job journal
 * (prepare/journal.c) lists what will change; new directories; files,
 * each original kept as <PATH>.ce-backup; the hives swapped in
 * (ow_hive_swap_stage keeps each original as <HIVE>.ce-backup); the
 * commit; then the logs are zeroed and the backups removed.  A failure
 * before the commit rolls the whole job back (or leaves it to the next
 * run's recovery when the disk refuses even that). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prepare.h"
#include "hive/hive-internal.h"
#include "ntfs/ntfs-internal.h"

/* The BCD store is swapped like the others when the plan edits it: it is
 * then a file of this volume (prepare/bcd-load.c). */
static const char *const edited_hives[] = { "SYSTEM", "SOFTWARE", "SECURITY", "BCD", NULL };

static struct ow_hive *
hive_for (struct ow_prep_ctx *ctx, const char *name)
{
  if (strcmp (name, "SYSTEM") == 0) return ctx->system;
  if (strcmp (name, "SOFTWARE") == 0) return ctx->software;
  if (strcmp (name, "SECURITY") == 0) return ctx->security;
  if (strcmp (name, "BCD") == 0) return ctx->bcd;
  return NULL;
}

/* The node for KEY, creating missing keys on the way. */
static hive_node_h
ensure_key (struct ow_hive *hv, const char *key)
{
  hive_node_h node = hivex_root (hv->h);
  char *copy = strdup (key), *save = NULL;

  if (copy == NULL) {
    ow_err (ENOMEM, "out of memory");
    return 0;
  }
  for (char *c = strtok_r (copy, "\\", &save); c && node; c = strtok_r (NULL, "\\", &save)) {
    hive_node_h child;
    errno = 0;
    child = hivex_node_get_child (hv->h, node, c);
    if (child == 0 && errno == 0)
      child = hivex_node_add_child (hv->h, node, c);
    if (child == 0)
      ow_err (errno ? errno : EINVAL, "%s: cannot create key %s: %m", hv->name, key);
    node = child;
  }
  free (copy);
  return node;
}

/* hivex has no single-value delete: rewrite the value list without it. */
static int
delete_value (struct ow_hive *hv, hive_node_h node, const char *name)
{
  hive_value_h *vals = hivex_node_values (hv->h, node);
  hive_set_value *keep = NULL;
  size_t n = 0, k = 0;
  int r = -1;

  if (vals == NULL)
    return ow_err (errno, "%s: listing values: %m", hv->name);
  while (vals[n])
    n++;
  keep = calloc (n ? n : 1, sizeof *keep);
  if (keep == NULL) {
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    hive_type t;
    size_t len;
    char *vname = hivex_value_key (hv->h, vals[i]);
    if (vname == NULL) {
      ow_err (errno, "%s: reading a value name: %m", hv->name);
      goto out;
    }
    if (strcasecmp (vname, name) == 0) {
      free (vname);
      continue;
    }
    keep[k].key = vname;
    keep[k].value = hivex_value_value (hv->h, vals[i], &t, &len);
    keep[k].t = t;
    keep[k].len = len;
    k++;
    if (keep[k - 1].value == NULL) {
      ow_err (errno, "%s: reading value %s: %m", hv->name, vname);
      goto out;
    }
  }
  if (hivex_node_set_values (hv->h, node, k, keep, 0) == -1) {
    ow_err (errno, "%s: rewriting the values of a key: %m", hv->name);
    goto out;
  }
  r = 0;
 out:
  for (size_t i = 0; keep && i < k; i++) {
    free (keep[i].key);
    free (keep[i].value);
  }
  free (keep);
  free (vals);
  return r;
}

static int
apply_change (struct ow_hive *hv, const struct ow_change *c)
{
  hive_node_h node;

  switch (c->kind) {
  case OW_CH_REG_SET: {
    hive_set_value v = { .key = c->value, .t = c->new_type, .len = c->new_len,
                         .value = c->new_data };
    node = ensure_key (hv, c->key);
    if (node == 0)
      return -1;
    if (hivex_node_set_value (hv->h, node, &v, 0) == -1)
      return ow_err (errno, "%s: setting %s\\%s: %m", hv->name, c->key, c->value);
    return 0;
  }
  case OW_CH_REG_DELETE:
    node = ow_hive_node (hv, c->key);
    return node ? delete_value (hv, node, c->value) : 0;
  case OW_CH_REG_DELETE_KEY:
    node = ow_hive_node (hv, c->key);
    if (node && hivex_node_delete_child (hv->h, node) == -1)
      return ow_err (errno, "%s: deleting key %s: %m", hv->name, c->key);
    return 0;
  default:
    return 0;
  }
}

/* Commit HV to a new private file and return its bytes. */
static int
commit_copy (struct ow_hive *hv, void **data, size_t *len)
{
  int fd = memfd_create ("ce-hive-new", MFD_CLOEXEC);
  char *path = NULL;
  struct stat st;
  uint8_t *buf = NULL;
  int r = -1;

  if (fd == -1)
    return ow_err (errno, "memfd_create: %m");
  if (asprintf (&path, "/proc/self/fd/%d", fd) == -1) {
    path = NULL;
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  if (hivex_commit (hv->h, path, 0) == -1) {
    ow_err (errno, "%s: hivex_commit: %m", hv->name);
    goto out;
  }
  if (fstat (fd, &st) == -1 || st.st_size <= 0) {
    ow_err (EIO, "%s: committed hive is empty", hv->name);
    goto out;
  }
  buf = malloc ((size_t) st.st_size);
  if (buf == NULL || pread (fd, buf, (size_t) st.st_size, 0) != st.st_size) {
    ow_err (buf ? EIO : ENOMEM, "%s: reading back the committed hive", hv->name);
    goto out;
  }
  *data = buf;
  *len = (size_t) st.st_size;
  buf = NULL;
  r = 0;
 out:
  free (buf);
  free (path);
  close (fd);
  return r;
}

/* Re-open the committed bytes and check that every change is there. */
static int
verify_copy (const char *name, const void *data, size_t len,
             const struct ow_plan *plan, const char *hive_name)
{
  struct ow_hive *hv = ow_hive_from_memory (data, len, name, 0);
  int r = 0;

  if (hv == NULL) {
    ow_err_context ("%s: the edited hive does not re-open", name);
    return -1;
  }
  for (size_t i = 0; i < plan->n && r == 0; i++) {
    const struct ow_change *c = &plan->v[i];
    uint32_t t;
    void *d = NULL;
    size_t l = 0;
    int g;

    if (c->hive == NULL || strcmp (c->hive, hive_name) != 0)
      continue;
    if (c->kind == OW_CH_REG_DELETE_KEY) {
      if (ow_hive_key_exists (hv, c->key) != 0)
        r = ow_err (EIO, "%s: key %s still present after deleting it", name, c->key);
      continue;
    }
    g = ow_hive_get_raw (hv, c->key, c->value, &t, &d, &l);
    if (c->kind == OW_CH_REG_SET && (g != 1 || t != c->new_type || l != c->new_len ||
                                     memcmp (d, c->new_data, l) != 0))
      r = ow_err (EIO, "%s: %s\\%s does not read back as written", name, c->key, c->value);
    else if (c->kind == OW_CH_REG_DELETE && g != 0)
      r = ow_err (EIO, "%s: %s\\%s still present after deleting it", name, c->key, c->value);
    free (d);
  }
  ow_hive_close (hv);
  return r;
}

/* Edit, commit and check the hive NAME in memory: *DATA is NULL when the
 * plan does not change it.  Nothing is written to the volume. */
static int
build_hive (struct ow_prep_ctx *ctx, struct ow_plan *plan, const char *name,
            void **data, size_t *len)
{
  struct ow_hive *hv = hive_for (ctx, name);
  size_t count = 0;

  *data = NULL;
  *len = 0;
  for (size_t i = 0; i < plan->n; i++) {
    struct ow_change *c = &plan->v[i];
    if (c->hive == NULL || strcmp (c->hive, name) != 0)
      continue;
    if (hv == NULL)
      return ow_err (EINVAL, "plan changes hive %s, which is not loaded", name);
    if (apply_change (hv, c) == -1)
      return -1;
    count++;
  }
  if (count == 0)
    return 0;
  if (commit_copy (hv, data, len) == -1 ||
      verify_copy (ow_hive_name (hv), *data, *len, plan, name) == -1) {
    free (*data);
    *data = NULL;
    return -1;
  }
  return 0;
}

static char *
parent_dir (const char *path)
{
  const char *slash = strrchr (path, '/');
  return slash ? strndup (path, (size_t) (slash - path)) : strdup ("");
}

/* Files written by the first-boot runner and installers must not be
 * writable by ordinary users: they run as SYSTEM at next boot; so must
 * drivers (staged packages pnputil installs, boot drivers the kernel
 * loads). */
static unsigned
file_flags (const struct ow_change *c)
{
  return strcmp (c->step, "firstboot") == 0 || strcmp (c->step, "drivers") == 0 || c->source
         ? OW_WRITE_PROTECTED : 0;
}

static int
apply_file (struct ow_prep_ctx *ctx, const struct ow_change *c)
{
  char *dir;
  int r, fd;

  if (c->kind == OW_CH_FILE_DELETE)
    return ow_path_delete (ctx->vol, c->path);
  dir = parent_dir (c->path);
  if (dir == NULL)
    return ow_err (ENOMEM, "out of memory");
  r = *dir ? ow_dir_create (ctx->vol, dir, file_flags (c)) : 0;
  free (dir);
  if (r == -1)
    return -1;
  if (c->source == NULL)
    return ow_file_write (ctx->vol, c->path, c->content, c->content_len, file_flags (c));
  /* The descriptor planning read and checked, never the name again: the
   * agent may have replaced the artifact of that name since. */
  fd = c->source_fd;
  if (fd < 0 || lseek (fd, 0, SEEK_SET) == -1)
    return ow_err (fd < 0 ? EBADF : errno, "%s: no open source file", c->source);
  return ow_file_write_fd (ctx->vol, c->path, fd, c->source_len, file_flags (c));
}

static bool
is_file_change (const struct ow_change *c)
{
  return c->kind == OW_CH_FILE_WRITE || c->kind == OW_CH_FILE_DELETE;
}

/* Every directory the plan's files need that does not exist yet, parents
 * first, once each. */
static int
journal_dirs (struct ow_prep_ctx *ctx, struct ow_plan *plan, struct ow_journal *j)
{
  for (size_t i = 0; i < plan->n; i++) {
    const struct ow_change *c = &plan->v[i];
    char *dir;

    if (c->kind != OW_CH_FILE_WRITE)
      continue;
    if ((dir = parent_dir (c->path)) == NULL)
      return ow_err (ENOMEM, "out of memory");
    for (char *p = dir; *dir; p++) {
      char save = *p;
      bool listed = false;
      int e;

      if (save != '/' && save != '\0')
        continue;
      *p = '\0';
      for (size_t k = 0; k < j->n && !listed; k++)
        listed = j->v[k].kind == OW_JE_DIR && strcasecmp (j->v[k].path, dir) == 0;
      e = listed ? 1 : ow_path_exists (ctx->vol, dir);
      if (e == 0 && ow_journal_add (j, OW_JE_DIR, dir) == -1)
        e = -1;
      *p = save;
      if (e == -1) {
        free (dir);
        return -1;
      }
      if (save == '\0')
        break;
    }
    free (dir);
  }
  return 0;
}

/* The list of what the job changes, and every backup name cleared: after
 * recovery a .ce-backup without a journal is the leftover of a completed
 * job, not an original of this one. */
static int
build_journal (struct ow_prep_ctx *ctx, struct ow_plan *plan, void *const data[],
               struct ow_journal *j)
{
  if (journal_dirs (ctx, plan, j) == -1)
    return -1;
  for (size_t i = 0; i < plan->n; i++) {
    const struct ow_change *c = &plan->v[i];
    enum ow_journal_kind k;
    char *backup = NULL;
    int e;

    if (!is_file_change (c))
      continue;
    if ((e = ow_path_exists (ctx->vol, c->path)) == -1)
      return -1;
    k = c->kind == OW_CH_FILE_DELETE ? OW_JE_DELETE : e ? OW_JE_REPLACE : OW_JE_NEW;
    if (c->kind == OW_CH_FILE_DELETE && e == 0)
      continue;
    if (ow_journal_add (j, k, c->path) == -1)
      return -1;
    if (asprintf (&backup, "%s.ce-backup", c->path) == -1)
      return ow_err (ENOMEM, "out of memory");
    e = ow_path_exists (ctx->vol, backup);
    if (e == 1 && ow_path_delete (ctx->vol, backup) == -1)
      e = -1;
    free (backup);
    if (e == -1)
      return -1;
  }
  for (size_t h = 0; edited_hives[h]; h++) {
    const char *name;
    char *backup = NULL;
    int same;
    if (data[h] == NULL)
      continue;
    name = ow_hive_name (hive_for (ctx, edited_hives[h]));
    if (ow_journal_add (j, OW_JE_HIVE, name) == -1)
      return -1;
    /* A backup that is the hive itself (a second name of the same record)
     * is the trace the engine linked before the first write (engine.c,
     * mark_started): it must outlive the journal's creation, which can
     * tear $MFTMirr.  Any other backup is a completed job's leftover. */
    if (asprintf (&backup, "%s.ce-backup", name) == -1)
      return ow_err (ENOMEM, "out of memory");
    same = ow_ntfs_same_file (ctx->vol, name, backup);
    free (backup);
    if (same == -1 || (same == 0 && ow_hive_backup_remove (ctx->vol, name) == -1))
      return -1;
  }
  return ow_volume_sync (ctx->vol);
}

/* The original of a file the job replaces or deletes stays, under a second
 * name, until the commit. */
static int
keep_original (struct ow_prep_ctx *ctx, const struct ow_change *c)
{
  char *backup = NULL;
  int r = ow_path_exists (ctx->vol, c->path);

  if (r != 1)
    return r;
  if (asprintf (&backup, "%s.ce-backup", c->path) == -1)
    return ow_err (ENOMEM, "out of memory");
  r = ow_ntfs_link (ctx->vol, c->path, backup);
  free (backup);
  return r == -1 ? -1 : ow_volume_sync (ctx->vol);
}

static int
write_job (struct ow_prep_ctx *ctx, struct ow_plan *plan, void *const data[],
           const size_t len[], const struct ow_journal *j,
           const struct ow_prepare_options *opts)
{
  size_t done = 0;

  /* Files before hives: a hive swapped in never names a missing file.
   * (apply_file creates the directories the journal lists as new.) */
  for (size_t i = 0; i < plan->n; i++) {
    const struct ow_change *c = &plan->v[i];
    if (!is_file_change (c))
      continue;
    if (opts && opts->progress)
      opts->progress (opts->opaque, 50 + (int) (20 * done++ / (plan->n ? plan->n : 1)), c->step);
    if (keep_original (ctx, c) == -1 || apply_file (ctx, c) == -1 ||
        ow_volume_sync (ctx->vol) == -1) {
      ow_err_context ("%s", c->path);
      return -1;
    }
  }
  for (size_t h = 0; edited_hives[h]; h++) {
    const char *name;
    if (data[h] == NULL)
      continue;
    if (opts && opts->progress)
      opts->progress (opts->opaque, 70 + 8 * (int) h, edited_hives[h]);
    name = ow_hive_name (hive_for (ctx, edited_hives[h]));
    if (ow_hive_swap_stage (ctx->vol, name, data[h], len[h]) == -1) {
      ow_err_context ("swapping in %s", name);
      return -1;
    }
  }
  return ow_journal_commit (ctx->vol, j);
}

int
ow_prepare_apply (struct ow_prep_ctx *ctx, struct ow_plan *plan,
                  const struct ow_prepare_options *opts)
{
  enum { NH = sizeof edited_hives / sizeof edited_hives[0] };
  void *data[NH] = { NULL };
  size_t len[NH] = { 0 };
  struct ow_journal j;
  int r = -1;

  if (ow_journal_init (&j, ctx->systemroot) == -1)
    return -1;
  /* Nothing is written until every hive is built and checked. */
  for (size_t h = 0; edited_hives[h]; h++)
    if (build_hive (ctx, plan, edited_hives[h], &data[h], &len[h]) == -1)
      goto out;
  if (ow_path_exists (ctx->vol, j.path) != 0 || ow_path_exists (ctx->vol, j.commit) != 0) {
    ow_err (EBUSY, "%s: the journal of an earlier job is still there (its recovery "
            "did not finish)", j.path);
    goto out;
  }
  if (build_journal (ctx, plan, data, &j) == -1 || ow_journal_write (ctx->vol, &j) == -1)
    goto out;
  if (write_job (ctx, plan, data, len, &j, opts) == -1) {
    /* Before the commit: put every original back now if the disk lets
     * us; if not, the journal tells the next run to do it. */
    char *msg = strdup (ow_error_message ());
    int e = errno;
    if (ow_journal_rollback (ctx->vol, &j) == 0)
      ow_err (e, "%s; the job was rolled back: the disk holds the originals",
              msg ? msg : "out of memory");
    else
      ow_err (e, "%s; the job could not be rolled back now (%s): the next run rolls "
              "it back before anything else", msg ? msg : "out of memory",
              ow_error_message ());
    free (msg);
    goto out;
  }
  if (opts && opts->progress)
    opts->progress (opts->opaque, 90, "commit");
  /* Committed: the job is in.  What is left is clean-up, which a later
   * run finishes if it fails here. */
  if (ow_journal_finish (ctx->vol, &j) == -1 || ow_volume_sync (ctx->vol) == -1) {
    ow_err_context ("the job is complete, but removing its backups failed (the next "
                    "run finishes it)");
    goto out;
  }
  r = 0;
 out:
  for (size_t h = 0; h < NH; h++)
    free (data[h]);
  ow_journal_free (&j);
  return r;
}
