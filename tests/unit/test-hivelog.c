/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests: regf base block, Marvin32, transaction-log replay.  Real test
 * data (yarp, regipy) is read from tests/data through `xz -dc`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "hive/hivelog.h"

/* ---- helpers ------------------------------------------------------------ */

struct blob { uint8_t *data; size_t len; };

/* Decompress tests/data/REL (an .xz file) into memory. */
static struct blob
load_xz (const char *rel)
{
  const char *top = getenv ("CE_TOP");
  char *cmd = NULL;
  struct blob b = { NULL, 0 };
  size_t cap = 0;
  FILE *p;

  assert_true (asprintf (&cmd, "xz -dc '%s/tests/data/%s'", top ? top : ".", rel) > 0);
  p = popen (cmd, "r");
  assert_non_null (p);
  for (;;) {
    if (b.len == cap) {
      cap = cap ? cap * 2 : 65536;
      b.data = realloc (b.data, cap);
      assert_non_null (b.data);
    }
    size_t n = fread (b.data + b.len, 1, cap - b.len, p);
    if (n == 0)
      break;
    b.len += n;
  }
  assert_int_equal (pclose (p), 0);
  free (cmd);
  return b;
}

static struct blob
dup_blob (struct blob b)
{
  struct blob c = { malloc (b.len ? b.len : 1), b.len };
  assert_non_null (c.data);
  memcpy (c.data, b.data, b.len);
  return c;
}

/* Recompute both hashes of the HvLE entry at OFF after a test edited it,
 * so that the layout checks behind the hashes are reached. */
static void
rehash (uint8_t *log, size_t off)
{
  uint32_t size = ow_le32 (log + off + 4);
  ow_put_le64 (log + off + 24, ow_marvin32 (log + off + 40, size - 40, REGF_HVLE_MARVIN_SEED));
  ow_put_le64 (log + off + 32, ow_marvin32 (log + off, 32, REGF_HVLE_MARVIN_SEED));
}

struct newdirty { struct blob primary, log1, log2, ref; };

static struct newdirty
load_newdirty (void)
{
  struct newdirty d = {
    load_xz ("dirty-hives/NewDirtyHive1/NewDirtyHive.xz"),
    load_xz ("dirty-hives/NewDirtyHive1/NewDirtyHive.LOG1.xz"),
    load_xz ("dirty-hives/NewDirtyHive1/NewDirtyHive.LOG2.xz"),
    load_xz ("dirty-hives/NewDirtyHive1/RecoveredHive_Windows10.xz"),
  };
  return d;
}

static void
free_newdirty (struct newdirty *d)
{
  free (d->primary.data); free (d->log1.data); free (d->log2.data); free (d->ref.data);
}

/* Replay PRIMARY + LOG1 + LOG2; returns the replay's result code. */
static int
replay2 (struct blob primary, struct blob l1, struct blob l2, void **out, size_t *outlen,
         struct ow_hivelog_report *rep)
{
  struct ow_hivelog_buf logs[2] = {
    { "LOG1", l1.data, l1.len }, { "LOG2", l2.data, l2.len },
  };
  return ow_hivelog_replay (primary.data, primary.len, logs, 2, out, outlen, rep);
}

/* ---- base block --------------------------------------------------------- */

static void
test_checksum (void **state)
{
  uint8_t bb[4096];
  struct blob sam = load_xz ("real-hives/SAM.xz");
  (void) state;

  memset (bb, 0, sizeof bb);
  assert_int_equal (ow_regf_checksum (bb), 1);            /* 0 is never stored */
  ow_put_le32 (bb + 100, 0xFFFFFFFFu);
  assert_int_equal (ow_regf_checksum (bb), 0xFFFFFFFEu);  /* nor is -1 */
  ow_put_le32 (bb + 100, 0x12345678u);
  ow_put_le32 (bb + 4, 0x0F0F0F0Fu);
  assert_int_equal (ow_regf_checksum (bb), 0x12345678u ^ 0x0F0F0F0Fu);
  ow_put_le32 (bb + 508, 0xDEADBEEFu);                    /* not part of the sum */
  ow_put_le32 (bb + 1000, 0xDEADBEEFu);
  assert_int_equal (ow_regf_checksum (bb), 0x12345678u ^ 0x0F0F0F0Fu);
  /* A real Windows hive's stored checksum. */
  assert_int_equal (ow_regf_checksum (sam.data), ow_le32 (sam.data + 508));
  free (sam.data);
}

