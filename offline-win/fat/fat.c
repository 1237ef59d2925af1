/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Read-only path lookup on FAT12/16/32 (the EFI system partition holds the
 * UEFI boot configuration, \EFI\Microsoft\Boot\BCD).  Every field comes
 * from the disk: every cluster is checked against the volume (not only the
 * disk), a chain entry that is free, bad or outside the volume is damage,
 * chains are capped by the volume's own cluster count so a looping FAT
 * cannot hang us, long names are used only when their checksum matches
 * their short entry, and all multi-byte fields are decoded little-endian
 * byte by byte (long names are kept as the UTF-16LE bytes of the disk). */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>

#include "internal.h"

#define DIRENT_SIZE 32
#define ATTR_LFN 0x0F
#define ATTR_DIR 0x10
#define LFN_CHARS 13
#define MAX_LFN_ENTRIES 20   /* 20 x 13 = 260 >= the 255-character limit */
/* Directories deeper than this, or bigger, are not what an ESP holds. */
#define MAX_PATH_DEPTH 16
#define MAX_DIR_BYTES (16u * 1024 * 1024)

struct fat {
  struct ow_disk *disk;
  uint64_t start, size;
  unsigned bps, spc, type;        /* bytes/sector, sectors/cluster, 12/16/32 */
  uint64_t fat_off, root_off, data_off;   /* byte offsets in the volume */
  uint32_t root_entries, root_cluster, clusters;
};

static int cluster_offset (const struct fat *f, uint32_t c, uint64_t *off);

static int
fat_open (struct fat *f, struct ow_disk *disk, uint64_t start, uint64_t size)
{
  uint8_t bs[512];
  uint32_t reserved, nfats, fatsz, total, root_sectors, data_sectors;

  memset (f, 0, sizeof *f);
  f->disk = disk;
  f->start = start;
  f->size = size;
  if (size < sizeof bs || ow_disk_pread (disk, bs, sizeof bs, start) == -1)
    return ow_err (EIO, "FAT volume at %" PRIu64 ": cannot read the boot sector", start);
  f->bps = ow_le16 (bs + 0x0B);
  f->spc = bs[0x0D];
  reserved = ow_le16 (bs + 0x0E);
  nfats = bs[0x10];
  f->root_entries = ow_le16 (bs + 0x11);
  total = ow_le16 (bs + 0x13) ? ow_le16 (bs + 0x13) : ow_le32 (bs + 0x20);
  fatsz = ow_le16 (bs + 0x16) ? ow_le16 (bs + 0x16) : ow_le32 (bs + 0x24);
  if ((f->bps != 512 && f->bps != 1024 && f->bps != 2048 && f->bps != 4096) ||
      f->spc == 0 || (f->spc & (f->spc - 1)) || reserved == 0 || nfats == 0 || fatsz == 0 ||
      (uint64_t) total * f->bps > size)
    return ow_err (EINVAL, "FAT volume at %" PRIu64 ": implausible boot sector", start);
  root_sectors = (f->root_entries * DIRENT_SIZE + f->bps - 1) / f->bps;
  if ((uint64_t) reserved + (uint64_t) nfats * fatsz + root_sectors >= total)
    return ow_err (EINVAL, "FAT volume at %" PRIu64 ": no room for data", start);
  data_sectors = total - reserved - nfats * fatsz - root_sectors;
  f->clusters = data_sectors / f->spc;
  f->type = f->clusters < 4085 ? 12 : f->clusters < 65525 ? 16 : 32;
  f->fat_off = (uint64_t) reserved * f->bps;
  f->root_off = (uint64_t) (reserved + nfats * fatsz) * f->bps;
  f->data_off = f->root_off + (uint64_t) root_sectors * f->bps;
  f->root_cluster = f->type == 32 ? ow_le32 (bs + 0x2C) : 0;
  if ((uint64_t) fatsz * f->bps * 8 < (uint64_t) (f->clusters + 2) * f->type)
    return ow_err (EINVAL, "FAT volume at %" PRIu64 ": FAT too small for its clusters", start);
  if (f->type == 32) {
    uint64_t off;
    if (cluster_offset (f, f->root_cluster, &off) == -1)
      return -1;
  }
  return 0;
}

