/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer entry point for our use of libevtx (diag/evtx.c): the input is
 * an .evtx file image, handed to ow_diag_evtx_read as the diagnostics hand
 * it a log read from a volume.  Every field of every record is touched;
 * a log libevtx refuses must fail with -1 and a message, never crash or
 * leak.  (libevtx itself is the system library, not instrumented: this
 * checks the wrapper, its caps and its error path on mutated logs.)
 *
 * Built by `make fuzz` (tests/fuzz/fuzz.mk); seeded and run by
 * tests/test-fuzz-evtx-reader-survives-mutated-logs.sh with the first
 * chunk of the real System logs in tests/data/evtx. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/diag.h"

/* A log of the seeds' size is parsed whole; a mutation that claims more
 * records stops here. */
#define FUZZ_MAX_RECORDS 5000

/* Every other record gets its strings read: both paths of the reader. */
static bool
half (void *opaque, const struct diag_event *ev)
{
  (void) opaque;
  return ev->record_id % 2 == 0;
}

static int
touch (void *opaque, const struct diag_event *ev)
{
  size_t *sum = opaque;
  char when[32];

  diag_filetime_text (ev->written, when);
  *sum += strlen (ev->source) + strlen (when) + ev->event_id + ev->level + ev->record_id;
  for (size_t i = 0; i < ev->nstrings; i++)
    *sum += strlen (ev->strings[i]);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  size_t sum = 0, n = 0;

  if (ow_diag_evtx_read (data, size, FUZZ_MAX_RECORDS, half, touch, &sum, &n) == -1) {
    const char *m = ow_error_message ();
    /* A clear error: ours, naming the log. */
    if (m == NULL || strncmp (m, "event log: ", 11) != 0)
      abort ();
    ow_error_clear ();
  }
  return sum == 1 ? 1 : 0;     /* keep SUM alive */
}
