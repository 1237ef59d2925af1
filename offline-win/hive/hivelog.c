/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Detect and replay registry transaction logs the way Windows does at hive
 * load, memory to memory, so that registry data Windows kept only in
 * .LOG1/.LOG2 (8.1+ writes there first and reconciles the primary lazily) is
 * not lost when the hive is edited offline.
 *
 * New format (HvLE): entries are applied in sequence-number order starting
 * at the primary's secondary sequence number, possibly crossing from one
 * log to the other, stopping at the first damaged or non-consecutive entry.
 * Old format (DIRT): one dirty-page bitmap plus the pages, applicable when
 * the log's timestamp matches the primary's.
 * The result gets seq1 == seq2 = last applied + 1, so that no entry already
 * in the logs can ever be replayed over the result again. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "hive/hivelog.h"

#define BB_SEQ1        4
#define BB_SEQ2        8
#define BB_TIMESTAMP   12
#define BB_FILE_TYPE   28
#define BB_HBINS_SIZE  40
#define BB_FLAGS       144
#define HBIN_TIMESTAMP 20

#define HVLE_HEADER_SIZE 40
#define HVLE_REF_SIZE    8
#define HVLE_HASHED_HEADER 32        /* hash-2 covers the header up to hash-2 */
#define DIRT_SIGNATURE_SIZE 4
#define OLD_LOG_PAGE     512u        /* one dirty-vector bit */

enum log_kind { LOG_EMPTY, LOG_INVALID, LOG_OLD, LOG_NEW };

struct log_entry {
  size_t off;                        /* of the HvLE header in the log */
  uint32_t size, flags, seq, hbins_size, npages;
};

struct log_info {
  const struct ow_hivelog_buf *buf;
  const char *name;
  enum log_kind kind;
  struct ow_regf_header hdr;         /* of the log's base block copy */
  struct log_entry *entries;
  size_t nentries;
  bool damaged;                      /* reading stopped at a bad entry */
  bool damaged_seq_known;
  uint32_t damaged_seq;
  size_t damaged_off;
  char *problem;                     /* why the log or its tail is unusable */
};

struct replay {
  uint8_t *buf;                      /* the hive being rebuilt */
  size_t len;
  size_t max_len;                    /* primary + usable logs, capped */
  uint32_t hbins_size;
  FILE *notes;                       /* becomes report->reason */
  char *notes_text;
  size_t notes_len;
};

const char *
ow_hive_state_name (enum ow_hive_state s)
{
  switch (s) {
  case OW_HIVE_CLEAN: return "clean";
  case OW_HIVE_DIRTY_RECOVERABLE: return "dirty-recoverable";
  case OW_HIVE_DIRTY_NO_LOGS: return "dirty-no-logs";
  case OW_HIVE_DIRTY_UNRECOVERABLE: return "dirty-unrecoverable";
  case OW_HIVE_CORRUPT: return "corrupt";
  }
  return "unknown";
}

const char *const ow_hive_log_suffixes[] = { ".LOG1", ".LOG2", ".LOG", NULL };

static const char *
log_name (const struct ow_hivelog_buf *b, size_t i)
{
  static const char *const fallback[] = { "log #1", "log #2", "log #3", "log #4",
                                          "log #5", "log #6", "log #7", "log #8" };
  if (b->name)
    return b->name;
  return i < sizeof fallback / sizeof fallback[0] ? fallback[i] : "log";
}

static bool
all_zero (const uint8_t *p, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return false;
  return true;
}