static void
test_parse_header (void **state)
{
  struct blob sam = load_xz ("real-hives/SAM.xz");
  struct ow_regf_header h;
  uint8_t junk[4096];
  (void) state;

  assert_int_equal (ow_regf_parse_header (sam.data, sam.len, &h), 0);
  assert_int_equal (h.seq1, 96);
  assert_int_equal (h.seq2, 96);
  assert_int_equal (h.major, 1);
  assert_int_equal (h.minor, 3);
  assert_int_equal (h.file_type, 0);
  assert_int_equal (h.file_format, 1);
  assert_int_equal (h.root_offset, 0x20);
  assert_int_equal (h.hbins_size, 0x5000);
  assert_int_equal (h.clustering, 1);
  assert_true (h.checksum_ok);
  assert_false (h.dirty);

  /* Truncated: every length below one sector fails, 512 is enough. */
  for (size_t n = 0; n < 512; n += 37)
    assert_int_equal (ow_regf_parse_header (sam.data, n, &h), -1);
  assert_int_equal (ow_regf_parse_header (sam.data, 511, &h), -1);
  assert_int_equal (errno, EINVAL);
  assert_int_equal (ow_regf_parse_header (sam.data, 512, &h), 0);
  assert_int_equal (ow_regf_parse_header (NULL, 4096, &h), -1);

  /* Garbage: wrong signature fails; a regf with junk has a bad checksum. */
  srand (42);
  for (int round = 0; round < 200; round++) {
    for (size_t i = 0; i < sizeof junk; i++)
      junk[i] = (uint8_t) rand ();
    if (round % 2) {
      memcpy (junk, "regf", 4);
      assert_int_equal (ow_regf_parse_header (junk, sizeof junk, &h), 0);
      assert_int_equal (h.checksum_ok, ow_regf_checksum (junk) == ow_le32 (junk + 508));
    }
    else if (memcmp (junk, "regf", 4) != 0)
      assert_int_equal (ow_regf_parse_header (junk, sizeof junk, &h), -1);
  }
  /* One flipped bit in the checksummed area is detected. */
  sam.data[200] ^= 0x10;
  assert_int_equal (ow_regf_parse_header (sam.data, sam.len, &h), 0);
  assert_false (h.checksum_ok);
  free (sam.data);
}

static void
test_check_bins (void **state)
{
  struct blob sam = load_xz ("real-hives/SAM.xz");
  size_t bad;
  (void) state;

  assert_int_equal (ow_regf_check_bins (sam.data + 4096, 0x5000, &bad), 0);
  assert_int_equal (ow_regf_check_bins (sam.data + 4096, 0x4000, &bad), 0);   /* 4 whole bins */
  assert_int_equal (ow_regf_check_bins (sam.data + 4096, 0x4800, &bad), -1);
  assert_int_equal (ow_regf_check_bins (sam.data + 4096, 0, &bad), -1);
  ow_put_le32 (sam.data + 4096 + 0x4000 + 8, 0x2000);   /* last bin overruns */
  assert_int_equal (ow_regf_check_bins (sam.data + 4096, 0x5000, &bad), -1);
  assert_int_equal (bad, 0x4000);
  ow_put_le32 (sam.data + 4096 + 4, 4096);   /* first bin lies about its offset */
  assert_int_equal (ow_regf_check_bins (sam.data + 4096, 0x5000, &bad), -1);
  assert_int_equal (bad, 0);
  free (sam.data);
}

