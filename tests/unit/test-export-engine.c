/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Export engine on memory disks: the native writers' layouts, zero blocks
 * left out, digests, and every failure path leaving no file behind (read
 * error, cancel, existing output, a format the disk cannot have). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "internal.h"
#include "export/export.h"

#define MiB (1024 * 1024)

struct fixture {
  char dir[64];
  char path[128];
};

static int
setup (void **state)
{
  struct fixture *f = calloc (1, sizeof *f);
  if (f == NULL)
    return -1;
  snprintf (f->dir, sizeof f->dir, "/tmp/test-export.XXXXXX");
  if (mkdtemp (f->dir) == NULL)
    return -1;
  snprintf (f->path, sizeof f->path, "%s/out.img", f->dir);
  *state = f;
  return 0;
}

/* Number of entries in the directory, removing them. */
static int
drain (const char *dir)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  char p[512];
  int n = 0;

  assert_non_null (d);
  while ((e = readdir (d)) != NULL) {
    if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
      continue;
    snprintf (p, sizeof p, "%s/%s", dir, e->d_name);
    unlink (p);
    n++;
  }
  closedir (d);
  return n;
}

static int
teardown (void **state)
{
  struct fixture *f = *state;
  drain (f->dir);
  rmdir (f->dir);
  free (f);
  return 0;
}

static void *
read_file (const char *path, size_t *len)
{
  struct stat st;
  int fd = open (path, O_RDONLY);
  uint8_t *b;

  assert_true (fd >= 0);
  assert_int_equal (fstat (fd, &st), 0);
  b = malloc (st.st_size + 1);
  assert_non_null (b);
  assert_int_equal (pread (fd, b, st.st_size, 0), st.st_size);
  close (fd);
  *len = st.st_size;
  return b;
}

static void
test_crc32c_matches_the_check_value (void **state)
{
  (void) state;
  assert_int_equal (ow_crc32c ("123456789", 9), 0xE3069283u);
  assert_int_equal (ow_crc32c ("", 0), 0);
}

static void
test_format_names_round_trip (void **state)
{
  (void) state;
  const char *names[] = { "raw", "vhdx", "vhd", "vhd-dynamic", "qcow2", "vmdk" };
  enum ow_export_format f;

  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    assert_int_equal (ow_export_format_from_name (names[i], &f), 0);
    assert_string_equal (ow_export_format_name (f), names[i]);
  }
  assert_int_equal (ow_export_format_from_name ("vdi", &f), -1);
  assert_int_equal (ow_error_class (), OW_ERR_INVALID);
}

/* 20 MiB + 1536 bytes: data in block 0 (the first sector), block 5
 * (2 MiB blocks) and the partial last block. */
#define DISK_SIZE (20 * MiB + 1536)
static uint8_t *
make_disk (void)
{
  uint8_t *m = calloc (1, DISK_SIZE);
  assert_non_null (m);
  memset (m + 100, 0x11, 300);
  memset (m + 5 * 2 * MiB + 4096, 0x22, 8192);
  memset (m + DISK_SIZE - 700, 0x33, 600);
  return m;
}

static void
test_raw_equals_the_disk_and_zeros_are_holes (void **state)
{
  struct fixture *f = *state;
  uint8_t *m = make_disk (), *out;
  struct ow_disk *d = ow_disk_open_memory (m, DISK_SIZE, 512, OW_DISK_RDONLY);
  struct ow_export_options o = { .format = OW_EXPORT_RAW };
  struct ow_export_result r;
  struct stat st;
  size_t len;

  assert_int_equal (ow_export (d, f->path, &o, &r), 0);
  out = read_file (f->path, &len);
  assert_int_equal (len, DISK_SIZE);
  assert_memory_equal (out, m, DISK_SIZE);
  assert_int_equal (stat (f->path, &st), 0);
  assert_true ((uint64_t) st.st_blocks * 512 <= 64 * 1024);   /* holes */
  /* No table: all of it read (plus the table probes). */
  assert_true (r.bytes_read >= DISK_SIZE && r.bytes_read < DISK_SIZE + 64 * 1024);
  assert_int_equal (r.nvolumes, 0);
  assert_int_equal (strlen (r.sha256), 64);
  assert_int_equal (strlen (r.md5), 32);
  ow_export_result_free (&r);
  free (out);
  ow_disk_close (d);
  free (m);
}

