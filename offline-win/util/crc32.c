/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reflected CRC-32s with initial value and final xor ~0: IEEE 802.3
 * (GPT headers and entry arrays) and Castagnoli (VHDX headers, region
 * tables and log). */
#include <pthread.h>

#include "internal.h"

#define POLY_IEEE 0xEDB88320u
#define POLY_CASTAGNOLI 0x82F63B78u

static uint32_t table_ieee[256], table_c[256];
static pthread_once_t once_ieee = PTHREAD_ONCE_INIT, once_c = PTHREAD_ONCE_INIT;

static void
make_table (uint32_t *table, uint32_t poly)
{
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++)
      c = c & 1 ? poly ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
}

static void make_ieee (void) { make_table (table_ieee, POLY_IEEE); }
static void make_c (void) { make_table (table_c, POLY_CASTAGNOLI); }

static uint32_t
crc (const uint32_t *table, const void *buf, size_t len)
{
  const uint8_t *p = buf;
  uint32_t c = 0xFFFFFFFFu;

  while (len--)
    c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

uint32_t
ow_crc32 (const void *buf, size_t len)
{
  pthread_once (&once_ieee, make_ieee);
  return crc (table_ieee, buf, len);
}

uint32_t
ow_crc32c (const void *buf, size_t len)
{
  pthread_once (&once_c, make_c);
  return crc (table_c, buf, len);
}
