/* SPDX-License-Identifier: GPL-3.0-or-later */
/* $MFTMirr repair after an interrupted write.  libntfs-3g writes a change
 * of the first MFT records ($MFT, $MFTMirr, $LogFile, $Volume) twice: to
 * $MFT, then to its mirror.  A power cut between the two leaves them
 * different, and libntfs-3g then refuses to mount the volume at all
 * ("$MFTMirr does not match $MFT").  Windows reads $MFT and chkdsk copies
 * it over the mirror; ntfsfix does the same.  So do we, and only when
 * every differing $MFT record is intact (signature and update sequence). */
#include <inttypes.h>
#include <stdlib.h>

#include "internal.h"

#define BOOT_SECTOR_SIZE 512u
#define FIXUP_STRIDE     512u          /* NTFS update sequence stride */
#define MIN_RECORD_SIZE  1024u
#define MAX_RECORD_SIZE  4096u
#define MAX_CLUSTER_SIZE (2u * 1024 * 1024)
#define MIN_MIRROR_RECORDS 4u

/* An MFT record whose signature and update sequence array are intact. */
static bool
record_intact (const uint8_t *r, size_t size)
{
  uint16_t usa_ofs = ow_le16 (r + 4), usa_count = ow_le16 (r + 6), usn;
  size_t i;

  if (memcmp (r, "FILE", 4) != 0 || usa_count != size / FIXUP_STRIDE + 1 ||
      usa_ofs < 8 || (size_t) usa_ofs + 2u * usa_count > size || (usa_ofs & 1))
    return false;
  usn = ow_le16 (r + usa_ofs);
  for (i = 1; i < usa_count; i++)
    if (ow_le16 (r + i * FIXUP_STRIDE - 2) != usn)
      return false;
  return true;
}

int
ow_volume_repair_mirror (struct ow_disk *disk, uint64_t start, uint64_t size)
{
  uint8_t bs[BOOT_SECTOR_SIZE];
  uint8_t *mft = NULL, *mirr = NULL;
  uint32_t bps, spc, cluster, rec, count, i;
  uint64_t mft_off, mirr_off;
  int8_t cpr;
  int r = -1, fixed = 0;

  if (ow_disk_pread (disk, bs, sizeof bs, start) == -1)
    return -1;
  if (memcmp (bs + 3, "NTFS    ", 8) != 0)
    return ow_err (EINVAL, "volume at offset %" PRIu64 " is not NTFS", start);
  bps = ow_le16 (bs + 0x0B);
  spc = bs[0x0D] > 0x80 ? 1u << (256 - bs[0x0D]) : bs[0x0D];
  cpr = (int8_t) bs[0x40];
  if (bps < 256 || bps > 4096 || (bps & (bps - 1)) || spc == 0 ||
      (uint64_t) bps * spc > MAX_CLUSTER_SIZE)
    return ow_err (EINVAL, "NTFS at %" PRIu64 ": bad geometry in the boot sector", start);
  cluster = bps * spc;
  rec = cpr < 0 ? (cpr < -31 ? 0 : 1u << -cpr) : (uint32_t) cpr * cluster;
  if (rec < MIN_RECORD_SIZE || rec > MAX_RECORD_SIZE || (rec & (rec - 1)))
    return ow_err (EINVAL, "NTFS at %" PRIu64 ": bad MFT record size", start);
  count = cluster <= MIN_MIRROR_RECORDS * rec ? MIN_MIRROR_RECORDS : cluster / rec;
  if (ow_le64 (bs + 0x30) > size / cluster || ow_le64 (bs + 0x38) > size / cluster)
    return ow_err (EINVAL, "NTFS at %" PRIu64 ": $MFT or $MFTMirr outside the volume", start);
  mft_off = ow_le64 (bs + 0x30) * cluster;
  mirr_off = ow_le64 (bs + 0x38) * cluster;
  if (mft_off + (uint64_t) count * rec > size || mirr_off + (uint64_t) count * rec > size)
    return ow_err (EINVAL, "NTFS at %" PRIu64 ": $MFT or $MFTMirr outside the volume", start);
  mft = malloc ((size_t) count * rec);
  mirr = malloc ((size_t) count * rec);
  if (mft == NULL || mirr == NULL) {
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  if (ow_disk_pread (disk, mft, (size_t) count * rec, start + mft_off) == -1 ||
      ow_disk_pread (disk, mirr, (size_t) count * rec, start + mirr_off) == -1)
    goto out;
  for (i = 0; i < count; i++) {
    const uint8_t *m = mft + (size_t) i * rec;
    if (memcmp (m, mirr + (size_t) i * rec, rec) == 0)
      continue;
    if (!record_intact (m, rec)) {
      ow_err_unsafe (EIO, "NTFS at %" PRIu64 ": $MFT record %u differs from its mirror "
                     "and is damaged: run chkdsk /f in Windows", start, i);
      goto out;
    }
    if (ow_disk_readonly (disk)) {
      ow_err (EROFS, "NTFS at %" PRIu64 ": $MFTMirr is stale and the disk is read-only", start);
      goto out;
    }
    if (ow_disk_pwrite (disk, m, rec, start + mirr_off + (uint64_t) i * rec) == -1)
      goto out;
    fixed++;
  }
  if (fixed > 0) {
    if (ow_disk_flush (disk) == -1)
      goto out;
    ow_debug ("NTFS at %" PRIu64 ": %d $MFTMirr record(s) refreshed from $MFT", start, fixed);
  }
  r = fixed > 0;
 out:
  free (mft);
  free (mirr);
  return r;
}
