/* SPDX-License-Identifier: GPL-3.0-or-later */
/* VHD (Virtual Hard Disk Image Format Specification, Microsoft, 2006).
 *
 * Fixed: the disk's bytes, zero padding up to a whole MiB (Azure accepts
 * only VHDs whose virtual size is a whole number of MiB), then the 512-byte
 * footer.  Dynamic: footer copy, dynamic header, block allocation table,
 * 2 MiB blocks each preceded by its sector bitmap, footer.  All fields are
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
  uint64_t next;                 /* dynamic: where the next block goes */
  uint8_t *block;                /* dynamic: a padded last block */
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
    free (v->block);
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

/* Every block the map has anything to copy in: those the writer may fill. */
static uint64_t
dyn_blocks_to_copy (const struct exp_ctx *x, uint32_t nblocks)
{
  uint64_t n = 0;

  for (uint64_t b = 0; b < nblocks; b++) {
    uint64_t off = b * VHD_BLOCK;
    if (off < x->disk_size
        && exp_map_any_used (x->map, off, x->disk_size - off < VHD_BLOCK
                             ? x->disk_size - off : VHD_BLOCK))
      n++;
  }
  return n;
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
  *bytes = VHD_BAT_OFFSET + bat_bytes (nblocks)
           + dyn_blocks_to_copy (x, nblocks) * (VHD_BITMAP + VHD_BLOCK) + VHD_FOOTER;
  return 0;
}

static int
dyn_begin (struct exp_ctx *x)
{
  struct vhd *v;

  x->virtual_size = dyn_virtual_size (x->disk_size);
  if (vhd_check (x) == -1 || vhd_new (x, false) == -1)
    return -1;
  v = x->w;
  v->nblocks = (uint32_t) ((x->virtual_size + VHD_BLOCK - 1) / VHD_BLOCK);
  v->bat = malloc ((size_t) v->nblocks * sizeof *v->bat + 1);
  v->block = malloc (VHD_BITMAP + VHD_BLOCK);
  if (v->bat == NULL || v->block == NULL)
    return ow_err (ENOMEM, "out of memory");
  for (uint32_t i = 0; i < v->nblocks; i++)
    v->bat[i] = UINT32_MAX;
  v->next = VHD_BAT_OFFSET + bat_bytes (v->nblocks);
  return 0;
}

static int
dyn_write (struct exp_ctx *x, uint64_t off, const uint8_t *buf, size_t len)
{
  struct vhd *v = x->w;

  if (buf == NULL)
    return 0;
  for (size_t i = 0; i < len; i += VHD_BLOCK) {
    size_t n = len - i < VHD_BLOCK ? len - i : VHD_BLOCK;
    uint64_t b = (off + i) / VHD_BLOCK;

    if (exp_is_zero (buf + i, n))
      continue;
    if (b >= v->nblocks || v->next / 512 > UINT32_MAX)
      return ow_err (EFBIG, "export: VHD block %" PRIu64 " out of range", b);
    /* Every sector of a written block is present: bitmap all ones. */
    memset (v->block, 0xff, VHD_BITMAP);
    if (n == VHD_BLOCK) {
      if (exp_out_pwrite (&x->out, v->block, VHD_BITMAP, v->next) == -1
          || exp_out_pwrite (&x->out, buf + i, n, v->next + VHD_BITMAP) == -1)
        return -1;
    }
    else {
      memcpy (v->block + VHD_BITMAP, buf + i, n);
      memset (v->block + VHD_BITMAP + n, 0, VHD_BLOCK - n);
      if (exp_out_pwrite (&x->out, v->block, VHD_BITMAP + VHD_BLOCK, v->next) == -1)
        return -1;
    }
    v->bat[b] = (uint32_t) (v->next / 512);
    v->next += VHD_BITMAP + VHD_BLOCK;
  }
  return 0;
}

static int
dyn_end (struct exp_ctx *x)
{
  struct vhd *v = x->w;
  uint8_t hdr[VHD_DYN_HEADER];
  uint64_t nbat = bat_bytes (v->nblocks);
  uint8_t *bat = calloc (1, nbat);
  int ret = -1;

  if (bat == NULL)
    return ow_err (ENOMEM, "out of memory");
  memset (bat, 0xff, nbat);
  for (uint32_t i = 0; i < v->nblocks; i++)
    be32 (bat + 4 * (size_t) i, v->bat[i]);
  memset (hdr, 0, sizeof hdr);
  memcpy (hdr, "cxsparse", 8);
  be64 (hdr + 8, UINT64_MAX);
  be64 (hdr + 16, VHD_BAT_OFFSET);
  be32 (hdr + 24, 0x00010000);
  be32 (hdr + 28, v->nblocks);
  be32 (hdr + 32, VHD_BLOCK);
  be32 (hdr + 36, ones_complement_sum (hdr, sizeof hdr));
  if (exp_out_pwrite (&x->out, v->footer, VHD_FOOTER, v->next) == -1
      || exp_out_pwrite (&x->out, bat, nbat, VHD_BAT_OFFSET) == -1
      || exp_out_pwrite (&x->out, hdr, sizeof hdr, VHD_FOOTER) == -1
      || exp_out_pwrite (&x->out, v->footer, VHD_FOOTER, 0) == -1)
    goto out;
  x->file_size = v->next + VHD_FOOTER;
  ret = 0;
 out:
  free (bat);
  return ret;
}

const struct exp_writer exp_writer_vhd_dynamic = {
  .name = "vhd-dynamic", .begin = dyn_begin, .write = dyn_write, .end = dyn_end,
  .free = vhd_free, .estimate = dyn_estimate,
};
