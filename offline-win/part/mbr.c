/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MBR ("DOS") partition tables: four primary entries in sector 0 and a
 * chain of extended boot records (EBRs) for logical partitions.
 *
 * Entry layout (16 bytes at 0x1BE + 16*i): status (0x00 or 0x80 = active),
 * CHS start (3, ignored: LBA is authoritative), system id, CHS end (3),
 * LBA start (le32), sector count (le32).  In an EBR, entry 0 is the logical
 * partition relative to that EBR, entry 1 links to the next EBR relative
 * to the start of the outermost extended partition. */
#include <inttypes.h>

#include "part/part.h"

#define MBR_TABLE_OFFSET 0x1BE
#define MBR_ENTRY_SIZE 16

struct mbr_entry {
  uint8_t status, type;
  uint32_t lba, sectors;
};

static void
get_entry (const uint8_t *sector, int i, struct mbr_entry *e)
{
  const uint8_t *p = sector + MBR_TABLE_OFFSET + MBR_ENTRY_SIZE * i;

  e->status = p[0];
  e->type = p[4];
  e->lba = ow_le32 (p + 8);
  e->sectors = ow_le32 (p + 12);
}

static bool
is_extended (uint8_t type)
{
  return type == 0x05 || type == 0x0F || type == 0x85;
}

bool
ow_mbr_is_protective (const uint8_t *sector0)
{
  struct mbr_entry e;

  for (int i = 0; i < MBR_NUM_PRIMARY; i++) {
    get_entry (sector0, i, &e);
    if (e.type == 0xEE)
      return true;
  }
  return false;
}

enum ow_part_role
ow_mbr_type_role (uint8_t type)
{
  switch (type) {
  case 0x07: return OW_ROLE_DATA;      /* NTFS / exFAT / IFS */
  case 0x27: return OW_ROLE_RECOVERY;  /* hidden NTFS WinRE */
  case 0xEF: return OW_ROLE_EFI;
  case 0x42: return OW_ROLE_LDM;       /* dynamic disk */
  case 0x05: case 0x0F: case 0x85: return OW_ROLE_EXTENDED;
  case 0x83: case 0x82: case 0x8E: return OW_ROLE_OTHER; /* Linux, swap, LVM */
  default: return OW_ROLE_UNKNOWN;
  }
}

static int
add_part (struct ow_ptable *pt, unsigned number, const struct mbr_entry *e,
          uint64_t start_lba)
{
  struct ow_partition p = { 0 };

  p.number = number;
  /* Both factors fit in 33 and 12 bits: no overflow. */
  p.start = start_lba * pt->sector_size;
  p.size = (uint64_t) e->sectors * pt->sector_size;
  p.role = ow_mbr_type_role (e->type);
  p.mbr_type = e->type;
  p.bootable = e->status == 0x80;
  return ow_pt_add (pt, &p);
}

/* Checks shared by primary and logical entries; WHERE names the entry in
 * messages ("partition 2", "logical partition 5"). */
static int
check_entry (struct ow_disk *disk, const struct mbr_entry *e, const char *where,
             unsigned number)
{
  if (e->status != 0x00 && e->status != 0x80)
    return ow_err (EINVAL, "%s: MBR %s %u: invalid status byte 0x%02x "
                   "(not a partition table?)", ow_disk_spec (disk), where,
                   number, e->status);
  if (e->sectors == 0)
    return ow_err (EINVAL, "%s: MBR %s %u (type 0x%02x) has size zero",
                   ow_disk_spec (disk), where, number, e->type);
  if (e->lba == 0)
    return ow_err (EINVAL, "%s: MBR %s %u starts at relative sector 0, "
                   "on top of its own table", ow_disk_spec (disk), where, number);
  return 0;
}