/* Byte offset in the volume of data cluster C, which must be one of the
 * volume's clusters and lie wholly inside the volume (not only the disk). */
static int
cluster_offset (const struct fat *f, uint32_t c, uint64_t *off)
{
  uint64_t csize = (uint64_t) f->spc * f->bps;

  if (c < 2 || c - 2 >= f->clusters)
    return ow_err (EINVAL, "FAT volume at %" PRIu64 ": cluster %" PRIu32 " is not one of its "
                   "%" PRIu32 " clusters", f->start, c, f->clusters);
  *off = f->data_off + (uint64_t) (c - 2) * csize;
  if (*off > f->size || csize > f->size - *off)
    return ow_err (EINVAL, "FAT volume at %" PRIu64 ": cluster %" PRIu32 " lies past the end "
                   "of the volume", f->start, c);
  return 0;
}

/* The FAT entry of cluster C: *NEXT is the next cluster of the chain, or 0
 * at its end.  A free, reserved or bad entry inside a chain, or one that
 * points outside the volume, is damage (-1), as is a read error. */
static int
next_cluster (const struct fat *f, uint32_t c, uint32_t *next)
{
  uint8_t b[4] = { 0 };
  uint64_t off;
  uint32_t v, end, bad;

  switch (f->type) {
  case 12:
    off = f->fat_off + c + c / 2;
    if (ow_disk_pread (f->disk, b, 2, f->start + off) == -1)
      return -1;
    v = ow_le16 (b);
    v = c & 1 ? v >> 4 : v & 0xFFF;
    end = 0xFF8, bad = 0xFF7;
    break;
  case 16:
    if (ow_disk_pread (f->disk, b, 2, f->start + f->fat_off + (uint64_t) c * 2) == -1)
      return -1;
    v = ow_le16 (b);
    end = 0xFFF8, bad = 0xFFF7;
    break;
  default:
    if (ow_disk_pread (f->disk, b, 4, f->start + f->fat_off + (uint64_t) c * 4) == -1)
      return -1;
    v = ow_le32 (b) & 0x0FFFFFFF;
    end = 0x0FFFFFF8, bad = 0x0FFFFFF7;
  }
  if (v >= end) {
    *next = 0;
    return 0;
  }
  if (v < 2 || v == bad || v - 2 >= f->clusters)
    return ow_err (EINVAL, "FAT volume at %" PRIu64 ": the chain of cluster %" PRIu32
                   " continues at %#" PRIx32 ", not a cluster of the volume", f->start, c, v);
  *next = v;
  return 0;
}

/* Read a directory: the fixed root (FAT12/16, CLUSTER 0) or a chain. */
static uint8_t *
read_dir (struct fat *f, uint32_t cluster, size_t *len)
{
  size_t csize = (size_t) f->spc * f->bps, n = 0;
  uint8_t *buf;

  if (cluster == 0) {
    *len = (size_t) f->root_entries * DIRENT_SIZE;
    buf = malloc (*len ? *len : 1);
    if (buf == NULL)
      ow_err (ENOMEM, "out of memory");
    else if (ow_disk_pread (f->disk, buf, *len, f->start + f->root_off) == -1) {
      free (buf);
      return NULL;
    }
    return buf;
  }
  buf = NULL;
  /* Brent's cycle detection: a chain that comes back to a cluster it
   * already visited loops, found within twice its length. */
  uint32_t mark = cluster, power = 1, lam = 0;
  size_t cap = 0;
  while (cluster) {
    uint64_t off;

    if (cluster_offset (f, cluster, &off) == -1)
      goto fail;
    if (n + csize > MAX_DIR_BYTES) {
      ow_err (E2BIG, "FAT volume at %" PRIu64 ": directory larger than %u bytes", f->start,
              MAX_DIR_BYTES);
      goto fail;
    }
    if (n + csize > cap) {      /* grow geometrically: no quadratic copying */
      size_t ncap = cap ? cap * 2 : csize;
      uint8_t *nb;
      while (ncap < n + csize)
        ncap *= 2;
      if ((nb = realloc (buf, ncap)) == NULL) {
        ow_err (ENOMEM, "out of memory");
        goto fail;
      }
      buf = nb;
      cap = ncap;
    }
    if (ow_disk_pread (f->disk, buf + n, csize, f->start + off) == -1)
      goto fail;
    n += csize;
    if (next_cluster (f, cluster, &cluster) == -1)
      goto fail;
    if (cluster != 0 && cluster == mark) {
      ow_err (ELOOP, "FAT volume at %" PRIu64 ": a directory's cluster chain loops", f->start);
      goto fail;
    }
    if (++lam == power) {
      mark = cluster;
      power *= 2;
      lam = 0;
    }
  }
  *len = n;
  return buf;
 fail:
  free (buf);
  return NULL;
}

