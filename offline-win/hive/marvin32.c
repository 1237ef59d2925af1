/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Marvin32: the keyed hash that protects HvLE log entries (hash-1 over the
 * page references and pages, hash-2 over the entry header). */
#include "internal.h"
#include "hive/hivelog.h"

static inline uint32_t
rotl32 (uint32_t x, unsigned n)
{
  return (x << n) | (x >> (32 - n));
}

static inline void
marvin_mix (uint32_t *p0, uint32_t *p1)
{
  uint32_t a = *p0, b = *p1;

  b ^= a; a = rotl32 (a, 20);
  a += b; b = rotl32 (b, 9);
  b ^= a; a = rotl32 (a, 27);
  a += b; b = rotl32 (b, 19);
  *p0 = a; *p1 = b;
}

uint64_t
ow_marvin32 (const void *data, size_t len, uint64_t seed)
{
  const uint8_t *p = data;
  uint32_t p0 = (uint32_t) seed, p1 = (uint32_t) (seed >> 32);
  uint32_t last;

  for (; len >= 4; p += 4, len -= 4) {
    p0 += ow_le32 (p);
    marvin_mix (&p0, &p1);
  }
  /* The tail (0-3 bytes) is closed with a 0x80 marker byte above it. */
  switch (len) {
  case 0: last = 0x80u; break;
  case 1: last = 0x8000u | p[0]; break;
  case 2: last = 0x800000u | ow_le16 (p); break;
  default: last = 0x80000000u | (uint32_t) p[2] << 16 | ow_le16 (p); break;
  }
  p0 += last;
  marvin_mix (&p0, &p1);
  marvin_mix (&p0, &p1);
  return (uint64_t) p1 << 32 | p0;
}
