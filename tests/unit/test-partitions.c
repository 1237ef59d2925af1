/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Partition table reader: one in-memory disk image per case, built here
 * byte by byte (MBR entries, EBR chains, GPT headers with real CRCs), then
 * what ow_ptable_read() reports is compared with what the case wrote.
 * The builders themselves are checked against sfdisk/fdisk at the end
 * (skipped if util-linux is not installed), as is a table written by
 * sfdisk. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "offlinewin.h"
#include "internal.h"           /* ow_crc32, little-endian helpers */

#define ARRAY_SIZE(a) (sizeof (a) / sizeof (a)[0])
#define MiB (1024 * 1024ull)
#define DISK_SIZE (64 * MiB)

#define T_DATA "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"
#define T_ESP  "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define T_MSR  "E3C9E316-0B5C-4DB8-817D-F92DF00215AE"
#define T_RECOVERY "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC"
#define T_LDM_META "5808C8AA-7E8F-42E0-85D2-E1E90434CFB3"
#define T_LINUX "0FC63DAF-8483-4772-8E79-3D69D8477DE4"
#define DISK_GUID "A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF"

/* ---- image builders -------------------------------------------------- */

struct image {
  uint8_t *buf;
  uint64_t size;
  unsigned ss;                  /* sector size the table is written with */
};

/* Text GUID -> on-disk bytes (first three fields little-endian). */
static void
guid_parse (const char *s, uint8_t g[16])
{
  uint8_t b[16];
  int n = 0;

  for (; *s && n < 32; s++) {
    const char *hex = "0123456789abcdef", *q;
    unsigned v;
    if (*s == '-')
      continue;
    q = strchr (hex, *s | 0x20);
    assert_non_null (q);
    v = (unsigned) (q - hex);
    if (n % 2 == 0)
      b[n / 2] = (uint8_t) (v << 4);
    else
      b[n / 2] |= (uint8_t) v;
    n++;
  }
  assert_int_equal (n, 32);
  g[0] = b[3]; g[1] = b[2]; g[2] = b[1]; g[3] = b[0];
  g[4] = b[5]; g[5] = b[4];
  g[6] = b[7]; g[7] = b[6];
  memcpy (g + 8, b + 8, 8);
}

static void
mbr_set (uint8_t *sec, int i, uint8_t status, uint8_t type,
         uint32_t lba, uint32_t sectors)
{
  uint8_t *p = sec + 0x1BE + 16 * i;

  p[0] = status;
  p[1] = 0xFE; p[2] = 0xFF; p[3] = 0xFF;        /* CHS: "use LBA" */
  p[4] = type;
  p[5] = 0xFE; p[6] = 0xFF; p[7] = 0xFF;
  ow_put_le32 (p + 8, lba);
  ow_put_le32 (p + 12, sectors);
}

static void
mbr_sign (uint8_t *sec, uint32_t disk_sig)
{
  ow_put_le32 (sec + 0x1B8, disk_sig);
  sec[510] = 0x55;
  sec[511] = 0xAA;
}

/* An EBR at absolute sector EBR: one logical partition (relative start
 * REL, N sectors; type 0 = none) and a link to the next EBR (relative to
 * the extended partition; 0 type = end of chain). */
static void
ebr_write (struct image *img, uint32_t ebr, uint8_t type, uint32_t rel,
           uint32_t n, uint8_t link_type, uint32_t link_rel, uint32_t link_n)
{
  uint8_t *sec = img->buf + (uint64_t) ebr * img->ss;

  memset (sec, 0, 512);
  if (type)
    mbr_set (sec, 0, 0, type, rel, n);
  if (link_type)
    mbr_set (sec, 1, 0, link_type, link_rel, link_n);
  mbr_sign (sec, 0);
}

struct gpt_part {
  const char *type, *uuid;
  uint64_t start, size;         /* bytes; size 0 writes last = first - 1 */
  uint64_t attrs;
  const char *name;             /* ASCII */
};

#define GPT_N 128
#define GPT_ESZ 128

struct gpt_geom {
  uint64_t nlbas, array_lbas, first_usable, last_usable, backup_lba, backup_entries;
};

static struct gpt_geom
gpt_geom (const struct image *img, uint32_t n, uint32_t esz)
{
  struct gpt_geom g;

  g.nlbas = img->size / img->ss;
  g.array_lbas = ((uint64_t) n * esz + img->ss - 1) / img->ss;
  g.first_usable = 2 + g.array_lbas;
  g.backup_lba = g.nlbas - 1;
  g.backup_entries = g.backup_lba - g.array_lbas;
  g.last_usable = g.backup_entries - 1;
  return g;
}

static uint8_t *
hdr_at (struct image *img, uint64_t lba)
{
  return img->buf + lba * img->ss;
}

static void
gpt_header (struct image *img, const struct gpt_geom *g, uint64_t my,
            uint64_t alt, uint64_t entries, uint32_t n, uint32_t esz,
            uint32_t array_crc)
{
  uint8_t *h = hdr_at (img, my);

  memset (h, 0, img->ss);
  memcpy (h, "EFI PART", 8);
  ow_put_le32 (h + 8, 0x00010000);
  ow_put_le32 (h + 12, 92);
  ow_put_le64 (h + 24, my);
  ow_put_le64 (h + 32, alt);
  ow_put_le64 (h + 40, g->first_usable);
  ow_put_le64 (h + 48, g->last_usable);
  guid_parse (DISK_GUID, h + 56);
  ow_put_le64 (h + 72, entries);
  ow_put_le32 (h + 80, n);
  ow_put_le32 (h + 84, esz);
  ow_put_le32 (h + 88, array_crc);
  ow_put_le32 (h + 16, ow_crc32 (h, 92));
}

/* Recompute the CRC of the header at LBA after a test edited it. */
static void
gpt_fix_header (struct image *img, uint64_t lba)
{
  uint8_t *h = hdr_at (img, lba);
  uint32_t hsize = ow_le32 (h + 12);

  if (hsize > img->ss)
    return;                     /* mutated beyond repair: leave it bad */
  ow_put_le32 (h + 16, 0);
  ow_put_le32 (h + 16, ow_crc32 (h, hsize));
}

/* Recompute both entry-array CRCs (from each header's own fields) and
 * then both header CRCs. */
static void
gpt_fix_all (struct image *img)
{
  uint64_t lbas[2] = { 1, img->size / img->ss - 1 };

  for (int i = 0; i < 2; i++) {
    uint8_t *h = hdr_at (img, lbas[i]);
    uint64_t bytes = (uint64_t) ow_le32 (h + 80) * ow_le32 (h + 84);
    uint64_t lba = ow_le64 (h + 72);

    /* Mutated headers may point anywhere: only fix what is readable. */
    if (bytes <= 4 * MiB && lba < img->size / img->ss &&
        bytes <= img->size - lba * img->ss)
      ow_put_le32 (h + 88, ow_crc32 (img->buf + lba * img->ss, bytes));
    gpt_fix_header (img, lbas[i]);
  }
}

