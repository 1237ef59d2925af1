/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libntfs-3g device operations over a partition window of the disk layer,
 * so a volume inside an image file, block device or NBD export is opened
 * without FUSE, a kernel mount or a loop device. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <ntfs-3g/logging.h>

#include "ntfs-internal.h"

struct window {
  struct ow_disk *disk;
  uint64_t start, size;
  int64_t pos;
};

static int
win_open (struct ntfs_device *dev, int flags)
{
  struct window *w = dev->d_private;

  if (NDevOpen (dev)) {
    errno = EBUSY;
    return -1;
  }
  if ((flags & O_ACCMODE) != O_RDONLY && ow_disk_readonly (w->disk)) {
    errno = EROFS;
    return -1;
  }
  if ((flags & O_ACCMODE) == O_RDONLY)
    NDevSetReadOnly (dev);
  w->pos = 0;
  NDevSetOpen (dev);
  return 0;
}

static int
win_close (struct ntfs_device *dev)
{
  struct window *w = dev->d_private;
  int r;

  if (!NDevOpen (dev)) {
    errno = EBADF;
    return -1;
  }
  /* Closed even when the flush fails: libntfs-3g only frees a device
   * that is no longer open. */
  r = !NDevReadOnly (dev) && ow_disk_flush (w->disk) == -1 ? -1 : 0;
  NDevClearOpen (dev);
  return r;
}

static s64
win_seek (struct ntfs_device *dev, s64 offset, int whence)
{
  struct window *w = dev->d_private;
  int64_t base;

  switch (whence) {
  case SEEK_SET: base = 0; break;
  case SEEK_CUR: base = w->pos; break;
  case SEEK_END: base = (int64_t) w->size; break;
  default: errno = EINVAL; return -1;
  }
  if (offset > INT64_MAX - base || base + offset < 0) {
    errno = EINVAL;
    return -1;
  }
  w->pos = base + offset;
  return w->pos;
}

/* Reads past the end of the window are short, as on a block device. */
static s64
win_pread (struct ntfs_device *dev, void *buf, s64 count, s64 offset)
{
  struct window *w = dev->d_private;

  if (count < 0 || offset < 0) {
    errno = EINVAL;
    return -1;
  }
  if ((uint64_t) offset >= w->size)
    return 0;
  if ((uint64_t) count > w->size - (uint64_t) offset)
    count = (s64) (w->size - (uint64_t) offset);
  if (ow_disk_pread (w->disk, buf, (size_t) count, w->start + (uint64_t) offset) == -1)
    return -1;
  return count;
}

static s64
win_pwrite (struct ntfs_device *dev, const void *buf, s64 count, s64 offset)
{
  struct window *w = dev->d_private;

  if (NDevReadOnly (dev)) {
    errno = EROFS;
    return -1;
  }
  if (count < 0 || offset < 0 || (uint64_t) offset > w->size ||
      (uint64_t) count > w->size - (uint64_t) offset) {
    errno = ENOSPC;
    return -1;
  }
  if (ow_disk_pwrite (w->disk, buf, (size_t) count, w->start + (uint64_t) offset) == -1)
    return -1;
  /* libntfs-3g has no journal: one change is several writes that are safe
   * only in the order it makes them ($Bitmap before the record that uses
   * the clusters, the record before its index entry...).  A disk cache
   * may reorder writes between flushes, and a power cut then leaves a
   * record pointing at clusters marked free, which a later allocation
   * hands out twice.  So every write is flushed before the next one
   * (prepare-torture -m reorder found this; docs/crash-safety.md). */
  if (ow_disk_flush (w->disk) == -1)
    return -1;
  NDevSetDirty (dev);
  return count;
}

static s64
win_read (struct ntfs_device *dev, void *buf, s64 count)
{
  struct window *w = dev->d_private;
  s64 r = win_pread (dev, buf, count, w->pos);
  if (r > 0)
    w->pos += r;
  return r;
}

static s64
win_write (struct ntfs_device *dev, const void *buf, s64 count)
{
  struct window *w = dev->d_private;
  s64 r = win_pwrite (dev, buf, count, w->pos);
  if (r > 0)
    w->pos += r;
  return r;
}

static int
win_sync (struct ntfs_device *dev)
{
  struct window *w = dev->d_private;

  if (NDevReadOnly (dev))
    return 0;
  if (ow_disk_flush (w->disk) == -1)
    return -1;
  NDevClearDirty (dev);
  return 0;
}

static int
win_stat (struct ntfs_device *dev, struct stat *st)
{
  struct window *w = dev->d_private;

  memset (st, 0, sizeof *st);
  st->st_mode = S_IFBLK | 0600;
  st->st_size = (off_t) w->size;
  st->st_blksize = (blksize_t) ow_disk_sector_size (w->disk);
  return 0;
}

static int
win_ioctl (struct ntfs_device *dev, unsigned long request, void *argp)
{
  struct window *w = dev->d_private;

  switch (request) {
  case BLKGETSIZE64:
    *(uint64_t *) argp = w->size;
    return 0;
  case BLKSSZGET:
    *(int *) argp = (int) ow_disk_sector_size (w->disk);
    return 0;
  default:
    errno = ENOTTY;
    return -1;
  }
}

static struct ntfs_device_operations window_ops = {
  .open = win_open, .close = win_close, .seek = win_seek,
  .read = win_read, .write = win_write, .pread = win_pread,
  .pwrite = win_pwrite, .sync = win_sync, .stat = win_stat,
  .ioctl = win_ioctl,
};

struct ntfs_device *
ow_ntfs_device_new (struct ow_disk *disk, uint64_t start, uint64_t size)
{
  struct window *w = calloc (1, sizeof *w);
  struct ntfs_device *dev;
  char *name = NULL;

  if (w == NULL || asprintf (&name, "%s@%" PRIu64, ow_disk_spec (disk), start) == -1) {
    free (w);
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  w->disk = disk;
  w->start = start;
  w->size = size;
  dev = ntfs_device_alloc (name, 0, &window_ops, w);
  free (name);          /* ntfs_device_alloc keeps its own copy */
  if (dev == NULL) {
    free (w);
    ow_err (errno, "ntfs_device_alloc: %m");
  }
  return dev;
}

static int
log_to_debug (const char *function, const char *file, int line, u32 level,
              void *data, const char *format, va_list args)
{
  (void) file; (void) line; (void) level; (void) data;
  if (ow_debug_enabled ()) {
    int saved = errno;
    fprintf (stderr, "libntfs-3g: %s: ", function);
    vfprintf (stderr, format, args);
    errno = saved;
  }
  return 0;
}

static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void
set_log_handler (void)
{
  ntfs_log_set_handler (log_to_debug);
}

void
ow_ntfs_quiet_logging (void)
{
  pthread_once (&log_once, set_log_handler);
}
