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

/* ---- write.c, write-security.c: building blocks of the crash-safe writes
 * (used by hive/swap.c).  PATHs are '/'-separated, any case for existing
 * components; a new last component keeps the case it is given. */

/* Where the bytes of a new file come from: DATA (LEN bytes), or, when DATA
 * is NULL, LEN bytes read from the host descriptor FD. */
struct ow_write_src {
  const void *data;
  int fd;
  uint64_t len;
};
/* Create PATH, which must not exist (EEXIST), holding SRC's bytes.  Its
 * security descriptor is copied from SD_FROM when that is non-NULL, else
 * built from FLAGS (OW_WRITE_PROTECTED or the default).  On failure the new
 * name is removed again (best effort). */
int ow_ntfs_create_file (struct ow_volume *v, const char *path,
                         const struct ow_write_src *src, unsigned flags,
                         const char *sd_from);
/* Add the name NEWPATH (must not exist) to the file EXISTING (hard link). */
int ow_ntfs_link (struct ow_volume *v, const char *existing, const char *newpath);
/* Remove one name of a file (or an empty directory); a broken entry (see
 * ow_ntfs_entry_state) is removed from the index alone.  ENOENT if absent. */
int ow_ntfs_unlink (struct ow_volume *v, const char *path);
/* State of the directory entry PATH: 0 absent, 1 present and sound, 2
 * broken (left by a power cut in the middle of a change: its file record
 * is unusable or does not carry the name; ow_ntfs_unlink removes it),
 * -1 error. */
int ow_ntfs_entry_state (struct ow_volume *v, const char *path);
/* 1 if PATH names a sound file, 0 if not: a broken entry a power cut left
 * is removed first (and synced) and counts as absent.  -1 on error. */
int ow_ntfs_present (struct ow_volume *v, const char *path);
/* 1 if both paths exist and name the same inode, 0 if not (or one is
 * missing), -1 on error. */
int ow_ntfs_same_file (struct ow_volume *v, const char *a, const char *b);
/* Overwrite the whole content of PATH with zeros in place (no cluster is
 * allocated or freed).  *CHANGED tells whether any byte was non-zero. */
int ow_ntfs_zero_data (struct ow_volume *v, const char *path, bool *changed);
/* The name of PATH's last component as stored on disk (malloc'd), or NULL
 * with ENOENT when it does not exist. */
char *ow_ntfs_stored_name (struct ow_volume *v, const char *path);
/* Close an inode whose writing may have failed: a failed write-back leaves
 * the inode allocated in libntfs-3g, so it is dropped after the error is
 * recorded (the disk refused it; nothing more can be written). */
int ow_ntfs_close (ntfs_inode *ni, const char *what);

/* write-security.c: self-relative security descriptors. */
/* Build the descriptor OW_WRITE_PROTECTED describes (or, without it, the
 * same ACEs without the protection from inheritance), for a file or a
 * directory (inheritable ACEs).  malloc'd, *LEN bytes. */
void *ow_ntfs_build_sd (unsigned flags, bool dir, size_t *len);
/* Set / read the security descriptor of NI. */
int ow_ntfs_set_sd (struct ow_volume *v, ntfs_inode *ni, const void *sd, size_t len);
void *ow_ntfs_get_sd (struct ow_volume *v, ntfs_inode *ni, size_t *len);

#endif
