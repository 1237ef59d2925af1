/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal interface of the partition-table readers (offline-win/part/).
 *
 * ptable.c owns the result object and the checks that apply to every
 * scheme (overlaps, sorting); mbr.c and gpt.c only decode their format and
 * append partitions/warnings through the helpers below. */
#ifndef OW_PART_H
#define OW_PART_H

#include "internal.h"

/* An MBR partition table has 4 primary slots; logicals follow in EBRs. */
#define MBR_NUM_PRIMARY 4
#define MBR_SIZE 512
/* Upper bound on the EBR chain: more links than this is a loop or garbage
 * (Windows Disk Management stops far below this). */
#define MAX_LOGICAL_PARTITIONS 128

/* GPT limits.  The UEFI spec requires room for at least 128 entries of
 * 128 bytes; real tools never write more than a few hundred.  Anything
 * beyond these is treated as a corrupt header, not allocated. */
#define GPT_HEADER_MIN_SIZE 92
#define GPT_MIN_ENTRY_SIZE 128
#define MAX_GPT_ENTRY_SIZE 4096
#define MAX_GPT_ENTRIES 1024
#define MAX_GPT_ARRAY_BYTES (1024u * 1024u)
/* The name field: 36 UTF-16LE code units. */
#define GPT_NAME_BYTES 72

/* Append one partition (copied; takes ownership of P->name even on
 * failure).  Returns -1 with the error set on ENOMEM. */
int ow_pt_add (struct ow_ptable *pt, const struct ow_partition *p);
/* Append a human-readable warning.  Returns -1 on ENOMEM. */
int ow_pt_warn (struct ow_ptable *pt, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

/* mbr.c: SECTOR0 is the first MBR_SIZE bytes of the disk and carries the
 * 0x55AA signature; decode primaries and the EBR chain into PT (scheme,
 * sector size and signature already set by the caller). */
int ow_mbr_read (struct ow_disk *disk, const uint8_t *sector0,
                 struct ow_ptable *pt);
/* True if SECTOR0's table holds a protective (0xEE) entry. */
bool ow_mbr_is_protective (const uint8_t *sector0);
enum ow_part_role ow_mbr_type_role (uint8_t type);

/* gpt.c: find and decode a GPT (primary, else backup).  Returns 1 and
 * fills PT if found, 0 if there is no GPT header anywhere we look (PT
 * untouched), -1 with the error set if a GPT is present but unusable. */
int ow_gpt_read (struct ow_disk *disk, struct ow_ptable *pt);

/* guid.c */
enum ow_part_role ow_gpt_type_role (const uint8_t type_guid[16]);
bool ow_guid_is_zero (const uint8_t guid[16]);

#endif /* OW_PART_H */
