/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Partition table entry point: decide between MBR, GPT and "no table",
 * then apply the checks every scheme shares (bounds, overlaps, order).
 *
 * What is fatal and what is only a warning:
 *  - fatal (NULL, EINVAL): overlapping partitions, a partition beyond the
 *    end of the disk, zero-size entries, a protective MBR without any
 *    usable GPT, both GPT headers bad, absurd GPT counts/sizes, EBR loops.
 *    Editing a disk whose layout we cannot trust is how data gets lost.
 *  - warning: the backup GPT was used or is itself bad, a GPT without a
 *    protective MBR, a hybrid MBR, an empty or unterminated EBR chain
 *    link, a bare volume (no table) at sector 0.  The layout we return is
 *    still unambiguous in those cases. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "part/part.h"

const char *
ow_part_role_name (enum ow_part_role role)
{
  switch (role) {
  case OW_ROLE_UNKNOWN: return "unknown";
  case OW_ROLE_DATA: return "data";
  case OW_ROLE_EFI: return "efi";
  case OW_ROLE_MSR: return "msr";
  case OW_ROLE_RECOVERY: return "recovery";
  case OW_ROLE_EXTENDED: return "extended";
  case OW_ROLE_LDM: return "ldm";
  case OW_ROLE_OTHER: return "other";
  }
  return "unknown";
}

void
ow_ptable_free (struct ow_ptable *pt)
{
  if (pt == NULL)
    return;
  for (size_t i = 0; i < pt->count; i++)
    free (pt->parts[i].name);
  free (pt->parts);
  for (size_t i = 0; i < pt->nwarnings; i++)
    free (pt->warnings[i]);
  free (pt->warnings);
  free (pt);
}

int
ow_pt_add (struct ow_ptable *pt, const struct ow_partition *p)
{
  struct ow_partition *np;

  /* Both schemes cap their own counts far below this; the check only
   * keeps the doubling arithmetic honest. */
  if (pt->count >= SIZE_MAX / 2 / sizeof *np) {
    free (p->name);
    return ow_err (ENOMEM, "partition table: too many partitions");
  }
  np = realloc (pt->parts, (pt->count + 1) * sizeof *np);
  if (np == NULL) {
    free (p->name);
    return ow_err (ENOMEM, "partition table: out of memory");
  }
  pt->parts = np;
  pt->parts[pt->count++] = *p;
  return 0;
}

int
ow_pt_warn (struct ow_ptable *pt, const char *fmt, ...)
{
  va_list ap;
  char *msg = NULL, **nw;
  int r;

  va_start (ap, fmt);
  r = vasprintf (&msg, fmt, ap);
  va_end (ap);
  if (r == -1)
    return ow_err (ENOMEM, "partition table: out of memory");
  nw = realloc (pt->warnings, (pt->nwarnings + 1) * sizeof *nw);
  if (nw == NULL) {
    free (msg);
    return ow_err (ENOMEM, "partition table: out of memory");
  }
  pt->warnings = nw;
  pt->warnings[pt->nwarnings++] = msg;
  ow_debug ("warning: %s", msg);
  return 0;
}

static int
cmp_number (const void *a, const void *b)
{
  const struct ow_partition *x = a, *y = b;

  return (x->number > y->number) - (x->number < y->number);
}

/* A logical partition lives inside the extended container by design; any
 * other pair of byte ranges must be disjoint. */
static bool
may_nest (const struct ow_partition *a, const struct ow_partition *b)
{
  return (a->role == OW_ROLE_EXTENDED && a->mbr_type != 0 && b->number > MBR_NUM_PRIMARY) ||
         (b->role == OW_ROLE_EXTENDED && b->mbr_type != 0 && a->number > MBR_NUM_PRIMARY);
}

