/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The read-only FAT reader (fat/fat.c) on images made by mkfs.fat and
 * mtools, then damaged byte by byte: clusters are checked against the
 * volume (not only the disk), long names only count with a matching
 * checksum, chains that loop or leave the volume are damage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"

#define BCD_PATH "EFI/Microsoft/Boot/BCD"
#define EXTRA    (1024u * 1024)   /* disk bytes past the end of the volume */

struct img {
  uint8_t *data;          /* the disk: the volume at 0, then EXTRA bytes */
  size_t vol_len, len;
  unsigned bps, spc, type;
  uint64_t data_off;      /* first data cluster (cluster 2), volume offset */
  uint32_t clusters;
  uint64_t fat_off;
};

/* mkfs.fat -F TYPE a volume of KIB KiB holding EFI/Microsoft/Boot/BCD. */
static struct img
make_image (int type, unsigned kib)
{
  char dir[] = "/tmp/ce-fat-XXXXXX", *cmd = NULL;
  struct img im = { 0 };
  FILE *f;
  const uint8_t *bs;
  uint32_t reserved, nfats, fatsz, total, root_sectors, root_entries;

  assert_non_null (mkdtemp (dir));
  assert_true (asprintf (&cmd,
    "set -e; cd %s; mkfs.fat -C -F %d -S 512 -n ESP v.img %u >/dev/null; "
    "echo bcd >BCD; export MTOOLS_SKIP_CHECK=1; "
    "mmd -i v.img ::EFI ::EFI/Microsoft ::EFI/Microsoft/Boot; "
    "mcopy -i v.img BCD ::EFI/Microsoft/Boot/BCD", dir, type, kib) > 0);
  assert_int_equal (system (cmd), 0);
  free (cmd);
  assert_true (asprintf (&cmd, "%s/v.img", dir) > 0);
  f = fopen (cmd, "rb");
  assert_non_null (f);
  im.vol_len = (size_t) kib * 1024;
  im.len = im.vol_len + EXTRA;
  im.data = calloc (1, im.len);
  assert_non_null (im.data);
  assert_int_equal (fread (im.data, 1, im.vol_len, f), im.vol_len);
  fclose (f);
  free (cmd);
  assert_true (asprintf (&cmd, "rm -rf %s", dir) > 0);
  assert_int_equal (system (cmd), 0);
  free (cmd);

  bs = im.data;
  im.bps = ow_le16 (bs + 0x0B);
  im.spc = bs[0x0D];
  reserved = ow_le16 (bs + 0x0E);
  nfats = bs[0x10];
  root_entries = ow_le16 (bs + 0x11);
  total = ow_le16 (bs + 0x13) ? ow_le16 (bs + 0x13) : ow_le32 (bs + 0x20);
  fatsz = ow_le16 (bs + 0x16) ? ow_le16 (bs + 0x16) : ow_le32 (bs + 0x24);
  root_sectors = (root_entries * 32 + im.bps - 1) / im.bps;
  im.fat_off = (uint64_t) reserved * im.bps;
  im.data_off = (uint64_t) (reserved + nfats * fatsz + root_sectors) * im.bps;
  im.clusters = (total - reserved - nfats * fatsz - root_sectors) / im.spc;
  im.type = type;
  return im;
}

static int
lookup (struct img *im, const char *path)
{
  struct ow_disk *d = ow_disk_open_memory (im->data, im->len, 512, OW_DISK_RDONLY);
  int r;

  assert_non_null (d);
  r = ow_fat_path_exists (d, 0, im->vol_len, path);
  ow_disk_close (d);
  return r;
}

/* The first short directory entry named NAME11 (11 bytes, padded) in the
 * volume (a directory when DIR). */
static uint8_t *
find_entry (struct img *im, const char *name11, bool dir)
{
  for (size_t off = 0; off + 32 <= im->vol_len; off += 32) {
    uint8_t *e = im->data + off;
    if (memcmp (e, name11, 11) == 0 && (e[11] & 0x3F) != 0x0F
        && (!dir || (e[11] & 0x10)))
      return e;
  }
  fail_msg ("entry '%s' not found", name11);
  return NULL;
}