static int
set_problem (struct log_info *l, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
static int
set_problem (struct log_info *l, const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;

  va_start (ap, fmt);
  if (vasprintf (&s, fmt, ap) == -1)
    s = NULL;
  va_end (ap);
  free (l->problem);
  l->problem = s;
  return s ? 0 : ow_err (ENOMEM, "hive log %s: out of memory", l->name);
}

/* Validate one HvLE entry at OFF.  Returns 1 valid (fills E), 0 end of the
 * entries (no signature), -1 damaged (problem set), -2 allocation failure. */
static int
parse_hvle (struct log_info *l, size_t off, struct log_entry *e)
{
  const uint8_t *d = l->buf->data;
  size_t len = l->buf->len, refs_end, data_len;
  uint64_t pages_total = 0;

  if (len - off < HVLE_HEADER_SIZE || memcmp (d + off, "HvLE", 4) != 0)
    return 0;
  e->off = off;
  e->size = ow_le32 (d + off + 4);
  e->flags = ow_le32 (d + off + 8);
  e->seq = ow_le32 (d + off + 12);
  e->hbins_size = ow_le32 (d + off + 16);
  e->npages = ow_le32 (d + off + 20);
  l->damaged_off = off;
  l->damaged_seq_known = false;

#define DAMAGED(...) (set_problem (l, __VA_ARGS__) == 0 ? -1 : -2)
  /* Until hash-2 matches, not even the sequence number can be trusted. */
  if (ow_marvin32 (d + off, HVLE_HASHED_HEADER, REGF_HVLE_MARVIN_SEED) != ow_le64 (d + off + 32))
    return DAMAGED ("entry at offset %zu fails its header hash (hash-2)", off);
  l->damaged_seq = e->seq;
  l->damaged_seq_known = true;
  if (e->size < HVLE_HEADER_SIZE || e->size % REGF_LOG_SECTOR != 0 || e->size > len - off)
    return DAMAGED ("entry at offset %zu (sequence %" PRIu32 ") has size %" PRIu32
                    " beyond the file or not a multiple of 512", off, e->seq, e->size);
  if (e->hbins_size == 0 || e->hbins_size % REGF_HBIN_ALIGN != 0
      || e->hbins_size > MAX_HIVE_SIZE - REGF_BASE_BLOCK_SIZE)
    return DAMAGED ("entry at offset %zu (sequence %" PRIu32 ") has an invalid hive-bins size %" PRIu32,
                    off, e->seq, e->hbins_size);
  if (ow_marvin32 (d + off + HVLE_HEADER_SIZE, e->size - HVLE_HEADER_SIZE, REGF_HVLE_MARVIN_SEED)
      != ow_le64 (d + off + 24))
    return DAMAGED ("entry at offset %zu (sequence %" PRIu32 ") fails its data hash (hash-1)",
                    off, e->seq);
  /* Both hashes match, but a hash is no proof of sanity: check the layout. */
  if (e->npages > (e->size - HVLE_HEADER_SIZE) / HVLE_REF_SIZE)
    return DAMAGED ("entry at offset %zu (sequence %" PRIu32 ") claims %" PRIu32 " pages",
                    off, e->seq, e->npages);
  refs_end = HVLE_HEADER_SIZE + (size_t) e->npages * HVLE_REF_SIZE;
  data_len = e->size - refs_end;
  for (uint32_t i = 0; i < e->npages; i++) {
    const uint8_t *r = d + off + HVLE_HEADER_SIZE + (size_t) i * HVLE_REF_SIZE;
    uint64_t poff = ow_le32 (r), psize = ow_le32 (r + 4);

    if (poff + psize > e->hbins_size)
      return DAMAGED ("entry at offset %zu (sequence %" PRIu32 "): page %" PRIu32
                      " lies outside the hive-bins data", off, e->seq, i);
    pages_total += psize;
  }
  if (pages_total > data_len)
    return DAMAGED ("entry at offset %zu (sequence %" PRIu32 "): pages overrun the entry",
                    off, e->seq);
#undef DAMAGED
  l->damaged_seq_known = false;
  return 1;
}

/* Read the entries of a new-format log until the first that is absent or
 * damaged.  -1 only on allocation failure. */
static int
read_new_log (struct log_info *l)
{
  size_t off = REGF_LOG_SECTOR, cap = 0;

  while (off < l->buf->len) {
    struct log_entry e;
    int r = parse_hvle (l, off, &e);

    if (r == -2)
      return -1;
    if (r == 0)
      break;
    if (r < 0) {
      l->damaged = true;
      break;
    }
    if (l->nentries >= MAX_LOG_ENTRIES) {
      l->damaged = true;
      l->damaged_seq_known = false;
      if (set_problem (l, "more than %u entries; the rest is ignored", MAX_LOG_ENTRIES) == -1)
        return -1;
      break;
    }
    if (l->nentries == cap) {
      size_t ncap = cap ? cap * 2 : 16;
      struct log_entry *n = reallocarray (l->entries, ncap, sizeof *n);
      if (!n)
        return ow_err (ENOMEM, "hive log %s: out of memory", l->name);
      l->entries = n;
      cap = ncap;
    }
    l->entries[l->nentries++] = e;
    off += e.size;
  }
  return 0;
}

/* Classify one log file.  -1 only on allocation failure. */
static int
read_log (struct log_info *l)
{
  const uint8_t *d = l->buf->data;
  size_t len = l->buf->len;

  /* Windows 8.1+ keeps an empty .LOG beside .LOG1/.LOG2; logs are also
   * preallocated, so all zeros means "nothing written". */
  if (len == 0 || !d || all_zero (d, len < REGF_LOG_SECTOR ? len : REGF_LOG_SECTOR)) {
    l->kind = LOG_EMPTY;
    return 0;
  }
  l->kind = LOG_INVALID;
  if (len > MAX_LOG_SIZE)
    return set_problem (l, "larger than %u bytes", MAX_LOG_SIZE);
  if (ow_regf_parse_header (d, len, &l->hdr) == -1) {
    ow_error_clear ();
    return set_problem (l, "no regf base block at its start (truncated or not a log)");
  }
  if (!l->hdr.checksum_ok)
    return set_problem (l, "its base block has a bad checksum");
  switch (l->hdr.file_type) {
  case REGF_FILE_TYPE_LOG_NEW:
    l->kind = LOG_NEW;
    return read_new_log (l);
  case REGF_FILE_TYPE_LOG_OLD:
    if (len < REGF_LOG_SECTOR + DIRT_SIGNATURE_SIZE
        || memcmp (d + REGF_LOG_SECTOR, "DIRT", DIRT_SIGNATURE_SIZE) != 0)
      return set_problem (l, "old-format log without a DIRT dirty vector");
    if (l->hdr.seq1 != l->hdr.seq2)
      return set_problem (l, "old-format log was not completely written (sequence %" PRIu32
                          "/%" PRIu32 ")", l->hdr.seq1, l->hdr.seq2);
    l->kind = LOG_OLD;
    return 0;
  default:
    return set_problem (l, "its base block has file type %" PRIu32 ", not a transaction log",
                        l->hdr.file_type);
  }
}

struct outcome;
static int outcome_unsafe (struct outcome *o, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

/* Make the hive HBINS_SIZE bytes of hive bins long.  0 done; 1 refused
 * (beyond the growth bound: O says why); -1 allocation failure. */
static int
rp_grow (struct replay *rp, uint32_t hbins_size, const char *log, struct outcome *o)
{
  size_t need = (size_t) REGF_BASE_BLOCK_SIZE + hbins_size;

  if (need > rp->max_len && need > rp->len)
    return outcome_unsafe (o, "transaction log %s would grow the hive to %zu bytes, more than "
                           "the primary file and its logs hold together (%zu bytes): the log "
                           "claims data it does not carry; refusing", log, need,
                           rp->max_len) == 0 ? 1 : -1;
  if (need > rp->len) {
    uint8_t *n = realloc (rp->buf, need);
    if (!n)
      return ow_err (ENOMEM, "hive replay: out of memory growing the hive to %zu bytes", need);
    memset (n + rp->len, 0, need - rp->len);
    rp->buf = n;
    rp->len = need;
  }
  rp->hbins_size = hbins_size;
  return 0;
}

static void
rp_apply_hvle (struct replay *rp, const struct log_info *l, const struct log_entry *e)
{
  const uint8_t *d = (const uint8_t *) l->buf->data + e->off;
  const uint8_t *page = d + HVLE_HEADER_SIZE + (size_t) e->npages * HVLE_REF_SIZE;

  /* parse_hvle proved every page inside hbins_size and the entry; rp_grow
   * made the buffer at least that large. */
  for (uint32_t i = 0; i < e->npages; i++) {
    const uint8_t *r = d + HVLE_HEADER_SIZE + (size_t) i * HVLE_REF_SIZE;
    uint32_t poff = ow_le32 (r), psize = ow_le32 (r + 4);

    memcpy (rp->buf + REGF_BASE_BLOCK_SIZE + poff, page, psize);
    page += psize;
  }
  ow_put_le32 (rp->buf + BB_FLAGS, e->flags);
}

/* Lowest entry sequence number >= FROM in L, or false if none. */
static bool
lowest_from (const struct log_info *l, uint32_t from, uint32_t *seq)
{
  bool found = false;

  for (size_t i = 0; i < l->nentries; i++)
    if (l->entries[i].seq >= from && (!found || l->entries[i].seq < *seq)) {
      *seq = l->entries[i].seq;
      found = true;
    }
  return found;
}

struct outcome {
  enum ow_hive_state state;
  int format;
  unsigned entries;
  uint32_t last_seq;                  /* valid when entries > 0 */
  char *unsafe;                       /* message for ow_err_unsafe */
};

static int
outcome_vset (struct outcome *o, enum ow_hive_state state, const char *fmt, va_list ap)
{
  o->state = state;
  free (o->unsafe);
  if (vasprintf (&o->unsafe, fmt, ap) == -1)
    o->unsafe = NULL;
  return o->unsafe ? 0 : ow_err (ENOMEM, "hive replay: out of memory");
}

static int
outcome_unsafe (struct outcome *o, const char *fmt, ...)
{
  va_list ap;
  int r;

  va_start (ap, fmt);
  r = outcome_vset (o, OW_HIVE_DIRTY_UNRECOVERABLE, fmt, ap);
  va_end (ap);
  return r;
}

/* The file is no usable primary hive: nothing to replay, nothing to edit. */
static int
outcome_corrupt (struct outcome *o, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
static int
outcome_corrupt (struct outcome *o, const char *fmt, ...)
{
  va_list ap;
  int r;

  va_start (ap, fmt);
  r = outcome_vset (o, OW_HIVE_CORRUPT, fmt, ap);
  va_end (ap);
  return r;
}

/* The new-format replay.  EXPECTED is the secondary sequence number of the
 * base block in RP (already chosen, possibly recovered from a log). */
static int
replay_new (struct replay *rp, struct log_info *logs, size_t nlogs, uint32_t expected,
            struct outcome *o)
{
  struct log_info *order[MAX_HIVE_LOGS];
  size_t n = 0;
  uint32_t next = expected;
  bool started = false, stop = false;
  const struct log_info *blocked = NULL;

  o->format = 2;
  for (size_t i = 0; i < nlogs; i++)
    if (logs[i].kind == LOG_NEW)
      order[n++] = &logs[i];
  /* Start with the log holding the lowest entry not older than the primary:
   * normally the one that continues the primary's sequence exactly; after a
   * partial reconcile (regf "missing log entries") the older log was
   * overwritten and the other one starts the chain. */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0; j--) {
      uint32_t a = 0, b = 0;
      bool ha = lowest_from (order[j - 1], expected, &a);
      bool hb = lowest_from (order[j], expected, &b);
      if (hb && (!ha || b < a)) {
        struct log_info *t = order[j]; order[j] = order[j - 1]; order[j - 1] = t;
      }
    }

  /* A gap at the start is only the partial-reconcile case if no damaged
   * entry could have filled it; otherwise the chain is broken. */
  if (n > 0) {
    uint32_t start = 0;
    if (lowest_from (order[0], expected, &start) && start != expected)
      for (size_t i = 0; i < n; i++)
        if (order[i]->damaged && (!order[i]->damaged_seq_known
                                  || (order[i]->damaged_seq >= expected
                                      && order[i]->damaged_seq < start)))
          return outcome_unsafe (o, "the hive is dirty and its transaction log %s is damaged "
                                 "(%s) before the entries that follow it: the changes cannot "
                                 "be replayed in order, so editing the primary file would lose "
                                 "them; copy the hive and its logs off the disk for analysis "
                                 "or let Windows boot once", order[i]->name,
                                 order[i]->problem ? order[i]->problem : "bad entry");
  }

  for (size_t li = 0; li < n && !stop; li++) {
    struct log_info *l = order[li];
    bool took = false;

    for (size_t k = 0; k < l->nentries; k++) {
      const struct log_entry *e = &l->entries[k];

      if (e->seq < next) {
        if (took)          /* an older leftover behind newer entries: end */
          break;
        continue;          /* already in the primary */
      }
      if (e->seq != next) {
        if (started) {
          fprintf (rp->notes, "%s: entry %" PRIu32 " does not follow %" PRIu32
                   "; replay stops there. ", l->name, e->seq, next - 1);
          stop = true;
          break;
        }
        fprintf (rp->notes, "primary file was partially reconciled: its base block "
                 "says %" PRIu32 ", the logs continue at %" PRIu32 ". ", expected, e->seq);
      }
      int g = rp_grow (rp, e->hbins_size, l->name, o);
      if (g != 0)
        return g < 0 ? -1 : 0;
      rp_apply_hvle (rp, l, e);
      o->entries++;
      o->last_seq = e->seq;
      started = took = true;
      if (e->seq == UINT32_MAX) {   /* the sequence cannot go on */
        stop = true;
        break;
      }
      next = e->seq + 1;
    }
    if (l->damaged && (!l->damaged_seq_known || l->damaged_seq >= next)) {
      fprintf (rp->notes, "%s: %s. ", l->name, l->problem ? l->problem : "damaged entry");
      if (!blocked && (!l->damaged_seq_known || l->damaged_seq == next))
        blocked = l;
    }
  }

  if (o->entries == 0) {
    if (blocked)
      return outcome_unsafe (o, "the hive is dirty and its transaction log %s is damaged (%s): "
                             "the changes it holds cannot be replayed, so editing the primary "
                             "file would lose them; copy the hive and its logs off the disk "
                             "for analysis or let Windows boot once",
                             blocked->name, blocked->problem ? blocked->problem : "bad entry");
    o->state = OW_HIVE_DIRTY_NO_LOGS;
    fprintf (rp->notes, "no log entry at or after sequence %" PRIu32 ". ", expected);
    return 0;
  }
  if (blocked)
    fprintf (rp->notes, "entries after sequence %" PRIu32 " were discarded, as Windows does. ",
             o->last_seq);
  o->state = OW_HIVE_DIRTY_RECOVERABLE;
  return 0;
}

/* The old-format replay: one log whose timestamp matches the primary's. */
static int
replay_old (struct replay *rp, struct log_info *logs, size_t nlogs, bool primary_ok,
            struct outcome *o)
{
  const uint8_t *ts_src;
  struct log_info *l = NULL;
  const uint8_t *d, *bitmap;
  size_t nbits, nbytes, pages_off, npages = 0;
  uint32_t hbins;

  o->format = 1;
  /* A damaged base block leaves the first bin's copy of the timestamp. */
  if (!primary_ok && rp->len < REGF_BASE_BLOCK_SIZE + HBIN_TIMESTAMP + 8)
    return outcome_unsafe (o, "the hive's base block is damaged and it has no hive bin");
  ts_src = primary_ok ? rp->buf + BB_TIMESTAMP : rp->buf + REGF_BASE_BLOCK_SIZE + HBIN_TIMESTAMP;
  for (size_t i = 0; i < nlogs && !l; i++)
    if (logs[i].kind == LOG_OLD
        && memcmp ((const uint8_t *) logs[i].buf->data + BB_TIMESTAMP, ts_src, 8) == 0)
      l = &logs[i];
  if (!l)
    return outcome_unsafe (o, "the hive is dirty (a write to it was interrupted) and no "
                           "transaction log matches it (timestamps differ): the primary "
                           "file may be torn; let Windows boot once or restore a backup");
  d = l->buf->data;
  hbins = l->hdr.hbins_size;
  if (hbins == 0 || hbins % REGF_HBIN_ALIGN != 0
      || hbins > MAX_HIVE_SIZE - REGF_BASE_BLOCK_SIZE)
    return outcome_unsafe (o, "transaction log %s has an invalid hive-bins size %" PRIu32
                           "; the hive cannot be recovered", l->name, hbins);
  nbits = hbins / OLD_LOG_PAGE;
  nbytes = nbits / 8;
  bitmap = d + REGF_LOG_SECTOR + DIRT_SIGNATURE_SIZE;
  if (l->buf->len - REGF_LOG_SECTOR - DIRT_SIGNATURE_SIZE < nbytes)
    return outcome_unsafe (o, "transaction log %s is truncated inside its dirty vector; "
                           "the hive cannot be recovered", l->name);
  pages_off = REGF_LOG_SECTOR + DIRT_SIGNATURE_SIZE + nbytes;
  pages_off = (pages_off + REGF_LOG_SECTOR - 1) / REGF_LOG_SECTOR * REGF_LOG_SECTOR;
  for (size_t i = 0; i < nbits; i++)
    if (bitmap[i / 8] & (1u << (i % 8)))
      npages++;
  if (pages_off > l->buf->len || (l->buf->len - pages_off) / OLD_LOG_PAGE < npages)
    return outcome_unsafe (o, "transaction log %s is truncated: it lists %zu dirty pages "
                           "but does not hold them; the hive cannot be recovered",
                           l->name, npages);
  {
    int g = rp_grow (rp, hbins, l->name, o);
    if (g != 0)
      return g < 0 ? -1 : 0;
  }
  for (size_t i = 0, p = 0; i < nbits; i++)
    if (bitmap[i / 8] & (1u << (i % 8))) {
      memcpy (rp->buf + REGF_BASE_BLOCK_SIZE + i * OLD_LOG_PAGE,
              d + pages_off + p * OLD_LOG_PAGE, OLD_LOG_PAGE);
      p++;
    }
  fprintf (rp->notes, "%s: %zu dirty pages of 512 bytes applied. ", l->name, npages);
  o->entries = 1;
  o->last_seq = l->hdr.seq2 > l->hdr.seq1 ? l->hdr.seq2 : l->hdr.seq1;
  o->state = OW_HIVE_DIRTY_RECOVERABLE;
  return 0;
}

static void
free_logs (struct log_info *logs, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free (logs[i].entries);
    free (logs[i].problem);
  }
}

/* "LOG1: why; LOG2: why" for the logs that are unusable. */
static char *
log_problems (const struct log_info *logs, size_t n)
{
  char *s = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&s, &len);
  const char *sep = "";

  if (!f)
    return NULL;
  for (size_t i = 0; i < n; i++)
    if (logs[i].kind == LOG_INVALID) {
      fprintf (f, "%s%s: %s", sep, logs[i].name,
               logs[i].problem ? logs[i].problem : "unusable");
      sep = "; ";
    }
  if (fclose (f) != 0) {
    free (s);
    return NULL;
  }
  return s;
}