static void
gpt_build_n (struct image *img, const struct gpt_part *parts, size_t nparts,
             bool protective_mbr)
{
  struct gpt_geom g = gpt_geom (img, GPT_N, GPT_ESZ);
  uint8_t *arr = img->buf + 2 * img->ss;
  uint32_t crc;

  if (protective_mbr) {
    mbr_set (img->buf, 0, 0, 0xEE, 1,
             g.nlbas - 1 > 0xFFFFFFFF ? 0xFFFFFFFF : (uint32_t) (g.nlbas - 1));
    mbr_sign (img->buf, 0);
  }
  memset (arr, 0, g.array_lbas * img->ss);
  for (size_t i = 0; i < nparts; i++) {
    uint8_t *e = arr + i * GPT_ESZ;
    uint64_t first = parts[i].start / img->ss;

    if (parts[i].type == NULL)
      continue;                 /* leave the slot unused */
    guid_parse (parts[i].type, e);
    guid_parse (parts[i].uuid, e + 16);
    ow_put_le64 (e + 32, first);
    ow_put_le64 (e + 40, first + parts[i].size / img->ss - 1);
    ow_put_le64 (e + 48, parts[i].attrs);
    for (size_t k = 0; parts[i].name[k] && k < 36; k++)
      ow_put_le16 (e + 56 + 2 * k, (uint8_t) parts[i].name[k]);
  }
  crc = ow_crc32 (arr, GPT_N * GPT_ESZ);
  memcpy (img->buf + g.backup_entries * img->ss, arr, g.array_lbas * img->ss);
  gpt_header (img, &g, 1, g.backup_lba, 2, GPT_N, GPT_ESZ, crc);
  gpt_header (img, &g, g.backup_lba, 1, g.backup_entries, GPT_N, GPT_ESZ, crc);
}

/* The Windows UEFI layout (scaled down): ESP, MSR, Windows, WinRE. */
static const struct gpt_part win_gpt[] = {
  { T_ESP, "11111111-2222-4333-8444-000000000001", 1 * MiB, 10 * MiB, 0,
    "EFI system partition" },
  { T_MSR, "11111111-2222-4333-8444-000000000002", 11 * MiB, 2 * MiB, 0,
    "Microsoft reserved partition" },
  { T_DATA, "11111111-2222-4333-8444-000000000003", 13 * MiB, 40 * MiB, 0,
    "Basic data partition" },
  { T_RECOVERY, "11111111-2222-4333-8444-000000000004", 53 * MiB, 8 * MiB,
    0x8000000000000001ull, "" },
};

static void
build_gpt_windows (struct image *img)
{
  gpt_build_n (img, win_gpt, ARRAY_SIZE (win_gpt), true);
}

/* ---- expected results ------------------------------------------------ */

struct want_part {
  unsigned number;
  uint64_t start, size;
  enum ow_part_role role;
  uint8_t mbr_type;
  bool bootable;
  const char *type, *uuid;      /* GPT only */
  uint64_t attrs;
  const char *name;             /* GPT only */
};

static const struct want_part want_win_gpt[] = {
  { 1, 1 * MiB, 10 * MiB, OW_ROLE_EFI, 0, false, T_ESP,
    "11111111-2222-4333-8444-000000000001", 0, "EFI system partition" },
  { 2, 11 * MiB, 2 * MiB, OW_ROLE_MSR, 0, false, T_MSR,
    "11111111-2222-4333-8444-000000000002", 0, "Microsoft reserved partition" },
  { 3, 13 * MiB, 40 * MiB, OW_ROLE_DATA, 0, false, T_DATA,
    "11111111-2222-4333-8444-000000000003", 0, "Basic data partition" },
  { 4, 53 * MiB, 8 * MiB, OW_ROLE_RECOVERY, 0, false, T_RECOVERY,
    "11111111-2222-4333-8444-000000000004", 0x8000000000000001ull, "" },
};

/* ---- MBR builders ---------------------------------------------------- */

#define NSECT ((uint32_t) (DISK_SIZE / 512))

static void
build_mbr_windows (struct image *img)
{
  mbr_set (img->buf, 0, 0x80, 0x07, 2048, 16384);               /* System Reserved */
  mbr_set (img->buf, 1, 0x00, 0x07, 18432, NSECT - 18432);       /* up to the last sector */
  mbr_sign (img->buf, 0x1A2B3C4D);
}

static const struct want_part want_mbr_windows[] = {
  { 1, 2048 * 512ull, 16384 * 512ull, OW_ROLE_DATA, 0x07, true, NULL, NULL, 0, NULL },
  { 2, 18432 * 512ull, (NSECT - 18432) * 512ull, OW_ROLE_DATA, 0x07, false, NULL, NULL, 0, NULL },
};

static void
build_mbr_roles (struct image *img)
{
  mbr_set (img->buf, 0, 0, 0x27, 2048, 8192);
  mbr_set (img->buf, 1, 0, 0xEF, 10240, 8192);
  mbr_set (img->buf, 2, 0, 0x42, 18432, 8192);
  mbr_set (img->buf, 3, 0, 0x0C, 26624, 8192);
  mbr_sign (img->buf, 0xCAFEF00D);
}

static const struct want_part want_mbr_roles[] = {
  { 1, 2048 * 512ull, 8192 * 512ull, OW_ROLE_RECOVERY, 0x27, false, NULL, NULL, 0, NULL },
  { 2, 10240 * 512ull, 8192 * 512ull, OW_ROLE_EFI, 0xEF, false, NULL, NULL, 0, NULL },
  { 3, 18432 * 512ull, 8192 * 512ull, OW_ROLE_LDM, 0x42, false, NULL, NULL, 0, NULL },
  { 4, 26624 * 512ull, 8192 * 512ull, OW_ROLE_UNKNOWN, 0x0C, false, NULL, NULL, 0, NULL },
};

/* Primary 1 (NTFS) and, in slot 2 on purpose (slot 1 empty), an extended
 * partition holding three logicals behind a chain of EBRs at 22528,
 * 32768 and 43008. */
#define EXT_START 22528u
#define EXT_SIZE (NSECT - EXT_START)

static void
build_mbr_extended_common (struct image *img)
{
  mbr_set (img->buf, 0, 0x80, 0x07, 2048, 20480);
  mbr_set (img->buf, 2, 0, 0x0F, EXT_START, EXT_SIZE);
  mbr_sign (img->buf, 0x00C0FFEE);
  ebr_write (img, EXT_START, 0x07, 2048, 8192, 0x05, 32768 - EXT_START, 10240);
  ebr_write (img, 32768, 0x83, 2048, 8192, 0x05, 43008 - EXT_START, 6144);
}

static void
build_mbr_extended (struct image *img)
{
  build_mbr_extended_common (img);
  ebr_write (img, 43008, 0x82, 2048, 4096, 0, 0, 0);
}

static const struct want_part want_mbr_extended[] = {
  { 1, 2048 * 512ull, 20480 * 512ull, OW_ROLE_DATA, 0x07, true, NULL, NULL, 0, NULL },
  { 3, EXT_START * 512ull, EXT_SIZE * 512ull, OW_ROLE_EXTENDED, 0x0F, false, NULL, NULL, 0, NULL },
  { 5, 24576 * 512ull, 8192 * 512ull, OW_ROLE_DATA, 0x07, false, NULL, NULL, 0, NULL },
  { 6, 34816 * 512ull, 8192 * 512ull, OW_ROLE_OTHER, 0x83, false, NULL, NULL, 0, NULL },
  { 7, 45056 * 512ull, 4096 * 512ull, OW_ROLE_OTHER, 0x82, false, NULL, NULL, 0, NULL },
};

