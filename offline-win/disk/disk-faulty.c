/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fault injection: a wrapper disk that stops accepting writes after N
 * writes, as if the power had been cut, and (optionally) fails reads of
 * chosen byte ranges with EIO, as a flaky device or network does.  Reads
 * outside the chosen ranges keep working so that the state left behind
 * can be inspected through the same object. */
#include <inttypes.h>
#include <stdlib.h>

#include "internal.h"

/* Most read-fault ranges one disk takes (tests choose a handful). */
#define MAX_READ_FAULTS 64

struct read_fault {
  uint64_t off, len;
  bool spent;           /* OW_FAULT_ONCE: already failed once */
};

struct faulty {
  struct ow_disk *inner;
  uint64_t max_writes;
  uint64_t done;
  /* Read faults (ow_disk_faulty_fail_reads). */
  struct read_fault rf[MAX_READ_FAULTS];
  size_t nrf;
  unsigned rf_flags;
  uint64_t rf_state;    /* xorshift64 state, from the seed */
  unsigned rf_percent;  /* chance that a read of a range fails */
  uint64_t reads_failed;
};

/* xorshift64: reproducible from the seed, good enough to pick faults. */
static uint64_t
next_random (struct faulty *f)
{
  uint64_t x = f->rf_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  f->rf_state = x;
  return x;
}

/* Should a read of [OFF, OFF+COUNT) fail? */
static bool
read_fails (struct faulty *f, size_t count, uint64_t off)
{
  if ((f->rf_flags & OW_FAULT_AFTER_WRITE) && f->done == 0)
    return false;
  for (size_t i = 0; i < f->nrf; i++) {
    struct read_fault *r = &f->rf[i];
    if (r->spent || off >= r->off + r->len || off + count <= r->off)
      continue;
    if (next_random (f) % 100 >= f->rf_percent)
      continue;
    if (f->rf_flags & OW_FAULT_ONCE)
      r->spent = true;
    return true;
  }
  return false;
}

static int
faulty_pread (void *h, void *buf, size_t count, uint64_t off)
{
  struct faulty *f = h;

  if (f->nrf > 0 && read_fails (f, count, off)) {
    f->reads_failed++;
    return ow_err (EIO, "simulated read error at byte %" PRIu64, off);
  }
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
  f->rf_percent = 100;
  f->rf_state = 1;
  return ow_disk_new (&faulty_ops, f, inner->spec, inner->size,
                      inner->sector_size, inner->readonly);
}

/* ---- read faults ---- */

static struct faulty *
faulty_of (struct ow_disk *disk)
{
  return disk != NULL && disk->ops == &faulty_ops ? disk->h : NULL;
}

int
ow_disk_faulty_fail_reads (struct ow_disk *disk, uint64_t off, uint64_t len)
{
  struct faulty *f = faulty_of (disk);

  if (f == NULL)
    return ow_err_invalid ("%s: not a disk made by ow_disk_open_faulty",
                           disk ? ow_disk_spec (disk) : "(null)");
  if (len == 0 || off > UINT64_MAX - len)
    return ow_err_invalid ("read fault: bad range at byte %" PRIu64, off);
  if (f->nrf == MAX_READ_FAULTS)
    return ow_err (ENOSPC, "read fault: at most %d ranges", MAX_READ_FAULTS);
  f->rf[f->nrf].off = off;
  f->rf[f->nrf].len = len;
  f->rf[f->nrf].spent = false;
  f->nrf++;
  return 0;
}

int
ow_disk_faulty_read_mode (struct ow_disk *disk, unsigned flags, uint64_t seed,
                          unsigned percent)
{
  struct faulty *f = faulty_of (disk);

  if (f == NULL)
    return ow_err_invalid ("not a disk made by ow_disk_open_faulty");
  if (percent == 0 || percent > 100)
    return ow_err_invalid ("read fault: chance %u%% is not in 1..100", percent);
  f->rf_flags = flags;
  f->rf_percent = percent;
  /* xorshift needs a non-zero state; mix the seed so that 0, 1, 2... differ. */
  f->rf_state = (seed ^ 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull;
  if (f->rf_state == 0)
    f->rf_state = 1;
  return 0;
}

uint64_t
ow_disk_faulty_reads_failed (struct ow_disk *disk)
{
  struct faulty *f = faulty_of (disk);
  return f ? f->reads_failed : 0;
}
