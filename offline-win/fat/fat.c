/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Read-only path lookup on FAT12/16/32 (the EFI system partition holds the
 * UEFI boot configuration, \EFI\Microsoft\Boot\BCD).  Every field comes
 * from the disk: bounds-checked, cluster chains capped by the volume's own
 * cluster count so a looping FAT cannot hang us. */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>

#include "internal.h"

#define DIRENT_SIZE 32
#define ATTR_LFN 0x0F
#define ATTR_DIR 0x10
#define LFN_CHARS 13
#define MAX_LFN 255
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
  return 0;
}

/* Next cluster in the chain, or 0 at the end (or on a bad entry). */
static uint32_t
next_cluster (struct fat *f, uint32_t c)
{
  uint8_t b[4] = { 0 };
  uint64_t off;
  uint32_t v;

  if (c < 2 || c >= f->clusters + 2)
    return 0;
  switch (f->type) {
  case 12:
    off = f->fat_off + c + c / 2;
    if (ow_disk_pread (f->disk, b, 2, f->start + off) == -1)
      return 0;
    v = ow_le16 (b);
    v = c & 1 ? v >> 4 : v & 0xFFF;
    return v >= 0xFF8 || v < 2 ? 0 : v;
  case 16:
    if (ow_disk_pread (f->disk, b, 2, f->start + f->fat_off + (uint64_t) c * 2) == -1)
      return 0;
    v = ow_le16 (b);
    return v >= 0xFFF8 || v < 2 ? 0 : v;
  default:
    if (ow_disk_pread (f->disk, b, 4, f->start + f->fat_off + (uint64_t) c * 4) == -1)
      return 0;
    v = ow_le32 (b) & 0x0FFFFFFF;
    return v >= 0x0FFFFFF8 || v < 2 ? 0 : v;
  }
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
    if (buf && ow_disk_pread (f->disk, buf, *len, f->start + f->root_off) == -1) {
      free (buf);
      return NULL;
    }
    return buf;
  }
  buf = NULL;
  for (uint32_t steps = 0; cluster && steps <= f->clusters; steps++) {
    uint8_t *nb;
    if (n + csize > MAX_DIR_BYTES || (nb = realloc (buf, n + csize)) == NULL) {
      free (buf);
      ow_err (E2BIG, "FAT directory too large");
      return NULL;
    }
    buf = nb;
    if (ow_disk_pread (f->disk, buf + n, csize,
                       f->start + f->data_off + (uint64_t) (cluster - 2) * csize) == -1) {
      free (buf);
      return NULL;
    }
    n += csize;
    cluster = next_cluster (f, cluster);
  }
  *len = n;
  return buf;
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

/* Find NAME in the directory at CLUSTER: 1 found (*CHILD, *IS_DIR set). */
static int
find_in_dir (struct fat *f, uint32_t cluster, const char *name, uint32_t *child, bool *is_dir)
{
  size_t len = 0;
  uint8_t *d = read_dir (f, cluster, &len);
  uint16_t lfn[MAX_LFN + 1];
  bool have_lfn = false;
  int r = 0;

  if (d == NULL)
    return -1;
  memset (lfn, 0, sizeof lfn);
  for (size_t off = 0; off + DIRENT_SIZE <= len; off += DIRENT_SIZE) {
    const uint8_t *e = d + off;
    char sname[13], *lname = NULL;

    if (e[0] == 0x00)
      break;
    if (e[0] == 0xE5) {
      have_lfn = false;
      continue;
    }
    if (e[11] == ATTR_LFN) {
      unsigned seq = e[0] & 0x1F;
      static const int pos[LFN_CHARS] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
      if (seq == 0 || seq * LFN_CHARS > MAX_LFN)
        continue;
      if (e[0] & 0x40) {
        memset (lfn, 0, sizeof lfn);
        have_lfn = true;
      }
      for (int i = 0; i < LFN_CHARS; i++)
        lfn[(seq - 1) * LFN_CHARS + i] = ow_le16 (e + pos[i]);
      continue;
    }
    if (e[11] & 0x08) {        /* volume label */
      have_lfn = false;
      continue;
    }
    short_name (e, sname);
    if (have_lfn) {
      size_t n = 0;
      while (n < MAX_LFN && lfn[n] && lfn[n] != 0xFFFF)
        n++;
      lname = ow_utf16le_to_utf8 (lfn, n * 2);
    }
    have_lfn = false;
    if (same_ci (sname, name) || (lname && same_ci (lname, name))) {
      *child = (uint32_t) ow_le16 (e + 20) << 16 | ow_le16 (e + 26);
      if (f->type != 32)
        *child &= 0xFFFF;
      *is_dir = e[11] & ATTR_DIR;
      free (lname);
      r = 1;
      break;
    }
    free (lname);
  }
  free (d);
  return r;
}

int
ow_fat_path_exists (struct ow_disk *disk, uint64_t start, uint64_t size, const char *path)
{
  struct fat f;
  char *copy, *save = NULL;
  uint32_t cluster;
  bool is_dir = true;
  int depth = 0, r = 1;

  if (fat_open (&f, disk, start, size) == -1)
    return -1;
  cluster = f.type == 32 ? f.root_cluster : 0;
  copy = strdup (path);
  if (copy == NULL)
    return ow_err (ENOMEM, "out of memory");
  for (char *c = strtok_r (copy, "/", &save); c && r == 1; c = strtok_r (NULL, "/", &save)) {
    if (!is_dir || ++depth > MAX_PATH_DEPTH)
      r = 0;
    else
      r = find_in_dir (&f, cluster, c, &cluster, &is_dir);
  }
  free (copy);
  return r;
}
