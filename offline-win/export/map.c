/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The source map: which parts of the disk the copy must read.
 *
 * Everything is read except the clusters that an NTFS volume's $Bitmap
 * marks free, and only for volumes whose $Bitmap can be trusted: a volume
 * that is BitLocker-encrypted, hibernated, has an unclean journal, is
 * marked dirty or cannot be opened is copied verbatim, because replaying
 * its journal (or resuming Windows) may need clusters the bitmap does not
 * yet claim. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "export/export.h"
#include "ntfs/ntfs-internal.h"

/* $Bitmap of a volume larger than this (1 bit per cluster: 256 TiB at
 * 4 KiB clusters) is not loaded; the volume is copied verbatim. */
#define MAX_BITMAP_BYTES (64u * 1024 * 1024)
/* The boot region ($Boot) is never skipped whatever the bitmap says. */
#define BOOT_REGION 8192u

static int
verbatim (struct exp_volume *v, const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;

  va_start (ap, fmt);
  if (vasprintf (&s, fmt, ap) == -1)
    s = NULL;
  va_end (ap);
  if (s == NULL)
    return ow_err (ENOMEM, "out of memory");
  free (v->reason);
  v->reason = s;
  v->use_bitmap = false;
  free (v->bitmap);
  v->bitmap = NULL;
  ow_debug ("volume at %" PRIu64 " copied verbatim: %s", v->start, s);
  return 0;
}

static bool
bit_set (const uint8_t *bm, uint64_t i)
{
  return bm[i >> 3] & (1u << (i & 7));
}

/* Load the $Bitmap of the NTFS volume V; on anything unexpected fall back
 * to verbatim.  Fails only on allocation errors. */
static int
load_bitmap (struct ow_disk *disk, struct exp_volume *v)
{
  struct ow_volume *vol;
  bool safe = false;
  char *problem = NULL, *msg = NULL;
  ntfs_volume *nv;
  uint64_t nbytes;
  int ret = -1;

  vol = ow_volume_open (disk, v->start, v->size, 0);
  if (vol == NULL) {
    ret = verbatim (v, "libntfs-3g cannot open it: %s", ow_error_message ());
    ow_error_clear ();
    return ret;
  }
  if (ow_volume_write_safety (vol, &safe, &problem, &msg) == -1) {
    ret = verbatim (v, "cannot tell whether its bitmap is current: %s", ow_error_message ());
    ow_error_clear ();
    goto out;
  }
  if (!safe) {
    ret = verbatim (v, "%s: its $Bitmap may not be current", problem);
    goto out;
  }
  nv = vol->vol;
  if (nv->cluster_size < EXP_UNIT || nv->cluster_size % EXP_UNIT != 0
      || nv->nr_clusters <= 0) {
    ret = verbatim (v, "unusual geometry (cluster size %" PRIu32 ")", nv->cluster_size);
    goto out;
  }
  v->cluster_size = nv->cluster_size;
  v->nr_clusters = (uint64_t) nv->nr_clusters;
  if (v->nr_clusters > v->size / v->cluster_size) {
    ret = verbatim (v, "NTFS claims %" PRIu64 " clusters, more than the partition holds",
                    v->nr_clusters);
    goto out;
  }
  nbytes = (v->nr_clusters + 7) / 8;
  if (nbytes > MAX_BITMAP_BYTES) {
    ret = verbatim (v, "$Bitmap of %" PRIu64 " bytes is over the %u limit", nbytes,
                    MAX_BITMAP_BYTES);
    goto out;
  }
  if (nv->lcnbmp_na == NULL || (uint64_t) nv->lcnbmp_na->data_size < nbytes) {
    ret = verbatim (v, "$Bitmap is shorter than the volume");
    goto out;
  }
  v->bitmap = malloc (nbytes);
  if (v->bitmap == NULL) {
    ow_err (ENOMEM, "out of memory for a %" PRIu64 "-byte $Bitmap", nbytes);
    goto out;
  }
  if (ntfs_attr_pread (nv->lcnbmp_na, 0, (s64) nbytes, v->bitmap) != (s64) nbytes) {
    ret = verbatim (v, "cannot read $Bitmap: %s", strerror (errno ? errno : EIO));
    goto out;
  }
  /* $Boot always owns cluster 0: a bitmap saying otherwise is garbage. */
  if (!bit_set (v->bitmap, 0)) {
    ret = verbatim (v, "$Bitmap marks the boot sector free");
    goto out;
  }
  v->used_clusters = 0;
  for (uint64_t i = 0; i < v->nr_clusters; i++)
    v->used_clusters += bit_set (v->bitmap, i);
  v->use_bitmap = true;
  ow_debug ("volume at %" PRIu64 ": %" PRIu64 " of %" PRIu64 " clusters of %" PRIu64
            " bytes in use", v->start, v->used_clusters, v->nr_clusters, v->cluster_size);
  ret = 0;
 out:
  free (problem);
  free (msg);
  if (ow_volume_close (vol) == -1 && ret == 0) {
    /* A read-only unmount writes nothing; its failure does not matter. */
    ow_error_clear ();
  }
  return ret;
}

