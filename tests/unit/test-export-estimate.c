/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The map queries the VHDX plan and ow_export_estimate rest on agree with
 * exp_map_units, the one the copy reads by (random bitmaps, odd cluster
 * sizes, volume edges), and the estimate bounds the real output on memory
 * disks.
 *
 * With CE_EXPORT_ESTIMATE_DISK=PATH set, prints "FORMAT BYTES" for each
 * format's ow_export_estimate of that disk image and exits instead:
 * tests/test-export-estimate-bounds-the-output.sh compares those with
 * `du` of real exports of NTFS fixtures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "internal.h"
#include "export/export.h"

#define MiB (1024ull * 1024)
#define ROUNDS 40

static uint64_t rng = 88172645463325252ull;
static uint64_t
rnd (void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* A map of a DISK-byte disk with up to three bitmap volumes (random
 * cluster sizes, placement and bitmaps with long runs) and maybe one
 * verbatim volume. */
static void
random_map (struct exp_map *m, uint64_t disk)
{
  static const uint64_t cs[] = { 512, 4096, 4096, 65536, 1536 };
  uint64_t pos = (rnd () % 8) * 512;

  memset (m, 0, sizeof *m);
  m->disk_size = disk;
  m->sector_size = 512;
  m->v = calloc (4, sizeof *m->v);
  assert_non_null (m->v);
  for (int k = 0; k < 4 && pos < disk; k++) {
    struct exp_volume *v = &m->v[m->n];
    uint64_t left = disk - pos, size = (rnd () % (left / 512 + 1)) * 512;
    uint8_t bit = 1;

    if (size < 16384)
      break;
    v->start = pos;
    v->size = size;
    v->partition = (unsigned) m->n + 1;
    if (k == 3 || rnd () % 5 == 0) {
      v->use_bitmap = false;             /* verbatim */
    }
    else {
      v->use_bitmap = true;
      v->cluster_size = cs[rnd () % 5];
      /* Sometimes fewer clusters than the partition holds (never more:
       * exp_map_build refuses that). */
      uint64_t fit = size / v->cluster_size, less = (rnd () % 2) * (rnd () % 3);
      v->nr_clusters = fit > less ? fit - less : fit;
      if (v->nr_clusters == 0) {
        v->use_bitmap = false;
        m->n++;
        break;
      }
      v->bitmap = calloc ((v->nr_clusters + 7) / 8, 1);
      assert_non_null (v->bitmap);
      for (uint64_t c = 0; c < v->nr_clusters; c++) {
        if (rnd () % 64 == 0)
          bit ^= 1;
        if (bit)
          v->bitmap[c >> 3] |= (uint8_t) (1u << (c & 7));
      }
      v->bitmap[0] |= 1;
    }
    m->n++;
    pos += size + (rnd () % 3) * 512 * (rnd () % 300);
  }
}

static void
test_any_used_and_used_units_agree_with_exp_map_units (void **state)
{
  (void) state;
  for (int round = 0; round < ROUNDS; round++) {
    uint64_t disk = 8 * MiB + (rnd () % 4096) * 512 + (round % 3 ? 0 : rnd () % 512);
    size_t nunits = (disk + EXP_UNIT - 1) / EXP_UNIT;
    uint8_t *used = malloc (nunits);
    struct exp_map m;
    static const uint64_t grains[] = { 512, 4096, 65536, 2 * MiB };

    assert_non_null (used);
    random_map (&m, disk);
    exp_map_units (&m, 0, (size_t) disk, used);

    /* any_used over random ranges and over every 2 MiB block. */
    for (int i = 0; i < 400; i++) {
      uint64_t off = (rnd () % nunits) * 512, len;
      len = i % 2 ? 2 * MiB : (rnd () % 64 + 1) * 512 * (rnd () % 2 ? 1 : 64);
      if (off + len > disk)
        len = disk - off;
      size_t a = off / 512, b = (off + len + 511) / 512;
      bool want = memchr (used + a, 1, b - a) != NULL;
      assert_int_equal (exp_map_any_used (&m, off, len), want);
    }
    /* used_units at several grains: a piece counts when it holds any
     * used unit; the last piece counts whenever it is partial and free
     * runs reach the disk's end (an upper bound is what is promised). */
    for (size_t g = 0; g < sizeof grains / sizeof grains[0]; g++) {
      uint64_t grain = grains[g], want = 0, per = grain / 512;
      for (uint64_t p = 0; p * per < nunits; p++) {
        uint64_t a = p * per, b = a + per < nunits ? a + per : nunits;
        want += memchr (used + a, 1, b - a) != NULL;
      }
      uint64_t got = exp_map_used_units (&m, grain);
      assert_true (got >= want && got <= want + 1);
      if (disk % grain == 0)
        assert_int_equal (got, want);
    }
    exp_map_free (&m);
    free (used);
  }
}

static uint64_t
allocated (const char *path)
{
  struct stat st;
  assert_int_equal (stat (path, &st), 0);
  return (uint64_t) st.st_blocks * 512;
}

static uint64_t
length (const char *path)
{
  struct stat st;
  assert_int_equal (stat (path, &st), 0);
  return (uint64_t) st.st_size;
}

/* No partition table: the whole disk is to be copied, so the estimates
 * are the formats' full sizes; the real files are within them. */
static void
test_estimate_bounds_memory_disk_exports (void **state)
{
  char dir[] = "/tmp/test-export-estimate.XXXXXX", path[64];
  const uint64_t size = 9 * MiB + 1536;
  uint8_t *mem = calloc (1, size);
  struct ow_disk *d;
  static const enum ow_export_format fmts[] = {
    OW_EXPORT_VHDX, OW_EXPORT_VHD, OW_EXPORT_VHD_DYNAMIC, OW_EXPORT_RAW,
  };
  uint64_t est;

  (void) state;
  assert_non_null (mem);
  for (uint64_t i = 0; i < size; i += 3 * 4096 + 512)
    mem[i] = 0x5a;
  assert_non_null (mkdtemp (dir));
  snprintf (path, sizeof path, "%s/out", dir);
  d = ow_disk_open_memory (mem, size, 512, OW_DISK_RDONLY);
  assert_non_null (d);
  for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
    struct ow_export_options o = { .format = fmts[i], .no_digest = true };
    assert_int_equal (ow_export_estimate (d, fmts[i], &est), 0);
    assert_int_equal (ow_export (d, path, &o, NULL), 0);
    assert_true (est >= allocated (path));
    switch (fmts[i]) {
    case OW_EXPORT_VHDX:          /* 3 MiB front, 1 MiB BAT, 5 blocks */
      assert_int_equal (est, length (path));
      assert_int_equal (est, 4 * MiB + 5 * 2 * MiB);
      break;
    case OW_EXPORT_VHD_DYNAMIC:
      assert_int_equal (est, length (path));
      break;
    case OW_EXPORT_VHD:
      assert_int_equal (est, 10 * MiB + 512);
      break;
    default:                      /* every 4 KiB piece holds a byte */
      assert_int_equal (est, (size + 4095) / 4096 * 4096);
      break;
    }
    assert_int_equal (unlink (path), 0);
  }
  /* A format the disk cannot have fails as ow_export would. */
  ow_disk_close (d);
  d = ow_disk_open_memory (mem, 4 * MiB, 4096, OW_DISK_RDONLY);
  assert_int_equal (ow_export_estimate (d, OW_EXPORT_VHD, &est), -1);
  assert_int_equal (ow_error_class (), OW_ERR_INVALID);
  assert_int_equal (ow_export_estimate (d, OW_EXPORT_VHDX, &est), 0);
  ow_disk_close (d);
  rmdir (dir);
  free (mem);
}