static void
test_digests_of_a_known_file (void **state)
{
  struct fixture *f = *state;
  uint8_t *m = calloc (1, MiB);
  struct ow_disk *d = ow_disk_open_memory (m, MiB, 512, OW_DISK_RDONLY);
  struct ow_export_options o = { .format = OW_EXPORT_RAW };
  struct ow_export_result r;

  assert_int_equal (ow_export (d, f->path, &o, &r), 0);
  /* sha256sum / md5sum of 1 MiB of zeros. */
  assert_string_equal (r.sha256, "30e14955ebf1352266dc2ff8067e68104607e750abb9d3b36582b8af909fcb58");
  assert_string_equal (r.md5, "b6d81b360a5672d80c27430f39153e2c");
  ow_export_result_free (&r);
  drain (f->dir);
  o.no_digest = true;
  assert_int_equal (ow_export (d, f->path, &o, &r), 0);
  assert_string_equal (r.sha256, "");
  ow_export_result_free (&r);
  ow_disk_close (d);
  free (m);
}

/* Allocated bytes of PATH (what du --block-size=1 says). */
static uint64_t
allocated (const char *path)
{
  struct stat st;
  assert_int_equal (stat (path, &st), 0);
  return (uint64_t) st.st_blocks * 512;
}

/* The memory disk has no partition table, so every block is to be copied:
 * each gets a payload block in the plan (in order), and those whose data
 * is all zero are holes in the file. */
static void
test_vhdx_layout_and_zero_blocks_are_holes (void **state)
{
  struct fixture *f = *state;
  uint8_t *m = make_disk (), *x;
  struct ow_disk *d = ow_disk_open_memory (m, DISK_SIZE, 512, OW_DISK_RDONLY);
  struct ow_export_options o = { .format = OW_EXPORT_VHDX };
  struct ow_export_result r;
  size_t len, nblocks = (DISK_SIZE + 2 * MiB - 1) / (2 * MiB);
  const uint8_t *bat, *h1, *h2, *rt;
  uint8_t tmp[4096];
  uint64_t prev = 0, est = 0;

  assert_int_equal (ow_export_estimate (d, OW_EXPORT_VHDX, &est), 0);
  assert_int_equal (ow_export (d, f->path, &o, &r), 0);
  x = read_file (f->path, &len);
  /* identifier, headers, regions, log, metadata, 1 MiB BAT, 11 blocks. */
  assert_int_equal (len, 4 * MiB + nblocks * 2 * MiB);
  assert_int_equal (est, len);
  /* Written: a few 4 KiB pieces of the front and the BAT, and the 4 KiB
   * pieces of the 3 blocks holding data; the zero blocks are holes. */
  assert_true (allocated (f->path) <= 1 * MiB);
  assert_memory_equal (x, "vhdxfile", 8);
  h1 = x + 64 * 1024;
  h2 = x + 128 * 1024;
  assert_memory_equal (h1, "head", 4);
  memcpy (tmp, h1, 4096);
  memset (tmp + 4, 0, 4);
  assert_int_equal (ow_le32 (h1 + 4), ow_crc32c (tmp, 4096));
  assert_true (ow_le64 (h2 + 8) > ow_le64 (h1 + 8));
  rt = x + 192 * 1024;
  assert_memory_equal (rt, "regi", 4);
  assert_memory_equal (rt, x + 256 * 1024, 64 * 1024);
  assert_int_equal (ow_le32 (rt + 8), 2);
  assert_int_equal (ow_le64 (rt + 32), 3 * MiB);               /* BAT */
  bat = x + 3 * MiB;
  for (size_t b = 0; b < nblocks; b++) {
    uint64_t e = ow_le64 (bat + 8 * b);   /* < chunk ratio: no bitmap entries */
    uint64_t off = (e >> 20) * MiB;
    size_t n = b == nblocks - 1 ? DISK_SIZE - b * 2 * MiB : 2 * MiB;

    assert_int_equal (e & 7, 6);
    assert_true (off > prev && off + 2 * MiB <= len);   /* in block order */
    prev = off;
    assert_memory_equal (x + off, m + b * 2 * MiB, n);
    assert_true (exp_is_zero (x + off + n, 2 * MiB - n));
  }
  assert_int_equal (r.virtual_size, DISK_SIZE);
  ow_export_result_free (&r);
  free (x);
  ow_disk_close (d);
  free (m);
}