/* ---- Marvin32 ----------------------------------------------------------- */

static void
test_marvin32 (void **state)
{
  /* Published vectors (seed 0x004FB61A001BDBCC, as in .NET / SymCrypt). */
  static const struct { const char *hex; uint64_t want; } v[] = {
    { "", UINT64_C (0x30ED35C100CD3C7D) },
    { "af", UINT64_C (0x48E73FC77D75DDC1) },
    { "e70f", UINT64_C (0xB5F6E1FC485DBFF8) },
    { "37f495", UINT64_C (0xF0B07C789B8CF7E8) },
    { "153fb79826", UINT64_C (0xE6C08C6DA2AFA997) },
    { "0932e6246c47", UINT64_C (0x6F04BF1A5EA24060) },
    { "ab427ea8d10fc7", UINT64_C (0xE11847E4F0678C41) },
  };
  (void) state;

  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    uint8_t buf[16];
    size_t n = strlen (v[i].hex) / 2;
    for (size_t k = 0; k < n; k++)
      sscanf (v[i].hex + 2 * k, "%2hhx", &buf[k]);
    assert_int_equal (ow_marvin32 (buf, n, UINT64_C (0x004FB61A001BDBCC)), v[i].want);
  }

  /* Derived from real data: every HvLE entry of NewDirtyHive.LOG2 written by
   * Windows carries hashes that must verify with the registry seed. */
  struct blob log = load_xz ("dirty-hives/NewDirtyHive1/NewDirtyHive.LOG2.xz");
  unsigned checked = 0;
  for (size_t off = 512; off + 40 <= log.len && memcmp (log.data + off, "HvLE", 4) == 0;
       off += ow_le32 (log.data + off + 4)) {
    uint32_t size = ow_le32 (log.data + off + 4);
    assert_int_equal (ow_marvin32 (log.data + off + 40, size - 40, REGF_HVLE_MARVIN_SEED),
                      ow_le64 (log.data + off + 24));
    assert_int_equal (ow_marvin32 (log.data + off, 32, REGF_HVLE_MARVIN_SEED),
                      ow_le64 (log.data + off + 32));
    checked++;
  }
  assert_int_equal (checked, 3);
  /* The first entry's header hash, as a fixed vector. */
  assert_int_equal (ow_marvin32 (log.data + 512, 32, REGF_HVLE_MARVIN_SEED),
                    ow_le64 (log.data + 512 + 32));

  /* Self-consistency: deterministic, sensitive to data, length and seed. */
  uint8_t a[64];
  for (size_t i = 0; i < sizeof a; i++)
    a[i] = (uint8_t) i;
  uint64_t h = ow_marvin32 (a, sizeof a, 1);
  assert_int_equal (ow_marvin32 (a, sizeof a, 1), h);
  assert_int_not_equal (ow_marvin32 (a, sizeof a, 2), h);
  assert_int_not_equal (ow_marvin32 (a, sizeof a - 1, 1), h);
  a[63] ^= 1;
  assert_int_not_equal (ow_marvin32 (a, sizeof a, 1), h);
  free (log.data);
}

/* ---- replay ------------------------------------------------------------- */

static void
test_new_format_matches_windows (void **state)
{
  struct newdirty d = load_newdirty ();
  struct ow_hivelog_report rep;
  void *out;
  size_t outlen;
  struct ow_hivelog_buf logs[2] = {
    { "LOG1", d.log1.data, d.log1.len }, { "LOG2", d.log2.data, d.log2.len },
  };
  (void) state;

  assert_int_equal (ow_hivelog_assess (d.primary.data, d.primary.len, logs, 2, &rep), 0);
  assert_int_equal (rep.state, OW_HIVE_DIRTY_RECOVERABLE);
  assert_int_equal (rep.log_format, 2);
  assert_int_equal (rep.entries, 4);
  assert_int_equal (rep.new_sequence, 6);
  free (rep.reason);

  assert_int_equal (replay2 (d.primary, d.log1, d.log2, &out, &outlen, &rep), 0);
  assert_int_equal (rep.entries, 4);
  /* Windows 10's own recovery of this hive, byte for byte. */
  assert_int_equal (outlen, d.ref.len);
  assert_memory_equal (out, d.ref.data, outlen);
  free (out);
  free (rep.reason);

  /* Logs in the other order: same result (the chain decides, not the name). */
  assert_int_equal (replay2 (d.primary, d.log2, d.log1, &out, &outlen, &rep), 0);
  assert_int_equal (rep.entries, 4);
  assert_memory_equal (out, d.ref.data, outlen);
  free (out);
  free (rep.reason);
  free_newdirty (&d);
}