static void
build_ebr_loop (struct image *img)
{
  build_mbr_extended_common (img);
  /* The third EBR links back to the first. */
  ebr_write (img, 43008, 0x82, 2048, 4096, 0x05, 0, 10240);
}

static void
build_ebr_self_loop (struct image *img)
{
  mbr_set (img->buf, 0, 0, 0x05, EXT_START, EXT_SIZE);
  mbr_sign (img->buf, 1);
  ebr_write (img, EXT_START, 0x07, 2048, 8192, 0x05, 0, 10240);
}

/* A chain with no loop but more links than any real disk has. */
static void
build_ebr_too_long (struct image *img)
{
  const uint32_t links = 130, step = 16;

  mbr_set (img->buf, 0, 0, 0x0F, EXT_START, EXT_SIZE);
  mbr_sign (img->buf, 1);
  for (uint32_t i = 0; i < links; i++)
    ebr_write (img, EXT_START + i * step, 0x07, 1, 8, 0x05, (i + 1) * step, step);
}

static void
build_ebr_unsigned (struct image *img)
{
  build_mbr_extended_common (img);
  /* third EBR left blank: chain ends with a warning after two logicals */
}

static void
build_logical_beyond_extended (struct image *img)
{
  mbr_set (img->buf, 0, 0, 0x05, EXT_START, 20480);
  mbr_sign (img->buf, 1);
  ebr_write (img, EXT_START, 0x07, 2048, 20480, 0, 0, 0);
}

static void
build_ebr_link_outside (struct image *img)
{
  mbr_set (img->buf, 0, 0, 0x05, EXT_START, 20480);
  mbr_sign (img->buf, 1);
  ebr_write (img, EXT_START, 0x07, 2048, 4096, 0x05, 40000, 4096);
}

static void
build_mbr_beyond_end (struct image *img)
{
  mbr_set (img->buf, 0, 0, 0x07, 2048, NSECT);  /* 2048 sectors too long */
  mbr_sign (img->buf, 1);
}

static void
build_mbr_overlap (struct image *img)
{
  mbr_set (img->buf, 0, 0, 0x07, 2048, 20480);
  mbr_set (img->buf, 1, 0, 0x07, 20000, 8192);
  mbr_sign (img->buf, 1);
}

static void
build_mbr_logicals_overlap (struct image *img)
{
  mbr_set (img->buf, 0, 0, 0x05, EXT_START, EXT_SIZE);
  mbr_sign (img->buf, 1);
  ebr_write (img, EXT_START, 0x07, 2048, 16384, 0x05, 8192, 10240);
  ebr_write (img, EXT_START + 8192, 0x07, 2048, 4096, 0, 0, 0);
}

static void
build_mbr_zero_size (struct image *img)
{
  mbr_set (img->buf, 0, 0, 0x07, 2048, 0);
  mbr_sign (img->buf, 1);
}

static void
build_mbr_bad_status (struct image *img)
{
  mbr_set (img->buf, 0, 0x12, 0x07, 2048, 8192);
  mbr_sign (img->buf, 1);
}

static void
build_mbr_two_extended (struct image *img)
{
  mbr_set (img->buf, 0, 0, 0x05, 2048, 8192);
  mbr_set (img->buf, 1, 0, 0x0F, 10240, 8192);
  mbr_sign (img->buf, 1);
  ebr_write (img, 2048, 0, 0, 0, 0, 0, 0);
  ebr_write (img, 10240, 0, 0, 0, 0, 0, 0);
}

static void
build_mbr_4k (struct image *img)
{
  /* LBAs count 4096-byte sectors here. */
  mbr_set (img->buf, 0, 0x80, 0x07, 256, 2048);
  mbr_set (img->buf, 1, 0, 0x07, 2304, (uint32_t) (DISK_SIZE / 4096) - 2304);
  mbr_sign (img->buf, 0x44444444);
}

static const struct want_part want_mbr_4k[] = {
  { 1, 1 * MiB, 8 * MiB, OW_ROLE_DATA, 0x07, true, NULL, NULL, 0, NULL },
  { 2, 9 * MiB, DISK_SIZE - 9 * MiB, OW_ROLE_DATA, 0x07, false, NULL, NULL, 0, NULL },
};

static void build_nothing (struct image *img) { (void) img; }

static void
build_ntfs_superfloppy (struct image *img)
{
  img->buf[0] = 0xEB; img->buf[1] = 0x52; img->buf[2] = 0x90;
  memcpy (img->buf + 3, "NTFS    ", 8);
  /* boot code bytes where a partition table would be */
  memset (img->buf + 0x1BE, 0xA5, 64);
  img->buf[510] = 0x55; img->buf[511] = 0xAA;
}

static void
build_protective_without_gpt (struct image *img)
{
  mbr_set (img->buf, 0, 0, 0xEE, 1, NSECT - 1);
  mbr_sign (img->buf, 0);
}

/* ---- GPT variants ---------------------------------------------------- */

static void
build_gpt_bad_primary_crc (struct image *img)
{
  build_gpt_windows (img);
  hdr_at (img, 1)[60] ^= 0x01;          /* inside the disk GUID; CRC now wrong */
}

static void
build_gpt_primary_zeroed (struct image *img)
{
  build_gpt_windows (img);
  memset (hdr_at (img, 1), 0, img->ss);
}

static void
build_gpt_bad_primary_entries (struct image *img)
{
  build_gpt_windows (img);
  img->buf[2 * img->ss + 56] ^= 0x20;   /* entry 1 name: 'E' -> 'e' */
}

static void
build_gpt_both_bad (struct image *img)
{
  build_gpt_windows (img);
  hdr_at (img, 1)[60] ^= 0x01;
  hdr_at (img, img->size / img->ss - 1)[60] ^= 0x01;
}

static void
build_gpt_both_entries_bad (struct image *img)
{
  struct gpt_geom g = gpt_geom (img, GPT_N, GPT_ESZ);

  build_gpt_windows (img);
  img->buf[2 * img->ss + 56] ^= 0x20;
  img->buf[g.backup_entries * img->ss + 56] ^= 0x20;
}

static void
set_count (struct image *img, uint64_t lba, uint32_t n)
{
  ow_put_le32 (hdr_at (img, lba) + 80, n);
  gpt_fix_header (img, lba);
}

static void
build_gpt_absurd_count (struct image *img)
{
  build_gpt_windows (img);
  set_count (img, 1, 100000);
  set_count (img, img->size / img->ss - 1, 100000);
}

static void
build_gpt_absurd_count_primary (struct image *img)
{
  build_gpt_windows (img);
  set_count (img, 1, 0x7FFFFFFF);
}

static void
build_gpt_bad_entry_size (struct image *img)
{
  build_gpt_windows (img);
  ow_put_le32 (hdr_at (img, 1) + 84, 100);      /* not a multiple of 8 */
  gpt_fix_header (img, 1);
}

static void
build_gpt_huge_header_size (struct image *img)
{
  build_gpt_windows (img);
  ow_put_le32 (hdr_at (img, 1) + 12, img->ss + 8);
  ow_put_le32 (hdr_at (img, 1) + 16, 0);
}

