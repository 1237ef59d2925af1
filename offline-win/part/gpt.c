/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GUID partition tables (UEFI spec, chapter 5).
 *
 * Header (LBA 1, backup at the last LBA), little-endian:
 *   0 "EFI PART"   8 revision   12 header size   16 header CRC32
 *  20 reserved    24 MyLBA     32 AlternateLBA  40 FirstUsableLBA
 *  48 LastUsableLBA  56 DiskGUID  72 PartitionEntryLBA
 *  80 NumberOfPartitionEntries  84 SizeOfPartitionEntry
 *  88 PartitionEntryArrayCRC32
 * Entry: 0 type GUID, 16 unique GUID, 32 first LBA, 40 last LBA
 * (inclusive), 48 attributes, 56 name (36 UTF-16LE code units).
 *
 * The sector size is not recorded anywhere: we look for the signature at
 * LBA 1 using the disk's own sector size first, then the other common one
 * (an image of a 4Kn disk read from a file reports 512). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "part/part.h"

#define GPT_SIGNATURE "EFI PART"
#define GPT_PRIMARY_LBA 1

enum load_status { GPT_ERROR = -1, GPT_ABSENT = 0, GPT_INVALID = 1, GPT_VALID = 2 };

struct gpt_header {
  uint64_t my_lba, alt_lba, first_usable, last_usable, entries_lba;
  uint32_t nentries, entry_size, entries_crc;
  uint8_t disk_guid[16];
};

/* Reasons are built from numbers only; truncation would merely shorten a
 * message. */
#define REASON_SIZE 256

static uint64_t
disk_lbas (struct ow_disk *disk, unsigned ss)
{
  return ow_disk_size (disk) / ss;
}

/* Read and validate the header at LBA.  On GPT_INVALID, REASON says why. */
static enum load_status
read_header (struct ow_disk *disk, unsigned ss, uint64_t lba,
             struct gpt_header *h, char *reason)
{
  const uint64_t nlbas = disk_lbas (disk, ss);
  enum load_status st = GPT_ERROR;
  uint8_t *buf = NULL;
  uint32_t hsize, crc;
  uint64_t array_bytes, array_lbas;

  if (lba >= nlbas)
    return GPT_ABSENT;
  buf = malloc (ss);
  if (buf == NULL) {
    ow_err (ENOMEM, "%s: GPT: out of memory", ow_disk_spec (disk));
    goto out;
  }
  if (ow_disk_pread (disk, buf, ss, lba * ss) == -1) {
    ow_err_context ("reading the GPT header at LBA %" PRIu64, lba);
    goto out;
  }
  if (memcmp (buf, GPT_SIGNATURE, 8) != 0) {
    st = GPT_ABSENT;
    goto out;
  }
  st = GPT_INVALID;
  hsize = ow_le32 (buf + 12);
  if (hsize < GPT_HEADER_MIN_SIZE || hsize > ss) {
    snprintf (reason, REASON_SIZE, "header size %" PRIu32 " is not in %d..%u",
              hsize, GPT_HEADER_MIN_SIZE, ss);
    goto out;
  }
  crc = ow_le32 (buf + 16);
  ow_put_le32 (buf + 16, 0);
  if (ow_crc32 (buf, hsize) != crc) {
    snprintf (reason, REASON_SIZE, "header CRC32 mismatch (stored 0x%08" PRIx32
              ", computed 0x%08" PRIx32 ")", crc, ow_crc32 (buf, hsize));
    goto out;
  }
  h->my_lba = ow_le64 (buf + 24);
  h->alt_lba = ow_le64 (buf + 32);
  h->first_usable = ow_le64 (buf + 40);
  h->last_usable = ow_le64 (buf + 48);
  memcpy (h->disk_guid, buf + 56, 16);
  h->entries_lba = ow_le64 (buf + 72);
  h->nentries = ow_le32 (buf + 80);
  h->entry_size = ow_le32 (buf + 84);
  h->entries_crc = ow_le32 (buf + 88);