static bool
same_ci (const char *a, const char *b)
{
  return strcasecmp (a, b) == 0;
}

/* The 8.3 name of entry E as "NAME.EXT". */
static void
short_name (const uint8_t *e, char out[13])
{
  size_t n = 0;

  for (int i = 0; i < 8 && e[i] != ' '; i++)
    out[n++] = (char) e[i];
  if (e[8] != ' ') {
    out[n++] = '.';
    for (int i = 8; i < 11 && e[i] != ' '; i++)
      out[n++] = (char) e[i];
  }
  out[n] = '\0';
}

/* The checksum every long-name entry carries of its short entry's 11-byte
 * name (Microsoft FAT specification, "ChkSum"). */
static uint8_t
lfn_checksum (const uint8_t *e)
{
  uint8_t sum = 0;

  for (int i = 0; i < 11; i++)
    sum = (uint8_t) (((sum & 1) << 7) + (sum >> 1) + e[i]);
  return sum;
}

/* A long name being collected: its UTF-16LE bytes as stored on disk, the
 * sequence number expected next (counting down to 1) and the checksum all
 * its entries must share. */
struct lfn {
  uint8_t name[MAX_LFN_ENTRIES * LFN_CHARS * 2];
  unsigned expect;               /* 0: none in progress (or complete) */
  bool complete;
  uint8_t sum;
};

static void
lfn_add (struct lfn *l, const uint8_t *e)
{
  static const int pos[LFN_CHARS] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
  unsigned seq = e[0] & 0x1F;

  if (e[0] & 0x40) {              /* the last part comes first */
    memset (l->name, 0, sizeof l->name);
    l->expect = seq;
    l->sum = e[13];
    l->complete = false;
  }
  if (seq == 0 || seq > MAX_LFN_ENTRIES || seq != l->expect || e[13] != l->sum) {
    l->expect = 0;                /* out of order or foreign: drop it */
    l->complete = false;
    return;
  }
  for (int i = 0; i < LFN_CHARS; i++)
    memcpy (l->name + ((seq - 1) * LFN_CHARS + i) * 2, e + pos[i], 2);
  l->expect = seq - 1;
  l->complete = seq == 1;
}

/* The long name for short entry E, if one was collected for it. */
static char *
lfn_take (struct lfn *l, const uint8_t *e)
{
  size_t n = 0;
  bool ok = l->complete && l->sum == lfn_checksum (e);

  l->expect = 0;
  l->complete = false;
  if (!ok)
    return NULL;
  while (n < sizeof l->name / 2) {
    uint16_t ch = ow_le16 (l->name + n * 2);
    if (ch == 0 || ch == 0xFFFF)
      break;
    n++;
  }
  return ow_utf16le_to_utf8 (l->name, n * 2);
}

