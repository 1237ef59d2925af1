/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Disk backend for image files and block devices. */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

struct file_h {
  int fd;
  bool blockdev;
};

static int
file_pread (void *h, void *buf, size_t count, uint64_t off)
{
  struct file_h *f = h;
  uint8_t *p = buf;

  while (count > 0) {
    ssize_t r = pread (f->fd, p, count, (off_t) off);
    if (r == -1) {
      if (errno == EINTR)
        continue;
      return ow_err (errno, "pread: %m");
    }
    if (r == 0)
      return ow_err (EIO, "pread: unexpected end of file");
    p += r;
    count -= (size_t) r;
    off += (uint64_t) r;
  }
  return 0;
}

static int
file_pwrite (void *h, const void *buf, size_t count, uint64_t off)
{
  struct file_h *f = h;
  const uint8_t *p = buf;

  while (count > 0) {
    ssize_t r = pwrite (f->fd, p, count, (off_t) off);
    if (r == -1) {
      if (errno == EINTR)
        continue;
      return ow_err (errno, "pwrite: %m");
    }
    p += r;
    count -= (size_t) r;
    off += (uint64_t) r;
  }
  return 0;
}

static int
file_flush (void *h)
{
  struct file_h *f = h;

  if (fdatasync (f->fd) == -1)
    return ow_err (errno, "fdatasync: %m");
  return 0;
}

static int
file_close (void *h)
{
  struct file_h *f = h;
  int r = 0;

  if (close (f->fd) == -1)
    r = ow_err (errno, "close: %m");
  free (f);
  return r;
}

static const struct ow_disk_ops file_ops = {
  .name = "file", .pread = file_pread, .pwrite = file_pwrite,
  .flush = file_flush, .close = file_close,
};

struct ow_disk *
ow_disk_open_file (const char *path, unsigned flags)
{
  bool ro = flags & OW_DISK_RDONLY;
  int fd = open (path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);

  if (fd == -1) {
    ow_err (errno, "%s: cannot open%s: %m", path, ro ? "" : " for writing");
    return NULL;
  }
  return ow_disk_open_fd (fd, path, flags);
}

struct ow_disk *
ow_disk_open_fd (int fd, const char *name, unsigned flags)
{
  bool ro = flags & OW_DISK_RDONLY;
  const char *path = name;
  struct file_h *f = NULL;
  struct stat st;
  uint64_t size;
  unsigned sector = 512;

  if (fstat (fd, &st) == -1) {
    ow_err (errno, "%s: stat: %m", path);
    goto fail;
  }
  if (S_ISBLK (st.st_mode)) {
    int ssz = 0;
    if (ioctl (fd, BLKGETSIZE64, &size) == -1) {
      ow_err (errno, "%s: BLKGETSIZE64: %m", path);
      goto fail;
    }
    if (ioctl (fd, BLKSSZGET, &ssz) == 0 && (ssz == 512 || ssz == 4096))
      sector = (unsigned) ssz;
  }
  else if (S_ISREG (st.st_mode))
    size = (uint64_t) st.st_size;
  else {
    ow_err (EINVAL, "%s: not an image file or block device", path);
    goto fail;
  }
  f = malloc (sizeof *f);
  if (f == NULL) {
    ow_err (ENOMEM, "out of memory");
    goto fail;
  }
  f->fd = fd;
  f->blockdev = S_ISBLK (st.st_mode);
  ow_debug ("%s: %s, %" PRIu64 " bytes, sector %u", path,
            f->blockdev ? "block device" : "file", size, sector);
  return ow_disk_new (&file_ops, f, path, size, sector, ro);

 fail:
  close (fd);
  return NULL;
}
