/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Opening NTFS volumes, and deciding whether writing to one is safe. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "ntfs-internal.h"

#include <ntfs-3g/logfile.h>

/* Operator fixes, one line each: the CLI prints them as they are. */
#define FIX_HIBERNATED \
  "Windows is hibernated or was shut down with Fast Startup: boot it, turn " \
  "Fast Startup off (powercfg /h off, or HiberbootEnabled=0) and shut down fully " \
  "(shutdown /s /t 0)"
#define FIX_JOURNAL \
  "the NTFS journal holds unapplied changes: boot Windows and shut it down cleanly " \
  "(or run chkdsk /f on the volume)"
#define FIX_DIRTY \
  "the volume is marked dirty (chkdsk pending): boot Windows, let chkdsk run or run " \
  "chkdsk /f, then shut down fully"
#define FIX_READONLY \
  "libntfs-3g could only open the volume read-only: boot Windows and shut it down " \
  "fully, then retry"
#define FIX_BITLOCKER \
  "the volume is BitLocker-encrypted: decrypt it in Windows (manage-bde -off C:) " \
  "or suspend protection and convert, then retry"

/* Hibernation files start with one of these when Windows will resume. */
static bool
hiberfile_says_resume (const uint8_t *b, size_t n)
{
  return n >= 4 && (memcmp (b, "hibr", 4) == 0 || memcmp (b, "HIBR", 4) == 0);
}

static void
free_device (struct ntfs_device *dev)
{
  void *priv = dev->d_private;

  if (NDevOpen (dev))
    dev->d_ops->close (dev);
  ntfs_device_free (dev);
  free (priv);
}

static int
mount_error (struct ow_volume *v, int e)
{
  switch (e) {
  case EPERM:
    return ow_err_unsafe (e, "NTFS volume at offset %" PRIu64 " cannot be opened for "
                          "writing (hibernated, Fast Startup, or metadata kept in the "
                          "Windows cache): %s", v->start, FIX_HIBERNATED);
  case EOPNOTSUPP:
    return ow_err_unsafe (e, "NTFS volume at offset %" PRIu64 " has an unclean journal: %s",
                          v->start, FIX_JOURNAL);
  default:
    return ow_err (e ? e : EIO, "NTFS volume at offset %" PRIu64 ": libntfs-3g cannot "
                   "open it: %s", v->start, strerror (e ? e : EIO));
  }
}

