/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer entry point for the transaction-log replay (hive/hivelog.c).
 *
 * Input layout: byte 0 = flags (bit 0: recompute the Marvin32 hashes of
 * every HvLE entry before replay, so that the fuzzer gets past the hashes
 * into the layout checks), bytes 1-4 = primary length (LE), bytes 5-8 =
 * .LOG1 length (LE), then the primary, .LOG1 and, with the rest, .LOG2.
 * Lengths beyond the input are clipped.
 *
 * Built by `make fuzz` (tests/fuzz/fuzz.mk); seeded and run by
 * tests/test-fuzz-hive-replay-survives-mutated-logs.sh (tests/fuzz/fuzz-functions.sh
 * puts the dirty hives of tests/data in the layout above).
 *
 * (MAX_HIVE_SIZE is lowered, for the fuzz build only, so that a fuzzed hive-bins size cannot make a
 * single replay allocate gigabytes.) */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "hive/hivelog.h"

#define FUZZ_HEADER 9
#define FUZZ_REHASH 1u

static void
rehash_entries (uint8_t *log, size_t len)
{
  for (size_t off = REGF_LOG_SECTOR; off + 40 <= len && memcmp (log + off, "HvLE", 4) == 0; ) {
    uint32_t size = ow_le32 (log + off + 4);
    if (size < 40 || size % REGF_LOG_SECTOR || size > len - off)
      break;
    ow_put_le64 (log + off + 24, ow_marvin32 (log + off + 40, size - 40, REGF_HVLE_MARVIN_SEED));
    ow_put_le64 (log + off + 32, ow_marvin32 (log + off, 32, REGF_HVLE_MARVIN_SEED));
    off += size;
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct ow_hivelog_report rep;
  struct ow_hivelog_buf logs[2];
  uint8_t *copy;
  size_t plen, l1len, rest;
  void *out = NULL;
  size_t outlen = 0;

  if (size < FUZZ_HEADER)
    return 0;
  plen = ow_le32 (data + 1);
  l1len = ow_le32 (data + 5);
  rest = size - FUZZ_HEADER;
  if (plen > rest)
    plen = rest;
  if (l1len > rest - plen)
    l1len = rest - plen;
  /* A private copy: the library must never need writable input, but the
   * rehash option edits the logs. */
  copy = malloc (rest ? rest : 1);
  if (!copy)
    return 0;
  memcpy (copy, data + FUZZ_HEADER, rest);
  if (data[0] & FUZZ_REHASH) {
    rehash_entries (copy + plen, l1len);
    rehash_entries (copy + plen + l1len, rest - plen - l1len);
  }
  logs[0] = (struct ow_hivelog_buf) { "LOG1", copy + plen, l1len };
  logs[1] = (struct ow_hivelog_buf) { "LOG2", copy + plen + l1len, rest - plen - l1len };

  if (ow_hivelog_assess (copy, plen, logs, 2, &rep) == 0)
    free (rep.reason);
  memset (&rep, 0, sizeof rep);
  if (ow_hivelog_replay (copy, plen, logs, 2, &out, &outlen, &rep) == 0) {
    /* A success must be a well-formed hive. */
    struct ow_regf_header h;
    if (outlen < REGF_BASE_BLOCK_SIZE || ow_regf_parse_header (out, outlen, &h) != 0)
      abort ();
    if (rep.state != OW_HIVE_CLEAN && (!h.checksum_ok || h.dirty))
      abort ();
    free (out);
  }
  free (rep.reason);
  ow_error_clear ();
  free (copy);
  return 0;
}
