/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Disk layer: bounds, read-only mode, statistics, and the fault-injection
 * wrapper that simulates a power cut after N writes and read errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "offlinewin.h"

#define SIZE (64 * 1024)

static void
test_memory_disk_reads_and_writes_within_bounds (void **state)
{
  (void) state;
  uint8_t *mem = calloc (1, SIZE), buf[512];
  struct ow_disk *d = ow_disk_open_memory (mem, SIZE, 512, 0);
  struct ow_disk_stats st;

  assert_non_null (d);
  assert_int_equal (ow_disk_size (d), SIZE);
  assert_int_equal (ow_disk_sector_size (d), 512);
  memset (buf, 0xAB, sizeof buf);
  assert_int_equal (ow_disk_pwrite (d, buf, sizeof buf, SIZE - 512), 0);
  assert_int_equal (mem[SIZE - 1], 0xAB);
  assert_int_equal (ow_disk_pread (d, buf, sizeof buf, 0), 0);
  assert_int_equal (ow_disk_pread (d, buf, 2, SIZE - 1), -1);
  assert_int_equal (errno, EIO);
  assert_non_null (strstr (ow_error_message (), "beyond the end"));
  assert_int_equal (ow_disk_pwrite (d, buf, 1, UINT64_MAX), -1);
  ow_disk_get_stats (d, &st);
  assert_int_equal (st.bytes_read, 512);
  assert_int_equal (st.bytes_written, 512);
  assert_int_equal (st.reads, 1);
  assert_int_equal (st.writes, 1);
  assert_int_equal (ow_disk_close (d), 0);
  free (mem);
}

static void
test_readonly_disk_refuses_writes (void **state)
{
  (void) state;
  uint8_t *mem = calloc (1, SIZE), b = 1;
  struct ow_disk *d = ow_disk_open_memory (mem, SIZE, 4096, OW_DISK_RDONLY);

  assert_non_null (d);
  assert_true (ow_disk_readonly (d));
  assert_int_equal (ow_disk_pwrite (d, &b, 1, 0), -1);
  assert_int_equal (errno, EROFS);
  assert_int_equal (mem[0], 0);
  ow_disk_close (d);
  free (mem);
}

static void
test_bad_sector_size_is_refused (void **state)
{
  (void) state;
  uint8_t mem[1024];
  assert_null (ow_disk_open_memory (mem, sizeof mem, 1000, 0));
  assert_int_equal (ow_error_class (), OW_ERR_INVALID);
}

/* Read faults: only reads overlapping a chosen range fail; ONCE fails the
 * first hit only; AFTER_WRITE arms with the first write; a chance below
 * 100% is reproducible from the seed. */
static void
test_faulty_disk_read_faults (void **state)
{
  (void) state;
  uint8_t *mem = calloc (1, SIZE), b = 7, r[16];
  struct ow_disk *d = ow_disk_open_faulty (ow_disk_open_memory (mem, SIZE, 512, 0), UINT64_MAX);
  int pattern[2][64];

  assert_non_null (d);
  assert_int_equal (ow_disk_faulty_fail_reads (d, 1024, 512), 0);
  assert_int_equal (ow_disk_pread (d, r, 16, 1024 - 16), 0);      /* just before */
  assert_int_equal (ow_disk_pread (d, r, 16, 1536), 0);            /* just after */
  assert_int_equal (ow_disk_pread (d, r, 16, 1024 - 8), -1);       /* overlaps */
  assert_int_equal (errno, EIO);
  assert_int_equal (ow_disk_pread (d, r, 16, 1200), -1);           /* every hit */
  assert_int_equal (ow_disk_faulty_reads_failed (d), 2);

  assert_int_equal (ow_disk_faulty_read_mode (d, OW_FAULT_ONCE | OW_FAULT_AFTER_WRITE, 1, 100), 0);
  assert_int_equal (ow_disk_pread (d, r, 16, 1200), 0);            /* not armed yet */
  assert_int_equal (ow_disk_pwrite (d, &b, 1, 0), 0);
  assert_int_equal (ow_disk_pread (d, r, 16, 1200), -1);           /* armed */
  assert_int_equal (ow_disk_pread (d, r, 16, 1200), 0);            /* once */
  ow_disk_close (d);

  for (int run = 0; run < 2; run++) {
    int failed = 0;
    d = ow_disk_open_faulty (ow_disk_open_memory (mem, SIZE, 512, 0), UINT64_MAX);
    assert_int_equal (ow_disk_faulty_fail_reads (d, 0, SIZE), 0);
    assert_int_equal (ow_disk_faulty_read_mode (d, 0, 42, 50), 0);
    for (int i = 0; i < 64; i++) {
      pattern[run][i] = ow_disk_pread (d, r, 1, (uint64_t) i);
      failed += pattern[run][i] == -1;
    }
    assert_true (failed > 0 && failed < 64);
    ow_disk_close (d);
  }
  assert_memory_equal (pattern[0], pattern[1], sizeof pattern[0]);
  assert_int_equal (ow_disk_faulty_read_mode (NULL, 0, 1, 100), -1);
  free (mem);
}

