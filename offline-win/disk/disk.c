/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The disk interface: dispatch to a backend, bounds checks, statistics. */
#include <inttypes.h>
#include <stdlib.h>

#include "internal.h"

struct ow_disk *
ow_disk_new (const struct ow_disk_ops *ops, void *h, const char *spec,
             uint64_t size, unsigned sector_size, bool readonly)
{
  struct ow_disk *d = calloc (1, sizeof *d);

  if (d == NULL || (d->spec = strdup (spec)) == NULL) {
    free (d);
    ops->close (h);
    ow_err (ENOMEM, "%s: out of memory", spec);
    return NULL;
  }
  d->ops = ops;
  d->h = h;
  d->size = size;
  d->sector_size = sector_size;
  d->readonly = readonly;
  return d;
}

struct ow_disk *
ow_disk_open (const char *spec, unsigned flags)
{
  if (spec == NULL || *spec == '\0') {
    ow_err_invalid ("no disk given");
    return NULL;
  }
  if (strncmp (spec, "nbd:", 4) == 0 || strncmp (spec, "nbd+", 4) == 0 ||
      strncmp (spec, "nbds:", 5) == 0 || strncmp (spec, "nbds+", 5) == 0)
    return ow_disk_open_nbd (spec, flags);
  return ow_disk_open_file (spec, flags);
}

static int
check_range (struct ow_disk *d, const char *op, size_t count, uint64_t off)
{
  if (off > d->size || count > d->size - off)
    return ow_err (EIO, "%s: %s of %zu bytes at offset %" PRIu64
                   " is beyond the end of the disk (%" PRIu64 " bytes)",
                   d->spec, op, count, off, d->size);
  return 0;
}

int
ow_disk_pread (struct ow_disk *d, void *buf, size_t count, uint64_t off)
{
  if (check_range (d, "read", count, off) == -1)
    return -1;
  if (count == 0)
    return 0;
  if (d->ops->pread (d->h, buf, count, off) == -1) {
    ow_err_context ("%s: read %zu bytes at %" PRIu64, d->spec, count, off);
    return -1;
  }
  d->stats.reads++;
  d->stats.bytes_read += count;
  return 0;
}

int
ow_disk_pwrite (struct ow_disk *d, const void *buf, size_t count, uint64_t off)
{
  if (d->readonly)
    return ow_err (EROFS, "%s: disk is open read-only", d->spec);
  if (check_range (d, "write", count, off) == -1)
    return -1;
  if (count == 0)
    return 0;
  if (d->ops->pwrite (d->h, buf, count, off) == -1) {
    d->write_failed = true;
    ow_err_context ("%s: write %zu bytes at %" PRIu64, d->spec, count, off);
    return -1;
  }
  d->stats.writes++;
  d->stats.bytes_written += count;
  return 0;
}

int
ow_disk_flush (struct ow_disk *d)
{
  if (d->readonly)
    return 0;
  /* libntfs-3g ignores some write errors (an index block written back when
   * its context is released): the flush that follows must not succeed. */
  if (d->write_failed)
    return ow_err (EIO, "%s: an earlier write failed: the content of the disk is "
                   "uncertain", d->spec);
  if (d->ops->flush == NULL)
    return 0;
  if (d->ops->flush (d->h) == -1) {
    ow_err_context ("%s: flush", d->spec);
    return -1;
  }
  return 0;
}

int
ow_disk_close (struct ow_disk *d)
{
  int r = 0;

  if (d == NULL)
    return 0;
  if (ow_disk_flush (d) == -1)
    r = -1;
  if (d->ops->close (d->h) == -1)
    r = -1;
  free (d->spec);
  free (d);
  return r;
}

uint64_t ow_disk_size (const struct ow_disk *d) { return d->size; }
unsigned ow_disk_sector_size (const struct ow_disk *d) { return d->sector_size; }
bool ow_disk_readonly (const struct ow_disk *d) { return d->readonly; }
const char *ow_disk_spec (const struct ow_disk *d) { return d->spec; }

void
ow_disk_get_stats (const struct ow_disk *d, struct ow_disk_stats *st)
{
  *st = d->stats;
}