static int
read_ebr_chain (struct ow_disk *disk, struct ow_ptable *pt,
                uint64_t ext_start, uint64_t ext_sectors)
{
  const uint64_t ext_end = ext_start + ext_sectors;
  const unsigned ss = pt->sector_size;
  uint64_t visited[MAX_LOGICAL_PARTITIONS];
  size_t nvisited = 0;
  uint64_t ebr = ext_start;
  unsigned number = MBR_NUM_PRIMARY + 1;
  uint8_t sec[MBR_SIZE];
  struct mbr_entry e0, e1;

  for (;;) {
    for (size_t i = 0; i < nvisited; i++)
      if (visited[i] == ebr)
        return ow_err (EINVAL, "%s: EBR chain loops back to sector %" PRIu64
                       " (EBR number %zu of the chain points there)",
                       ow_disk_spec (disk), ebr, nvisited);
    if (nvisited == MAX_LOGICAL_PARTITIONS)
      return ow_err (EINVAL, "%s: EBR chain longer than %d links",
                     ow_disk_spec (disk), MAX_LOGICAL_PARTITIONS);
    visited[nvisited++] = ebr;

    /* ebr < ext_end <= disk sectors, so the byte offset cannot overflow
     * and the read stays on the disk (checked again by the disk layer). */
    if (ow_disk_pread (disk, sec, MBR_SIZE, ebr * ss) == -1) {
      ow_err_context ("reading the EBR at sector %" PRIu64, ebr);
      return -1;
    }
    if (sec[510] != 0x55 || sec[511] != 0xAA) {
      /* Not fatal: everything found so far is sound; what follows is
       * unreachable for Windows too. */
      return ow_pt_warn (pt, nvisited == 1
                         ? "extended partition at sector %" PRIu64 " has no valid EBR: no logical partitions"
                         : "EBR at sector %" PRIu64 " has no 0x55AA signature: logical partition chain cut short",
                         ebr);
    }
    get_entry (sec, 0, &e0);
    get_entry (sec, 1, &e1);

    if (e0.type != 0) {
      uint64_t start;

      if (check_entry (disk, &e0, "logical partition", number) == -1)
        return -1;
      if (is_extended (e0.type))
        return ow_err (EINVAL, "%s: EBR at sector %" PRIu64 " describes a nested "
                       "extended partition (type 0x%02x) where a logical "
                       "partition belongs", ow_disk_spec (disk), ebr, e0.type);
      start = ebr + e0.lba;
      if (start >= ext_end || e0.sectors > ext_end - start)
        return ow_err (EINVAL, "%s: logical partition %u (sectors %" PRIu64 "+%" PRIu32
                       ") extends beyond its extended partition (sectors %" PRIu64
                       "+%" PRIu64 ")", ow_disk_spec (disk), number, start,
                       e0.sectors, ext_start, ext_sectors);
      if (add_part (pt, number, &e0, start) == -1)
        return -1;
      number++;
    }

    if (e1.type == 0)
      return 0;
    if (!is_extended (e1.type))
      return ow_pt_warn (pt, "EBR at sector %" PRIu64 ": second entry has type 0x%02x, "
                         "not a link to the next EBR; chain ends here", ebr, e1.type);
    if (e1.lba >= ext_sectors)
      return ow_err (EINVAL, "%s: EBR at sector %" PRIu64 " links to sector %" PRIu64
                     ", outside its extended partition (sectors %" PRIu64 "+%" PRIu64 ")",
                     ow_disk_spec (disk), ebr, ext_start + e1.lba, ext_start,
                     ext_sectors);
    ebr = ext_start + e1.lba;
  }
}

int
ow_mbr_read (struct ow_disk *disk, const uint8_t *sector0, struct ow_ptable *pt)
{
  const uint64_t disk_sectors = ow_disk_size (disk) / pt->sector_size;
  struct mbr_entry e, ext = { 0 };
  int ext_index = -1;

  for (int i = 0; i < MBR_NUM_PRIMARY; i++) {
    get_entry (sector0, i, &e);
    if (e.type == 0)
      continue;
    if (check_entry (disk, &e, "partition", i + 1) == -1)
      return -1;
    if ((uint64_t) e.lba + e.sectors > disk_sectors)
      return ow_err (EINVAL, "%s: MBR partition %d (sectors %" PRIu32 "+%" PRIu32
                     ") extends beyond the end of the disk (%" PRIu64 " sectors of %u bytes)",
                     ow_disk_spec (disk), i + 1, e.lba, e.sectors, disk_sectors,
                     pt->sector_size);
    if (is_extended (e.type)) {
      /* Windows and Linux both assume one container; a second one would
       * make logical numbering ambiguous. */
      if (ext_index != -1)
        return ow_err (EINVAL, "%s: MBR partitions %d and %d are both extended "
                       "partitions", ow_disk_spec (disk), ext_index + 1, i + 1);
      ext_index = i;
      ext = e;
    }
    if (add_part (pt, i + 1, &e, e.lba) == -1)
      return -1;
  }
  if (ext_index != -1)
    return read_ebr_chain (disk, pt, ext.lba, ext.sectors);
  return 0;
}