static void
build_gpt_usable_beyond_disk (struct image *img)
{
  /* As if the image had been truncated: both headers claim more disk. */
  build_gpt_windows (img);
  for (int i = 0; i < 2; i++) {
    uint64_t lba = i ? img->size / img->ss - 1 : 1;
    ow_put_le64 (hdr_at (img, lba) + 48, img->size / img->ss + 1000);
    gpt_fix_header (img, lba);
  }
}

static void
build_gpt_bad_backup (struct image *img)
{
  build_gpt_windows (img);
  hdr_at (img, img->size / img->ss - 1)[60] ^= 0x01;
}

static void
build_gpt_no_pmbr (struct image *img)
{
  build_gpt_windows (img);
  memset (img->buf, 0, 512);
}

static void
build_gpt_hybrid (struct image *img)
{
  build_gpt_windows (img);
  mbr_set (img->buf, 1, 0x80, 0x07, 13 * MiB / 512, 40 * MiB / 512);
}

static void
build_gpt_empty (struct image *img)
{
  gpt_build_n (img, NULL, 0, true);
}

static const struct gpt_part gpt_beyond[] = {
  { T_ESP, "11111111-2222-4333-8444-000000000001", 1 * MiB, 10 * MiB, 0, "ESP" },
  { T_DATA, "11111111-2222-4333-8444-000000000003", 13 * MiB, 60 * MiB, 0, "too big" },
};
static void
build_gpt_part_beyond (struct image *img)
{
  gpt_build_n (img, gpt_beyond, ARRAY_SIZE (gpt_beyond), true);
}

static const struct gpt_part gpt_overlap[] = {
  { T_ESP, "11111111-2222-4333-8444-000000000001", 1 * MiB, 10 * MiB, 0, "ESP" },
  { T_DATA, "11111111-2222-4333-8444-000000000003", 13 * MiB, 40 * MiB, 0, "data" },
  { T_RECOVERY, "11111111-2222-4333-8444-000000000004", 50 * MiB, 8 * MiB, 0, "winre" },
};
static void
build_gpt_overlap (struct image *img)
{
  gpt_build_n (img, gpt_overlap, ARRAY_SIZE (gpt_overlap), true);
}

static const struct gpt_part gpt_reversed[] = {
  { T_DATA, "11111111-2222-4333-8444-000000000003", 13 * MiB, 0, 0, "empty" },
};
static void
build_gpt_reversed (struct image *img)
{
  gpt_build_n (img, gpt_reversed, ARRAY_SIZE (gpt_reversed), true);
}

/* Slots 1 and 3 unused; numbering follows the slot, names are raw UTF-16:
 * "Ré" + U+1F600, and a name using all 36 units without a terminator. */
static const struct gpt_part gpt_sparse[] = {
  { NULL, NULL, 0, 0, 0, NULL },
  { T_LDM_META, "22222222-2222-4333-8444-000000000002", 1 * MiB, 1 * MiB, 0, "x" },
  { NULL, NULL, 0, 0, 0, NULL },
  { T_LINUX, "22222222-2222-4333-8444-000000000004", 2 * MiB, 4 * MiB, 0, "x" },
};
static void
build_gpt_sparse_names (struct image *img)
{
  uint8_t *arr = img->buf + 2 * img->ss;
  static const uint16_t n1[] = { 'R', 0xE9, 0xD83D, 0xDE00, 0 };

  gpt_build_n (img, gpt_sparse, ARRAY_SIZE (gpt_sparse), true);
  for (size_t k = 0; k < ARRAY_SIZE (n1); k++)
    ow_put_le16 (arr + 1 * GPT_ESZ + 56 + 2 * k, n1[k]);
  for (size_t k = 0; k < 36; k++)
    ow_put_le16 (arr + 3 * GPT_ESZ + 56 + 2 * k, 'a' + k % 26);
  memcpy (img->buf + gpt_geom (img, GPT_N, GPT_ESZ).backup_entries * img->ss,
          arr, GPT_N * GPT_ESZ);
  gpt_fix_all (img);
}

static const struct want_part want_gpt_sparse[] = {
  { 2, 1 * MiB, 1 * MiB, OW_ROLE_LDM, 0, false, T_LDM_META,
    "22222222-2222-4333-8444-000000000002", 0, "R\xc3\xa9\xf0\x9f\x98\x80" },
  { 4, 2 * MiB, 4 * MiB, OW_ROLE_OTHER, 0, false, T_LINUX,
    "22222222-2222-4333-8444-000000000004", 0,
    "abcdefghijklmnopqrstuvwxyzabcdefghij" },
};

/* ---- the table ------------------------------------------------------- */

struct pt_case {
  const char *name;
  uint64_t size;
  unsigned disk_ss;             /* what the disk reports */
  unsigned table_ss;            /* what the builder writes with */
  void (*build) (struct image *);
  const char *error;            /* substring of the EINVAL message, or NULL */
  enum ow_ptable_scheme scheme;
  unsigned want_ss;
  uint32_t mbr_signature;
  bool used_backup;
  const char *warning;          /* substring of some warning; NULL = none */
  const struct want_part *parts;
  size_t count;
};

#define PARTS(a) a, ARRAY_SIZE (a)
#define OK(scheme, ss, sig, backup, warn) NULL, scheme, ss, sig, backup, warn
#define FAILS(msg) msg, 0, 0, 0, false, NULL, NULL, 0