static uint32_t
entry_cluster (const uint8_t *e)
{
  return (uint32_t) ow_le16 (e + 20) << 16 | ow_le16 (e + 26);
}

static void
set_entry_cluster (uint8_t *e, uint32_t c)
{
  ow_put_le16 (e + 20, (uint16_t) (c >> 16));
  ow_put_le16 (e + 26, (uint16_t) c);
}

static uint64_t
cluster_off (const struct img *im, uint32_t c)
{
  return im->data_off + (uint64_t) (c - 2) * im->spc * im->bps;
}

/* Set the FAT entry of cluster C (FAT16 and FAT32 only, first FAT). */
static void
set_fat (struct img *im, uint32_t c, uint32_t v)
{
  if (im->type == 16)
    ow_put_le16 (im->data + im->fat_off + (uint64_t) c * 2, (uint16_t) v);
  else
    ow_put_le32 (im->data + im->fat_off + (uint64_t) c * 4, v);
}

static void
test_finds_paths_on_fat12_16_32 (void **state)
{
  static const struct { int type; unsigned kib; } kinds[] = {
    { 12, 2048 }, { 16, 20480 }, { 32, 40960 },
  };
  (void) state;

  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    struct img im = make_image (kinds[i].type, kinds[i].kib);
    assert_int_equal (lookup (&im, BCD_PATH), 1);
    assert_int_equal (lookup (&im, "efi/MICROSOFT/boot/bcd"), 1);   /* any case */
    assert_int_equal (lookup (&im, "EFI/MICROS~1/Boot/BCD"), 1);    /* the short name */
    assert_int_equal (lookup (&im, "EFI/Microsoft/Boot/BCD.old"), 0);
    assert_int_equal (lookup (&im, "EFI/Microsoft/Boot/BCD/x"), 0); /* BCD is a file */
    free (im.data);
  }
}

/* A directory entry pointing past the end of the volume, where the disk
 * goes on and holds a copy of that directory: the old reader followed it
 * (only the disk bounded it) and "found" the BCD; it is damage. */
static void
test_cluster_outside_the_volume (void **state)
{
  struct img im = make_image (32, 40960);
  uint8_t *efi = find_entry (&im, "EFI        ", true);
  size_t csize = (size_t) im.spc * im.bps;
  uint32_t c = entry_cluster (efi);
  uint32_t outside = (uint32_t) ((im.vol_len - im.data_off) / csize) + 2 + 1;
  (void) state;

  assert_true (cluster_off (&im, outside) + csize <= im.len);
  memcpy (im.data + cluster_off (&im, outside), im.data + cluster_off (&im, c), csize);
  set_entry_cluster (efi, outside);
  assert_int_equal (lookup (&im, BCD_PATH), -1);
  assert_non_null (strstr (ow_error_message (), "is not one of its"));

  /* Pointed back at its real cluster, the same image reads fine. */
  set_entry_cluster (efi, c);
  assert_int_equal (lookup (&im, BCD_PATH), 1);
  free (im.data);
}

/* Long names whose checksum does not match their short entry are ignored,
 * as Windows does: only the short name finds the directory then. */
static void
test_lfn_checksum (void **state)
{
  struct img im = make_image (16, 20480);
  uint8_t *ms = find_entry (&im, "MICROS~1   ", true);
  (void) state;

  /* The entry before the short one is the long name's first part (seq 1). */
  assert_int_equal (ms[-32 + 11], 0x0F);
  assert_int_equal (lookup (&im, BCD_PATH), 1);
  ms[-32 + 13] ^= 0x5A;                     /* its checksum */
  assert_int_equal (lookup (&im, BCD_PATH), 0);
  assert_int_equal (lookup (&im, "EFI/MICROS~1/Boot/BCD"), 1);
  ms[-32 + 13] ^= 0x5A;
  /* A matching long name on a different short entry: also ignored. */
  ms[0] = 'N';
  assert_int_equal (lookup (&im, BCD_PATH), 0);
  assert_int_equal (lookup (&im, "EFI/NICROS~1/Boot/BCD"), 1);
  free (im.data);
}

