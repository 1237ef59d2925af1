/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer entry point for the partition-table reader and the FAT path
 * lookup: the input is a disk image (512-byte sectors if byte 0 is even,
 * else 4096) read through the memory disk backend, and also taken as a FAT
 * volume.  Built by `make fuzz` (tests/fuzz/fuzz.mk). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "offlinewin.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  uint8_t *copy;
  struct ow_disk *d;
  struct ow_ptable *pt;

  if (size < 1)
    return 0;
  copy = malloc (size);
  if (copy == NULL)
    return 0;
  memcpy (copy, data, size);
  d = ow_disk_open_memory (copy, size, data[0] & 1 ? 4096 : 512, OW_DISK_RDONLY);
  if (d != NULL) {
    pt = ow_ptable_read (d);
    ow_ptable_free (pt);
    (void) ow_fat_path_exists (d, 0, size, "EFI/Microsoft/Boot/BCD");
    ow_disk_close (d);
  }
  ow_error_clear ();
  free (copy);
  return 0;
}