/* Tool mode for the shell test. */
static int
print_estimates (const char *spec)
{
  static const enum ow_export_format fmts[] = {
    OW_EXPORT_VHDX, OW_EXPORT_VHD, OW_EXPORT_VHD_DYNAMIC, OW_EXPORT_RAW,
    OW_EXPORT_QCOW2, OW_EXPORT_VMDK,
  };
  struct ow_disk *d = ow_disk_open (spec, OW_DISK_RDONLY);
  int ret = 0;

  if (d == NULL) {
    fprintf (stderr, "%s: %s\n", spec, ow_error_message ());
    return 1;
  }
  for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
    uint64_t est;
    if (ow_export_estimate (d, fmts[i], &est) == -1) {
      fprintf (stderr, "%s: %s\n", ow_export_format_name (fmts[i]), ow_error_message ());
      ret = 1;
      continue;
    }
    printf ("%s %llu\n", ow_export_format_name (fmts[i]), (unsigned long long) est);
  }
  ow_disk_close (d);
  return ret;
}

int
main (void)
{
  const char *disk = getenv ("CE_EXPORT_ESTIMATE_DISK");
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_any_used_and_used_units_agree_with_exp_map_units),
    cmocka_unit_test (test_estimate_bounds_memory_disk_exports),
  };

  if (disk)
    return print_estimates (disk);
  return cmocka_run_group_tests (tests, NULL, NULL);
}