static int
check_layout (struct ow_disk *disk, struct ow_ptable *pt)
{
  uint64_t disk_size = ow_disk_size (disk);

  for (size_t i = 0; i < pt->count; i++) {
    const struct ow_partition *p = &pt->parts[i];

    if (p->size == 0)
      return ow_err (EINVAL, "%s: partition %u has size zero",
                     ow_disk_spec (disk), p->number);
    if (p->start > disk_size || p->size > disk_size - p->start)
      return ow_err (EINVAL, "%s: partition %u (bytes %" PRIu64 "+%" PRIu64
                     ") extends beyond the end of the disk (%" PRIu64 " bytes)",
                     ow_disk_spec (disk), p->number, p->start, p->size,
                     disk_size);
    if (i > 0 && p->number == pt->parts[i - 1].number)
      return ow_err (EINVAL, "%s: partition number %u appears twice",
                     ow_disk_spec (disk), p->number);
  }
  /* Quadratic, but counts are capped (MAX_GPT_ENTRIES) and it reports the
   * exact pair, which is what someone repairing the disk needs. */
  for (size_t i = 0; i < pt->count; i++)
    for (size_t j = i + 1; j < pt->count; j++) {
      const struct ow_partition *a = &pt->parts[i], *b = &pt->parts[j];

      if (may_nest (a, b))
        continue;
      if (a->start < b->start + b->size && b->start < a->start + a->size)
        return ow_err (EINVAL, "%s: partitions %u (bytes %" PRIu64 "+%" PRIu64
                       ") and %u (bytes %" PRIu64 "+%" PRIu64 ") overlap",
                       ow_disk_spec (disk), a->number, a->start, a->size,
                       b->number, b->start, b->size);
    }
  return 0;
}

/* A bare volume written from sector 0 (a "superfloppy") also ends in
 * 0x55AA; its boot code would otherwise be read as partition entries. */
static const char *
volume_boot_sector (const uint8_t *s)
{
  if (memcmp (s + 3, "NTFS    ", 8) == 0) return "NTFS";
  if (memcmp (s + 3, "EXFAT   ", 8) == 0) return "exFAT";
  if (memcmp (s + 3, "-FVE-FS-", 8) == 0) return "BitLocker";
  if (memcmp (s + 0x52, "FAT32   ", 8) == 0) return "FAT32";
  if (memcmp (s + 0x36, "FAT1", 4) == 0) return "FAT";
  return NULL;
}

static bool
mbr_has_non_protective (const uint8_t *s)
{
  for (int i = 0; i < MBR_NUM_PRIMARY; i++) {
    uint8_t type = s[0x1BE + 16 * i + 4];
    if (type != 0 && type != 0xEE)
      return true;
  }
  return false;
}

struct ow_ptable *
ow_ptable_read (struct ow_disk *disk)
{
  struct ow_ptable *pt;
  uint8_t sector0[MBR_SIZE];
  bool have_mbr = false;
  const char *fs;
  int r;

  pt = calloc (1, sizeof *pt);
  if (pt == NULL) {
    ow_err (ENOMEM, "%s: partition table: out of memory", ow_disk_spec (disk));
    return NULL;
  }
  pt->scheme = OW_PT_NONE;
  pt->sector_size = ow_disk_sector_size (disk);

  if (ow_disk_size (disk) >= MBR_SIZE) {
    if (ow_disk_pread (disk, sector0, MBR_SIZE, 0) == -1) {
      ow_err_context ("reading the MBR");
      goto err;
    }
    have_mbr = sector0[510] == 0x55 && sector0[511] == 0xAA;
  }
  if (have_mbr)
    pt->mbr_signature = ow_le32 (sector0 + 0x1B8);

  if (!have_mbr || ow_mbr_is_protective (sector0)) {
    r = ow_gpt_read (disk, pt);
    if (r == -1)
      goto err;
    if (r == 1) {
      if (!have_mbr &&
          ow_pt_warn (pt, "GPT without a protective MBR (sector 0 has no 0x55AA signature)") == -1)
        goto err;
      if (have_mbr && mbr_has_non_protective (sector0) &&
          ow_pt_warn (pt, "hybrid MBR: sector 0 lists partitions besides the protective entry; the GPT is used") == -1)
        goto err;
      goto check;
    }
    if (have_mbr) {
      ow_err (EINVAL, "%s: protective MBR (type 0xEE) but no GPT header at "
              "LBA 1 or at the end of the disk", ow_disk_spec (disk));
      goto err;
    }
    return pt;                  /* no table at all */
  }

  if ((fs = volume_boot_sector (sector0)) != NULL) {
    if (ow_pt_warn (pt, "no partition table: sector 0 is a %s volume boot sector", fs) == -1)
      goto err;
    return pt;
  }

  pt->scheme = OW_PT_MBR;
  if (ow_mbr_read (disk, sector0, pt) == -1)
    goto err;

 check:
  if (pt->count > 1)
    qsort (pt->parts, pt->count, sizeof pt->parts[0], cmp_number);
  if (check_layout (disk, pt) == -1)
    goto err;
  ow_debug ("%s: %s table, %u-byte sectors, %zu partitions, %zu warnings",
            ow_disk_spec (disk), pt->scheme == OW_PT_GPT ? "GPT" : "MBR",
            pt->sector_size, pt->count, pt->nwarnings);
  return pt;

 err:
  ow_ptable_free (pt);
  return NULL;
}
