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
#include <string.h>

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

/* Where $MFT and $MFTMirr are, and both copies of the mirrored records. */
struct mirror {
  uint32_t rec, count;
  uint64_t mft_off, mirr_off;   /* from the volume start */
  uint8_t *mft, *mirr;
};

static void
mirror_free (struct mirror *m)
{
  free (m->mft);
  free (m->mirr);
  m->mft = m->mirr = NULL;
}

static int
mirror_read (struct ow_disk *disk, uint64_t start, uint64_t size, struct mirror *m)
{
  uint8_t bs[BOOT_SECTOR_SIZE];
  uint32_t bps, spc, cluster;
  int8_t cpr;

  memset (m, 0, sizeof *m);
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
  m->rec = cpr < 0 ? (cpr < -31 ? 0 : 1u << -cpr) : (uint32_t) cpr * cluster;
  if (m->rec < MIN_RECORD_SIZE || m->rec > MAX_RECORD_SIZE || (m->rec & (m->rec - 1)))
    return ow_err (EINVAL, "NTFS at %" PRIu64 ": bad MFT record size", start);
  m->count = cluster <= MIN_MIRROR_RECORDS * m->rec ? MIN_MIRROR_RECORDS : cluster / m->rec;
  if (ow_le64 (bs + 0x30) > size / cluster || ow_le64 (bs + 0x38) > size / cluster)
    return ow_err (EINVAL, "NTFS at %" PRIu64 ": $MFT or $MFTMirr outside the volume", start);
  m->mft_off = ow_le64 (bs + 0x30) * cluster;
  m->mirr_off = ow_le64 (bs + 0x38) * cluster;
  if (m->mft_off + (uint64_t) m->count * m->rec > size ||
      m->mirr_off + (uint64_t) m->count * m->rec > size)
    return ow_err (EINVAL, "NTFS at %" PRIu64 ": $MFT or $MFTMirr outside the volume", start);
  m->mft = malloc ((size_t) m->count * m->rec);
  m->mirr = malloc ((size_t) m->count * m->rec);
  if (m->mft == NULL || m->mirr == NULL) {
    mirror_free (m);
    return ow_err (ENOMEM, "out of memory");
  }
  if (ow_disk_pread (disk, m->mft, (size_t) m->count * m->rec, start + m->mft_off) == -1 ||
      ow_disk_pread (disk, m->mirr, (size_t) m->count * m->rec, start + m->mirr_off) == -1) {
    mirror_free (m);
    return -1;
  }
  return 0;
}

/* Number of mirror records that differ from $MFT, or -1 (class
 * OW_ERR_UNSAFE) when a differing $MFT record is itself damaged. */
static int
mirror_differences (const struct mirror *m, uint64_t start)
{
  int differ = 0;

  for (uint32_t i = 0; i < m->count; i++) {
    const uint8_t *r = m->mft + (size_t) i * m->rec;
    if (memcmp (r, m->mirr + (size_t) i * m->rec, m->rec) == 0)
      continue;
    if (!record_intact (r, m->rec))
      return ow_err_unsafe (EIO, "NTFS at %" PRIu64 ": $MFT record %u differs from its "
                            "mirror and is damaged: run chkdsk /f in Windows", start, i);
    differ++;
  }
  return differ;
}

int
ow_volume_mirror_state (struct ow_disk *disk, uint64_t start, uint64_t size)
{
  struct mirror m;
  int d;

  if (mirror_read (disk, start, size, &m) == -1)
    return -1;
  d = mirror_differences (&m, start);
  mirror_free (&m);
  return d < 0 ? -1 : d > 0;
}