static void
test_faulty_disk_stops_after_n_writes (void **state)
{
  (void) state;
  uint8_t *mem = calloc (1, SIZE), b = 7, r;
  struct ow_disk *d = ow_disk_open_faulty (ow_disk_open_memory (mem, SIZE, 512, 0), 2);

  assert_non_null (d);
  assert_int_equal (ow_disk_pwrite (d, &b, 1, 0), 0);
  assert_int_equal (ow_disk_pwrite (d, &b, 1, 1), 0);
  assert_int_equal (ow_disk_pwrite (d, &b, 1, 2), -1);
  assert_int_equal (errno, EIO);
  assert_non_null (strstr (ow_error_message (), "power cut"));
  assert_int_equal (mem[2], 0);
  assert_int_equal (ow_disk_flush (d), -1);
  /* Reads still work: the state after the cut can be examined. */
  assert_int_equal (ow_disk_pread (d, &r, 1, 1), 0);
  assert_int_equal (r, 7);
  ow_disk_close (d);
  free (mem);
}

/* A write error some layer swallowed (libntfs-3g ignores a failed index
 * block write-back) must still fail the next flush, so a job that goes on
 * writing can never end as complete. */
static void
test_failed_write_fails_every_later_flush (void **state)
{
  (void) state;
  uint8_t *mem = calloc (1, SIZE), b = 7;
  struct ow_disk *d = ow_disk_open_faulty_once (ow_disk_open_memory (mem, SIZE, 512, 0), 2);

  assert_non_null (d);
  assert_int_equal (ow_disk_flush (d), 0);
  assert_int_equal (ow_disk_pwrite (d, &b, 1, 0), 0);
  assert_int_equal (ow_disk_pwrite (d, &b, 1, 1), -1);
  assert_int_equal (ow_disk_pwrite (d, &b, 1, 2), 0);      /* transient: the next works */
  assert_int_equal (mem[1], 0);
  assert_int_equal (mem[2], 7);
  assert_int_equal (ow_disk_flush (d), -1);
  assert_non_null (strstr (ow_error_message (), "earlier write failed"));
  assert_int_equal (ow_disk_flush (d), -1);
  assert_int_equal (ow_disk_close (d), -1);
  free (mem);
}

/* The reordering cache: reads see held writes; a flush makes them all
 * reach the disk; at the cut a seeded subset does, the same for the same
 * seed, and nothing after. */
static size_t
reorder_cut_keeps (uint8_t *mem, uint64_t seed)
{
  struct ow_disk *d = ow_disk_open_faulty_reorder (ow_disk_open_memory (mem, SIZE, 512, 0),
                                                   64, seed);
  uint8_t b = 1, r = 0;
  size_t kept = 0;

  assert_non_null (d);
  memset (mem, 0, 128);
  assert_int_equal (ow_disk_pwrite (d, &b, 1, 100), 0);
  assert_int_equal (ow_disk_flush (d), 0);
  assert_int_equal (mem[100], 1);
  for (unsigned i = 0; i < 63; i++)
    assert_int_equal (ow_disk_pwrite (d, &b, 1, i), 0);
  assert_int_equal (ow_disk_pread (d, &r, 1, 62), 0);
  assert_int_equal (r, 1);                                  /* held, but seen */
  assert_int_equal (mem[62], 0);                            /* not on the disk yet */
  assert_int_equal (ow_disk_pwrite (d, &b, 1, 63), -1);     /* write 65: the cut */
  assert_int_equal (ow_disk_flush (d), -1);
  for (unsigned i = 0; i < 64; i++)
    kept += mem[i];
  assert_int_equal (mem[63], 0);
  ow_disk_close (d);
  return kept;
}

static void
test_reorder_cut_keeps_a_seeded_subset (void **state)
{
  (void) state;
  uint8_t *mem = calloc (1, SIZE);
  uint8_t first[64];
  size_t k1 = reorder_cut_keeps (mem, 42), k2;

  memcpy (first, mem, sizeof first);
  assert_true (k1 > 0 && k1 < 63);       /* some, not all, not none */
  k2 = reorder_cut_keeps (mem, 42);
  assert_int_equal (k1, k2);
  assert_memory_equal (first, mem, sizeof first);
  reorder_cut_keeps (mem, 43);
  assert_memory_not_equal (first, mem, sizeof first);
  free (mem);
}

static void
test_missing_file_names_the_path (void **state)
{
  (void) state;
  assert_null (ow_disk_open ("/nonexistent/disk.img", OW_DISK_RDONLY));
  assert_int_equal (errno, ENOENT);
  assert_non_null (strstr (ow_error_message (), "/nonexistent/disk.img"));
  assert_null (ow_disk_open ("", 0));
  assert_int_equal (ow_error_class (), OW_ERR_INVALID);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_memory_disk_reads_and_writes_within_bounds),
    cmocka_unit_test (test_readonly_disk_refuses_writes),
    cmocka_unit_test (test_bad_sector_size_is_refused),
    cmocka_unit_test (test_faulty_disk_stops_after_n_writes),
    cmocka_unit_test (test_faulty_disk_read_faults),
    cmocka_unit_test (test_failed_write_fails_every_later_flush),
    cmocka_unit_test (test_reorder_cut_keeps_a_seeded_subset),
    cmocka_unit_test (test_missing_file_names_the_path),
  };
  int r = cmocka_run_group_tests (tests, NULL, NULL);
  ow_error_clear ();
  return r;
}