  if (h->my_lba != lba) {
    snprintf (reason, REASON_SIZE, "header at LBA %" PRIu64 " says it is at LBA %" PRIu64,
              lba, h->my_lba);
    goto out;
  }
  /* LBA 0 (MBR) and LBA 1 (primary header) are never usable. */
  if (h->first_usable < 2 || h->first_usable > h->last_usable ||
      h->last_usable >= nlbas) {
    snprintf (reason, REASON_SIZE, "usable area LBA %" PRIu64 "..%" PRIu64
              " is not within the disk (LBA 2..%" PRIu64 ")",
              h->first_usable, h->last_usable, nlbas - 1);
    goto out;
  }
  if (lba >= h->first_usable && lba <= h->last_usable) {
    snprintf (reason, REASON_SIZE, "header LBA %" PRIu64 " lies inside the usable area", lba);
    goto out;
  }
  if (h->entry_size < GPT_MIN_ENTRY_SIZE || h->entry_size % 8 != 0 ||
      h->entry_size > MAX_GPT_ENTRY_SIZE) {
    snprintf (reason, REASON_SIZE, "partition entry size %" PRIu32
              " is not a multiple of 8 in %d..%d", h->entry_size,
              GPT_MIN_ENTRY_SIZE, MAX_GPT_ENTRY_SIZE);
    goto out;
  }
  if (h->nentries > MAX_GPT_ENTRIES) {
    snprintf (reason, REASON_SIZE, "%" PRIu32 " partition entries (limit %d)",
              h->nentries, MAX_GPT_ENTRIES);
    goto out;
  }
  /* Both factors are capped above: the product fits easily. */
  array_bytes = (uint64_t) h->nentries * h->entry_size;
  if (array_bytes > MAX_GPT_ARRAY_BYTES) {
    snprintf (reason, REASON_SIZE, "partition entry array of %" PRIu64
              " bytes (limit %u)", array_bytes, MAX_GPT_ARRAY_BYTES);
    goto out;
  }
  array_lbas = (array_bytes + ss - 1) / ss;
  if (h->entries_lba < 2 || h->entries_lba >= nlbas ||
      array_lbas > nlbas - h->entries_lba) {
    snprintf (reason, REASON_SIZE, "partition entry array at LBA %" PRIu64
              " (%" PRIu64 " sectors) is not within the disk",
              h->entries_lba, array_lbas);
    goto out;
  }
  if (array_lbas > 0 &&
      ((lba >= h->entries_lba && lba < h->entries_lba + array_lbas) ||
       (h->entries_lba <= h->last_usable &&
        h->entries_lba + array_lbas > h->first_usable))) {
    snprintf (reason, REASON_SIZE, "partition entry array at LBA %" PRIu64
              " (%" PRIu64 " sectors) overlaps the header or the usable area",
              h->entries_lba, array_lbas);
    goto out;
  }
  st = GPT_VALID;
 out:
  free (buf);
  return st;
}

/* Header at LBA plus its entry array, CRC checked.  *ARRAY is malloc'd
 * on GPT_VALID.  *HEADER_OK (if not NULL) tells whether the header alone
 * was sound, so that its fields may be trusted even if the entries are
 * not. */
static enum load_status
load (struct ow_disk *disk, unsigned ss, uint64_t lba, struct gpt_header *h,
      uint8_t **array, char *reason, bool *header_ok)
{
  enum load_status st;
  size_t bytes;
  uint32_t crc;

  *array = NULL;
  st = read_header (disk, ss, lba, h, reason);
  if (header_ok)
    *header_ok = st == GPT_VALID;
  if (st != GPT_VALID)
    return st;
  bytes = (size_t) h->nentries * h->entry_size;
  /* Never 0 bytes to malloc: an empty array is valid (CRC of nothing). */
  *array = malloc (bytes ? bytes : 1);
  if (*array == NULL) {
    ow_err (ENOMEM, "%s: GPT: out of memory", ow_disk_spec (disk));
    return GPT_ERROR;
  }
  if (ow_disk_pread (disk, *array, bytes, h->entries_lba * ss) == -1) {
    ow_err_context ("reading the GPT entry array at LBA %" PRIu64, h->entries_lba);
    goto fail;
  }
  crc = ow_crc32 (*array, bytes);
  if (crc != h->entries_crc) {
    snprintf (reason, REASON_SIZE, "partition entry array CRC32 mismatch (stored 0x%08"
              PRIx32 ", computed 0x%08" PRIx32 ")", h->entries_crc, crc);
    free (*array);
    *array = NULL;
    return GPT_INVALID;
  }
  return GPT_VALID;
 fail:
  free (*array);
  *array = NULL;
  return GPT_ERROR;
}

