/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal header of the NTFS layer: libntfs-3g types stay in here. */
#ifndef OW_NTFS_INTERNAL_H
#define OW_NTFS_INTERNAL_H

/* libntfs-3g headers expect these first (else they redefine timespec). */
#include <sys/stat.h>
#include <time.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/device.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/volume.h>
#include <ntfs-3g/unistr.h>

#include "internal.h"

struct ow_volume {
  struct ow_disk *disk;
  uint64_t start, size;         /* the partition window on DISK */
  struct ntfs_device *dev;
  ntfs_volume *vol;
  bool write;
};

/* device.c: libntfs-3g device operations over a window of an ow_disk. */
struct ntfs_device *ow_ntfs_device_new (struct ow_disk *disk, uint64_t start,
                                        uint64_t size);
/* Route libntfs-3g's own logging to our debug output (once). */
void ow_ntfs_quiet_logging (void);

/* files.c */
ntfs_inode *ow_ntfs_lookup (struct ow_volume *v, const char *path);

#endif
