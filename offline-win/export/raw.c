/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sparse raw images: the file is sized to the disk first, then only the
 * non-zero EXP_HOLE_UNIT pieces are written, so zeros stay holes. */
#include "export/export.h"

int
exp_write_sparse (struct exp_out *o, uint64_t foff, const uint8_t *buf, size_t len)
{
  size_t i = 0;

  while (i < len) {
    size_t n = len - i < EXP_HOLE_UNIT ? len - i : EXP_HOLE_UNIT, start;

    if (exp_is_zero (buf + i, n)) {
      i += n;
      continue;
    }
    start = i;
    while (i < len) {
      n = len - i < EXP_HOLE_UNIT ? len - i : EXP_HOLE_UNIT;
      if (exp_is_zero (buf + i, n))
        break;
      i += n;
    }
    if (exp_out_pwrite (o, buf + start, i - start, foff + start) == -1)
      return -1;
  }
  return 0;
}

uint64_t
exp_sparse_bytes (const struct exp_ctx *x)
{
  uint64_t n = exp_map_used_units (x->map, EXP_HOLE_UNIT);
  uint64_t max = (x->disk_size + EXP_HOLE_UNIT - 1) / EXP_HOLE_UNIT;

  return (n < max ? n : max) * EXP_HOLE_UNIT;
}

static int
raw_estimate (const struct exp_ctx *x, uint64_t *bytes)
{
  *bytes = exp_sparse_bytes (x);
  return 0;
}

static int
raw_begin (struct exp_ctx *x)
{
  x->virtual_size = x->disk_size;
  x->digest_streamed = x->digest != NULL;
  return exp_out_truncate (&x->out, x->disk_size);
}

static int
raw_write (struct exp_ctx *x, uint64_t off, const uint8_t *buf, size_t len)
{
  if (buf == NULL)
    return x->digest ? exp_digest_zeros (x->digest, len) : 0;
  if (exp_write_sparse (&x->out, off, buf, len) == -1)
    return -1;
  return x->digest ? exp_digest_feed (x->digest, buf, len) : 0;
}

static int
raw_end (struct exp_ctx *x)
{
  x->file_size = x->disk_size;
  return 0;
}

static void
raw_free (struct exp_ctx *x)
{
  (void) x;
}

const struct exp_writer exp_writer_raw = {
  .name = "raw", .begin = raw_begin, .write = raw_write, .end = raw_end, .free = raw_free,
  .estimate = raw_estimate,
};