/* Find NAME in the directory at CLUSTER: 1 found (*CHILD, *IS_DIR, *SIZE set). */
static int
find_in_dir (struct fat *f, uint32_t cluster, const char *name, uint32_t *child, bool *is_dir,
             uint32_t *size)
{
  size_t len = 0;
  uint8_t *d = read_dir (f, cluster, &len);
  struct lfn *lfn = calloc (1, sizeof *lfn);
  int r = 0;

  if (d == NULL || lfn == NULL) {
    if (d != NULL)
      ow_err (ENOMEM, "out of memory");
    free (d);
    free (lfn);
    return -1;
  }
  for (size_t off = 0; off + DIRENT_SIZE <= len; off += DIRENT_SIZE) {
    const uint8_t *e = d + off;
    char sname[13], *lname;

    if (e[0] == 0x00)
      break;
    if (e[0] == 0xE5) {
      lfn->expect = 0;
      lfn->complete = false;
      continue;
    }
    if ((e[11] & 0x3F) == ATTR_LFN) {
      lfn_add (lfn, e);
      continue;
    }
    if (e[11] & 0x08) {        /* volume label */
      lfn->expect = 0;
      lfn->complete = false;
      continue;
    }
    short_name (e, sname);
    lname = lfn_take (lfn, e);
    if (same_ci (sname, name) || (lname && same_ci (lname, name))) {
      *child = (uint32_t) ow_le16 (e + 20) << 16 | ow_le16 (e + 26);
      if (f->type != 32)
        *child &= 0xFFFF;
      *is_dir = e[11] & ATTR_DIR;
      *size = ow_le32 (e + 28);
      free (lname);
      r = 1;
      /* A directory must start at one of the volume's clusters. */
      if (*is_dir) {
        uint64_t coff;
        if (cluster_offset (f, *child, &coff) == -1)
          r = -1;
      }
      break;
    }
    free (lname);
  }
  free (d);
  free (lfn);
  return r;
}

/* Walk PATH from the root: 1 found (*CLUSTER, *IS_DIR, *SIZE of the last
 * component), 0 absent, -1 unreadable. */
static int
walk (struct fat *f, const char *path, uint32_t *cluster, bool *is_dir, uint32_t *size)
{
  char *copy, *save = NULL;
  int depth = 0, r = 1;

  *cluster = f->type == 32 ? f->root_cluster : 0;
  *is_dir = true;
  *size = 0;
  copy = strdup (path);
  if (copy == NULL)
    return ow_err (ENOMEM, "out of memory");
  for (char *c = strtok_r (copy, "/", &save); c && r == 1; c = strtok_r (NULL, "/", &save)) {
    if (!*is_dir || ++depth > MAX_PATH_DEPTH)
      r = 0;
    else
      r = find_in_dir (f, *cluster, c, cluster, is_dir, size);
  }
  free (copy);
  return r;
}

int
ow_fat_path_exists (struct ow_disk *disk, uint64_t start, uint64_t size, const char *path)
{
  struct fat f;
  uint32_t cluster, fsize;
  bool is_dir;

  if (fat_open (&f, disk, start, size) == -1)
    return -1;
  return walk (&f, path, &cluster, &is_dir, &fsize);
}

int
ow_fat_file_read (struct ow_disk *disk, uint64_t start, uint64_t size, const char *path,
                  size_t max, void **buf, size_t *len)
{
  struct fat f;
  uint32_t cluster, fsize, steps = 0;
  bool is_dir;
  size_t csize, got = 0;
  uint8_t *b;
  int r;

  *buf = NULL;
  *len = 0;
  if (fat_open (&f, disk, start, size) == -1)
    return -1;
  r = walk (&f, path, &cluster, &is_dir, &fsize);
  if (r != 1)
    return r == 0 ? ow_err (ENOENT, "%s: not found on the FAT volume", path) : -1;
  if (is_dir)
    return ow_err (EISDIR, "%s: a directory", path);
  if (fsize > max)
    return ow_err (EFBIG, "%s: larger than %zu bytes", path, max);
  csize = (size_t) f.spc * f.bps;
  b = malloc (fsize ? fsize : 1);
  if (b == NULL)
    return ow_err (ENOMEM, "out of memory");
  /* The chain must cover the size and may not loop: at most one cluster
   * per csize bytes of the file is followed. */
  while (got < fsize) {
    uint64_t off;
    size_t n = fsize - got < csize ? fsize - got : csize;
    if (cluster == 0 || ++steps > f.clusters) {
      free (b);
      return ow_err (EINVAL, "%s: cluster chain shorter than the file's size", path);
    }
    if (cluster_offset (&f, cluster, &off) == -1 ||
        ow_disk_pread (disk, b + got, n, start + off) == -1 ||
        next_cluster (&f, cluster, &cluster) == -1) {
      free (b);
      return -1;
    }
    got += n;
  }
  *buf = b;
  *len = fsize;
  return 0;
}
