/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What file system does a partition hold?  First sector only. */
#include <inttypes.h>

#include "internal.h"

const char *
ow_fs_type_name (enum ow_fs_type t)
{
  switch (t) {
  case OW_FS_NTFS: return "ntfs";
  case OW_FS_BITLOCKER: return "bitlocker";
  case OW_FS_FAT: return "fat";
  case OW_FS_EMPTY: return "empty";
  default: return "unknown";
  }
}

int
ow_fs_probe (struct ow_disk *disk, uint64_t start, uint64_t size,
             enum ow_fs_type *type)
{
  uint8_t bs[512];
  bool zero = true;

  *type = OW_FS_UNKNOWN;
  if (size < sizeof bs)
    return 0;
  if (ow_disk_pread (disk, bs, sizeof bs, start) == -1) {
    ow_err_context ("reading the boot sector of the volume at %" PRIu64, start);
    return -1;
  }
  for (size_t i = 0; i < sizeof bs && zero; i++)
    zero = bs[i] == 0;
  if (zero)
    *type = OW_FS_EMPTY;
  /* BitLocker replaces the OEM id with -FVE-FS- (WINDOWS.md). */
  else if (memcmp (bs + 3, "-FVE-FS-", 8) == 0)
    *type = OW_FS_BITLOCKER;
  else if (memcmp (bs + 3, "NTFS    ", 8) == 0)
    *type = OW_FS_NTFS;
  else if (bs[510] == 0x55 && bs[511] == 0xAA &&
           (memcmp (bs + 0x36, "FAT", 3) == 0 || memcmp (bs + 0x52, "FAT32", 5) == 0))
    *type = OW_FS_FAT;
  return 0;
}
