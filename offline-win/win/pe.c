/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Architecture of a PE image (cmd.exe) from its COFF header. */
#include "win.h"

const char *
ow_pe_arch (const void *buf, size_t len)
{
  const uint8_t *b = buf;
  uint32_t pe;

  if (len < 0x40 || b[0] != 'M' || b[1] != 'Z')
    return NULL;
  pe = ow_le32 (b + 0x3C);
  if (pe > len || len - pe < 6 || memcmp (b + pe, "PE\0\0", 4) != 0)
    return NULL;
  switch (ow_le16 (b + pe + 4)) {
  case 0x8664: return "x86_64";
  case 0x014c: return "i386";
  case 0xaa64: return "aarch64";
  case 0x01c4: return "arm";
  default: return "unknown";
  }
}