static void
test_primary_base_block_from_log (void **state)
{
  struct newdirty d = load_newdirty ();
  struct ow_hivelog_report rep;
  void *out;
  size_t outlen;
  (void) state;

  d.primary.data[300] ^= 0xFF;   /* checksum now wrong */
  assert_int_equal (replay2 (d.primary, d.log1, d.log2, &out, &outlen, &rep), 0);
  assert_int_equal (rep.state, OW_HIVE_DIRTY_RECOVERABLE);
  assert_int_equal (rep.entries, 4);
  assert_non_null (strstr (rep.reason, "restored from LOG1"));
  assert_memory_equal (out, d.ref.data, outlen);
  free (out);
  free (rep.reason);

  /* Without logs a damaged base block cannot be trusted. */
  assert_int_equal (ow_hivelog_replay (d.primary.data, d.primary.len, NULL, 0, &out, &outlen, &rep), -1);
  assert_int_equal (ow_error_class (), OW_ERR_UNSAFE);
  assert_int_equal (rep.state, OW_HIVE_DIRTY_UNRECOVERABLE);
  assert_null (out);
  free (rep.reason);
  free_newdirty (&d);
}

static void
test_bad_hash_stops_replay (void **state)
{
  struct newdirty d = load_newdirty ();
  struct ow_hivelog_report rep;
  void *out;
  size_t outlen;
  (void) state;

  /* LOG2 holds entries 3 (0x200), 4 (0x2000), 5 (0x8000): spoil 4's data. */
  struct blob l2 = dup_blob (d.log2);
  l2.data[0x2000 + 0x1000] ^= 0x01;
  assert_int_equal (replay2 (d.primary, d.log1, l2, &out, &outlen, &rep), 0);
  assert_int_equal (rep.state, OW_HIVE_DIRTY_RECOVERABLE);
  assert_int_equal (rep.entries, 2);              /* 2 and 3 only */
  assert_int_equal (rep.new_sequence, 4);
  assert_non_null (strstr (rep.reason, "hash-1"));
  assert_int_equal (ow_le32 ((uint8_t *) out + 4), 4);
  assert_int_equal (ow_le32 ((uint8_t *) out + 8), 4);
  free (out);
  free (rep.reason);
  free (l2.data);

  /* Spoil entry 3's header: only entry 2 applies. */
  l2 = dup_blob (d.log2);
  l2.data[0x200 + 12] ^= 0x40;
  assert_int_equal (replay2 (d.primary, d.log1, l2, &out, &outlen, &rep), 0);
  assert_int_equal (rep.entries, 1);
  assert_int_equal (rep.new_sequence, 3);
  assert_non_null (strstr (rep.reason, "hash-2"));
  free (out);
  free (rep.reason);
  free (l2.data);

  /* Spoil the first entry (2, in LOG1): LOG2's 3..5 must not be applied
   * over a primary that lacks 2 — refused. */
  struct blob l1 = dup_blob (d.log1);
  l1.data[0x200 + 0x100] ^= 0x01;
  assert_int_equal (replay2 (d.primary, l1, d.log2, &out, &outlen, &rep), -1);
  assert_int_equal (ow_error_class (), OW_ERR_UNSAFE);
  assert_int_equal (rep.state, OW_HIVE_DIRTY_UNRECOVERABLE);
  assert_int_equal (rep.entries, 0);
  assert_null (out);
  free (rep.reason);
  assert_int_equal (ow_hivelog_assess (d.primary.data, d.primary.len,
                                       (struct ow_hivelog_buf[]) {
                                         { "LOG1", l1.data, l1.len },
                                         { "LOG2", d.log2.data, d.log2.len } }, 2, &rep), 0);
  assert_int_equal (rep.state, OW_HIVE_DIRTY_UNRECOVERABLE);
  free (rep.reason);
  free (l1.data);
  free_newdirty (&d);
}