static void
test_vhd_fixed_and_dynamic_footers (void **state)
{
  struct fixture *f = *state;
  uint8_t *m = make_disk (), *x;
  struct ow_disk *d = ow_disk_open_memory (m, DISK_SIZE, 512, OW_DISK_RDONLY);
  struct ow_export_options o = { .format = OW_EXPORT_VHD };
  struct ow_export_result r;
  size_t len;
  uint64_t vsize = 21 * MiB;
  const uint8_t *ft;

  assert_int_equal (ow_export (d, f->path, &o, &r), 0);
  x = read_file (f->path, &len);
  assert_int_equal (len, vsize + 512);
  assert_memory_equal (x, m, DISK_SIZE);
  ft = x + vsize;
  assert_memory_equal (ft, "conectix", 8);
  assert_int_equal (ft[63], 2);                       /* fixed */
  for (int i = 0; i < 8; i++)
    assert_int_equal (ft[48 + i], (uint8_t) (vsize >> (56 - 8 * i)));
  free (x);
  ow_export_result_free (&r);
  drain (f->dir);

  o.format = OW_EXPORT_VHD_DYNAMIC;
  assert_int_equal (ow_export (d, f->path, &o, &r), 0);
  x = read_file (f->path, &len);
  /* footer copy + header + BAT (11 entries -> 512) + 11 blocks (no
   * partition table: all to copy; the zero ones are holes) + footer. */
  assert_int_equal (len, 512 + 1024 + 512 + 11 * (512 + 2 * MiB) + 512);
  assert_true (allocated (f->path) <= 1 * MiB);
  assert_memory_equal (x, x + len - 512, 512);
  assert_memory_equal (x + 512, "cxsparse", 8);
  assert_int_equal (x[63], 3);                        /* dynamic */
  free (x);
  ow_export_result_free (&r);
  ow_disk_close (d);
  free (m);
}

/* A disk whose reads fail between 8 and 12 MiB (the partition table probes
 * at both ends still work). */
static int
bad_pread (void *h, void *buf, size_t count, uint64_t off)
{
  if (off + count > 8 * MiB && off < 12 * MiB) {
    errno = EIO;
    return ow_err (EIO, "simulated bad sector at %llu", (unsigned long long) off);
  }
  memcpy (buf, (uint8_t *) h + off, count);
  return 0;
}
static int bad_close (void *h) { (void) h; return 0; }
static const struct ow_disk_ops bad_ops = { .name = "bad", .pread = bad_pread, .close = bad_close };

static void
test_read_error_fails_and_leaves_no_file (void **state)
{
  struct fixture *f = *state;
  uint8_t *m = make_disk ();
  struct ow_export_options o = { .format = OW_EXPORT_VHDX };
  struct ow_disk *d = ow_disk_new (&bad_ops, m, "bad", DISK_SIZE, 512, true);

  assert_non_null (d);
  static const enum ow_export_format fmts[] = {
    OW_EXPORT_RAW, OW_EXPORT_VHDX, OW_EXPORT_VHD, OW_EXPORT_VHD_DYNAMIC,
  };
  for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
    o.format = fmts[i];
    assert_int_equal (ow_export (d, f->path, &o, NULL), -1);
    assert_int_equal (ow_error_errno (), EIO);
    assert_non_null (strstr (ow_error_message (), "reading the source"));
    assert_int_equal (drain (f->dir), 0);
  }
  ow_disk_close (d);
  free (m);
}

