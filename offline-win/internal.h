/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal header of libofflinewin, grouped by source folder. */
#ifndef OW_INTERNAL_H
#define OW_INTERNAL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "offlinewin.h"

/* ---- util/error.c ---------------------------------------------------- */

/* Record an error: class, errno value, printf-style message.  Always
 * returns -1 so callers can write `return ow_err (...)`. errno is set to
 * ERRNUM on return. */
int ow_err_set (enum ow_error_class cls, int errnum, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));
#define ow_err(errnum, ...) ow_err_set (OW_ERR_FAILED, (errnum), __VA_ARGS__)
#define ow_err_unsafe(errnum, ...) ow_err_set (OW_ERR_UNSAFE, (errnum), __VA_ARGS__)
#define ow_err_invalid(...) ow_err_set (OW_ERR_INVALID, EINVAL, __VA_ARGS__)
/* Prefix the current message with more context ("while X: <old>"). */
void ow_err_context (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

/* ---- util/debug.c ---------------------------------------------------- */
bool ow_debug_enabled (void);
void ow_debug_at (const char *fn, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
#define ow_debug(...) \
  do { if (ow_debug_enabled ()) ow_debug_at (__func__, __VA_ARGS__); } while (0)

/* ---- util/le.h: explicit little-endian field access ------------------- */
static inline uint16_t ow_le16 (const void *p)
{ const uint8_t *b = p; return (uint16_t) (b[0] | b[1] << 8); }
static inline uint32_t ow_le32 (const void *p)
{ const uint8_t *b = p; return (uint32_t) b[0] | (uint32_t) b[1] << 8 | (uint32_t) b[2] << 16 | (uint32_t) b[3] << 24; }
static inline uint64_t ow_le64 (const void *p)
{ const uint8_t *b = p; return (uint64_t) ow_le32 (b) | (uint64_t) ow_le32 (b + 4) << 32; }
static inline void ow_put_le16 (void *p, uint16_t v)
{ uint8_t *b = p; b[0] = v & 0xff; b[1] = v >> 8; }
static inline void ow_put_le32 (void *p, uint32_t v)
{ uint8_t *b = p; b[0] = v & 0xff; b[1] = (v >> 8) & 0xff; b[2] = (v >> 16) & 0xff; b[3] = v >> 24; }
static inline void ow_put_le64 (void *p, uint64_t v)
{ ow_put_le32 (p, (uint32_t) v); ow_put_le32 ((uint8_t *) p + 4, (uint32_t) (v >> 32)); }

/* ---- util/crc32.c ---------------------------------------------------- */
/* CRC-32 as used by GPT (IEEE 802.3, reflected, init and final xor ~0). */
uint32_t ow_crc32 (const void *buf, size_t len);
/* CRC-32C (Castagnoli) as used by VHDX, same conventions. */
uint32_t ow_crc32c (const void *buf, size_t len);

/* ---- util/sha256.c --------------------------------------------------- */
/* ntfs/sd-trust.c: 1 if PATH (which exists) can be changed only by SYSTEM
 * and Administrators: owned by one of them, protected DACL, no other SID
 * allowed more than read and execute.  0 if not, with the reason in *WHY
 * (malloc'd).  -1 on error. */
int ow_path_admin_only (struct ow_volume *v, const char *path, char **why);

#define OW_SHA256_HEX_LEN 64
/* Lower-case hex SHA-256 of a host file (OpenSSL EVP); the _fd form reads
 * FD from offset 0 with pread (its file position is left alone). */
int ow_sha256_file (const char *path, char hex[OW_SHA256_HEX_LEN + 1]);
int ow_sha256_fd (int fd, char hex[OW_SHA256_HEX_LEN + 1]);

/* ---- disk/ ----------------------------------------------------------- */
struct ow_disk_ops {
  const char *name;
  int (*pread) (void *h, void *buf, size_t count, uint64_t off);
  int (*pwrite) (void *h, const void *buf, size_t count, uint64_t off);
  int (*flush) (void *h);
  int (*close) (void *h);
};

struct ow_disk {
  const struct ow_disk_ops *ops;
  void *h;
  char *spec;
  uint64_t size;
  unsigned sector_size;
  bool readonly;
  /* A write failed: what is on the disk is uncertain, so every later flush
   * fails too (as fsync reports an earlier write error), and nobody can
   * take a write error some layer swallowed for a completed job. */
  bool write_failed;
  struct ow_disk_stats stats;
};

/* Allocate a disk object around a backend handle (takes ownership of H:
 * on failure the backend's close is called). */
struct ow_disk *ow_disk_new (const struct ow_disk_ops *ops, void *h,
                             const char *spec, uint64_t size,
                             unsigned sector_size, bool readonly);
struct ow_disk *ow_disk_open_file (const char *path, unsigned flags);
struct ow_disk *ow_disk_open_nbd (const char *uri, unsigned flags);

#endif /* OW_INTERNAL_H */