static int
add_volume (struct exp_map *m, unsigned partition, uint64_t start, uint64_t size)
{
  struct exp_volume *nv, *v;

  nv = realloc (m->v, (m->n + 1) * sizeof *m->v);
  if (nv == NULL)
    return ow_err (ENOMEM, "out of memory");
  m->v = nv;
  v = &m->v[m->n++];
  memset (v, 0, sizeof *v);
  v->partition = partition;
  v->start = start;
  v->size = size;
  return 0;
}

static int
examine (struct ow_disk *disk, struct exp_volume *v)
{
  if (ow_fs_probe (disk, v->start, v->size, &v->fs) == -1)
    return -1;
  switch (v->fs) {
  case OW_FS_NTFS:
    return load_bitmap (disk, v);
  case OW_FS_BITLOCKER:
    return verbatim (v, "BitLocker: encrypted, free space cannot be told apart");
  default:
    return verbatim (v, "%s: not NTFS", ow_fs_type_name (v->fs));
  }
}

int
exp_map_build (struct ow_disk *disk, struct exp_map *m)
{
  struct ow_ptable *pt;
  int ret = -1;

  memset (m, 0, sizeof *m);
  m->disk_size = ow_disk_size (disk);
  m->sector_size = ow_disk_sector_size (disk);
  pt = ow_ptable_read (disk);
  if (pt == NULL) {
    /* A table we do not understand is still a disk: copy all of it. */
    ow_debug ("no usable partition table (%s): whole disk verbatim", ow_error_message ());
    if (ow_error_errno () != EINVAL)
      return -1;
    ow_error_clear ();
    return 0;
  }
  if (pt->scheme != OW_PT_NONE && (pt->sector_size == 512 || pt->sector_size == 4096))
    m->sector_size = pt->sector_size;
  if (pt->count == 0) {
    /* A "superfloppy": NTFS straight on the disk, as some tools make. */
    enum ow_fs_type fs;
    if (ow_fs_probe (disk, 0, m->disk_size, &fs) == -1)
      goto out;
    if ((fs == OW_FS_NTFS || fs == OW_FS_BITLOCKER)
        && (add_volume (m, 0, 0, m->disk_size) == -1 || examine (disk, &m->v[0]) == -1))
      goto out;
  }
  for (size_t i = 0; i < pt->count; i++) {
    const struct ow_partition *p = &pt->parts[i];

    if (p->role == OW_ROLE_EXTENDED)
      continue;   /* a container: its EBRs lie between the logical ones */
    if (p->size == 0 || p->start >= m->disk_size || p->size > m->disk_size - p->start
        || p->start % EXP_UNIT != 0) {
      ow_debug ("partition %u outside the disk or misaligned: left verbatim", p->number);
      continue;
    }
    if (add_volume (m, p->number, p->start, p->size) == -1
        || examine (disk, &m->v[m->n - 1]) == -1)
      goto out;
  }
  ret = 0;
 out:
  ow_ptable_free (pt);
  if (ret == -1)
    exp_map_free (m);
  return ret;
}

void
exp_map_free (struct exp_map *m)
{
  for (size_t i = 0; i < m->n; i++) {
    free (m->v[i].reason);
    free (m->v[i].bitmap);
  }
  free (m->v);
  m->v = NULL;
  m->n = 0;
}

/* The next run of free clusters of BM in [*C, C1): true with the run in
 * [*C, *E), false when there is none.  Whole bitmap bytes are skipped at a
 * time where they are all used or all free (most of a disk is one or the
 * other). */
static bool
next_free_run (const uint8_t *bm, uint64_t *c, uint64_t c1, uint64_t *e)
{
  uint64_t i = *c, j;

  while (i < c1) {
    if ((i & 7) == 0 && i + 8 <= c1 && bm[i >> 3] == 0xff) {
      i += 8;
      continue;
    }
    if (bit_set (bm, i)) {
      i++;
      continue;
    }
    j = i + 1;
    while (j < c1 && !bit_set (bm, j)) {
      if ((j & 7) == 0 && j + 8 <= c1 && bm[j >> 3] == 0)
        j += 8;
      else
        j++;
    }
    *c = i;
    *e = j;
    return true;
  }
  return false;
}