static void
finish_header (struct replay *rp, uint32_t seq)
{
  ow_put_le32 (rp->buf + BB_SEQ1, seq);
  ow_put_le32 (rp->buf + BB_SEQ2, seq);
  ow_put_le32 (rp->buf + BB_FILE_TYPE, REGF_FILE_TYPE_PRIMARY);
  ow_put_le32 (rp->buf + BB_HBINS_SIZE, rp->hbins_size);
  ow_put_le32 (rp->buf + REGF_CHECKSUM_OFFSET, ow_regf_checksum (rp->buf));
}

/* A sequence number past everything seen, so no logged entry can apply. */
static uint32_t
past_all (uint32_t seq, const struct log_info *logs, size_t nlogs)
{
  for (size_t i = 0; i < nlogs; i++) {
    if (logs[i].kind == LOG_OLD || logs[i].kind == LOG_NEW) {
      if (logs[i].hdr.seq1 > seq) seq = logs[i].hdr.seq1;
      if (logs[i].hdr.seq2 > seq) seq = logs[i].hdr.seq2;
    }
    for (size_t k = 0; k < logs[i].nentries; k++)
      if (logs[i].entries[k].seq > seq)
        seq = logs[i].entries[k].seq;
  }
  return seq == UINT32_MAX ? seq : seq + 1;
}

