/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer entry point for the FAT12/16/32 reader (fat/fat.c): the input
 * is a FAT volume with its trailing zero bytes cut off (so that a FAT32
 * volume, which needs at least 65525 clusters, stays a small input); the
 * harness gives it back the size its boot sector claims, up to
 * MAX_VOLUME, as zeros, looks up the paths inspect looks for on an
 * EFI system partition and reads each whole file, as inspect reads the
 * BCD store (property: a file read is all its size or an error). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#include "fuzz-volume.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define MAX_VOLUME (64u << 20)

static const char *const paths[] = {
  "EFI/Microsoft/Boot/BCD",
  "efi/boot/BOOTX64.EFI",
  "EFI/Microsoft/Boot/Fonts/wgl4_boot.ttf",
  "a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r",      /* deeper than any ESP */
};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  uint64_t claimed = 0, vsize;
  uint8_t *buf;
  struct ow_disk *d;

  if (size >= 0x24) {
    uint32_t total = ow_le16 (data + 0x13) ? ow_le16 (data + 0x13) : ow_le32 (data + 0x20);
    claimed = (uint64_t) total * ow_le16 (data + 0x0B);
  }
  buf = fuzz_pad_volume (data, size, claimed, MAX_VOLUME, &vsize);
  if (buf == NULL)
    return 0;
  d = ow_disk_open_memory (buf, vsize, 512, OW_DISK_RDONLY);
  if (d != NULL) {
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
      int r = ow_fat_path_exists (d, 0, vsize, paths[i]);
      void *file = NULL;
      size_t len = 0;
      if (r < -1 || r > 1)
        abort ();
      r = ow_fat_file_read (d, 0, vsize, paths[i], MAX_VOLUME, &file, &len);
      if ((r == 0) != (file != NULL) || (r == -1 && len != 0))
        abort ();
      free (file);
    }
    ow_disk_close (d);
  }
  ow_error_clear ();
  free (buf);
  return 0;
}
