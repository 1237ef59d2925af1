/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The regf base block: parse, checksum, and the hive-bins chain check used
 * to refuse a replay result that Windows itself could not load. */
#include "internal.h"
#include "hive/hivelog.h"

/* Base block field offsets (spec, "Base block"). */
#define BB_SEQ1        4
#define BB_SEQ2        8
#define BB_MAJOR       20
#define BB_MINOR       24
#define BB_FILE_TYPE   28
#define BB_FILE_FORMAT 32
#define BB_ROOT        36
#define BB_HBINS_SIZE  40
#define BB_CLUSTERING  44
/* The part of the base block that logs keep and the checksum covers. */
#define BB_MIN_LEN     REGF_LOG_SECTOR

/* hbin header fields. */
#define HBIN_HEADER_SIZE 32
#define HBIN_OFFSET      4
#define HBIN_SIZE        8

uint32_t
ow_regf_checksum (const void *base_block)
{
  const uint8_t *b = base_block;
  uint32_t x = 0;

  for (unsigned i = 0; i < REGF_CHECKSUM_OFFSET; i += 4)
    x ^= ow_le32 (b + i);
  /* Windows never stores 0 or -1 as a checksum (HvpHeaderCheckSum). */
  if (x == 0)
    x = 1;
  else if (x == UINT32_MAX)
    x = UINT32_MAX - 1;
  return x;
}

int
ow_regf_parse_header (const void *buf, size_t len, struct ow_regf_header *h)
{
  const uint8_t *b = buf;

  if (!buf || !h)
    return ow_err (EINVAL, "regf header: no buffer");
  if (len < BB_MIN_LEN)
    return ow_err (EINVAL, "regf header: only %zu bytes, a base block needs %u",
                   len, BB_MIN_LEN);
  if (memcmp (b, "regf", 4) != 0)
    return ow_err (EINVAL, "regf header: signature is not 'regf'");
  memset (h, 0, sizeof *h);
  h->seq1 = ow_le32 (b + BB_SEQ1);
  h->seq2 = ow_le32 (b + BB_SEQ2);
  h->major = ow_le32 (b + BB_MAJOR);
  h->minor = ow_le32 (b + BB_MINOR);
  h->file_type = ow_le32 (b + BB_FILE_TYPE);
  h->file_format = ow_le32 (b + BB_FILE_FORMAT);
  h->root_offset = ow_le32 (b + BB_ROOT);
  h->hbins_size = ow_le32 (b + BB_HBINS_SIZE);
  h->clustering = ow_le32 (b + BB_CLUSTERING);
  h->checksum_ok = ow_regf_checksum (b) == ow_le32 (b + REGF_CHECKSUM_OFFSET);
  h->dirty = h->seq1 != h->seq2;
  return 0;
}

int
ow_regf_check_bins (const uint8_t *hbins, size_t size, size_t *bad_offset)
{
  size_t off = 0;

  *bad_offset = 0;
  if (size == 0 || size % REGF_HBIN_ALIGN != 0)
    return -1;
  while (off < size) {
    uint32_t bin_off, bin_size;

    *bad_offset = off;
    if (size - off < HBIN_HEADER_SIZE || memcmp (hbins + off, "hbin", 4) != 0)
      return -1;
    bin_off = ow_le32 (hbins + off + HBIN_OFFSET);
    bin_size = ow_le32 (hbins + off + HBIN_SIZE);
    if (bin_off != off || bin_size == 0 || bin_size % REGF_HBIN_ALIGN != 0
        || bin_size > size - off)
      return -1;
    off += bin_size;
  }
  return 0;
}