static const struct pt_case cases[] = {
  /* MBR */
  { "mbr: System Reserved + Windows", DISK_SIZE, 512, 512, build_mbr_windows,
    OK (OW_PT_MBR, 512, 0x1A2B3C4D, false, NULL), PARTS (want_mbr_windows) },
  { "mbr: roles of 0x27 0xEF 0x42 0x0C", DISK_SIZE, 512, 512, build_mbr_roles,
    OK (OW_PT_MBR, 512, 0xCAFEF00D, false, NULL), PARTS (want_mbr_roles) },
  { "mbr: extended + 3 logicals", DISK_SIZE, 512, 512, build_mbr_extended,
    OK (OW_PT_MBR, 512, 0x00C0FFEE, false, NULL), PARTS (want_mbr_extended) },
  { "mbr: 4096-byte sectors", DISK_SIZE, 4096, 4096, build_mbr_4k,
    OK (OW_PT_MBR, 4096, 0x44444444, false, NULL), PARTS (want_mbr_4k) },
  { "mbr: EBR without signature ends the chain", DISK_SIZE, 512, 512, build_ebr_unsigned,
    OK (OW_PT_MBR, 512, 0x00C0FFEE, false, "no 0x55AA signature"), want_mbr_extended, 4 },
  { "mbr: EBR loop", DISK_SIZE, 512, 512, build_ebr_loop, FAILS ("loops back") },
  { "mbr: EBR linking to itself", DISK_SIZE, 512, 512, build_ebr_self_loop,
    FAILS ("loops back") },
  { "mbr: EBR chain over the limit", DISK_SIZE, 512, 512, build_ebr_too_long,
    FAILS ("longer than 128") },
  { "mbr: EBR link outside the extended partition", DISK_SIZE, 512, 512,
    build_ebr_link_outside, FAILS ("outside its extended partition") },
  { "mbr: logical beyond its extended partition", DISK_SIZE, 512, 512,
    build_logical_beyond_extended, FAILS ("beyond its extended partition") },
  { "mbr: entry beyond the end of the disk", DISK_SIZE, 512, 512, build_mbr_beyond_end,
    FAILS ("beyond the end of the disk") },
  { "mbr: overlapping primaries", DISK_SIZE, 512, 512, build_mbr_overlap,
    FAILS ("partitions 1 (bytes 1048576+10485760) and 2 (bytes 10240000+4194304) overlap") },
  { "mbr: overlapping logicals", DISK_SIZE, 512, 512, build_mbr_logicals_overlap,
    FAILS ("partitions 5 (") },
  { "mbr: zero-size entry", DISK_SIZE, 512, 512, build_mbr_zero_size,
    FAILS ("has size zero") },
  { "mbr: invalid status byte", DISK_SIZE, 512, 512, build_mbr_bad_status,
    FAILS ("invalid status byte 0x12") },
  { "mbr: two extended partitions", DISK_SIZE, 512, 512, build_mbr_two_extended,
    FAILS ("both extended") },
  /* no table */
  { "none: blank disk", DISK_SIZE, 512, 512, build_nothing,
    OK (OW_PT_NONE, 512, 0, false, NULL), NULL, 0 },
  { "none: disk smaller than a sector", 100, 512, 512, build_nothing,
    OK (OW_PT_NONE, 512, 0, false, NULL), NULL, 0 },
  { "none: NTFS volume at sector 0", DISK_SIZE, 512, 512, build_ntfs_superfloppy,
    OK (OW_PT_NONE, 512, 0, false, "NTFS volume boot sector"), NULL, 0 },
  { "none: protective MBR without any GPT", DISK_SIZE, 512, 512,
    build_protective_without_gpt, FAILS ("protective MBR") },
  /* GPT */
  { "gpt: ESP MSR data recovery, 512", DISK_SIZE, 512, 512, build_gpt_windows,
    OK (OW_PT_GPT, 512, 0, false, NULL), PARTS (want_win_gpt) },
  { "gpt: ESP MSR data recovery, 4096", DISK_SIZE, 4096, 4096, build_gpt_windows,
    OK (OW_PT_GPT, 4096, 0, false, NULL), PARTS (want_win_gpt) },
  { "gpt: 4096-byte table on a disk that reports 512", DISK_SIZE, 512, 4096,
    build_gpt_windows, OK (OW_PT_GPT, 4096, 0, false, NULL), PARTS (want_win_gpt) },
  { "gpt: 512-byte table on a disk that reports 4096", DISK_SIZE, 4096, 512,
    build_gpt_windows, OK (OW_PT_GPT, 512, 0, false, NULL), PARTS (want_win_gpt) },
  { "gpt: primary header CRC bad -> backup", DISK_SIZE, 512, 512, build_gpt_bad_primary_crc,
    OK (OW_PT_GPT, 512, 0, true, "header CRC32 mismatch"), PARTS (want_win_gpt) },
  { "gpt: primary header CRC bad -> backup, 4096", DISK_SIZE, 4096, 4096,
    build_gpt_bad_primary_crc,
    OK (OW_PT_GPT, 4096, 0, true, "header CRC32 mismatch"), PARTS (want_win_gpt) },
  { "gpt: primary header wiped -> backup", DISK_SIZE, 512, 512, build_gpt_primary_zeroed,
    OK (OW_PT_GPT, 512, 0, true, "no \"EFI PART\" signature at LBA 1"), PARTS (want_win_gpt) },
  { "gpt: 4096 primary wiped on a 512 disk -> backup", DISK_SIZE, 512, 4096,
    build_gpt_primary_zeroed,
    OK (OW_PT_GPT, 4096, 0, true, "using the backup GPT at LBA 16383"), PARTS (want_win_gpt) },
  { "gpt: primary entries CRC bad -> backup", DISK_SIZE, 512, 512,
    build_gpt_bad_primary_entries,
    OK (OW_PT_GPT, 512, 0, true, "entry array CRC32 mismatch"), PARTS (want_win_gpt) },
  { "gpt: primary entry count absurd -> backup", DISK_SIZE, 512, 512,
    build_gpt_absurd_count_primary,
    OK (OW_PT_GPT, 512, 0, true, "2147483647 partition entries (limit 1024)"),
    PARTS (want_win_gpt) },
  { "gpt: primary entry size 100 -> backup", DISK_SIZE, 512, 512, build_gpt_bad_entry_size,
    OK (OW_PT_GPT, 512, 0, true, "entry size 100"), PARTS (want_win_gpt) },
  { "gpt: primary header size > sector -> backup", DISK_SIZE, 512, 512,
    build_gpt_huge_header_size,
    OK (OW_PT_GPT, 512, 0, true, "header size 520"), PARTS (want_win_gpt) },
  { "gpt: backup bad, primary fine", DISK_SIZE, 512, 512, build_gpt_bad_backup,
    OK (OW_PT_GPT, 512, 0, false, "backup GPT at LBA 131071 is bad"), PARTS (want_win_gpt) },
  { "gpt: no protective MBR", DISK_SIZE, 512, 512, build_gpt_no_pmbr,
    OK (OW_PT_GPT, 512, 0, false, "without a protective MBR"), PARTS (want_win_gpt) },
  { "gpt: hybrid MBR", DISK_SIZE, 512, 512, build_gpt_hybrid,
    OK (OW_PT_GPT, 512, 0, false, "hybrid MBR"), PARTS (want_win_gpt) },
  { "gpt: empty table", DISK_SIZE, 512, 512, build_gpt_empty,
    OK (OW_PT_GPT, 512, 0, false, NULL), NULL, 0 },
  { "gpt: unused slots, Unicode and unterminated names", DISK_SIZE, 512, 512,
    build_gpt_sparse_names, OK (OW_PT_GPT, 512, 0, false, NULL), PARTS (want_gpt_sparse) },
  { "gpt: both headers bad", DISK_SIZE, 512, 512, build_gpt_both_bad,
    FAILS ("both headers are bad: primary: header CRC32 mismatch") },
  { "gpt: both entry arrays bad", DISK_SIZE, 512, 512, build_gpt_both_entries_bad,
    FAILS ("backup: partition entry array CRC32 mismatch") },
  { "gpt: absurd entry count in both headers", DISK_SIZE, 512, 512, build_gpt_absurd_count,
    FAILS ("100000 partition entries (limit 1024)") },
  { "gpt: usable area beyond the disk (truncated image)", DISK_SIZE, 512, 512,
    build_gpt_usable_beyond_disk, FAILS ("is not within the disk") },
  { "gpt: partition beyond the usable area", DISK_SIZE, 512, 512, build_gpt_part_beyond,
    FAILS ("GPT partition 2 (LBA 26624..149503) lies outside the usable area") },
  { "gpt: overlapping partitions", DISK_SIZE, 512, 512, build_gpt_overlap,
    FAILS ("partitions 2 (bytes 13631488+41943040) and 3 (bytes 52428800+8388608) overlap") },
  { "gpt: entry ending before it starts", DISK_SIZE, 512, 512, build_gpt_reversed,
    FAILS ("ends (LBA 26623) before it starts (LBA 26624)") },
};

static struct image
make_image (const struct pt_case *c)
{
  struct image img = { .size = c->size, .ss = c->table_ss };

  img.buf = calloc (1, c->size);
  assert_non_null (img.buf);
  c->build (&img);
  return img;
}