static const char *
file_type_name (uint32_t t)
{
  switch (t) {
  case REGF_FILE_TYPE_LOG_OLD: return "an old-format transaction log (.LOG1/.LOG2/.LOG)";
  case 2: return "a Windows 2000 transaction log";
  case REGF_FILE_TYPE_LOG_NEW: return "a new-format transaction log (.LOG1/.LOG2)";
  default: return "not a primary hive file";
  }
}

/* The hive in RP must be one Windows would load: its hive-bins size inside
 * the file and a complete chain of hive bins.  NULL if so, else why
 * (malloc'd; "" on allocation failure). */
static char *
check_hive (const struct replay *rp)
{
  size_t bad_bin = 0, have = rp->len - REGF_BASE_BLOCK_SIZE;
  char *why = NULL;
  int r;

  if (rp->hbins_size == 0 || rp->hbins_size % REGF_HBIN_ALIGN != 0)
    r = asprintf (&why, "its base block gives an invalid hive-bins size of %" PRIu32
                  " bytes (not a non-zero multiple of 4096)", rp->hbins_size);
  else if (rp->hbins_size > have)
    r = asprintf (&why, "the file is truncated: its base block says %" PRIu32 " bytes of hive "
                  "bins follow it, the file holds only %zu", rp->hbins_size, have);
  else if (ow_regf_check_bins (rp->buf + REGF_BASE_BLOCK_SIZE, rp->hbins_size, &bad_bin) == -1)
    r = asprintf (&why, "its hive bins are broken at file offset %zu (hive bin %zu bytes "
                  "into the %" PRIu32 " bytes of hive bins)",
                  bad_bin + REGF_BASE_BLOCK_SIZE, bad_bin, rp->hbins_size);
  else
    return NULL;
  return r == -1 ? strdup ("") : why;
}