int
ow_volume_repair_mirror (struct ow_disk *disk, uint64_t start, uint64_t size)
{
  struct mirror m;
  int r = -1, fixed = 0;

  if (mirror_read (disk, start, size, &m) == -1)
    return -1;
  if (mirror_differences (&m, start) == -1)
    goto out;
  for (uint32_t i = 0; i < m.count; i++) {
    const uint8_t *rec = m.mft + (size_t) i * m.rec;
    if (memcmp (rec, m.mirr + (size_t) i * m.rec, m.rec) == 0)
      continue;
    if (ow_disk_readonly (disk)) {
      ow_err (EROFS, "NTFS at %" PRIu64 ": $MFTMirr is stale and the disk is read-only", start);
      goto out;
    }
    if (ow_disk_pwrite (disk, rec, m.rec, start + m.mirr_off + (uint64_t) i * m.rec) == -1)
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
  mirror_free (&m);
  return r;
}

/* ---- a read-only view that reads stale mirrors as $MFT ---- */

/* Most partitions whose mirror the view redirects (a disk has a handful). */
#define MAX_REDIRECTS 128

struct redirect {
  uint64_t mirr, mft, len;      /* absolute byte offsets on the disk */
};

struct view {
  struct ow_disk *inner;        /* the caller's: not closed with the view */
  struct redirect r[MAX_REDIRECTS];
  size_t n;
};

static int
view_pread (void *h, void *buf, size_t count, uint64_t off)
{
  struct view *v = h;

  if (ow_disk_pread (v->inner, buf, count, off) == -1)
    return -1;
  for (size_t i = 0; i < v->n; i++) {
    const struct redirect *r = &v->r[i];
    uint64_t a = off > r->mirr ? off : r->mirr;
    uint64_t b = off + count < r->mirr + r->len ? off + count : r->mirr + r->len;
    if (a >= b)
      continue;
    if (ow_disk_pread (v->inner, (uint8_t *) buf + (a - off), (size_t) (b - a),
                       r->mft + (a - r->mirr)) == -1)
      return -1;
  }
  return 0;
}

static int
view_pwrite (void *h, const void *buf, size_t count, uint64_t off)
{
  (void) h; (void) buf; (void) count;
  return ow_err (EROFS, "write at byte %" PRIu64 " through a read-only view", off);
}

static int
view_flush (void *h)
{
  (void) h;
  return 0;
}

static int
view_close (void *h)
{
  free (h);
  return 0;
}

static const struct ow_disk_ops view_ops = {
  .name = "mirror-view", .pread = view_pread, .pwrite = view_pwrite,
  .flush = view_flush, .close = view_close,
};

struct ow_disk *
ow_disk_open_mirror_view (struct ow_disk *disk, uint64_t *stale)
{
  struct ow_ptable *pt = ow_ptable_read (disk);
  struct view *v;

  *stale = 0;
  if (pt == NULL)
    return NULL;
  v = calloc (1, sizeof *v);
  if (v == NULL) {
    ow_ptable_free (pt);
    ow_err (ENOMEM, "out of memory");
    return NULL;
  }
  v->inner = disk;
  for (size_t i = 0; i < pt->count && v->n < MAX_REDIRECTS; i++) {
    const struct ow_partition *p = &pt->parts[i];
    enum ow_fs_type fs;
    struct mirror m;
    int d;

    if (ow_fs_probe (disk, p->start, p->size, &fs) == -1 || fs != OW_FS_NTFS)
      continue;
    /* Only a stale mirror whose $MFT records are intact is read as
     * $MFT; anything else is left for the mount to refuse. */
    if (mirror_read (disk, p->start, p->size, &m) == -1)
      continue;
    d = mirror_differences (&m, p->start);
    if (d > 0) {
      v->r[v->n].mirr = p->start + m.mirr_off;
      v->r[v->n].mft = p->start + m.mft_off;
      v->r[v->n].len = (uint64_t) m.count * m.rec;
      v->n++;
      if (p->number < 64)
        *stale |= 1ull << p->number;
    }
    mirror_free (&m);
  }
  ow_ptable_free (pt);
  ow_error_clear ();
  return ow_disk_new (&view_ops, v, ow_disk_spec (disk), ow_disk_size (disk),
                      ow_disk_sector_size (disk), true);
}