static void
check_part (const struct ow_partition *p, const struct want_part *w)
{
  char g[37];

  print_message ("  partition %u\n", w->number);
  assert_int_equal (p->number, w->number);
  assert_true (p->start == w->start);
  assert_true (p->size == w->size);
  assert_int_equal (p->role, w->role);
  assert_int_equal (p->mbr_type, w->mbr_type);
  assert_int_equal (p->bootable, w->bootable);
  if (w->type) {
    ow_guid_to_string (p->type_guid, g);
    assert_int_equal (strcasecmp (g, w->type), 0);
    ow_guid_to_string (p->part_guid, g);
    assert_int_equal (strcasecmp (g, w->uuid), 0);
    assert_true (p->gpt_attributes == w->attrs);
    assert_non_null (p->name);
    assert_string_equal (p->name, w->name);
  }
  else {
    assert_null (p->name);
    assert_true (p->gpt_attributes == 0);
  }
}

static void
run_case (void **state)
{
  const struct pt_case *c = *state;
  struct image img = make_image (c);
  struct ow_disk *disk;
  struct ow_ptable *pt;
  struct ow_disk_stats st;

  disk = ow_disk_open_memory (img.buf, img.size, c->disk_ss, OW_DISK_RDONLY);
  assert_non_null (disk);
  ow_error_clear ();
  errno = 0;
  pt = ow_ptable_read (disk);
  if (pt == NULL)
    print_message ("error: %s\n", ow_error_message ());
  else
    for (size_t i = 0; i < pt->nwarnings; i++)
      print_message ("warning: %s\n", pt->warnings[i]);

  if (c->error) {
    assert_null (pt);
    assert_int_equal (errno, EINVAL);
    assert_int_equal (ow_error_errno (), EINVAL);
    assert_non_null (strstr (ow_error_message (), c->error));
  }
  else {
    assert_non_null (pt);
    assert_int_equal (pt->scheme, c->scheme);
    assert_int_equal (pt->sector_size, c->want_ss);
    assert_int_equal (pt->gpt_used_backup, c->used_backup);
    if (c->scheme == OW_PT_MBR)
      assert_int_equal (pt->mbr_signature, c->mbr_signature);
    if (c->scheme == OW_PT_GPT) {
      char g[37];
      ow_guid_to_string (pt->disk_guid, g);
      assert_int_equal (strcasecmp (g, DISK_GUID), 0);
    }
    if (c->warning == NULL)
      assert_int_equal (pt->nwarnings, 0);
    else {
      bool found = false;
      for (size_t i = 0; i < pt->nwarnings; i++)
        found |= strstr (pt->warnings[i], c->warning) != NULL;
      assert_true (found);
    }
    assert_int_equal (pt->count, c->count);
    for (size_t i = 0; i < c->count; i++)
      check_part (&pt->parts[i], &c->parts[i]);
  }
  ow_disk_get_stats (disk, &st);
  assert_true (st.writes == 0);
  ow_ptable_free (pt);
  ow_disk_close (disk);
  free (img.buf);
}

/* ---- GUID text form and role names ----------------------------------- */

static void
test_guid_to_string (void **state)
{
  /* The ESP type GUID as every GPT disk stores it (UEFI spec, table 5-7). */
  static const uint8_t esp[16] = {
    0x28, 0x73, 0x2A, 0xC1, 0x1F, 0xF8, 0xD2, 0x11,
    0xBA, 0x4B, 0x00, 0xA0, 0xC9, 0x3E, 0xC9, 0x3B,
  };
  static const uint8_t ff[16] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  };
  char buf[37];

  (void) state;
  memset (buf, 'X', sizeof buf);
  ow_guid_to_string (esp, buf);
  assert_string_equal (buf, "c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
  ow_guid_to_string (ff, buf);
  assert_string_equal (buf, "ffffffff-ffff-ffff-ffff-ffffffffffff");
}

static void
test_role_names (void **state)
{
  static const struct { enum ow_part_role r; const char *name; } t[] = {
    { OW_ROLE_UNKNOWN, "unknown" }, { OW_ROLE_DATA, "data" },
    { OW_ROLE_EFI, "efi" }, { OW_ROLE_MSR, "msr" },
    { OW_ROLE_RECOVERY, "recovery" }, { OW_ROLE_EXTENDED, "extended" },
    { OW_ROLE_LDM, "ldm" }, { OW_ROLE_OTHER, "other" },
  };

  (void) state;
  for (size_t i = 0; i < ARRAY_SIZE (t); i++)
    assert_string_equal (ow_part_role_name (t[i].r), t[i].name);
  assert_string_equal (ow_part_role_name ((enum ow_part_role) 99), "unknown");
}

/* ---- hostile input: must never crash or leak -------------------------- */

static uint64_t rng_state;
static uint32_t
rng (void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t) (rng_state >> 11);
}

/* Whatever the reader accepts must be self-consistent. */
static void
check_invariants (const struct ow_ptable *pt, uint64_t disk_size)
{
  for (size_t i = 0; i < pt->count; i++) {
    const struct ow_partition *p = &pt->parts[i];

    assert_true (p->size > 0);
    assert_true (p->start <= disk_size && p->size <= disk_size - p->start);
    if (i > 0)
      assert_true (p->number > pt->parts[i - 1].number);
    if (pt->scheme == OW_PT_GPT)
      assert_non_null (p->name);
  }
  for (size_t i = 0; i < pt->nwarnings; i++)
    assert_non_null (pt->warnings[i]);
}

static void
read_hostile (uint8_t *buf, uint64_t size, unsigned ss)
{
  struct ow_disk *disk = ow_disk_open_memory (buf, size, ss, OW_DISK_RDONLY);
  struct ow_ptable *pt;

  assert_non_null (disk);
  errno = 0;
  pt = ow_ptable_read (disk);
  if (pt) {
    check_invariants (pt, size);
    ow_ptable_free (pt);
  }
  else {
    assert_int_equal (errno, EINVAL);
    assert_true (strlen (ow_error_message ()) > 10);
  }
  ow_disk_close (disk);
}

static void
test_random_garbage (void **state)
{
  const uint64_t size = 1 * MiB;
  uint8_t *buf = malloc (size);

  (void) state;
  assert_non_null (buf);
  rng_state = 0x9E3779B97F4A7C15ull;
  for (int round = 0; round < 300; round++) {
    for (uint64_t i = 0; i < size; i += 4)
      ow_put_le32 (buf + i, rng ());
    switch (round % 4) {
    case 1:                     /* looks like an MBR */
      buf[510] = 0x55; buf[511] = 0xAA;
      for (int k = 0; k < 4; k++)
        buf[0x1BE + 16 * k] = (rng () & 1) ? 0x80 : 0;
      break;
    case 2:                     /* protective MBR and a GPT signature */
      buf[510] = 0x55; buf[511] = 0xAA; buf[0x1BE + 4] = 0xEE;
      memcpy (buf + 512, "EFI PART", 8);
      memcpy (buf + size - 512, "EFI PART", 8);
      break;
    case 3:                     /* same, at 4096 */
      buf[510] = 0x55; buf[511] = 0xAA; buf[0x1BE + 4] = 0xEE;
      memcpy (buf + 4096, "EFI PART", 8);
      break;
    }
    read_hostile (buf, size, round % 8 < 4 ? 512 : 4096);
  }
  free (buf);
}

