/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Dynamic VHDX ([MS-VHDX] v1.0).  File layout:
 *
 *   0        file type identifier "vhdxfile" + creator (64 KiB)
 *   64 KiB   header 1, 128 KiB header 2 (4 KiB each, CRC-32C)
 *   192 KiB  region table 1, 256 KiB region table 2 (64 KiB, CRC-32C)
 *   1 MiB    log (1 MiB; empty: the headers' LogGuid is zero)
 *   2 MiB    metadata region (1 MiB): table, then the five items
 *   3 MiB    BAT, rounded up to a whole MiB
 *   then     payload blocks, 1 MiB aligned, in block order: one for every
 *            block the source map has anything to copy in
 *
 * The blocks are planned from the map before the copy, so the BAT and
 * everything before it are final at the start: the file is written (and
 * hashed) front to back.  A planned block whose data is zero, and every
 * zero 4 KiB piece of one, is a hole. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "export/export.h"

#define VHDX_BLOCK            (2u * 1024 * 1024)   /* payload block size */
#define VHDX_PHYS_SECTOR      4096u
#define VHDX_HEADER1          (64u * 1024)
#define VHDX_HEADER2          (128u * 1024)
#define VHDX_REGION1          (192u * 1024)
#define VHDX_REGION2          (256u * 1024)
#define VHDX_HEADER_SIZE      4096u
#define VHDX_REGION_SIZE      (64u * 1024)
#define VHDX_LOG_OFFSET       (1u * EXP_MiB)
#define VHDX_LOG_LENGTH       (1u * EXP_MiB)
#define VHDX_META_OFFSET      (2u * EXP_MiB)
#define VHDX_META_LENGTH      (1u * EXP_MiB)
#define VHDX_META_ITEMS       (64u * 1024)          /* items after the table */
#define VHDX_BAT_OFFSET       (3u * EXP_MiB)
#define VHDX_FRONT            VHDX_BAT_OFFSET      /* everything before the BAT */
#define VHDX_MAX_SIZE         (64ull * 1024 * 1024 * 1024 * 1024)  /* 64 TiB */
#define PAYLOAD_FULLY_PRESENT 6u
/* Metadata entry flags. */
#define META_IS_VIRTUAL_DISK  2u
#define META_IS_REQUIRED      4u

static const char *const GUID_BAT = "2DC27766-F623-4200-9D64-115E9BFD4A08";
static const char *const GUID_METADATA = "8B7CA206-4790-4B9A-B8FE-575F050F886E";
static const char *const GUID_FILE_PARAMS = "CAA16737-FA36-4D43-B3B6-33F0AA44E76B";
static const char *const GUID_DISK_SIZE = "2FA54224-CD1B-4876-B211-5DBED83BF4B8";
static const char *const GUID_PAGE83 = "BECA12AB-B2E6-4523-93EF-C309E000C746";
static const char *const GUID_LOGICAL = "8141BF1D-A96F-4709-BA47-F233A8FAAB5F";
static const char *const GUID_PHYSICAL = "CDA348C7-445D-4471-9CC9-E9885251C556";

/* Text GUID -> the on-disk form (first three fields little-endian). */
static void
guid_put (uint8_t *out, const char *text)
{
  unsigned v[16];

  sscanf (text, "%2x%2x%2x%2x-%2x%2x-%2x%2x-%2x%2x-%2x%2x%2x%2x%2x%2x",
          &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
          &v[8], &v[9], &v[10], &v[11], &v[12], &v[13], &v[14], &v[15]);
  static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
  for (int i = 0; i < 16; i++)
    out[i] = (uint8_t) v[order[i]];
}

static int
random_guid (uint8_t g[16])
{
  if (exp_random (g, 16) == -1)
    return -1;
  g[7] = (g[7] & 0x0f) | 0x40;     /* version 4 (high nibble of data3) */
  g[8] = (g[8] & 0x3f) | 0x80;     /* RFC 4122 variant */
  return 0;
}

struct vhdx {
  uint64_t nblocks;              /* payload blocks */
  uint64_t chunk_ratio;          /* payload blocks per sector bitmap block */
  uint64_t nentries;             /* BAT entries */
  uint64_t bat_length;           /* BAT region, whole MiB */
  uint64_t *bat;
  uint64_t next;                 /* end of the planned file */
  uint8_t *front;                /* the first VHDX_FRONT bytes of the file */
  uint8_t *batbuf;               /* the BAT as written */
};

static uint64_t
bat_index (const struct vhdx *v, uint64_t block)
{
  /* A sector bitmap entry follows every CHUNK_RATIO payload entries. */
  return block + block / v->chunk_ratio;
}

/* Virtual size (the disk rounded up to a whole sector) and BAT geometry. */
static int
vhdx_geometry (const struct exp_ctx *x, uint64_t *virtual_size, struct vhdx *v)
{
  uint64_t vs = x->disk_size;

  if (vs % x->sector_size != 0)
    vs += x->sector_size - vs % x->sector_size;
  if (vs > VHDX_MAX_SIZE)
    return ow_err_invalid ("export: %" PRIu64 " bytes is over the VHDX limit of 64 TiB", vs);
  *virtual_size = vs;
  v->nblocks = (vs + VHDX_BLOCK - 1) / VHDX_BLOCK;
  v->chunk_ratio = ((uint64_t) 1 << 23) * x->sector_size / VHDX_BLOCK;
  v->nentries = v->nblocks ? v->nblocks + (v->nblocks - 1) / v->chunk_ratio : 0;
  v->bat_length = (v->nentries * 8 + EXP_MiB - 1) / EXP_MiB * EXP_MiB;
  if (v->bat_length == 0)
    v->bat_length = EXP_MiB;
  return 0;
}

/* Give every block the map has anything to copy in a file offset, in block
 * order after the BAT (into V->bat when it is allocated); V->next ends up
 * at the end of the file. */
static void
vhdx_plan (const struct exp_ctx *x, struct vhdx *v)
{
  v->next = VHDX_BAT_OFFSET + v->bat_length;
  for (uint64_t b = 0; b < v->nblocks; b++) {
    uint64_t off = b * VHDX_BLOCK;

    if (off >= x->disk_size
        || !exp_map_any_used (x->map, off, x->disk_size - off < VHDX_BLOCK
                              ? x->disk_size - off : VHDX_BLOCK))
      continue;
    if (v->bat)
      v->bat[bat_index (v, b)] = (v->next / EXP_MiB) << 20 | PAYLOAD_FULLY_PRESENT;
    v->next += VHDX_BLOCK;
  }
}

static int
vhdx_estimate (const struct exp_ctx *x, uint64_t *bytes)
{
  struct vhdx v = { 0 };
  uint64_t vs;

  if (vhdx_geometry (x, &vs, &v) == -1)
    return -1;
  vhdx_plan (x, &v);
  *bytes = v.next;
  return 0;
}

static void
meta_entry (uint8_t *e, const char *guid, uint32_t offset, uint32_t length, uint32_t flags)
{
  guid_put (e, guid);
  ow_put_le32 (e + 16, offset);
  ow_put_le32 (e + 20, length);
  ow_put_le32 (e + 24, flags);
}

/* The first VHDX_FRONT bytes of the file (identifier, headers, region
 * tables, empty log, metadata) into V->front, the BAT into V->batbuf. */
static int
build_front (const struct exp_ctx *x, struct vhdx *v)
{
  uint8_t *area, *meta, *items, *h, *r;
  uint8_t file_write[16], data_write[16], page83[16];

  if (random_guid (file_write) == -1 || random_guid (data_write) == -1
      || random_guid (page83) == -1)
    return -1;
  v->front = area = calloc (1, VHDX_FRONT);
  v->batbuf = malloc (v->bat_length);
  if (v->front == NULL || v->batbuf == NULL)
    return ow_err (ENOMEM, "out of memory");
  for (uint64_t i = 0; i < v->bat_length / 8; i++)
    ow_put_le64 (v->batbuf + 8 * i, v->bat[i]);

  /* File type identifier. */
  memcpy (area, "vhdxfile", 8);
  {
    static const char creator[] = "ce-offline (libofflinewin)";
    for (size_t i = 0; i < sizeof creator - 1; i++)
      ow_put_le16 (area + 8 + 2 * i, (uint16_t) creator[i]);
  }

  /* Metadata region: table header, five entries, items at 64 KiB. */
  meta = area + VHDX_META_OFFSET;
  items = meta + VHDX_META_ITEMS;
  memcpy (meta, "metadata", 8);
  ow_put_le16 (meta + 10, 5);
  meta_entry (meta + 32, GUID_FILE_PARAMS, VHDX_META_ITEMS, 8, META_IS_REQUIRED);
  meta_entry (meta + 64, GUID_DISK_SIZE, VHDX_META_ITEMS + 8, 8,
              META_IS_VIRTUAL_DISK | META_IS_REQUIRED);
  meta_entry (meta + 96, GUID_PAGE83, VHDX_META_ITEMS + 16, 16,
              META_IS_VIRTUAL_DISK | META_IS_REQUIRED);
  meta_entry (meta + 128, GUID_LOGICAL, VHDX_META_ITEMS + 32, 4,
              META_IS_VIRTUAL_DISK | META_IS_REQUIRED);
  meta_entry (meta + 160, GUID_PHYSICAL, VHDX_META_ITEMS + 36, 4,
              META_IS_VIRTUAL_DISK | META_IS_REQUIRED);
  ow_put_le32 (items, VHDX_BLOCK);           /* block size; no flags */
  ow_put_le64 (items + 8, x->virtual_size);
  memcpy (items + 16, page83, 16);
  ow_put_le32 (items + 32, x->sector_size);
  ow_put_le32 (items + 36, VHDX_PHYS_SECTOR);

  /* Region tables: BAT and metadata, both required. */
  r = area + VHDX_REGION1;
  memcpy (r, "regi", 4);
  ow_put_le32 (r + 8, 2);
  guid_put (r + 16, GUID_BAT);
  ow_put_le64 (r + 32, VHDX_BAT_OFFSET);
  ow_put_le32 (r + 40, (uint32_t) v->bat_length);
  ow_put_le32 (r + 44, 1);
  guid_put (r + 48, GUID_METADATA);
  ow_put_le64 (r + 64, VHDX_META_OFFSET);
  ow_put_le32 (r + 72, VHDX_META_LENGTH);
  ow_put_le32 (r + 76, 1);
  ow_put_le32 (r + 4, ow_crc32c (r, VHDX_REGION_SIZE));
  memcpy (area + VHDX_REGION2, r, VHDX_REGION_SIZE);

  /* Headers: identical but for the sequence number; the higher wins. */
  for (int k = 0; k < 2; k++) {
    h = area + (k == 0 ? VHDX_HEADER1 : VHDX_HEADER2);
    memcpy (h, "head", 4);
    ow_put_le64 (h + 8, (uint64_t) k + 1);
    memcpy (h + 16, file_write, 16);
    memcpy (h + 32, data_write, 16);
    /* LogGuid (h + 48) stays zero: there is nothing to replay. */
    ow_put_le16 (h + 64, 0);                  /* log version */
    ow_put_le16 (h + 66, 1);                  /* version */
    ow_put_le32 (h + 68, VHDX_LOG_LENGTH);
    ow_put_le64 (h + 72, VHDX_LOG_OFFSET);
    ow_put_le32 (h + 4, ow_crc32c (h, VHDX_HEADER_SIZE));
  }
  return 0;
}

/* Everything but the payload is known once the blocks are planned: it is
 * written (and hashed) first, so the whole file goes out in order. */
static int
vhdx_begin (struct exp_ctx *x)
{
  struct vhdx *v;

  v = calloc (1, sizeof *v);
  if (v == NULL)
    return ow_err (ENOMEM, "out of memory");
  x->w = v;
  if (vhdx_geometry (x, &x->virtual_size, v) == -1)
    return -1;
  v->bat = calloc (v->bat_length / 8, sizeof *v->bat);
  if (v->bat == NULL)
    return ow_err (ENOMEM, "out of memory for a %" PRIu64 "-entry BAT", v->nentries);
  vhdx_plan (x, v);
  x->file_size = v->next;
  /* Planned blocks whose data turns out all zero stay holes of this size. */
  if (build_front (x, v) == -1
      || exp_out_truncate (&x->out, x->file_size) == -1
      || exp_write_sparse (&x->out, 0, v->front, VHDX_FRONT) == -1
      || exp_write_sparse (&x->out, VHDX_BAT_OFFSET, v->batbuf, v->bat_length) == -1)
    return -1;
  if (x->digest) {
    if (exp_digest_feed (x->digest, v->front, VHDX_FRONT) == -1
        || exp_digest_feed (x->digest, v->batbuf, v->bat_length) == -1)
      return -1;
    x->digest_streamed = true;
  }
  return 0;
}

/* Hash the bytes at *PEND (a run of consecutive planned blocks of one
 * chunk, consecutive in the file too). */
static int
flush_run (struct exp_ctx *x, const uint8_t **pend, size_t *plen)
{
  int r = 0;

  if (*plen)
    r = exp_digest_feed (x->digest, *pend, *plen);
  *pend = NULL;
  *plen = 0;
  return r;
}

static int
vhdx_write (struct exp_ctx *x, uint64_t off, const uint8_t *buf, size_t len)
{
  struct vhdx *v = x->w;
  const uint8_t *pend = NULL;
  size_t plen = 0;
  bool hashed = false;

  for (size_t i = 0; i < len; i += VHDX_BLOCK) {
    size_t n = len - i < VHDX_BLOCK ? len - i : VHDX_BLOCK;
    uint64_t b = (off + i) / VHDX_BLOCK, e;

    if (b >= v->nblocks)
      return ow_err (EFBIG, "export: VHDX block %" PRIu64 " out of range", b);
    e = v->bat[bat_index (v, b)];
    if ((e & 7) != PAYLOAD_FULLY_PRESENT) {
      /* The plan and the copy ask the same map: data here is a bug. */
      if (buf && !exp_is_zero (buf + i, n))
        return ow_err (EIO, "export: VHDX block %" PRIu64 " has data the plan left out", b);
      continue;
    }
    /* Zero pieces of the block (free clusters) stay holes. */
    if (buf && exp_write_sparse (&x->out, e >> 20 << 20, buf + i, n) == -1)
      return -1;
    if (x->digest == NULL)
      continue;
    hashed = true;
    if (buf && pend && pend + plen == buf + i)
      plen += n;
    else if (flush_run (x, &pend, &plen) == -1)
      return -1;
    else if (buf) {
      pend = buf + i;
      plen = n;
    }
    else if (exp_digest_zeros (x->digest, n) == -1)
      return -1;
    /* The last block of a disk that is not a whole number of blocks. */
    if (n < VHDX_BLOCK && (flush_run (x, &pend, &plen) == -1
                           || exp_digest_zeros (x->digest, VHDX_BLOCK - n) == -1))
      return -1;
  }
  if (x->digest == NULL)
    return 0;
  if (flush_run (x, &pend, &plen) == -1)
    return -1;
  /* BUF is refilled by the next chunk that is not all free: the hashers
   * must be done with the previous buffer by then, and a chunk read but
   * with nothing planned (zero data where the map said copy) fed nothing. */
  return hashed || buf == NULL ? 0 : exp_digest_wait (x->digest);
}

static int
vhdx_end (struct exp_ctx *x)
{
  return x->digest ? exp_digest_wait (x->digest) : 0;
}

static void
vhdx_free (struct exp_ctx *x)
{
  struct vhdx *v = x->w;

  if (v) {
    free (v->bat);
    free (v->front);
    free (v->batbuf);
    free (v);
  }
  x->w = NULL;
}

const struct exp_writer exp_writer_vhdx = {
  .name = "vhdx", .begin = vhdx_begin, .write = vhdx_write, .end = vhdx_end,
  .free = vhdx_free, .estimate = vhdx_estimate,
};