static void
test_layout_checks_behind_hash (void **state)
{
  struct newdirty d = load_newdirty ();
  struct ow_hivelog_report rep;
  void *out;
  size_t outlen;
  struct { size_t field; uint32_t value; } bad[] = {
    { 20, 0xFFFFFFFFu },      /* absurd page count */
    { 16, 0x5001 },           /* hive-bins size not a multiple of 4096 */
    { 16, 0 },
    { 40, 0x5000 },           /* page offset at the end of the hive bins */
    { 44, 0xFFFFF000u },      /* page size wraps */
    { 44, 0x6000 },           /* page runs past the hive bins */
  };
  (void) state;

  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct blob l2 = dup_blob (d.log2);
    ow_put_le32 (l2.data + 0x2000 + bad[i].field, bad[i].value);   /* entry 4 */
    rehash (l2.data, 0x2000);
    assert_int_equal (replay2 (d.primary, d.log1, l2, &out, &outlen, &rep), 0);
    assert_int_equal (rep.entries, 2);
    assert_int_equal (rep.new_sequence, 4);
    free (out);
    free (rep.reason);
    free (l2.data);
  }
  /* Pages longer than the entry holds (inside a larger hive-bins size). */
  {
    struct blob l2 = dup_blob (d.log2);
    ow_put_le32 (l2.data + 0x2000 + 16, 0x10000);
    ow_put_le32 (l2.data + 0x2000 + 44, 0x8000);
    rehash (l2.data, 0x2000);
    assert_int_equal (replay2 (d.primary, d.log1, l2, &out, &outlen, &rep), 0);
    assert_int_equal (rep.entries, 2);
    assert_non_null (strstr (rep.reason, "overrun"));
    free (out);
    free (rep.reason);
    free (l2.data);
  }
  /* An entry size past the end of the log. */
  struct blob l2 = dup_blob (d.log2);
  ow_put_le32 (l2.data + 0x8000 + 4, 0x100000);
  assert_int_equal (replay2 (d.primary, d.log1, l2, &out, &outlen, &rep), 0);
  assert_int_equal (rep.entries, 3);
  free (out);
  free (rep.reason);
  free (l2.data);
  free_newdirty (&d);
}

static void
test_truncated_logs (void **state)
{
  struct newdirty d = load_newdirty ();
  struct ow_hivelog_report rep;
  void *out;
  size_t outlen;
  unsigned last = 0;
  (void) state;

  /* Cut LOG2 anywhere: never a crash, never more entries than the bytes
   * hold, the full count only once every entry is complete. */
  for (size_t cut = 0; cut <= d.log2.len; cut += (cut < 0xB000 ? 97 : 4096)) {
    struct blob l2 = { malloc (cut ? cut : 1), cut };
    memcpy (l2.data, d.log2.data, cut);
    int r = replay2 (d.primary, d.log1, l2, &out, &outlen, &rep);
    if (cut > 0 && cut < 512) {
      /* A log that is not even a base block: unusable, but LOG1 still is. */
      assert_int_equal (r, 0);
      assert_int_equal (rep.entries, 1);
    }
    else {
      assert_int_equal (r, 0);
      unsigned want = 1 + (cut >= 0x2000) + (cut >= 0x8000) + (cut >= 0xA000);
      assert_int_equal (rep.entries, want);
      assert_true (rep.entries >= last || cut < 512);
      last = rep.entries;
    }
    free (out);
    free (rep.reason);
    free (l2.data);
  }
  /* A primary cut short of its base block is not a hive. */
  assert_int_equal (replay2 ((struct blob) { d.primary.data, 4095 }, d.log1, d.log2,
                             &out, &outlen, &rep), -1);
  assert_int_equal (errno, EINVAL);
  assert_int_equal (rep.state, OW_HIVE_CORRUPT);
  assert_non_null (strstr (rep.reason, "only 4095 bytes"));
  free (rep.reason);
  free_newdirty (&d);
}

