/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Two reads the diagnostics need and the volume layer has no use for: the
 * tail of a log (the newest lines are the ones that matter) and a file's
 * last-write time (when a dump was written). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>

#include "ntfs/ntfs-internal.h"
#include "diag/diag.h"

int
diag_file_read_tail (struct ow_volume *vol, const char *path, size_t max,
                     void **bufp, size_t *lenp, uint64_t *total)
{
  ntfs_inode *ni = ow_ntfs_lookup (vol, path);
  ntfs_attr *na = NULL;
  uint8_t *buf = NULL;
  s64 size, from, pos = 0;
  int r = -1;

  if (ni == NULL)
    return ow_err (errno, "%s: %m", path);
  na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na == NULL) {
    ow_err (errno, "%s: no data stream: %m", path);
    goto out;
  }
  size = na->data_size;
  if (size < 0) {
    ow_err (EINVAL, "%s: negative size", path);
    goto out;
  }
  from = (uint64_t) size > max ? size - (s64) max : 0;
  buf = malloc ((size_t) (size - from) + 1);
  if (buf == NULL) {
    ow_err (ENOMEM, "%s: out of memory", path);
    goto out;
  }
  while (pos < size - from) {
    s64 n = ntfs_attr_pread (na, from + pos, size - from - pos, buf + pos);
    if (n <= 0) {
      ow_err (n == 0 ? EIO : errno, "%s: read failed at %" PRId64, path, (int64_t) (from + pos));
      goto out;
    }
    pos += n;
  }
  buf[pos] = '\0';             /* text callers may treat it as a string */
  *bufp = buf;
  *lenp = (size_t) pos;
  if (total)
    *total = (uint64_t) size;
  buf = NULL;
  r = 0;
 out:
  free (buf);
  if (na)
    ntfs_attr_close (na);
  ntfs_inode_close (ni);
  return r;
}

int
diag_file_mtime (struct ow_volume *vol, const char *path, uint64_t *filetime)
{
  ntfs_inode *ni = ow_ntfs_lookup (vol, path);

  if (ni == NULL)
    return ow_err (errno, "%s: %m", path);
  /* libntfs-3g keeps the NTFS time as stored: 100 ns units since 1601. */
  *filetime = (uint64_t) sle64_to_cpu (ni->last_data_change_time);
  ntfs_inode_close (ni);
  return 0;
}
