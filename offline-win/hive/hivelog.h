/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Registry hive base block (regf) and transaction-log replay (.LOG/.LOG1/
 * .LOG2), memory to memory.  Format: msuhanov/regf, "Windows registry file
 * format specification".  Every byte handed in here is treated as hostile. */
#ifndef OW_HIVELOG_H
#define OW_HIVELOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "offlinewin.h"

/* ---- layout constants (from the format) ------------------------------- */
#define REGF_BASE_BLOCK_SIZE   4096u   /* hive-bins data starts here */
#define REGF_LOG_SECTOR        512u    /* log files are laid out in sectors */
#define REGF_HBIN_ALIGN        4096u   /* hive bins and their total size */
#define REGF_CHECKSUM_OFFSET   508u
#define REGF_FILE_TYPE_PRIMARY 0u
#define REGF_FILE_TYPE_LOG_OLD 1u      /* Windows XP .. 8: dirty vector */
#define REGF_FILE_TYPE_LOG_NEW 6u      /* Windows 8.1+: HvLE entries */
/* Marvin32 seed of HvLE hash-1 / hash-2 (the spec's bytes 82 EF 4D 88 7A 4E
 * 55 C5 read as one big-endian 64-bit number; verified on real logs). */
#define REGF_HVLE_MARVIN_SEED  UINT64_C (0x82EF4D887A4E55C5)

/* ---- limits on hostile input ------------------------------------------ */
/* One cap for every hive byte count: the primary file, each log file and
 * the replay result (OW_MAX_HIVE_FILE, offlinewin.h; the fuzz build lowers
 * it with -DMAX_HIVE_SIZE). */
#ifndef MAX_HIVE_SIZE
#define MAX_HIVE_SIZE   OW_MAX_HIVE_FILE
#endif
#define MAX_LOG_SIZE    MAX_HIVE_SIZE
#define MAX_LOG_ENTRIES 1000000u              /* HvLE entries read per log */
#define MAX_HIVE_LOGS   8u                    /* log buffers per replay */
/* A replay may make the hive larger than the primary file by at most the
 * total size of the logs that are used: bytes past the primary's end that
 * no log page wrote would be zeros, which is no hive data, so a log that
 * claims more than it carries is refused before anything is allocated. */

/* The transaction logs of hive H are H + one of these, any case, in the
 * order they are read and handed to replay (the dual logs first; .LOG is
 * the single log of Windows 2000..Vista, an empty artifact later).  One
 * list for inspect, prepare and hive-recover. */
extern const char *const ow_hive_log_suffixes[];   /* NULL-terminated */
#define OW_HIVE_NLOG_SUFFIXES 3u

struct ow_regf_header {             /* parsed base block */
  uint32_t seq1, seq2;              /* primary / secondary sequence numbers */
  uint32_t major, minor, file_type, file_format;
  uint32_t root_offset, hbins_size, clustering;
  bool checksum_ok;
  bool dirty;                       /* seq1 != seq2 */
};
/* Parse a base block: BUF must hold at least its first 512 bytes (the part a
 * log file keeps; the checksum covers only those).  -1 + ow_err(EINVAL) if
 * it is not a regf base block.  A bad checksum is not an error: see
 * H->checksum_ok. */
int ow_regf_parse_header (const void *buf, size_t len, struct ow_regf_header *h);
/* XOR-32 of the first 127 dwords, 0 -> 1 and 0xFFFFFFFF -> 0xFFFFFFFE. */
uint32_t ow_regf_checksum (const void *base_block);
/* Walk the hive-bins chain HBINS[0..SIZE): every bin must say "hbin", carry
 * its own offset and a size that is a non-zero multiple of 4096 inside
 * SIZE.  0 if the chain covers SIZE exactly; else -1 and *BAD_OFFSET. */
int ow_regf_check_bins (const uint8_t *hbins, size_t size, size_t *bad_offset);

enum ow_hive_state {
  OW_HIVE_CLEAN,                /* seq1 == seq2, checksum ok */
  OW_HIVE_DIRTY_RECOVERABLE,    /* logs hold valid entries newer than the primary */
  OW_HIVE_DIRTY_NO_LOGS,        /* dirty, but no log has anything to replay */
  OW_HIVE_DIRTY_UNRECOVERABLE,  /* logs present but invalid / primary unusable */
  OW_HIVE_CORRUPT,              /* not a usable primary hive file (too short, a
                                 * log, broken hive bins): nothing to replay */
};
struct ow_hivelog_buf { const char *name; const void *data; size_t len; };  /* one log file */
struct ow_hivelog_report {
  enum ow_hive_state state;
  int log_format;               /* 0 none, 1 old (DIRT), 2 new (HvLE) */
  unsigned entries;             /* log entries that would be / were applied */
  uint32_t new_sequence;        /* seq after replay */
  char *reason;                 /* human text: why unrecoverable / what was found; malloc'd */
};
/* Assess without modifying anything. LOGS may be empty. Returns 0 and fills
 * REP (free reason), also for a file that is no usable hive (state
 * OW_HIVE_CORRUPT).  -1 only on bad arguments or allocation failure.
 * This is the one validation of hive bytes: base block, file type, size
 * and the hive-bins chain, for every state. */
int ow_hivelog_assess (const void *primary, size_t plen, const struct ow_hivelog_buf *logs,
                       size_t nlogs, struct ow_hivelog_report *rep);
/* Replay into a new malloc'd buffer *OUT (*OUTLEN).  Clean hive: copy
 * unchanged, entries 0.  Dirty with nothing to replay: the primary with its
 * sequence numbers made equal (past anything in the logs).  Unrecoverable
 * or corrupt: -1 with ow_err_unsafe(EINVAL, "...") and REP still filled. */
int ow_hivelog_replay (const void *primary, size_t plen, const struct ow_hivelog_buf *logs,
                       size_t nlogs, void **out, size_t *outlen, struct ow_hivelog_report *rep);
const char *ow_hive_state_name (enum ow_hive_state s); /* "clean", "dirty-recoverable", ... */

/* ---- hive.c ----------------------------------------------------------- */
struct ow_hive;
/* Like ow_hive_from_memory, but takes DATA (malloc'd) and frees it as soon
 * as the private copy is made, before hivex opens it: at most two copies of
 * a hive are in memory at any time (ours, and hivex's when writable). */
struct ow_hive *ow_hive_from_buffer (void *data, size_t len, const char *name,
                                     unsigned flags);

/* ---- marvin32.c ------------------------------------------------------- */
/* Marvin32 (the hash of .NET and of the Windows registry logs): 64-bit
 * result, 64-bit seed (low half is the first state word). */
uint64_t ow_marvin32 (const void *data, size_t len, uint64_t seed);

#endif /* OW_HIVELOG_H */