static void
test_old_format (void **state)
{
  struct blob p = load_xz ("dirty-hives/OldDirtyHive/OldDirtyHive.xz");
  struct blob l1 = load_xz ("dirty-hives/OldDirtyHive/OldDirtyHive.LOG1.xz");
  struct blob bad = load_xz ("dirty-hives/BadLogHive1/BadLogHive.LOG1.xz");
  struct blob bp = load_xz ("dirty-hives/BadLogHive1/BadLogHive.xz");
  struct blob empty = { NULL, 0 };
  struct ow_hivelog_report rep;
  void *out;
  size_t outlen;
  (void) state;

  assert_int_equal (replay2 (p, l1, empty, &out, &outlen, &rep), 0);
  assert_int_equal (rep.state, OW_HIVE_DIRTY_RECOVERABLE);
  assert_int_equal (rep.log_format, 1);
  assert_int_equal (rep.entries, 1);
  assert_int_equal (ow_le32 ((uint8_t *) out + 4), ow_le32 ((uint8_t *) out + 8));
  assert_int_equal (ow_regf_checksum (out), ow_le32 ((uint8_t *) out + 508));
  free (out);
  free (rep.reason);

  /* Truncated inside the dirty pages: refused, not half-applied. */
  struct blob cut = { l1.data, l1.len - 600 };
  assert_int_equal (replay2 (p, cut, empty, &out, &outlen, &rep), -1);
  assert_int_equal (rep.state, OW_HIVE_DIRTY_UNRECOVERABLE);
  assert_null (out);
  free (rep.reason);

  /* A log from another generation (timestamp differs) is not applied. */
  struct blob other = dup_blob (l1);
  other.data[12] ^= 1;
  ow_put_le32 (other.data + 508, ow_regf_checksum (other.data));
  assert_int_equal (replay2 (p, other, empty, &out, &outlen, &rep), -1);
  assert_int_equal (rep.state, OW_HIVE_DIRTY_UNRECOVERABLE);
  free (rep.reason);
  free (other.data);

  /* BadLogHive1: the log's base block checksum is wrong. */
  assert_int_equal (replay2 (bp, bad, empty, &out, &outlen, &rep), -1);
  assert_int_equal (ow_error_class (), OW_ERR_UNSAFE);
  assert_int_equal (rep.state, OW_HIVE_DIRTY_UNRECOVERABLE);
  assert_non_null (strstr (ow_error_message (), "bad checksum"));
  assert_null (out);
  free (rep.reason);
  free (p.data); free (l1.data); free (bad.data); free (bp.data);
}

