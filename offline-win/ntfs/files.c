/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading files and directories of an NTFS volume, any case. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "ntfs-internal.h"

/* More entries than this in one directory is not a Windows image we
 * should be walking: stop instead of exhausting memory. */
#define MAX_DIR_ENTRIES 1000000

ntfs_inode *
ow_ntfs_lookup (struct ow_volume *v, const char *path)
{
  ntfs_inode *ni;

  while (*path == '/')
    path++;
  if (*path == '\0')
    return ntfs_inode_open (v->vol, FILE_root);
  errno = 0;
  ni = ntfs_pathname_to_inode (v->vol, NULL, path);
  if (ni == NULL && errno == 0)
    errno = ENOENT;
  return ni;
}

/* A lookup failed with something other than ENOENT.  libntfs-3g does not
 * journal, so a power cut during one of our earlier writes can leave a
 * directory entry whose file record was never written; such an entry
 * names nothing, exactly as chkdsk would conclude.  Walk PATH's prefixes:
 * 0 if one of them is absent or such a broken entry, -1 for a real error. */
static int
absent_or_broken (struct ow_volume *v, const char *path, int lookup_errno)
{
  char *prefix = strdup (path);
  int r = -1;

  if (prefix == NULL)
    return ow_err (ENOMEM, "out of memory");
  for (char *p = prefix; ; p++) {
    if (*p == '/' || *p == '\0') {
      char saved = *p;
      int st;
      *p = '\0';
      st = *prefix ? ow_ntfs_entry_state (v, prefix) : 1;
      *p = saved;
      if (st == 0 || st == 2) {
        ow_debug ("%s: %s", path, st ? "a broken directory entry (interrupted write) on the way: absent"
                                     : "absent");
        r = 0;
        break;
      }
      if (st == -1 || saved == '\0')
        break;
    }
  }
  free (prefix);
  if (r == -1 && ow_error_class () == OW_ERR_NONE)
    ow_err (lookup_errno, "%s: lookup failed: %s", path, strerror (lookup_errno));
  else if (r == -1)
    ow_err_context ("%s: lookup failed (%s)", path, strerror (lookup_errno));
  return r;
}

int
ow_path_exists (struct ow_volume *v, const char *path)
{
  ntfs_inode *ni = ow_ntfs_lookup (v, path);

  if (ni == NULL) {
    if (errno == ENOENT)
      return 0;
    return absent_or_broken (v, path, errno);
  }
  ntfs_inode_close (ni);
  return 1;
}

bool
ow_path_is_dir (struct ow_volume *v, const char *path)
{
  ntfs_inode *ni = ow_ntfs_lookup (v, path);
  bool dir;

  if (ni == NULL)
    return false;
  dir = ni->mrec->flags & MFT_RECORD_IS_DIRECTORY;
  ntfs_inode_close (ni);
  return dir;
}

/* ---- directory listing ---- */

struct listing {
  char **names;
  size_t n, cap;
  uint64_t want_mref;   /* find_name: the inode to name, else 0 */
  char *found;
  int error;
};

static int
collect (void *data, const ntfschar *name, const int name_len,
         const int name_type, const s64 pos, const MFT_REF mref,
         const unsigned dt_type)
{
  struct listing *l = data;
  char *s = NULL;

  (void) pos; (void) dt_type;
  /* DOS 8.3 aliases duplicate the long name of the same file. */
  if (name_type == FILE_NAME_DOS)
    return 0;
  if (ntfs_ucstombs (name, name_len, &s, 0) < 0) {
    l->error = errno ? errno : EILSEQ;
    return -1;
  }
  if (strcmp (s, ".") == 0 || strcmp (s, "..") == 0 ||
      (MREF (mref) < FILE_first_user && s[0] == '$')) {
    free (s);
    return 0;
  }
  if (l->want_mref) {
    if (MREF (mref) == l->want_mref && l->found == NULL)
      l->found = s;
    else
      free (s);
    return 0;
  }
  if (l->n + 1 >= l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 32;
    char **nn;
    if (cap > MAX_DIR_ENTRIES || (nn = realloc (l->names, cap * sizeof *nn)) == NULL) {
      free (s);
      l->error = cap > MAX_DIR_ENTRIES ? E2BIG : ENOMEM;
      return -1;
    }
    l->names = nn;
    l->cap = cap;
  }
  l->names[l->n++] = s;
  l->names[l->n] = NULL;
  return 0;
}

static int
walk_dir (ntfs_inode *dir, struct listing *l)
{
  s64 pos = 0;
  int r;

  if (!(dir->mrec->flags & MFT_RECORD_IS_DIRECTORY))
    return ow_err (ENOTDIR, "not a directory");
  /* In ignore-case mode libntfs-3g hands readdir names lower-cased; we
   * want them as stored, so list in case-sensitive mode (lookups keep
   * using the volume's upcase collation). */
  NVolSetCaseSensitive (dir->vol);
  r = ntfs_readdir (dir, &pos, l, collect);
  NVolClearCaseSensitive (dir->vol);
  if (r == -1 || l->error) {
    int e = l->error ? l->error : errno;
    return ow_err (e, "reading directory: %s", strerror (e));
  }
  return 0;
}

