/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fault injection: a wrapper disk that stops accepting writes after N
 * writes, as if the power had been cut.  Reads keep working so that the
 * state left behind can be inspected through the same object. */
#include <inttypes.h>
#include <stdlib.h>

#include "internal.h"

struct faulty {
  struct ow_disk *inner;
  uint64_t max_writes;
  uint64_t done;
};

static int
faulty_pread (void *h, void *buf, size_t count, uint64_t off)
{
  struct faulty *f = h;
  return ow_disk_pread (f->inner, buf, count, off);
}

static int
faulty_pwrite (void *h, const void *buf, size_t count, uint64_t off)
{
  struct faulty *f = h;

  if (f->done >= f->max_writes)
    return ow_err (EIO, "simulated power cut after %" PRIu64 " writes",
                   f->max_writes);
  f->done++;
  return ow_disk_pwrite (f->inner, buf, count, off);
}

static int
faulty_flush (void *h)
{
  struct faulty *f = h;

  if (f->done >= f->max_writes)
    return ow_err (EIO, "simulated power cut: flush refused");
  return ow_disk_flush (f->inner);
}

static int
faulty_close (void *h)
{
  struct faulty *f = h;
  int r = ow_disk_close (f->inner);
  free (f);
  return r;
}

static const struct ow_disk_ops faulty_ops = {
  .name = "faulty", .pread = faulty_pread, .pwrite = faulty_pwrite,
  .flush = faulty_flush, .close = faulty_close,
};

struct ow_disk *
ow_disk_open_faulty (struct ow_disk *inner, uint64_t max_writes)
{
  struct faulty *f = calloc (1, sizeof *f);

  if (f == NULL) {
    ow_disk_close (inner);
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  f->inner = inner;
  f->max_writes = max_writes;
  return ow_disk_new (&faulty_ops, f, inner->spec, inner->size,
                      inner->sector_size, inner->readonly);
}