static void
test_clean_and_no_logs (void **state)
{
  struct blob sam = load_xz ("real-hives/SAM.xz");
  struct newdirty d = load_newdirty ();
  struct ow_hivelog_report rep;
  void *out;
  size_t outlen;
  (void) state;

  /* Clean: byte-identical copy, even with logs that have newer entries. */
  assert_int_equal (replay2 (sam, d.log1, d.log2, &out, &outlen, &rep), 0);
  assert_int_equal (rep.state, OW_HIVE_CLEAN);
  assert_int_equal (rep.entries, 0);
  assert_int_equal (rep.new_sequence, 96);
  assert_int_equal (outlen, sam.len);
  assert_memory_equal (out, sam.data, sam.len);
  free (out);
  free (rep.reason);

  /* Dirty, no logs: the primary, with equal sequence numbers. */
  assert_int_equal (ow_hivelog_replay (d.primary.data, d.primary.len, NULL, 0, &out, &outlen, &rep), 0);
  assert_int_equal (rep.state, OW_HIVE_DIRTY_NO_LOGS);
  assert_int_equal (rep.entries, 0);
  assert_int_equal (ow_le32 ((uint8_t *) out + 4), 4);
  assert_int_equal (ow_le32 ((uint8_t *) out + 8), 4);
  assert_memory_equal ((uint8_t *) out + 4096, d.primary.data + 4096, d.primary.len - 4096);
  free (out);
  free (rep.reason);

  /* Dirty, logs hold only entries older than the primary: same state, and
   * the new sequence number is past every logged entry. */
  struct blob p2 = dup_blob (d.primary);
  ow_put_le32 (p2.data + 4, 11);
  ow_put_le32 (p2.data + 8, 10);
  ow_put_le32 (p2.data + 508, ow_regf_checksum (p2.data));
  assert_int_equal (replay2 (p2, d.log1, d.log2, &out, &outlen, &rep), 0);
  assert_int_equal (rep.state, OW_HIVE_DIRTY_NO_LOGS);
  assert_int_equal (rep.new_sequence, 12);
  free (out);
  free (rep.reason);
  free (p2.data);

  /* Not a hive at all: assessed as such, not a failure. */
  uint8_t junk[8192] = { 0 };
  assert_int_equal (ow_hivelog_assess (junk, sizeof junk, NULL, 0, &rep), 0);
  assert_int_equal (rep.state, OW_HIVE_CORRUPT);
  assert_non_null (strstr (rep.reason, "not a registry hive"));
  free (rep.reason);
  assert_string_equal (ow_hive_state_name (OW_HIVE_CORRUPT), "corrupt");
  assert_string_equal (ow_hive_state_name (OW_HIVE_DIRTY_NO_LOGS), "dirty-no-logs");
  free (sam.data);
  free_newdirty (&d);
}

static void
test_real_system_hive_grows (void **state)
{
  struct blob p = load_xz ("real-hives/SYSTEM_B.xz");
  struct blob l1 = load_xz ("real-hives/SYSTEM_B.LOG1.xz");
  struct blob l2 = load_xz ("real-hives/SYSTEM_B.LOG2.xz");
  struct ow_hivelog_report rep;
  struct ow_regf_header h;
  void *out;
  size_t outlen, bad;
  (void) state;

  assert_int_equal (replay2 (p, l1, l2, &out, &outlen, &rep), 0);
  assert_int_equal (rep.state, OW_HIVE_DIRTY_RECOVERABLE);
  assert_int_equal (rep.entries, 24);          /* 2107..2130 */
  assert_int_equal (rep.new_sequence, 2131);
  assert_int_equal (ow_regf_parse_header (out, outlen, &h), 0);
  assert_true (h.checksum_ok);
  assert_false (h.dirty);
  assert_int_equal (h.hbins_size, 0xC02000);   /* grown from 0xBD3000 */
  assert_true (outlen >= 4096 + (size_t) h.hbins_size);
  assert_int_equal (ow_regf_check_bins ((uint8_t *) out + 4096, h.hbins_size, &bad), 0);
  free (out);
  free (rep.reason);
  free (p.data); free (l1.data); free (l2.data);
}

/* ---- the one validation (hive-recover, inspect and prepare) ------------- */

/* Assess BUF and replay it (no logs): both must say corrupt, with WHY. */
static void
expect_corrupt (const void *buf, size_t len, const char *why)
{
  struct ow_hivelog_report rep;
  void *out = NULL;
  size_t outlen = 0;

  assert_int_equal (ow_hivelog_assess (buf, len, NULL, 0, &rep), 0);
  assert_int_equal (rep.state, OW_HIVE_CORRUPT);
  if (!strstr (rep.reason, why))
    fail_msg ("reason '%s' does not say '%s'", rep.reason, why);
  free (rep.reason);
  assert_int_equal (ow_hivelog_replay (buf, len, NULL, 0, &out, &outlen, &rep), -1);
  assert_int_equal (ow_error_class (), OW_ERR_UNSAFE);
  assert_null (out);
  assert_int_equal (rep.state, OW_HIVE_CORRUPT);
  free (rep.reason);
}