/* A directory's cluster chain that loops, stops at a free entry, or goes
 * to a cluster outside the volume: damage (-1), not "not found". */
static void
test_bad_chains (void **state)
{
  struct img im = make_image (32, 40960);
  uint8_t *boot = find_entry (&im, "BOOT       ", true);
  uint32_t c = entry_cluster (boot);
  (void) state;

  set_fat (&im, c, c);                                   /* loops on itself */
  assert_int_equal (lookup (&im, BCD_PATH), -1);
  assert_non_null (strstr (ow_error_message (), "loops"));
  set_fat (&im, c, c + 1);                               /* a longer loop back to it */
  set_fat (&im, c + 1, c + 2);
  set_fat (&im, c + 2, c);
  assert_int_equal (lookup (&im, BCD_PATH), -1);
  assert_non_null (strstr (ow_error_message (), "loops"));
  set_fat (&im, c, 0);                                   /* free: not a chain */
  assert_int_equal (lookup (&im, BCD_PATH), -1);
  set_fat (&im, c, im.clusters + 2);                     /* past the last cluster */
  assert_int_equal (lookup (&im, BCD_PATH), -1);
  assert_non_null (strstr (ow_error_message (), "not a cluster of the volume"));
  set_fat (&im, c, 0x0FFFFFFF);                          /* end of chain again */
  assert_int_equal (lookup (&im, BCD_PATH), 1);
  free (im.data);
}

static int
read_file (struct img *im, const char *path, size_t max, void **buf, size_t *len)
{
  struct ow_disk *d = ow_disk_open_memory (im->data, im->len, 512, OW_DISK_RDONLY);
  int r;

  assert_non_null (d);
  r = ow_fat_file_read (d, 0, im->vol_len, path, max, buf, len);
  ow_disk_close (d);
  return r;
}

/* The BCD's bytes as mtools wrote them, on each FAT type; a size its
 * chain does not cover, a limit, a directory and a missing file fail with
 * the reason instead of returning garbage. */
static void
test_file_read (void **state)
{
  static const struct { int type; unsigned kib; } kinds[] = {
    { 12, 2048 }, { 16, 20480 }, { 32, 40960 },
  };
  (void) state;

  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    struct img im = make_image (kinds[i].type, kinds[i].kib);
    uint8_t *e = find_entry (&im, "BCD        ", false);
    void *buf = NULL;
    size_t len = 0;

    assert_int_equal (read_file (&im, "efi/microsoft/boot/bcd", 1024, &buf, &len), 0);
    assert_int_equal (len, 4);
    assert_memory_equal (buf, "bcd\n", 4);
    free (buf);
    assert_int_equal (read_file (&im, BCD_PATH, 3, &buf, &len), -1);
    assert_int_equal (errno, EFBIG);
    assert_int_equal (read_file (&im, "EFI/Microsoft", 1024, &buf, &len), -1);
    assert_int_equal (errno, EISDIR);
    assert_int_equal (read_file (&im, "EFI/Microsoft/Boot/BCD.bak", 1024, &buf, &len), -1);
    assert_int_equal (errno, ENOENT);
    /* One cluster of chain, a size of three clusters. */
    ow_put_le32 (e + 28, 3u * im.spc * im.bps);
    assert_int_equal (read_file (&im, BCD_PATH, 1u << 20, &buf, &len), -1);
    assert_non_null (strstr (ow_error_message (), "shorter than the file's size"));
    assert_null (buf);
    free (im.data);
  }
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_finds_paths_on_fat12_16_32),
    cmocka_unit_test (test_cluster_outside_the_volume),
    cmocka_unit_test (test_lfn_checksum),
    cmocka_unit_test (test_bad_chains),
    cmocka_unit_test (test_file_read),
  };
  if (system ("command -v mkfs.fat >/dev/null && command -v mmd >/dev/null") != 0) {
    fprintf (stderr, "mkfs.fat or mtools missing\n");
    return 77;
  }
  return cmocka_run_group_tests (tests, NULL, NULL);
}