/* Flip bytes of a valid GPT or MBR+EBR chain, then (half of the time)
 * repair the CRCs so that the checks behind the CRC get exercised. */
static const struct gpt_part small_gpt[] = {
  { T_ESP, "11111111-2222-4333-8444-000000000001", 64 * 1024, 256 * 1024, 0, "ESP" },
  { T_DATA, "11111111-2222-4333-8444-000000000003", 320 * 1024, 512 * 1024, 0, "data" },
};

static void
test_mutated_tables (void **state)
{
  const uint64_t size = 1 * MiB;
  uint8_t *buf = malloc (size);
  struct image img = { .buf = buf, .size = size, .ss = 512 };

  (void) state;
  assert_non_null (buf);
  rng_state = 0xD1B54A32D192ED03ull;
  for (int round = 0; round < 1500; round++) {
    struct gpt_geom g;
    int flips = 1 + rng () % 8;

    img.ss = round % 3 == 2 ? 4096 : 512;
    g = gpt_geom (&img, GPT_N, GPT_ESZ);
    memset (buf, 0, size);
    gpt_build_n (&img, small_gpt, ARRAY_SIZE (small_gpt), true);
    for (int f = 0; f < flips; f++) {
      uint64_t off;
      switch (rng () % 4) {
      case 0: off = 0x1BE + rng () % 66; break;                   /* MBR table */
      case 1: off = img.ss + rng () % 96; break;                  /* primary header */
      case 2: off = g.backup_lba * img.ss + rng () % 96; break;   /* backup header */
      default: off = 2 * img.ss + rng () % (3 * GPT_ESZ); break;  /* entries */
      }
      buf[off] ^= (uint8_t) (1u << (rng () % 8));
      if (rng () % 4 == 0)
        buf[off] = (uint8_t) rng ();
    }
    if (round % 2)
      gpt_fix_all (&img);
    read_hostile (buf, size, round % 5 == 0 ? 4096 : 512);
  }

  /* The same for MBR + EBR chains. */
  {
    struct image big = { .size = DISK_SIZE, .ss = 512 };
    static const uint32_t ebrs[] = { EXT_START, 32768, 43008 };

    big.buf = calloc (1, DISK_SIZE);
    assert_non_null (big.buf);
    for (int round = 0; round < 1500; round++) {
      memset (big.buf, 0, 512);
      build_mbr_extended (&big);
      for (int f = 0, flips = 1 + rng () % 6; f < flips; f++) {
        uint64_t base = rng () % 4 == 0 ? 0 : ebrs[rng () % 3] * 512ull;
        big.buf[base + 0x1BE + rng () % 66] ^= (uint8_t) (1u << (rng () % 8));
      }
      read_hostile (big.buf, DISK_SIZE, 512);
    }
    free (big.buf);
  }
  free (buf);
}

/* ---- cross-check with util-linux ------------------------------------- */

#define TOOL_PATH "PATH=\"$PATH:/usr/sbin:/sbin\" "

static bool
have_tool (const char *tool)
{
  char *cmd;
  int r;

  assert_true (asprintf (&cmd, TOOL_PATH "command -v %s >/dev/null 2>&1", tool) > 0);
  r = system (cmd);
  free (cmd);
  return r == 0;
}

static char *
make_temp_image (uint64_t size)
{
  const char *tmp = getenv ("TMPDIR");
  char *path;
  int fd;

  assert_true (asprintf (&path, "%s/test-partitions.XXXXXX.img", tmp && *tmp ? tmp : "/tmp") > 0);
  /* The ".img" suffix keeps util-linux from naming partitions "<path>p1"
   * (it inserts a "p" after a trailing digit). */
  fd = mkstemps (path, 4);
  assert_true (fd >= 0);
  assert_int_equal (ftruncate (fd, (off_t) size), 0);
  close (fd);
  return path;
}

static char *
run_capture (const char *cmd)
{
  FILE *f = popen (cmd, "r");
  char *out = NULL;
  size_t len = 0;
  FILE *m = open_memstream (&out, &len);
  char chunk[4096];
  size_t n;

  assert_non_null (f);
  assert_non_null (m);
  while ((n = fread (chunk, 1, sizeof chunk, f)) > 0)
    fwrite (chunk, 1, n, m);
  assert_int_equal (pclose (f), 0);
  fclose (m);
  return out;
}

static void
write_file (const char *path, const uint8_t *buf, uint64_t size)
{
  FILE *f = fopen (path, "r+b");

  assert_non_null (f);
  assert_int_equal (fwrite (buf, 1, size, f), size);
  assert_int_equal (fclose (f), 0);
}

static const struct ow_partition *
find_part (const struct ow_ptable *pt, unsigned number)
{
  for (size_t i = 0; i < pt->count; i++)
    if (pt->parts[i].number == number)
      return &pt->parts[i];
  return NULL;
}

/* Compare our reading of PATH with `sfdisk --json PATH`. */
static void
compare_with_sfdisk (const char *path)
{
  char *cmd, *out;
  json_t *root, *table, *parts;
  json_error_t jerr;
  struct ow_disk *disk;
  struct ow_ptable *pt;
  const char *label, *id;
  size_t i;
  unsigned ss;

  assert_true (asprintf (&cmd, TOOL_PATH "sfdisk --json '%s'", path) > 0);
  out = run_capture (cmd);
  free (cmd);
  root = json_loads (out, 0, &jerr);
  if (root == NULL)
    print_message ("sfdisk output: %s\n", out);
  assert_non_null (root);
  free (out);
  table = json_object_get (root, "partitiontable");
  assert_non_null (table);
  label = json_string_value (json_object_get (table, "label"));
  id = json_string_value (json_object_get (table, "id"));
  ss = (unsigned) json_integer_value (json_object_get (table, "sectorsize"));
  parts = json_object_get (table, "partitions");
  assert_non_null (label);
  assert_non_null (id);
  assert_non_null (parts);

  disk = ow_disk_open (path, OW_DISK_RDONLY);
  assert_non_null (disk);
  pt = ow_ptable_read (disk);
  if (pt == NULL)
    print_message ("error: %s\n", ow_error_message ());
  assert_non_null (pt);
  assert_int_equal (pt->sector_size, ss);
  assert_int_equal (pt->nwarnings, 0);
  assert_int_equal (pt->count, json_array_size (parts));
  if (strcmp (label, "dos") == 0) {
    assert_int_equal (pt->scheme, OW_PT_MBR);
    assert_int_equal (pt->mbr_signature, strtoul (id, NULL, 16));
  }
  else {
    char g[37];
    assert_string_equal (label, "gpt");
    assert_int_equal (pt->scheme, OW_PT_GPT);
    ow_guid_to_string (pt->disk_guid, g);
    assert_int_equal (strcasecmp (g, id), 0);
  }
  for (i = 0; i < json_array_size (parts); i++) {
    json_t *jp = json_array_get (parts, i);
    const char *node = json_string_value (json_object_get (jp, "node"));
    const char *type = json_string_value (json_object_get (jp, "type"));
    uint64_t start = (uint64_t) json_integer_value (json_object_get (jp, "start"));
    uint64_t size = (uint64_t) json_integer_value (json_object_get (jp, "size"));
    unsigned number = (unsigned) strtoul (node + strlen (path), NULL, 10);
    const struct ow_partition *p = find_part (pt, number);

    print_message ("  sfdisk partition %u: start %llu size %llu type %s\n", number,
                   (unsigned long long) start, (unsigned long long) size, type);
    assert_non_null (p);
    assert_true (p->start == start * ss);
    assert_true (p->size == size * ss);
    if (pt->scheme == OW_PT_MBR) {
      assert_int_equal (p->mbr_type, strtoul (type, NULL, 16));
      assert_int_equal (p->bootable, json_is_true (json_object_get (jp, "bootable")));
    }
    else {
      char g[37];
      const char *uuid = json_string_value (json_object_get (jp, "uuid"));
      const char *name = json_string_value (json_object_get (jp, "name"));
      ow_guid_to_string (p->type_guid, g);
      assert_int_equal (strcasecmp (g, type), 0);
      ow_guid_to_string (p->part_guid, g);
      assert_int_equal (strcasecmp (g, uuid), 0);
      assert_string_equal (p->name, name ? name : "");
    }
  }
  ow_ptable_free (pt);
  ow_disk_close (disk);
  json_decref (root);
}

