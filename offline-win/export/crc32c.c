/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, initial value and
 * final xor ~0): the checksum of VHDX headers, region tables and log. */
#include <pthread.h>

#include "export/export.h"

static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void
make_table (void)
{
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++)
      c = c & 1 ? 0x82F63B78u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
}

uint32_t
exp_crc32c (const void *buf, size_t len)
{
  const uint8_t *p = buf;
  uint32_t c = 0xFFFFFFFFu;

  pthread_once (&table_once, make_table);
  while (len--)
    c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}