static void
test_clean_hive_checked_like_a_replay (void **state)
{
  struct blob sam = load_xz ("real-hives/SAM.xz");   /* clean, 0x5000 of hive bins */
  struct blob b;
  (void) state;

  /* Cut inside its hive bins: was "clean", a copy hivex refuses. */
  expect_corrupt (sam.data, 12000, "truncated: its base block says 20480 bytes of hive bins "
                  "follow it, the file holds only 7904");
  /* A broken hive bin (signature of the second bin). */
  b = dup_blob (sam);
  memcpy (b.data + 4096 + 4096, "HBIN", 4);
  expect_corrupt (b.data, b.len, "broken at file offset 8192");
  free (b.data);
  /* Base block claiming a hive-bins size that is no multiple of 4096. */
  b = dup_blob (sam);
  ow_put_le32 (b.data + 40, 0x5001);
  ow_put_le32 (b.data + 508, ow_regf_checksum (b.data));
  expect_corrupt (b.data, b.len, "invalid hive-bins size of 20481");
  free (b.data);
  free (sam.data);
}

static void
test_log_is_not_a_hive (void **state)
{
  struct blob newlog = load_xz ("real-hives/SYSTEM_B.LOG1.xz");
  struct blob oldlog = load_xz ("dirty-hives/OldDirtyHive/OldDirtyHive.LOG1.xz");
  (void) state;

  expect_corrupt (newlog.data, newlog.len, "file type 6: this is a new-format transaction log");
  expect_corrupt (oldlog.data, oldlog.len, "file type 1: this is an old-format transaction log");
  free (newlog.data);
  free (oldlog.data);
}

/* A log entry that claims a hive far larger than anything the logs carry
 * is refused before the memory is taken (was: 256 MiB allocated, zeroed). */
static void
test_growth_bound (void **state)
{
  struct newdirty d = load_newdirty ();
  struct ow_hivelog_report rep;
  struct blob l2 = dup_blob (d.log2);
  void *out = NULL;
  size_t outlen = 0;
  (void) state;

  ow_put_le32 (l2.data + 0x2000 + 16, UINT32_C (256) << 20);   /* entry 4's hive-bins size */
  rehash (l2.data, 0x2000);
  assert_int_equal (replay2 (d.primary, d.log1, l2, &out, &outlen, &rep), -1);
  assert_int_equal (ow_error_class (), OW_ERR_UNSAFE);
  assert_null (out);
  assert_int_equal (rep.state, OW_HIVE_DIRTY_UNRECOVERABLE);
  if (!strstr (rep.reason, "would grow the hive to 268439552 bytes"))
    fail_msg ("reason: %s", rep.reason);
  free (rep.reason);
  free (l2.data);
  free_newdirty (&d);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_checksum),
    cmocka_unit_test (test_parse_header),
    cmocka_unit_test (test_check_bins),
    cmocka_unit_test (test_marvin32),
    cmocka_unit_test (test_new_format_matches_windows),
    cmocka_unit_test (test_primary_base_block_from_log),
    cmocka_unit_test (test_bad_hash_stops_replay),
    cmocka_unit_test (test_layout_checks_behind_hash),
    cmocka_unit_test (test_truncated_logs),
    cmocka_unit_test (test_old_format),
    cmocka_unit_test (test_clean_and_no_logs),
    cmocka_unit_test (test_real_system_hive_grows),
    cmocka_unit_test (test_clean_hive_checked_like_a_replay),
    cmocka_unit_test (test_log_is_not_a_hive),
    cmocka_unit_test (test_growth_bound),
  };
  return cmocka_run_group_tests (tests, NULL, NULL);
}
