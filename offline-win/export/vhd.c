/* SPDX-License-Identifier: GPL-3.0-or-later */
/* VHD (Virtual Hard Disk Image Format Specification, Microsoft, 2006).
 *
 * Fixed: the disk's bytes, zero padding up to a whole MiB (Azure accepts
 * only VHDs whose virtual size is a whole number of MiB), then the 512-byte
 * footer.  Dynamic: footer copy, dynamic header, block allocation table,
 * 2 MiB blocks each preceded by its sector bitmap, footer; the blocks are
 * planned from the source map first (as for VHDX), so both are written
 * and hashed in file order.  All fields are
 * big-endian.  The creator application is "win " (Hyper-V): readers take
 * the size of such images from the footer's current size, not from the CHS
 * geometry, which cannot express most sizes exactly. */
#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

#include "export/export.h"

#define VHD_FOOTER        512u
#define VHD_DYN_HEADER    1024u
#define VHD_BLOCK         (2u * 1024 * 1024)
#define VHD_BITMAP        512u     /* 4096 sectors / 8, one sector */
#define VHD_BAT_OFFSET    (VHD_FOOTER + VHD_DYN_HEADER)
#define VHD_TYPE_FIXED    2u
#define VHD_TYPE_DYNAMIC  3u
/* The specification's limit (the CHS and BAT fields stop near 2 TiB). */
#define VHD_MAX_SIZE      (2040ull * 1024 * 1024 * 1024)
/* Seconds from 1970-01-01 to 2000-01-01, the VHD epoch. */
#define VHD_EPOCH         946684800u

