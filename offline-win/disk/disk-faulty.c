/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fault injection: a wrapper disk that stops accepting writes after N
 * writes, as if the power had been cut, and (optionally) fails reads of
 * chosen byte ranges with EIO, as a flaky device or network does.  Reads
 * outside the chosen ranges keep working so that the state left behind
 * can be inspected through the same object. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- reordering cache: a cut keeps a random subset of unflushed writes ----
 *
 * A disk cache may reach the media in any order between two flushes.  This
 * wrapper holds every write since the last flush in memory (reads see
 * them, as they would through the cache); a flush writes them all, in
 * order, to the inner disk.  When write number MAX_WRITES + 1 arrives the
 * power is cut: each held write reaches the inner disk or not, decided by
 * a PRNG seeded with SEED (so a run is reproducible), and from then on
 * every write and flush fails while reads see the inner disk.  One write
 * call is the unit: a single write is never torn (as in the in-order
 * model above). */

struct held_write {
  uint64_t off;
  size_t len;
  uint8_t *data;
};

struct reorder {
  struct ow_disk *inner;
  uint64_t max_writes, done, rng;
  struct held_write *v;
  size_t n, cap;
  bool cut;
};

/* splitmix64: small, good enough, and the same on every platform. */
static uint64_t
reorder_rand (struct reorder *r)
{
  uint64_t z = (r->rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static void
reorder_drop_held (struct reorder *r)
{
  for (size_t i = 0; i < r->n; i++)
    free (r->v[i].data);
  r->n = 0;
}

static int
reorder_pread (void *h, void *buf, size_t count, uint64_t off)
{
  struct reorder *r = h;

  if (ow_disk_pread (r->inner, buf, count, off) == -1)
    return -1;
  /* The cache's content, oldest first so that the newest write wins. */
  for (size_t i = 0; i < r->n; i++) {
    const struct held_write *w = &r->v[i];
    uint64_t lo = w->off > off ? w->off : off;
    uint64_t hi = w->off + w->len < off + count ? w->off + w->len : off + count;
    if (lo < hi)
      memcpy ((uint8_t *) buf + (lo - off), w->data + (lo - w->off), hi - lo);
  }
  return 0;
}

static int
reorder_power_cut (struct reorder *r)
{
  int ret = 0;

  r->cut = true;
  for (size_t i = 0; i < r->n && ret == 0; i++)
    if (reorder_rand (r) & 1)
      ret = ow_disk_pwrite (r->inner, r->v[i].data, r->v[i].len, r->v[i].off);
  reorder_drop_held (r);
  if (ret == 0)
    ret = ow_disk_flush (r->inner);
  return ret;
}

static int
reorder_pwrite (void *h, const void *buf, size_t count, uint64_t off)
{
  struct reorder *r = h;
  struct held_write *w;

  if (!r->cut && r->done >= r->max_writes && reorder_power_cut (r) == -1)
    return -1;
  if (r->cut)
    return ow_err (EIO, "simulated power cut after %" PRIu64 " writes (unflushed "
                   "writes kept at random)", r->max_writes);
  if (r->n == r->cap) {
    size_t cap = r->cap ? 2 * r->cap : 64;
    struct held_write *v = realloc (r->v, cap * sizeof *v);
    if (v == NULL)
      return ow_err (ENOMEM, "out of memory");
    r->v = v;
    r->cap = cap;
  }
  w = &r->v[r->n];
  w->data = malloc (count);
  if (w->data == NULL)
    return ow_err (ENOMEM, "out of memory");
  memcpy (w->data, buf, count);
  w->off = off;
  w->len = count;
  r->n++;
  r->done++;
  return 0;
}

static int
reorder_flush (void *h)
{
  struct reorder *r = h;
  int ret = 0;

  if (r->cut)
    return ow_err (EIO, "simulated power cut: flush refused");
  for (size_t i = 0; i < r->n && ret == 0; i++)
    ret = ow_disk_pwrite (r->inner, r->v[i].data, r->v[i].len, r->v[i].off);
  reorder_drop_held (r);
  return ret == 0 ? ow_disk_flush (r->inner) : -1;
}

static int
reorder_close (void *h)
{
  struct reorder *r = h;
  int ret;

  /* ow_disk_close flushed first; what is still held never reached the
   * media. */
  reorder_drop_held (r);
  free (r->v);
  ret = ow_disk_close (r->inner);
  free (r);
  return ret;
}

static const struct ow_disk_ops reorder_ops = {
  .name = "faulty-reorder", .pread = reorder_pread, .pwrite = reorder_pwrite,
  .flush = reorder_flush, .close = reorder_close,
};

struct ow_disk *
ow_disk_open_faulty_reorder (struct ow_disk *inner, uint64_t max_writes, uint64_t seed)
{
  struct reorder *r = calloc (1, sizeof *r);

  if (r == NULL) {
    ow_disk_close (inner);
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  r->inner = inner;
  r->max_writes = max_writes;
  r->rng = seed;
  return ow_disk_new (&reorder_ops, r, inner->spec, inner->size,
                      inner->sector_size, inner->readonly);
}

/* ---- one failed write: the NTH write fails, every other succeeds ----
 * A transient error (a flaky network disk): whoever swallows it goes on
 * writing as if the change had been made. */

struct once {
  struct ow_disk *inner;
  uint64_t nth, seen;
};

static int
once_pread (void *h, void *buf, size_t count, uint64_t off)
{
  struct once *o = h;
  return ow_disk_pread (o->inner, buf, count, off);
}

static int
once_pwrite (void *h, const void *buf, size_t count, uint64_t off)
{
  struct once *o = h;

  if (++o->seen == o->nth)
    return ow_err (EIO, "simulated failure of write %" PRIu64 " (one write only)", o->nth);
  return ow_disk_pwrite (o->inner, buf, count, off);
}

static int
once_flush (void *h)
{
  struct once *o = h;
  return ow_disk_flush (o->inner);
}

static int
once_close (void *h)
{
  struct once *o = h;
  int r = ow_disk_close (o->inner);
  free (o);
  return r;
}

static const struct ow_disk_ops once_ops = {
  .name = "faulty-once", .pread = once_pread, .pwrite = once_pwrite,
  .flush = once_flush, .close = once_close,
};

struct ow_disk *
ow_disk_open_faulty_once (struct ow_disk *inner, uint64_t nth)
{
  struct once *o = calloc (1, sizeof *o);

  if (o == NULL) {
    ow_disk_close (inner);
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  o->inner = inner;
  o->nth = nth;
  return ow_disk_new (&once_ops, o, inner->spec, inner->size,
                      inner->sector_size, inner->readonly);
}