static int calls;
static int
cancel_after_two (void *opaque, uint64_t done, uint64_t total)
{
  (void) opaque;
  assert_true (done <= total);
  return ++calls >= 2;
}

static void
test_cancel_leaves_no_file (void **state)
{
  struct fixture *f = *state;
  uint8_t *m = make_disk ();
  struct ow_disk *d = ow_disk_open_memory (m, DISK_SIZE, 512, OW_DISK_RDONLY);
  struct ow_export_options o = { .format = OW_EXPORT_VHDX, .progress = cancel_after_two };

  calls = 0;
  assert_int_equal (ow_export (d, f->path, &o, NULL), -1);
  assert_int_equal (ow_error_errno (), ECANCELED);
  assert_int_equal (calls, 2);
  assert_int_equal (drain (f->dir), 0);
  ow_disk_close (d);
  free (m);
}

static void
test_existing_output_is_refused_before_reading (void **state)
{
  struct fixture *f = *state;
  uint8_t *m = make_disk ();
  struct ow_disk *d = ow_disk_open_memory (m, DISK_SIZE, 512, OW_DISK_RDONLY);
  struct ow_export_options o = { .format = OW_EXPORT_RAW };
  struct ow_disk_stats st;
  FILE *fp = fopen (f->path, "w");

  assert_non_null (fp);
  fputs ("keep", fp);
  fclose (fp);
  assert_int_equal (ow_export (d, f->path, &o, NULL), -1);
  assert_int_equal (ow_error_errno (), EEXIST);
  ow_disk_get_stats (d, &st);
  assert_int_equal (st.bytes_read, 0);
  o.overwrite = true;
  assert_int_equal (ow_export (d, f->path, &o, NULL), 0);
  assert_int_equal (drain (f->dir), 1);
  ow_disk_close (d);
  free (m);
}

static void
test_vhd_refuses_4k_sectors (void **state)
{
  struct fixture *f = *state;
  uint8_t *m = calloc (1, 4 * MiB);
  struct ow_disk *d = ow_disk_open_memory (m, 4 * MiB, 4096, OW_DISK_RDONLY);
  struct ow_export_options o = { .format = OW_EXPORT_VHD_DYNAMIC };

  assert_int_equal (ow_export (d, f->path, &o, NULL), -1);
  assert_int_equal (ow_error_class (), OW_ERR_INVALID);
  assert_int_equal (drain (f->dir), 0);
  o.format = OW_EXPORT_VHDX;
  assert_int_equal (ow_export (d, f->path, &o, NULL), 0);
  assert_int_equal (drain (f->dir), 1);
  ow_disk_close (d);
  free (m);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_crc32c_matches_the_check_value),
    cmocka_unit_test (test_format_names_round_trip),
    cmocka_unit_test_setup_teardown (test_raw_equals_the_disk_and_zeros_are_holes, setup, teardown),
    cmocka_unit_test_setup_teardown (test_digests_of_a_known_file, setup, teardown),
    cmocka_unit_test_setup_teardown (test_vhdx_layout_and_zero_blocks_are_holes, setup, teardown),
    cmocka_unit_test_setup_teardown (test_vhd_fixed_and_dynamic_footers, setup, teardown),
    cmocka_unit_test_setup_teardown (test_read_error_fails_and_leaves_no_file, setup, teardown),
    cmocka_unit_test_setup_teardown (test_cancel_leaves_no_file, setup, teardown),
    cmocka_unit_test_setup_teardown (test_existing_output_is_refused_before_reading, setup, teardown),
    cmocka_unit_test_setup_teardown (test_vhd_refuses_4k_sectors, setup, teardown),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
