/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The output file: written under a temporary name in the destination
 * directory (same file system, so the final rename is atomic), fsynced,
 * then renamed.  Whatever fails or is canceled, the final name is never
 * left holding a partial image. */
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export/export.h"

bool
exp_is_zero (const void *buf, size_t len)
{
  const uint8_t *p = buf;
  size_t head = len < 16 ? len : 16;

  for (size_t i = 0; i < head; i++)
    if (p[i])
      return false;
  /* The first 16 bytes are zero, so each later byte equals the one 16
   * before it exactly when all are zero: memcmp runs at memory speed. */
  return len <= 16 || memcmp (p, p + 16, len - 16) == 0;
}

int
exp_random (void *buf, size_t len)
{
  uint8_t *p = buf;

  while (len > 0) {
    ssize_t r = getrandom (p, len, 0);
    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1)
      return ow_err (errno, "getrandom: %m");
    p += r;
    len -= (size_t) r;
  }
  return 0;
}

static char *
dir_of (const char *path)
{
  char *copy = strdup (path), *d;

  if (copy == NULL)
    return NULL;
  d = strdup (dirname (copy));
  free (copy);
  return d;
}

static char *
base_of (const char *path)
{
  char *copy = strdup (path), *b;

  if (copy == NULL)
    return NULL;
  b = strdup (basename (copy));
  free (copy);
  return b;
}

/* A new temporary file "DIR/.BASE.TAG-XXXXXX". */
static int
make_temp (const char *path, const char *tag, char **tmp, int *fd)
{
  char *dir = dir_of (path), *base = base_of (path);
  int ret = -1;

  *tmp = NULL;
  *fd = -1;
  if (dir == NULL || base == NULL || asprintf (tmp, "%s/.%s.%s-XXXXXX", dir, base, tag) == -1) {
    *tmp = NULL;
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  *fd = mkostemp (*tmp, O_CLOEXEC);
  if (*fd == -1) {
    ow_err (errno, "cannot create a file in %s: %m", dir);
    free (*tmp);
    *tmp = NULL;
    goto out;
  }
  if (fchmod (*fd, 0644) == -1) {
    ow_err (errno, "chmod %s: %m", *tmp);
    close (*fd);
    *fd = -1;
    unlink (*tmp);
    free (*tmp);
    *tmp = NULL;
    goto out;
  }
  ret = 0;
 out:
  free (dir);
  free (base);
  return ret;
}

int
exp_out_open (struct exp_out *o, const char *path, bool overwrite)
{
  struct stat st;

  memset (o, 0, sizeof *o);
  o->fd = -1;
  o->overwrite = overwrite;
  if (path == NULL || *path == '\0')
    return ow_err_invalid ("export: no output path");
  if (lstat (path, &st) == 0) {
    if (S_ISDIR (st.st_mode))
      return ow_err_invalid ("export: output %s is a directory", path);
    if (!overwrite)
      return ow_err (EEXIST, "export: %s already exists (use --overwrite to replace it)",
                     path);
    if (!S_ISREG (st.st_mode) && !S_ISLNK (st.st_mode))
      return ow_err_invalid ("export: output %s is not a regular file", path);
  }
  else if (errno != ENOENT)
    return ow_err (errno, "export: %s: %m", path);
  o->path = strdup (path);
  o->dir = dir_of (path);
  if (o->path == NULL || o->dir == NULL) {
    exp_out_abort (o);
    return ow_err (ENOMEM, "out of memory");
  }
  if (make_temp (path, "ce-export", &o->tmp, &o->fd) == -1) {
    exp_out_abort (o);
    return -1;
  }
  return 0;
}

int
exp_out_sibling (const struct exp_out *o, const char *tag, char **path, int *fd)
{
  return make_temp (o->path, tag, path, fd);
}

int
exp_out_pwrite (struct exp_out *o, const void *buf, size_t len, uint64_t off)
{
  const uint8_t *p = buf;

  while (len > 0) {
    ssize_t w = pwrite (o->fd, p, len, (off_t) off);
    if (w == -1 && errno == EINTR)
      continue;
    if (w == -1)
      return ow_err (errno, "export: write %s at %" PRIu64 ": %m", o->tmp, off);
    if (w == 0)
      return ow_err (EIO, "export: write %s at %" PRIu64 " wrote nothing", o->tmp, off);
    p += w;
    len -= (size_t) w;
    off += (uint64_t) w;
    o->bytes_written += (uint64_t) w;
  }
  return 0;
}

int
exp_out_truncate (struct exp_out *o, uint64_t size)
{
  if (size > INT64_MAX)
    return ow_err (EFBIG, "export: %" PRIu64 " bytes is too large", size);
  if (ftruncate (o->fd, (off_t) size) == -1)
    return ow_err (errno, "export: set the size of %s to %" PRIu64 ": %m", o->tmp, size);
  return 0;
}

int
exp_out_commit (struct exp_out *o)
{
  int dfd;

  if (fsync (o->fd) == -1)
    return ow_err (errno, "export: fsync %s: %m", o->tmp);
  if (close (o->fd) == -1) {
    o->fd = -1;
    return ow_err (errno, "export: close %s: %m", o->tmp);
  }
  o->fd = -1;
  if (o->overwrite) {
    if (rename (o->tmp, o->path) == -1)
      return ow_err (errno, "export: rename %s to %s: %m", o->tmp, o->path);
  }
  else if (renameat2 (AT_FDCWD, o->tmp, AT_FDCWD, o->path, RENAME_NOREPLACE) == -1) {
    /* Someone created the name while we copied: keep theirs. */
    if (errno == EEXIST)
      return ow_err (EEXIST, "export: %s appeared during the export; not replaced", o->path);
    if (errno != EINVAL && errno != ENOSYS)
      return ow_err (errno, "export: rename %s to %s: %m", o->tmp, o->path);
    /* A file system without RENAME_NOREPLACE: link fails on an existing
     * name just the same. */
    if (link (o->tmp, o->path) == -1)
      return ow_err (errno, "export: link %s to %s: %m", o->tmp, o->path);
    unlink (o->tmp);
  }
  free (o->tmp);
  o->tmp = NULL;
  dfd = open (o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd == -1 || fsync (dfd) == -1) {
    int e = errno;
    if (dfd >= 0)
      close (dfd);
    return ow_err (e, "export: fsync directory %s: %m", o->dir);
  }
  close (dfd);
  return 0;
}

void
exp_out_abort (struct exp_out *o)
{
  if (o->fd >= 0)
    close (o->fd);
  o->fd = -1;
  if (o->tmp)
    unlink (o->tmp);
  free (o->tmp);
  o->tmp = NULL;
  free (o->path);
  o->path = NULL;
  free (o->dir);
  o->dir = NULL;
}