static int
parse_entries (struct ow_disk *disk, struct ow_ptable *pt,
               const struct gpt_header *h, const uint8_t *array)
{
  for (uint32_t i = 0; i < h->nentries; i++) {
    const uint8_t *e = array + (size_t) i * h->entry_size;
    struct ow_partition p = { 0 };
    uint64_t first, last;

    if (ow_guid_is_zero (e))
      continue;                 /* unused slot */
    first = ow_le64 (e + 32);
    last = ow_le64 (e + 40);
    p.number = i + 1;
    if (last < first)
      return ow_err (EINVAL, "%s: GPT partition %u ends (LBA %" PRIu64
                     ") before it starts (LBA %" PRIu64 ")",
                     ow_disk_spec (disk), p.number, last, first);
    if (first < h->first_usable || last > h->last_usable)
      return ow_err (EINVAL, "%s: GPT partition %u (LBA %" PRIu64 "..%" PRIu64
                     ") lies outside the usable area LBA %" PRIu64 "..%" PRIu64,
                     ow_disk_spec (disk), p.number, first, last,
                     h->first_usable, h->last_usable);
    /* last_usable < disk LBAs, so these byte values fit the disk size. */
    p.start = first * pt->sector_size;
    p.size = (last - first + 1) * pt->sector_size;
    memcpy (p.type_guid, e, 16);
    memcpy (p.part_guid, e + 16, 16);
    p.gpt_attributes = ow_le64 (e + 48);
    p.role = ow_gpt_type_role (p.type_guid);
    p.name = ow_utf16le_to_utf8 (e + 56, GPT_NAME_BYTES);
    if (p.name == NULL)
      return -1;
    if (ow_pt_add (pt, &p) == -1)
      return -1;
  }
  return 0;
}

/* Primary is fine: a bad backup is worth telling (the next tool to touch
 * the disk may "repair" from it), not worth refusing the disk. */
static int
check_backup (struct ow_disk *disk, struct ow_ptable *pt, unsigned ss,
              const struct gpt_header *primary)
{
  struct gpt_header b;
  uint8_t *array = NULL;
  char reason[REASON_SIZE] = "";
  enum load_status st;

  if (primary->alt_lba == GPT_PRIMARY_LBA || primary->alt_lba >= disk_lbas (disk, ss))
    return ow_pt_warn (pt, "primary GPT names its backup at LBA %" PRIu64
                       ", which is not on the disk (%" PRIu64 " sectors)",
                       primary->alt_lba, disk_lbas (disk, ss));
  st = load (disk, ss, primary->alt_lba, &b, &array, reason, NULL);
  free (array);
  switch (st) {
  case GPT_ERROR: return -1;
  case GPT_ABSENT:
    return ow_pt_warn (pt, "backup GPT header missing at LBA %" PRIu64, primary->alt_lba);
  case GPT_INVALID:
    return ow_pt_warn (pt, "backup GPT at LBA %" PRIu64 " is bad: %s",
                       primary->alt_lba, reason);
  case GPT_VALID:
    break;
  }
  return 0;
}

/* Look for a usable backup.  HINT is the primary's AlternateLBA when the
 * primary header itself was sound (only its entries were bad), else 0;
 * the backup belongs at the last LBA either way, so try that as well. */