char **
ow_dir_list (struct ow_volume *v, const char *path)
{
  struct listing l = { 0 };
  ntfs_inode *ni = ow_ntfs_lookup (v, path);

  if (ni == NULL) {
    ow_err (errno, "%s: %m", path);
    return NULL;
  }
  if (walk_dir (ni, &l) == -1) {
    ow_err_context ("%s", path);
    ntfs_inode_close (ni);
    ow_strv_free (l.names);
    return NULL;
  }
  ntfs_inode_close (ni);
  if (l.names == NULL && (l.names = calloc (1, sizeof *l.names)) == NULL)
    ow_err (ENOMEM, "out of memory");
  return l.names;
}

/* Name of inode CHILD as its parent directory DIR spells it. */
static char *
name_in_dir (ntfs_inode *dir, ntfs_inode *child)
{
  struct listing l = { .want_mref = child->mft_no };

  if (walk_dir (dir, &l) == -1)
    return NULL;
  if (l.found == NULL)
    ow_err (ENOENT, "inode %" PRIu64 " not found in its directory", (uint64_t) child->mft_no);
  return l.found;
}

char *
ow_path_real_case (struct ow_volume *v, const char *path)
{
  char *copy = strdup (path), *save = NULL, *comp, *out = NULL;
  size_t outlen = 0;
  FILE *f = NULL;
  ntfs_inode *dir = NULL, *child = NULL;

  if (copy == NULL || (f = open_memstream (&out, &outlen)) == NULL) {
    ow_err (ENOMEM, "out of memory");
    goto fail;
  }
  dir = ntfs_inode_open (v->vol, FILE_root);
  if (dir == NULL) {
    ow_err (errno, "cannot open the root directory: %m");
    goto fail;
  }
  for (comp = strtok_r (copy, "/", &save); comp; comp = strtok_r (NULL, "/", &save)) {
    char *name;
    errno = 0;
    child = ntfs_pathname_to_inode (v->vol, dir, comp);
    if (child == NULL) {
      ow_err (errno ? errno : ENOENT, "%s: not found", path);
      goto fail;
    }
    name = name_in_dir (dir, child);
    if (name == NULL)
      goto fail;
    fprintf (f, "%s%s", ftell (f) ? "/" : "", name);
    free (name);
    ntfs_inode_close (dir);
    dir = child;
    child = NULL;
  }
  ntfs_inode_close (dir);
  free (copy);
  if (fclose (f) != 0) {
    free (out);
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  return out;

 fail:
  if (child)
    ntfs_inode_close (child);
  if (dir)
    ntfs_inode_close (dir);
  if (f) {
    fclose (f);
    free (out);
  }
  free (copy);
  return NULL;
}

/* ---- file contents ---- */

static ntfs_attr *
open_data (struct ow_volume *v, const char *path, ntfs_inode **nip)
{
  ntfs_inode *ni = ow_ntfs_lookup (v, path);
  ntfs_attr *na;

  if (ni == NULL) {
    ow_err (errno, "%s: %m", path);
    return NULL;
  }
  na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na == NULL) {
    ow_err (errno, "%s: no data stream: %m", path);
    ntfs_inode_close (ni);
    return NULL;
  }
  *nip = ni;
  return na;
}

static int
read_at (ntfs_attr *na, const char *path, void *buf, size_t count)
{
  uint8_t *p = buf;
  s64 pos = 0;

  while ((size_t) pos < count) {
    s64 r = ntfs_attr_pread (na, pos, (s64) (count - (size_t) pos), p + pos);
    if (r <= 0)
      return ow_err (r == 0 ? EIO : errno, "%s: read failed at %" PRId64 ": %s", path,
                     (int64_t) pos, r == 0 ? "short read" : strerror (errno));
    pos += r;
  }
  return 0;
}

int
ow_file_read (struct ow_volume *v, const char *path, size_t max, void **bufp,
              size_t *lenp)
{
  ntfs_inode *ni;
  ntfs_attr *na = open_data (v, path, &ni);
  void *buf = NULL;
  int r = -1;

  if (na == NULL)
    return -1;
  if (na->data_size < 0 || (uint64_t) na->data_size > max) {
    ow_err (EFBIG, "%s: %" PRId64 " bytes is more than the limit of %zu", path,
            (int64_t) na->data_size, max);
    goto out;
  }
  buf = malloc (na->data_size ? (size_t) na->data_size : 1);
  if (buf == NULL) {
    ow_err (ENOMEM, "%s: out of memory", path);
    goto out;
  }
  if (read_at (na, path, buf, (size_t) na->data_size) == -1)
    goto out;
  *bufp = buf;
  *lenp = (size_t) na->data_size;
  buf = NULL;
  r = 0;
 out:
  free (buf);
  ntfs_attr_close (na);
  ntfs_inode_close (ni);
  return r;
}

int
ow_file_read_head (struct ow_volume *v, const char *path, void *buf,
                   size_t count, size_t *got)
{
  ntfs_inode *ni;
  ntfs_attr *na = open_data (v, path, &ni);
  int r;

  if (na == NULL)
    return -1;
  if ((uint64_t) na->data_size < count)
    count = (size_t) na->data_size;
  r = read_at (na, path, buf, count);
  if (r == 0)
    *got = count;
  ntfs_attr_close (na);
  ntfs_inode_close (ni);
  return r;
}

int
ow_file_size (struct ow_volume *v, const char *path, uint64_t *size)
{
  ntfs_inode *ni;
  ntfs_attr *na = open_data (v, path, &ni);

  if (na == NULL)
    return -1;
  *size = (uint64_t) na->data_size;
  ntfs_attr_close (na);
  ntfs_inode_close (ni);
  return 0;
}