static void be16 (uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static void be32 (uint8_t *p, uint32_t v) { be16 (p, v >> 16); be16 (p + 2, v & 0xffff); }
static void be64 (uint8_t *p, uint64_t v) { be32 (p, v >> 32); be32 (p + 4, (uint32_t) v); }

static uint32_t
ones_complement_sum (const uint8_t *p, size_t n)
{
  uint32_t s = 0;
  for (size_t i = 0; i < n; i++)
    s += p[i];
  return ~s;
}

/* CHS per the specification's appendix (cylinders, heads, sectors/track). */
static void
vhd_geometry (uint64_t size, uint16_t *cyl, uint8_t *heads, uint8_t *spt)
{
  uint64_t total = size / 512, cth;
  uint32_t h, s;

  if (total > 65535ull * 16 * 255)
    total = 65535ull * 16 * 255;
  if (total >= 65535ull * 16 * 63) {
    s = 255;
    h = 16;
    cth = total / s;
  }
  else {
    s = 17;
    cth = total / s;
    h = (uint32_t) ((cth + 1023) / 1024);
    if (h < 4)
      h = 4;
    if (cth >= h * 1024ull || h > 16) {
      s = 31;
      h = 16;
      cth = total / s;
    }
    if (cth >= h * 1024ull) {
      s = 63;
      h = 16;
      cth = total / s;
    }
  }
  *cyl = (uint16_t) (cth / h);
  *heads = (uint8_t) h;
  *spt = (uint8_t) s;
}

struct vhd {
  uint8_t footer[VHD_FOOTER];
  uint8_t uuid[16];
  uint32_t *bat;                 /* dynamic: sector of each block, ~0 none */
  uint32_t nblocks;
  uint64_t next;                 /* dynamic: where the footer goes */
  uint8_t *front;                /* dynamic: footer copy, header, BAT */
  uint8_t *bitmap;               /* dynamic: a sector bitmap, all ones */
};

static int
make_footer (struct exp_ctx *x, struct vhd *v, bool fixed)
{
  uint8_t *f = v->footer;
  uint16_t c;
  uint8_t h, s;
  time_t now = time (NULL);

  memset (f, 0, VHD_FOOTER);
  memcpy (f, "conectix", 8);
  be32 (f + 8, 2);                                   /* features: reserved bit */
  be32 (f + 12, 0x00010000);
  be64 (f + 16, fixed ? UINT64_MAX : VHD_FOOTER);    /* data offset */
  be32 (f + 24, now > VHD_EPOCH ? (uint32_t) (now - VHD_EPOCH) : 0);
  memcpy (f + 28, "win ", 4);
  be32 (f + 32, 0x000a0000);
  memcpy (f + 36, "Wi2k", 4);
  be64 (f + 40, x->virtual_size);                    /* original size */
  be64 (f + 48, x->virtual_size);                    /* current size */
  vhd_geometry (x->virtual_size, &c, &h, &s);
  be16 (f + 56, c);
  f[58] = h;
  f[59] = s;
  be32 (f + 60, fixed ? VHD_TYPE_FIXED : VHD_TYPE_DYNAMIC);
  memcpy (f + 68, v->uuid, 16);
  be32 (f + 64, ones_complement_sum (f, VHD_FOOTER));
  return 0;
}

static int
vhd_check (struct exp_ctx *x)
{
  if (x->sector_size != 512)
    return ow_err_invalid ("export: VHD has 512-byte sectors only; this disk has %u-byte "
                           "sectors (use vhdx)", x->sector_size);
  if (x->virtual_size > VHD_MAX_SIZE)
    return ow_err_invalid ("export: %" PRIu64 " bytes is over the VHD limit of %llu "
                           "(use vhdx)", x->virtual_size, VHD_MAX_SIZE);
  return 0;
}

static int
vhd_new (struct exp_ctx *x, bool fixed)
{
  struct vhd *v = calloc (1, sizeof *v);

  if (v == NULL)
    return ow_err (ENOMEM, "out of memory");
  x->w = v;
  if (exp_random (v->uuid, sizeof v->uuid) == -1)
    return -1;
  v->uuid[6] = (v->uuid[6] & 0x0f) | 0x40;
  v->uuid[8] = (v->uuid[8] & 0x3f) | 0x80;
  return make_footer (x, v, fixed);
}

/* ---- fixed ---- */

static uint64_t
fixed_virtual_size (uint64_t disk_size)
{
  return (disk_size + EXP_MiB - 1) / EXP_MiB * EXP_MiB;
}

static int
fixed_begin (struct exp_ctx *x)
{
  /* Rounded up to a whole MiB; the padding reads as zeros. */
  x->virtual_size = fixed_virtual_size (x->disk_size);
  if (vhd_check (x) == -1 || vhd_new (x, true) == -1)
    return -1;
  x->digest_streamed = x->digest != NULL;
  return exp_out_truncate (&x->out, x->virtual_size + VHD_FOOTER);
}

static int
fixed_estimate (const struct exp_ctx *x, uint64_t *bytes)
{
  struct exp_ctx y = *x;

  y.virtual_size = fixed_virtual_size (x->disk_size);
  if (vhd_check (&y) == -1)
    return -1;
  *bytes = y.virtual_size + VHD_FOOTER;
  return 0;
}

static int
fixed_end (struct exp_ctx *x)
{
  struct vhd *v = x->w;

  if (exp_out_pwrite (&x->out, v->footer, VHD_FOOTER, x->virtual_size) == -1)
    return -1;
  if (x->digest && (exp_digest_zeros (x->digest, x->virtual_size - x->disk_size) == -1
                    || exp_digest_feed (x->digest, v->footer, VHD_FOOTER) == -1
                    || exp_digest_wait (x->digest) == -1))
    return -1;
  x->file_size = x->virtual_size + VHD_FOOTER;
  return 0;
}

static void
vhd_free (struct exp_ctx *x)
{
  struct vhd *v = x->w;

  if (v) {
    free (v->bat);
    free (v->front);
    free (v->bitmap);
    free (v);
  }
  x->w = NULL;
}


static int
fixed_write (struct exp_ctx *x, uint64_t off, const uint8_t *buf, size_t len)
{
  if (buf == NULL)
    return x->digest ? exp_digest_zeros (x->digest, len) : 0;
  if (exp_write_sparse (&x->out, off, buf, len) == -1)
    return -1;
  return x->digest ? exp_digest_feed (x->digest, buf, len) : 0;
}

const struct exp_writer exp_writer_vhd_fixed = {
  .name = "vhd", .begin = fixed_begin, .write = fixed_write, .end = fixed_end,
  .free = vhd_free, .estimate = fixed_estimate,
};

/* ---- dynamic ---- */

static uint64_t
bat_bytes (uint32_t nblocks)
{
  return ((uint64_t) nblocks * 4 + 511) / 512 * 512;
}

static uint64_t
dyn_virtual_size (uint64_t disk_size)
{
  return (disk_size + 511) / 512 * 512;
}

/* Give every block the map has anything to copy in a place in the file, in
 * block order after the BAT (into BAT[] when not NULL; UINT32_MAX: none).
 * Returns where the footer goes. */
static uint64_t
dyn_plan (const struct exp_ctx *x, uint32_t nblocks, uint32_t *bat)
{
  uint64_t next = VHD_BAT_OFFSET + bat_bytes (nblocks);

  for (uint64_t b = 0; b < nblocks; b++) {
    uint64_t off = b * VHD_BLOCK;
    bool copy = off < x->disk_size
                && exp_map_any_used (x->map, off, x->disk_size - off < VHD_BLOCK
                                     ? x->disk_size - off : VHD_BLOCK);
    if (bat)
      bat[b] = copy ? (uint32_t) (next / 512) : UINT32_MAX;
    if (copy)
      next += VHD_BITMAP + VHD_BLOCK;
  }
  return next;
}

static int
dyn_estimate (const struct exp_ctx *x, uint64_t *bytes)
{
  struct exp_ctx y = *x;
  uint32_t nblocks;

  y.virtual_size = dyn_virtual_size (x->disk_size);
  if (vhd_check (&y) == -1)
    return -1;
  nblocks = (uint32_t) ((y.virtual_size + VHD_BLOCK - 1) / VHD_BLOCK);
  *bytes = dyn_plan (x, nblocks, NULL) + VHD_FOOTER;
  return 0;
}

/* As for VHDX: the plan fixes the BAT, so footer copy, header and BAT go
 * out (and into the digests) first, then the blocks in order. */
static int
dyn_begin (struct exp_ctx *x)
{
  struct vhd *v;
  uint64_t nbat;
  uint8_t *hdr;

  x->virtual_size = dyn_virtual_size (x->disk_size);
  if (vhd_check (x) == -1 || vhd_new (x, false) == -1)
    return -1;
  v = x->w;
  v->nblocks = (uint32_t) ((x->virtual_size + VHD_BLOCK - 1) / VHD_BLOCK);
  nbat = bat_bytes (v->nblocks);
  v->bat = malloc ((size_t) v->nblocks * sizeof *v->bat + 1);
  v->front = malloc (VHD_BAT_OFFSET + nbat);
  v->bitmap = malloc (VHD_BITMAP);
  if (v->bat == NULL || v->front == NULL || v->bitmap == NULL)
    return ow_err (ENOMEM, "out of memory");
  /* The file ends far below the 2 TiB the 32-bit sector offsets reach. */
  v->next = dyn_plan (x, v->nblocks, v->bat);
  x->file_size = v->next + VHD_FOOTER;
  /* Every sector of a planned block is present: bitmap all ones. */
  memset (v->bitmap, 0xff, VHD_BITMAP);

  memcpy (v->front, v->footer, VHD_FOOTER);
  hdr = v->front + VHD_FOOTER;
  memset (hdr, 0, VHD_DYN_HEADER);
  memcpy (hdr, "cxsparse", 8);
  be64 (hdr + 8, UINT64_MAX);
  be64 (hdr + 16, VHD_BAT_OFFSET);
  be32 (hdr + 24, 0x00010000);
  be32 (hdr + 28, v->nblocks);
  be32 (hdr + 32, VHD_BLOCK);
  be32 (hdr + 36, ones_complement_sum (hdr, VHD_DYN_HEADER));
  memset (v->front + VHD_BAT_OFFSET, 0xff, nbat);
  for (uint32_t i = 0; i < v->nblocks; i++)
    be32 (v->front + VHD_BAT_OFFSET + 4 * (size_t) i, v->bat[i]);

  if (exp_out_truncate (&x->out, x->file_size) == -1
      || exp_out_pwrite (&x->out, v->front, VHD_BAT_OFFSET + nbat, 0) == -1)
    return -1;
  if (x->digest) {
    if (exp_digest_feed (x->digest, v->front, VHD_BAT_OFFSET + nbat) == -1)
      return -1;
    x->digest_streamed = true;
  }
  return 0;
}

static int
dyn_write (struct exp_ctx *x, uint64_t off, const uint8_t *buf, size_t len)
{
  struct vhd *v = x->w;
  bool hashed = false;

  for (size_t i = 0; i < len; i += VHD_BLOCK) {
    size_t n = len - i < VHD_BLOCK ? len - i : VHD_BLOCK;
    uint64_t b = (off + i) / VHD_BLOCK, foff;

    if (b >= v->nblocks)
      return ow_err (EFBIG, "export: VHD block %" PRIu64 " out of range", b);
    if (v->bat[b] == UINT32_MAX) {
      /* The plan and the copy ask the same map: data here is a bug. */
      if (buf && !exp_is_zero (buf + i, n))
        return ow_err (EIO, "export: VHD block %" PRIu64 " has data the plan left out", b);
      continue;
    }
    foff = (uint64_t) v->bat[b] * 512;
    if (exp_out_pwrite (&x->out, v->bitmap, VHD_BITMAP, foff) == -1
        || (buf && exp_write_sparse (&x->out, foff + VHD_BITMAP, buf + i, n) == -1))
      return -1;
    if (x->digest == NULL)
      continue;
    hashed = true;
    if (exp_digest_feed (x->digest, v->bitmap, VHD_BITMAP) == -1
        || (buf ? exp_digest_feed (x->digest, buf + i, n)
                : exp_digest_zeros (x->digest, n)) == -1
        || exp_digest_zeros (x->digest, VHD_BLOCK - n) == -1)
      return -1;
  }
  /* BUF is refilled two chunks from now (see vhdx.c). */
  return x->digest && buf && !hashed ? exp_digest_wait (x->digest) : 0;
}

static int
dyn_end (struct exp_ctx *x)
{
  struct vhd *v = x->w;

  if (exp_out_pwrite (&x->out, v->footer, VHD_FOOTER, v->next) == -1)
    return -1;
  if (x->digest && (exp_digest_feed (x->digest, v->footer, VHD_FOOTER) == -1
                    || exp_digest_wait (x->digest) == -1))
    return -1;
  return 0;
}

const struct exp_writer exp_writer_vhd_dynamic = {
  .name = "vhd-dynamic", .begin = dyn_begin, .write = dyn_write, .end = dyn_end,
  .free = vhd_free, .estimate = dyn_estimate,
};