static void
sfdisk_write (const char *path, const char *script)
{
  char *cmd;
  FILE *f;

  assert_true (asprintf (&cmd, TOOL_PATH "sfdisk -q '%s' >/dev/null", path) > 0);
  f = popen (cmd, "w");
  free (cmd);
  assert_non_null (f);
  fputs (script, f);
  assert_int_equal (pclose (f), 0);
}

/* Tables written by sfdisk, read by us and by sfdisk. */
static void
test_crosscheck_sfdisk_tables (void **state)
{
  static const char *const scripts[] = {
    "label: dos\nlabel-id: 0x1234abcd\n"
    "start=2048, size=16384, type=7, bootable\n"
    "size=32768, type=7\n"
    "type=5\n"
    "size=8192, type=83\n"
    "size=8192, type=7\n"
    "size=4096, type=27\n",
    "label: gpt\nlabel-id: " DISK_GUID "\n"
    "size=10MiB, type=" T_ESP ", name=\"EFI system partition\"\n"
    "size=16MiB, type=" T_MSR ", name=\"Microsoft reserved partition\"\n"
    "size=30MiB, type=" T_DATA ", name=\"Basic data partition\"\n"
    "type=" T_RECOVERY ", attrs=\"RequiredPartition GUID:63\"\n",
  };

  (void) state;
  if (!have_tool ("sfdisk"))
    skip ();
  for (size_t i = 0; i < ARRAY_SIZE (scripts); i++) {
    char *path = make_temp_image (DISK_SIZE);

    sfdisk_write (path, scripts[i]);
    compare_with_sfdisk (path);
    unlink (path);
    free (path);
  }
}

/* Our test builder's images are what sfdisk/fdisk read too, so the cases
 * above test the reader against real GPTs and MBRs, not against our own
 * idea of them. */
static void
test_crosscheck_builders (void **state)
{
  static const struct pt_case *const built[] = {
    &cases[0], &cases[2],       /* MBR Windows, MBR extended */
  };
  struct pt_case gpt512 = { .name = "gpt", .size = DISK_SIZE, .disk_ss = 512,
                            .table_ss = 512, .build = build_gpt_windows };

  (void) state;
  if (!have_tool ("sfdisk"))
    skip ();
  for (size_t i = 0; i < ARRAY_SIZE (built) + 1; i++) {
    const struct pt_case *c = i < ARRAY_SIZE (built) ? built[i] : &gpt512;
    struct image img = make_image (c);
    char *path = make_temp_image (img.size);

    print_message ("builder: %s\n", c->name);
    write_file (path, img.buf, img.size);
    compare_with_sfdisk (path);
    unlink (path);
    free (path);
    free (img.buf);
  }
}

/* A 4Kn GPT (sfdisk cannot write one to a file): fdisk -b 4096 reads the
 * builder's image, and must agree with us on every partition. */
static void
test_crosscheck_fdisk_4k (void **state)
{
  struct pt_case c = { .name = "gpt 4k", .size = DISK_SIZE, .disk_ss = 512,
                       .table_ss = 4096, .build = build_gpt_windows };
  struct image img;
  struct ow_disk *disk;
  struct ow_ptable *pt;
  char *path, *cmd, *out, *line, *save = NULL;
  size_t seen = 0;

  (void) state;
  if (!have_tool ("fdisk"))
    skip ();
  img = make_image (&c);
  path = make_temp_image (img.size);
  write_file (path, img.buf, img.size);
  assert_true (asprintf (&cmd, TOOL_PATH "LC_ALL=C fdisk -b 4096 -l -o Device,Start,Sectors,Type-UUID,UUID,Name '%s'",
                         path) > 0);
  out = run_capture (cmd);
  free (cmd);
  disk = ow_disk_open (path, OW_DISK_RDONLY);
  assert_non_null (disk);
  pt = ow_ptable_read (disk);
  assert_non_null (pt);
  assert_int_equal (pt->sector_size, 4096);
  assert_non_null (strstr (out, "Disklabel type: gpt"));
  for (line = strtok_r (out, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
    unsigned number;
    unsigned long long start, sectors;
    char type[40], uuid[40], g[37];
    int nameoff = 0;
    const struct ow_partition *p;

    if (strncmp (line, path, strlen (path)) != 0)
      continue;
    assert_int_equal (sscanf (line + strlen (path), "%u %llu %llu %39s %39s %n",
                              &number, &start, &sectors, type, uuid, &nameoff), 5);
    print_message ("  fdisk: %s\n", line);
    p = find_part (pt, number);
    assert_non_null (p);
    assert_true (p->start == start * 4096);
    assert_true (p->size == sectors * 4096);
    ow_guid_to_string (p->type_guid, g);
    assert_int_equal (strcasecmp (g, type), 0);
    ow_guid_to_string (p->part_guid, g);
    assert_int_equal (strcasecmp (g, uuid), 0);
    if (nameoff > 0)
      assert_string_equal (p->name, line + strlen (path) + nameoff);
    seen++;
  }
  assert_int_equal (seen, pt->count);
  assert_int_equal (seen, 4);
  free (out);
  ow_ptable_free (pt);
  ow_disk_close (disk);
  unlink (path);
  free (path);
  free (img.buf);
}

int
main (void)
{
  const struct CMUnitTest fixed[] = {
    cmocka_unit_test (test_guid_to_string),
    cmocka_unit_test (test_role_names),
    cmocka_unit_test (test_random_garbage),
    cmocka_unit_test (test_mutated_tables),
    cmocka_unit_test (test_crosscheck_sfdisk_tables),
    cmocka_unit_test (test_crosscheck_builders),
    cmocka_unit_test (test_crosscheck_fdisk_4k),
  };
  const size_t n = ARRAY_SIZE (cases) + ARRAY_SIZE (fixed);
  struct CMUnitTest *tests = calloc (n, sizeof *tests);
  int r;

  assert_non_null (tests);
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++) {
    tests[i].name = cases[i].name;
    tests[i].test_func = run_case;
    tests[i].initial_state = (void *) &cases[i];
  }
  memcpy (tests + ARRAY_SIZE (cases), fixed, sizeof fixed);
  r = _cmocka_run_group_tests ("partitions", tests, n, NULL, NULL);
  free (tests);
  return r;
}
