/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Disk backend over a caller-owned memory buffer, for tests and fuzzing. */
#include <stdlib.h>

#include "internal.h"

static int
mem_pread (void *h, void *buf, size_t count, uint64_t off)
{
  memcpy (buf, (uint8_t *) h + off, count);
  return 0;
}

static int
mem_pwrite (void *h, const void *buf, size_t count, uint64_t off)
{
  memcpy ((uint8_t *) h + off, buf, count);
  return 0;
}

static int
mem_close (void *h)
{
  (void) h;
  return 0;
}

static const struct ow_disk_ops memory_ops = {
  .name = "memory", .pread = mem_pread, .pwrite = mem_pwrite,
  .flush = NULL, .close = mem_close,
};

struct ow_disk *
ow_disk_open_memory (void *buf, uint64_t size, unsigned sector_size,
                     unsigned flags)
{
  if (sector_size != 512 && sector_size != 4096) {
    ow_err_invalid ("memory disk: sector size %u is not 512 or 4096", sector_size);
    return NULL;
  }
  return ow_disk_new (&memory_ops, buf, "memory", size, sector_size,
                      flags & OW_DISK_RDONLY);
}