struct ow_volume *
ow_volume_open (struct ow_disk *disk, uint64_t start, uint64_t size,
                unsigned flags)
{
  struct ow_volume *v = NULL;
  enum ow_fs_type fs;
  bool write = flags & OW_VOL_WRITE;

  ow_ntfs_quiet_logging ();
  if (ow_fs_probe (disk, start, size, &fs) == -1)
    return NULL;
  if (fs == OW_FS_BITLOCKER) {
    ow_err_unsafe (EPERM, "volume at offset %" PRIu64 ": %s", start, FIX_BITLOCKER);
    return NULL;
  }
  if (fs != OW_FS_NTFS) {
    ow_err (EINVAL, "volume at offset %" PRIu64 " is not NTFS (%s)", start,
            ow_fs_type_name (fs));
    return NULL;
  }
  if (write && ow_disk_readonly (disk)) {
    ow_err (EROFS, "%s: disk is open read-only", ow_disk_spec (disk));
    return NULL;
  }

  /* Before a read-write mount (which already writes: libntfs-3g resets the
   * journal), check everything that makes writing unsafe on a read-only
   * mount, so an unsafe volume is never touched. */
  if (write) {
    struct ow_volume *probe = ow_volume_open (disk, start, size, 0);
    bool safe;
    char *problem = NULL, *msg = NULL;
    int r;

    if (probe == NULL)
      return NULL;
    r = ow_volume_write_safety (probe, &safe, &problem, &msg);
    ow_volume_close (probe);
    if (r == -1)
      return NULL;
    if (!safe) {
      ow_err_unsafe (EPERM, "NTFS volume at offset %" PRIu64 " is not safe to write (%s): %s",
                     start, problem, msg);
      free (problem);
      free (msg);
      return NULL;
    }
  }

  v = calloc (1, sizeof *v);
  if (v == NULL) {
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  v->disk = disk;
  v->start = start;
  v->size = size;
  v->write = write;
  v->dev = ow_ntfs_device_new (disk, start, size);
  if (v->dev == NULL)
    goto fail;
  errno = 0;
  v->vol = ntfs_device_mount (v->dev, write ? NTFS_MNT_NONE : NTFS_MNT_RDONLY);
  if (v->vol == NULL) {
    mount_error (v, errno);
    free_device (v->dev);
    goto fail;
  }
  if (write && NVolReadOnly (v->vol)) {
    ow_volume_close (v);
    ow_err_unsafe (EROFS, "NTFS volume at offset %" PRIu64 " fell back to read-only: %s",
                   start, FIX_READONLY);
    return NULL;
  }
  if (ntfs_set_ignore_case (v->vol) == -1)
    ow_debug ("ntfs_set_ignore_case failed: lookups stay case-sensitive");
  ow_debug ("mounted NTFS at %" PRIu64 " (%s)", start, write ? "rw" : "ro");
  return v;

 fail:
  free (v);
  return NULL;
}

int
ow_volume_close (struct ow_volume *v)
{
  void *priv;
  int r = 0;

  if (v == NULL)
    return 0;
  priv = v->dev->d_private;
  /* ntfs_umount closes and frees the device, but not its private data. */
  if (ntfs_umount (v->vol, FALSE) == -1)
    r = ow_err (errno, "NTFS volume at offset %" PRIu64 ": unmount failed: %m", v->start);
  free (priv);
  free (v);
  return r;
}

static int
check_logfile (struct ow_volume *v, bool *clean)
{
  ntfs_inode *ni;
  ntfs_attr *na;
  RESTART_PAGE_HEADER *rp = NULL;

  *clean = false;
  ni = ntfs_inode_open (v->vol, FILE_LogFile);
  if (ni == NULL)
    return ow_err (errno, "cannot open $LogFile: %m");
  na = ntfs_attr_open (ni, AT_DATA, AT_UNNAMED, 0);
  if (na == NULL) {
    ntfs_inode_close (ni);
    return ow_err (errno, "cannot open $LogFile data: %m");
  }
  if (ntfs_check_logfile (na, &rp) && ntfs_is_logfile_clean (na, rp))
    *clean = true;
  free (rp);
  ntfs_attr_close (na);
  ntfs_inode_close (ni);
  return 0;
}

int
ow_volume_write_safety (struct ow_volume *v, bool *safe, char **problem,
                        char **message)
{
  uint8_t head[8];
  size_t got = 0;
  bool clean;
  const char *code = NULL, *fix = NULL;

  *safe = false;
  *problem = *message = NULL;
  if (ow_path_exists (v, "hiberfil.sys") == 1 &&
      ow_file_read_head (v, "hiberfil.sys", head, sizeof head, &got) == 0 &&
      hiberfile_says_resume (head, got))
    code = "hibernated", fix = FIX_HIBERNATED;
  else if (check_logfile (v, &clean) == -1)
    return -1;
  else if (!clean)
    code = "unclean-journal", fix = FIX_JOURNAL;
  else if (v->vol->flags & VOLUME_IS_DIRTY)
    code = "dirty", fix = FIX_DIRTY;

  if (code == NULL) {
    *safe = true;
    return 0;
  }
  *problem = strdup (code);
  *message = strdup (fix);
  if (*problem == NULL || *message == NULL) {
    free (*problem);
    free (*message);
    *problem = *message = NULL;
    return ow_err (ENOMEM, "out of memory");
  }
  return 0;
}

char *
ow_volume_label (struct ow_volume *v)
{
  return strdup (v->vol->vol_name ? v->vol->vol_name : "");
}

uint64_t
ow_volume_serial (struct ow_volume *v)
{
  /* The 64-bit serial lives in the boot sector (offset 0x48). */
  uint8_t bs[512];

  if (ow_disk_pread (v->disk, bs, sizeof bs, v->start) == -1)
    return 0;
  return ow_le64 (bs + 0x48);
}