void
exp_map_units (const struct exp_map *m, uint64_t off, size_t len, uint8_t *used)
{
  size_t nunits = (len + EXP_UNIT - 1) / EXP_UNIT;
  uint64_t end = off + len;

  memset (used, 1, nunits);
  for (size_t k = 0; k < m->n; k++) {
    const struct exp_volume *v = &m->v[k];
    uint64_t cs = v->cluster_size, cend, lo, hi, c, c1;

    if (!v->use_bitmap)
      continue;
    cend = v->start + v->nr_clusters * cs;
    lo = off > v->start + BOOT_REGION ? off : v->start + BOOT_REGION;
    hi = end < cend ? end : cend;
    if (lo >= hi)
      continue;
    c = (lo - v->start) / cs;
    c1 = (hi - v->start + cs - 1) / cs;
    for (uint64_t e; next_free_run (v->bitmap, &c, c1, &e); ) {
      uint64_t a, b;

      a = v->start + c * cs;
      b = v->start + e * cs;
      if (a < lo)
        a = lo;
      if (b > hi)
        b = hi;
      if (a < b)
        memset (used + (a - off) / EXP_UNIT, 0,
                (b - off + EXP_UNIT - 1) / EXP_UNIT - (a - off) / EXP_UNIT);
      c = e;
    }
  }
}

/* The part of V's clusters in which its bitmap decides: [*LO, *HI). */
static bool
bitmap_window (const struct exp_volume *v, uint64_t *lo, uint64_t *hi)
{
  if (!v->use_bitmap)
    return false;
  *lo = v->start + BOOT_REGION;
  *hi = v->start + v->nr_clusters * v->cluster_size;
  return *lo < *hi;
}

/* True when any of clusters [C, C1) is in use. */
static bool
any_bit (const uint8_t *bm, uint64_t c, uint64_t c1)
{
  for (; c < c1 && (c & 7) != 0; c++)
    if (bit_set (bm, c))
      return true;
  for (; c + 8 <= c1; c += 8)
    if (bm[c >> 3] != 0)
      return true;
  for (; c < c1; c++)
    if (bit_set (bm, c))
      return true;
  return false;
}

bool
exp_map_any_used (const struct exp_map *m, uint64_t off, uint64_t len)
{
  uint64_t end = len > UINT64_MAX - off ? UINT64_MAX : off + len, pos = off;

  while (pos < end) {
    const struct exp_volume *v = NULL;
    uint64_t lo = 0, hi = 0, stop, cs;

    /* Volumes do not overlap: at most one window holds POS. */
    for (size_t k = 0; k < m->n && v == NULL; k++)
      if (bitmap_window (&m->v[k], &lo, &hi) && lo <= pos && pos < hi)
        v = &m->v[k];
    if (v == NULL)
      return true;       /* outside every volume we can see into: copied */
    stop = end < hi ? end : hi;
    cs = v->cluster_size;
    if (any_bit (v->bitmap, (pos - v->start) / cs, (stop - v->start + cs - 1) / cs))
      return true;
    pos = stop;
  }
  return false;
}

/* Number of UNIT-aligned pieces of UNIT bytes that lie wholly inside free
 * clusters of V's bitmap window. */
static uint64_t
free_units (const struct exp_volume *v, uint64_t unit)
{
  uint64_t lo, hi, cs = v->cluster_size, c, n = 0;

  if (!bitmap_window (v, &lo, &hi))
    return 0;
  c = (lo - v->start) / cs;
  for (uint64_t e; next_free_run (v->bitmap, &c, v->nr_clusters, &e); ) {
    uint64_t a, b, first, last;

    a = v->start + c * cs;
    b = v->start + e * cs;
    if (a < lo)
      a = lo;
    first = (a + unit - 1) / unit;
    last = b / unit;
    if (last > first)
      n += last - first;
    c = e;
  }
  return n;
}

uint64_t
exp_map_used_units (const struct exp_map *m, uint64_t unit)
{
  uint64_t total = (m->disk_size + unit - 1) / unit, nfree = 0;

  /* Free runs of different volumes never touch (each volume's boot region
   * is used), so a unit wholly free lies inside one run of one volume. */
  for (size_t k = 0; k < m->n; k++)
    nfree += free_units (&m->v[k], unit);
  return nfree < total ? total - nfree : 0;
}
