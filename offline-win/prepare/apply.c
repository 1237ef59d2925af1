/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Applying a validated plan.  Per hive: edit the private copy with hivex,
 * commit it to a new private file, re-open that and check every change,
 * then swap it into the volume crash-safely (ow_hive_swap_in keeps the
 * original as <HIVE>.ce-backup until the job is complete).  Files go
 * through the NTFS write layer, never half-written under their name. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "prepare.h"
#include "hive/hive-internal.h"

static const char *const edited_hives[] = { "SYSTEM", "SOFTWARE", "SECURITY", NULL };

static struct ow_hive *
hive_for (struct ow_prep_ctx *ctx, const char *name)
{
  if (strcmp (name, "SYSTEM") == 0) return ctx->system;
  if (strcmp (name, "SOFTWARE") == 0) return ctx->software;
  if (strcmp (name, "SECURITY") == 0) return ctx->security;
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

static int
apply_hive (struct ow_prep_ctx *ctx, struct ow_plan *plan, const char *name)
{
  struct ow_hive *hv = hive_for (ctx, name);
  void *data = NULL;
  size_t len = 0, count = 0;
  int r = -1;

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
  if (commit_copy (hv, &data, &len) == -1 ||
      verify_copy (ow_hive_name (hv), data, len, plan, name) == -1)
    goto out;
  if (ow_hive_swap_in (ctx->vol, ow_hive_name (hv), data, len) == -1) {
    ow_err_context ("swapping in %s", ow_hive_name (hv));
    goto out;
  }
  r = 0;
 out:
  free (data);
  return r;
}

static char *
parent_dir (const char *path)
{
  const char *slash = strrchr (path, '/');
  return slash ? strndup (path, (size_t) (slash - path)) : strdup ("");
}

/* Files written by the first-boot runner and installers must not be
 * writable by ordinary users: they run as SYSTEM at next boot. */
static unsigned
file_flags (const struct ow_change *c)
{
  return strcmp (c->step, "firstboot") == 0 || c->source ? OW_WRITE_PROTECTED : 0;
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

int
ow_prepare_apply (struct ow_prep_ctx *ctx, struct ow_plan *plan,
                  const struct ow_prepare_options *opts)
{
  size_t done = 0;

  for (size_t h = 0; edited_hives[h]; h++) {
    if (opts && opts->progress)
      opts->progress (opts->opaque, 50 + 10 * (int) h, edited_hives[h]);
    if (apply_hive (ctx, plan, edited_hives[h]) == -1)
      return -1;
  }
  for (size_t i = 0; i < plan->n; i++) {
    const struct ow_change *c = &plan->v[i];
    if (c->kind != OW_CH_FILE_WRITE && c->kind != OW_CH_FILE_DELETE)
      continue;
    if (opts && opts->progress)
      opts->progress (opts->opaque, 80 + (int) (15 * done++ / (plan->n ? plan->n : 1)), c->step);
    if (apply_file (ctx, c) == -1) {
      ow_err_context ("%s", c->path);
      return -1;
    }
  }
  if (ow_volume_sync (ctx->vol) == -1)
    return -1;
  /* The job is complete: the originals kept beside the hives can go. */
  for (size_t h = 0; edited_hives[h]; h++) {
    struct ow_hive *hv = hive_for (ctx, edited_hives[h]);
    if (hv && ow_path_exists (ctx->vol, ow_hive_name (hv)) == 1 &&
        ow_hive_backup_remove (ctx->vol, ow_hive_name (hv)) == -1)
      return -1;
  }
  return ow_volume_sync (ctx->vol);
}