static int
run (const void *primary, size_t plen, const struct ow_hivelog_buf *bufs, size_t nlogs,
     void **out, size_t *outlen, struct ow_hivelog_report *rep)
{
  struct log_info logs[MAX_HIVE_LOGS];
  struct replay rp = { 0 };
  struct outcome o = { .state = OW_HIVE_CLEAN };
  struct ow_regf_header ph;
  const uint8_t *p = primary;
  bool primary_ok = false, any_log = false, any_new = false, any_old = false;
  int ret = -1;
  size_t log_total = 0;

  memset (rep, 0, sizeof *rep);
  memset (logs, 0, sizeof logs);
  memset (&ph, 0, sizeof ph);
  if (out) { *out = NULL; *outlen = 0; }
  if (!primary || (nlogs && !bufs))
    return ow_err (EINVAL, "hive replay: no primary file");
  if (nlogs > MAX_HIVE_LOGS)
    return ow_err (EINVAL, "hive replay: %zu log files, at most %u", nlogs, MAX_HIVE_LOGS);

  rp.notes = open_memstream (&rp.notes_text, &rp.notes_len);
  if (!rp.notes)
    return ow_err (errno, "hive replay: open_memstream");

  /* Is it a primary hive file at all?  A primary whose base block is
   * damaged is still a hive if its first hive bin is in place: the base
   * block can come back from a log. */
  if (plen > MAX_HIVE_SIZE)
    outcome_corrupt (&o, "the file is %zu bytes, more than the %u-byte limit for a hive",
                     plen, MAX_HIVE_SIZE);
  else if (plen < REGF_BASE_BLOCK_SIZE)
    outcome_corrupt (&o, "the file is only %zu bytes: a registry hive starts with a %u-byte "
                     "base block", plen, REGF_BASE_BLOCK_SIZE);
  else if (ow_regf_parse_header (p, plen, &ph) == 0) {
    primary_ok = ph.checksum_ok;
    /* A log's first sector is a copy of the base block with another file
     * type (regf spec, "Transaction log files: base block"). */
    if (ph.file_type != REGF_FILE_TYPE_PRIMARY)
      outcome_corrupt (&o, "its base block has file type %" PRIu32 ": this is %s, not the hive "
                       "itself; name the primary file (the one without .LOG1/.LOG2)",
                       ph.file_type, file_type_name (ph.file_type));
  }
  else if (plen > REGF_BASE_BLOCK_SIZE + 4 && memcmp (p + REGF_BASE_BLOCK_SIZE, "hbin", 4) == 0) {
    ow_error_clear ();
    memset (&ph, 0, sizeof ph);
  }
  else
    outcome_corrupt (&o, "no 'regf' signature at its start and no hive bin after it: not a "
                     "registry hive");
  if (o.state == OW_HIVE_CORRUPT) {
    if (!o.unsafe)
      goto out;
    goto verdict;
  }

  for (size_t i = 0; i < nlogs; i++) {
    logs[i].buf = &bufs[i];
    logs[i].name = log_name (&bufs[i], i);
    if (read_log (&logs[i]) == -1)
      goto out;
    any_log |= logs[i].kind != LOG_EMPTY;
    any_new |= logs[i].kind == LOG_NEW;
    any_old |= logs[i].kind == LOG_OLD;
    if (logs[i].kind == LOG_NEW || logs[i].kind == LOG_OLD)
      log_total += logs[i].buf->len;
    if (logs[i].kind == LOG_INVALID)
      fprintf (rp.notes, "%s is not usable: %s. ", logs[i].name, logs[i].problem);
  }
  if (any_new) o.format = 2;
  else if (any_old) o.format = 1;

  rp.len = plen;
  rp.max_len = log_total > MAX_HIVE_SIZE - plen ? MAX_HIVE_SIZE : plen + log_total;
  rp.buf = malloc (plen);
  if (!rp.buf) {
    ow_err (ENOMEM, "hive replay: out of memory (%zu bytes)", plen);
    goto out;
  }
  memcpy (rp.buf, p, plen);
  rp.hbins_size = ph.hbins_size;

  if (primary_ok && !ph.dirty) {
    o.state = OW_HIVE_CLEAN;
    o.last_seq = ph.seq2;
    fprintf (rp.notes, "the hive is clean; logs are not needed. ");
  }
  else if (!any_log) {
    if (!primary_ok)
      outcome_unsafe (&o, "the hive's base block is damaged (bad checksum or signature) and "
                      "there is no transaction log to restore it from");
    else {
      o.state = OW_HIVE_DIRTY_NO_LOGS;
      fprintf (rp.notes, "the hive is dirty (sequence %" PRIu32 "/%" PRIu32 ") but has no "
               "transaction logs. ", ph.seq1, ph.seq2);
    }
  }
  else if (!any_new && !any_old) {
    char *why = log_problems (logs, nlogs);
    outcome_unsafe (&o, "the hive is dirty and none of its transaction logs is usable "
                    "(%s): replaying them is impossible and editing the primary file could "
                    "lose or corrupt registry data; let Windows boot once or restore a backup",
                    why ? why : "out of memory");
    free (why);
  }
  else {
    uint32_t expected = ph.seq2;

    if (!primary_ok) {
      /* Restore the base block from the log that starts earliest (its
       * first sector is a copy of the base block, file type aside). */
      struct log_info *src = NULL;
      for (size_t i = 0; i < nlogs; i++)
        if ((logs[i].kind == LOG_NEW && any_new) || (logs[i].kind == LOG_OLD && !any_new))
          if (!src || logs[i].hdr.seq2 < src->hdr.seq2)
            src = &logs[i];
      memcpy (rp.buf, src->buf->data, REGF_LOG_SECTOR);
      ow_put_le32 (rp.buf + BB_FILE_TYPE, REGF_FILE_TYPE_PRIMARY);
      rp.hbins_size = src->hdr.hbins_size;
      expected = src->hdr.seq2;
      fprintf (rp.notes, "the primary base block is damaged; restored from %s. ", src->name);
    }
    if (any_new ? replay_new (&rp, logs, nlogs, expected, &o) == -1
                : replay_old (&rp, logs, nlogs, primary_ok, &o) == -1)
      goto out;
  }
  if ((o.state == OW_HIVE_DIRTY_UNRECOVERABLE || o.state == OW_HIVE_CORRUPT) && !o.unsafe) {
    ow_err (ENOMEM, "hive replay: out of memory");
    goto out;
  }

  /* Whatever the state, the hive we report usable must be one Windows
   * would load: one check for hive-recover, inspect and prepare. */
  if (o.state == OW_HIVE_CLEAN || o.state == OW_HIVE_DIRTY_RECOVERABLE
      || o.state == OW_HIVE_DIRTY_NO_LOGS) {
    char *why = check_hive (&rp);

    if (why) {
      if (!*why)
        ow_err (ENOMEM, "hive replay: out of memory");
      else if (o.state == OW_HIVE_CLEAN)
        outcome_corrupt (&o, "%s", why);
      else if (o.state == OW_HIVE_DIRTY_RECOVERABLE)
        outcome_unsafe (&o, "replaying the transaction logs gives a hive that Windows could "
                        "not load (%s): refusing to write it", why);
      else
        outcome_unsafe (&o, "the hive is dirty, has nothing to replay, and %s", why);
      free (why);
      if (!o.unsafe) {
        ow_err (ENOMEM, "hive replay: out of memory");
        goto out;
      }
    }
  }

  if (o.state == OW_HIVE_DIRTY_RECOVERABLE) {
    if (o.last_seq == UINT32_MAX) {
      outcome_unsafe (&o, "the log sequence numbers are exhausted (0xFFFFFFFF)");
      if (!o.unsafe) { ow_err (ENOMEM, "hive replay: out of memory"); goto out; }
    }
    else {
      finish_header (&rp, o.last_seq + 1);
      rep->new_sequence = o.last_seq + 1;
    }
  }
  else if (o.state == OW_HIVE_DIRTY_NO_LOGS) {
    uint32_t seq = past_all (ph.seq1 > ph.seq2 ? ph.seq1 : ph.seq2, logs, nlogs);
    finish_header (&rp, seq);
    rep->new_sequence = seq;
  }
  else if (o.state == OW_HIVE_CLEAN)
    rep->new_sequence = ph.seq2;

 verdict:
  if (o.state == OW_HIVE_DIRTY_UNRECOVERABLE || o.state == OW_HIVE_CORRUPT) {
    /* The refusal says it all (it names the damaged logs). */
    fclose (rp.notes);
    rp.notes = NULL;
    free (rp.notes_text);
    rp.notes_text = strdup (o.unsafe);
    rp.notes_len = 0;
    if (!rp.notes_text) {
      ow_err (ENOMEM, "hive replay: out of memory");
      goto out;
    }
    o.entries = 0;
  }
  rep->state = o.state;
  rep->log_format = o.format;
  rep->entries = o.entries;
  if (rp.notes) {
    int r = fclose (rp.notes);
    rp.notes = NULL;
    if (r != 0) {
      ow_err (errno, "hive replay: writing the report");
      goto out;
    }
  }
  /* Trim the trailing separator. */
  if (rp.notes_len && rp.notes_text[rp.notes_len - 1] == ' ')
    rp.notes_text[--rp.notes_len] = '\0';
  rep->reason = rp.notes_text;
  rp.notes_text = NULL;

  if (o.state == OW_HIVE_DIRTY_UNRECOVERABLE || o.state == OW_HIVE_CORRUPT) {
    ow_err_unsafe (EINVAL, "%s", o.unsafe);
    goto out;
  }
  if (out) {
    *out = rp.buf;
    *outlen = rp.len;
    rp.buf = NULL;
  }
  ret = 0;

 out:
  if (rp.notes)
    fclose (rp.notes);
  free (rp.notes_text);
  free (rp.buf);
  free (o.unsafe);
  free_logs (logs, nlogs < MAX_HIVE_LOGS ? nlogs : MAX_HIVE_LOGS);
  if (ret == -1 && rep->state != OW_HIVE_DIRTY_UNRECOVERABLE && rep->state != OW_HIVE_CORRUPT) {
    free (rep->reason);
    rep->reason = NULL;
  }
  return ret;
}

int
ow_hivelog_assess (const void *primary, size_t plen, const struct ow_hivelog_buf *logs,
                   size_t nlogs, struct ow_hivelog_report *rep)
{
  if (!rep)
    return ow_err (EINVAL, "hive assess: no report");
  if (run (primary, plen, logs, nlogs, NULL, NULL, rep) == -1) {
    if (rep->state == OW_HIVE_DIRTY_UNRECOVERABLE || rep->state == OW_HIVE_CORRUPT) {
      ow_error_clear ();   /* an assessment, not a failure */
      return 0;
    }
    return -1;
  }
  return 0;
}

int
ow_hivelog_replay (const void *primary, size_t plen, const struct ow_hivelog_buf *logs,
                   size_t nlogs, void **out, size_t *outlen, struct ow_hivelog_report *rep)
{
  if (!out || !outlen || !rep)
    return ow_err (EINVAL, "hive replay: missing output arguments");
  return run (primary, plen, logs, nlogs, out, outlen, rep);
}