static enum load_status
try_backup (struct ow_disk *disk, unsigned ss, uint64_t hint,
            struct gpt_header *bh, uint8_t **barray, char *reason, uint64_t *blba)
{
  uint64_t nlbas = disk_lbas (disk, ss);
  enum load_status st = GPT_ABSENT;

  if (nlbas < 3)
    return GPT_ABSENT;
  if (hint > GPT_PRIMARY_LBA && hint < nlbas - 1) {
    *blba = hint;
    st = load (disk, ss, hint, bh, barray, reason, NULL);
    if (st == GPT_VALID || st == GPT_ERROR)
      return st;
  }
  *blba = nlbas - 1;
  /* Keep the first reason if the last LBA has nothing at all. */
  {
    char r2[REASON_SIZE] = "";
    enum load_status st2 = load (disk, ss, nlbas - 1, bh, barray, r2, NULL);

    if (st2 != GPT_ABSENT || st == GPT_ABSENT) {
      if (st2 == GPT_INVALID)
        memcpy (reason, r2, REASON_SIZE);
      return st2;
    }
  }
  return st;
}

int
ow_gpt_read (struct ow_disk *disk, struct ow_ptable *pt)
{
  const unsigned own = ow_disk_sector_size (disk);
  const unsigned cands[2] = { own, own == 512 ? 4096 : 512 };
  char preason[REASON_SIZE] = "", breason[REASON_SIZE] = "";
  struct gpt_header ph, bh, *use = NULL;
  uint8_t *parray = NULL, *barray = NULL;
  enum load_status pst = GPT_ABSENT, bst = GPT_ABSENT;
  bool pheader_ok = false;
  unsigned ss = 0;
  uint64_t blba = 0;
  int r = -1;

  for (int i = 0; i < 2 && pst == GPT_ABSENT; i++) {
    ss = cands[i];
    pst = load (disk, ss, GPT_PRIMARY_LBA, &ph, &parray, preason, &pheader_ok);
    if (pst == GPT_ERROR)
      goto out;
  }
  if (pst == GPT_VALID) {
    use = &ph;
    goto found;
  }

  if (pst == GPT_INVALID) {
    /* The signature told us the sector size. */
    bst = try_backup (disk, ss, pheader_ok ? ph.alt_lba : 0, &bh, &barray,
                      breason, &blba);
    if (bst == GPT_ERROR)
      goto out;
  }
  else {
    snprintf (preason, sizeof preason, "no \"EFI PART\" signature at LBA 1");
    for (int i = 0; i < 2 && bst == GPT_ABSENT; i++) {
      ss = cands[i];
      bst = try_backup (disk, ss, 0, &bh, &barray, breason, &blba);
      if (bst == GPT_ERROR)
        goto out;
    }
  }
  if (bst == GPT_VALID) {
    use = &bh;
    pt->gpt_used_backup = true;
    if (ow_pt_warn (pt, "primary GPT is bad (%s); using the backup GPT at LBA %" PRIu64,
                    preason, blba) == -1)
      goto out;
    goto found;
  }
  if (pst == GPT_ABSENT && bst == GPT_ABSENT) {
    r = 0;                      /* no GPT at all */
    goto out;
  }
  if (bst == GPT_ABSENT)
    snprintf (breason, sizeof breason, "no \"EFI PART\" signature at the last LBA");
  r = ow_err (EINVAL, "%s: GPT unusable, both headers are bad: primary: %s; backup: %s",
              ow_disk_spec (disk), preason, breason);
  goto out;

 found:
  pt->scheme = OW_PT_GPT;
  pt->sector_size = ss;
  memcpy (pt->disk_guid, use->disk_guid, 16);
  if (parse_entries (disk, pt, use, use == &ph ? parray : barray) == -1)
    goto out;
  if (use == &ph && check_backup (disk, pt, ss, &ph) == -1)
    goto out;
  r = 1;
 out:
  free (parray);
  free (barray);
  return r;
}
