/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal header of the export engine: the source map (what to read), the
 * output file (temporary name, atomic rename), the digest worker and the
 * image writers. */
#ifndef OW_EXPORT_H
#define OW_EXPORT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

/* The engine reads and hands writers the disk in chunks of this size, at
 * offsets that are multiples of it; every writer block size divides it. */
#define EXP_CHUNK          (4u * 1024 * 1024)
/* Map granularity: every partition start and cluster is a multiple of it. */
#define EXP_UNIT           512u
/* Free space shorter than this between two used runs is read through
 * (then zeroed): one longer request beats two short ones. */
#define EXP_MAX_READ_GAP   (256u * 1024)
/* Zero detection granularity of the raw writer (holes of this size). */
#define EXP_HOLE_UNIT      4096u

#define EXP_MiB            (1024u * 1024)

/* ---- map.c: which sectors of the source hold data worth copying ------- */

struct exp_volume {
  unsigned partition;          /* partition number, 0 = whole disk */
  uint64_t start, size;        /* the window on the disk */
  enum ow_fs_type fs;
  bool use_bitmap;             /* free clusters skipped */
  char *reason;                /* why copied verbatim (malloc'd), or NULL */
  uint64_t cluster_size, nr_clusters, used_clusters;
  uint8_t *bitmap;             /* nr_clusters bits, LSB first, 1 = in use */
};

struct exp_map {
  uint64_t disk_size;
  /* The logical sector size the partition table was found with (an image
   * file cannot tell its own: a 4Kn disk's GPT is at byte 4096), else the
   * disk layer's. */
  unsigned sector_size;
  size_t n;
  struct exp_volume *v;
};

/* Read the partition table and each NTFS volume's $Bitmap.  Volumes that
 * cannot be looked into (BitLocker, unsafe, unreadable) are copied verbatim
 * and say why; only allocation failures and disk read errors fail. */
int exp_map_build (struct ow_disk *disk, struct exp_map *m);
void exp_map_free (struct exp_map *m);
/* USED[i] = 1 when unit i (EXP_UNIT bytes) of [OFF, OFF+LEN) must be read,
 * 0 when it is a free cluster of a volume we can see into. */
void exp_map_units (const struct exp_map *m, uint64_t off, size_t len,
                    uint8_t *used);
/* True when anything in [OFF, OFF+LEN) must be copied, i.e. exp_map_units
 * would mark at least one unit of it used. */
bool exp_map_any_used (const struct exp_map *m, uint64_t off, uint64_t len);
/* How many UNIT-aligned pieces of UNIT bytes (UNIT a multiple of EXP_UNIT)
 * hold anything to copy: the bytes a sparse copy can allocate, at most,
 * on a file system with blocks of UNIT bytes or smaller. */
uint64_t exp_map_used_units (const struct exp_map *m, uint64_t unit);

/* ---- digest.c: SHA-256 and MD5 (OpenSSL EVP) on two worker threads --- */

struct exp_digest;
struct exp_digest *exp_digest_new (void);
/* Hash LEN bytes at BUF after everything fed before.  Returns once the
 * previous buffer is done: BUF must stay untouched until the next call to
 * exp_digest_feed / _zeros / _wait. */
int exp_digest_feed (struct exp_digest *d, const void *buf, size_t len);
int exp_digest_zeros (struct exp_digest *d, uint64_t len);
int exp_digest_wait (struct exp_digest *d);
/* Hash the file FD from offset 0 to SIZE, holes as zeros (read back):
 * for the files qemu-img writes (qcow2, VMDK); the native writers feed the
 * digests as they write (exp_ctx.digest_streamed). */
int exp_digest_file (struct exp_digest *d, int fd, uint64_t size,
                     const char *path);
int exp_digest_final (struct exp_digest *d, char sha256[65], char md5[33]);
void exp_digest_free (struct exp_digest *d);



/* ---- out.c: the output file ------------------------------------------- */

struct exp_out {
  char *path;                  /* final name */
  char *tmp;                   /* temporary name in the same directory */
  char *dir;
  int fd;
  bool overwrite;
  uint64_t bytes_written;      /* data handed to the kernel (not holes) */
};

/* Refuse an existing PATH unless OVERWRITE, then create the temporary
 * file beside it. */
int exp_out_open (struct exp_out *o, const char *path, bool overwrite);
int exp_out_pwrite (struct exp_out *o, const void *buf, size_t len,
                    uint64_t off);
int exp_out_truncate (struct exp_out *o, uint64_t size);
/* fsync, rename over the final name, fsync the directory. */
int exp_out_commit (struct exp_out *o);
/* Remove the temporary file (after any failure); safe to call twice. */
void exp_out_abort (struct exp_out *o);
/* A second temporary file in the same directory (qemu-img's input). */
int exp_out_sibling (const struct exp_out *o, const char *tag, char **path,
                     int *fd);

/* True when LEN bytes at BUF are all zero. */
bool exp_is_zero (const void *buf, size_t len);

/* ---- writers ---------------------------------------------------------- */

struct exp_ctx {
  enum ow_export_format format;
  uint64_t disk_size;          /* source size */
  unsigned sector_size;        /* source logical sector size */
  uint64_t virtual_size;       /* of the image (VHD rounds up) */
  struct exp_out out;
  struct exp_digest *digest;   /* NULL: no digest */
  bool digest_streamed;        /* the writer fed the digest as it wrote */
  uint64_t file_size;          /* the finished file's length */
  const struct exp_map *map;   /* what the copy will read */
  void *w;                     /* writer state */
};

struct exp_writer {
  const char *name;
  /* Check the source fits the format, write what goes first. */
  int (*begin) (struct exp_ctx *x);
  /* One chunk: OFF a multiple of EXP_CHUNK, LEN == EXP_CHUNK but for the
   * last; free clusters already zeroed.  BUF NULL: the chunk is all free
   * clusters, i.e. all zeros. */
  int (*write) (struct exp_ctx *x, uint64_t off, const uint8_t *buf,
                size_t len);
  /* Tables, footers; sets x->file_size. */
  int (*end) (struct exp_ctx *x);
  void (*free) (struct exp_ctx *x);
  /* An upper bound of the bytes the output will occupy on the
   * destination (allocated, the peak while writing), from X's disk_size,
   * sector_size and map alone (nothing is written). */
  int (*estimate) (const struct exp_ctx *x, uint64_t *bytes);
};

extern const struct exp_writer exp_writer_raw;
extern const struct exp_writer exp_writer_vhd_fixed;
extern const struct exp_writer exp_writer_vhd_dynamic;
extern const struct exp_writer exp_writer_vhdx;
extern const struct exp_writer exp_writer_qcow2;
extern const struct exp_writer exp_writer_vmdk;

/* raw.c: write the non-zero EXP_HOLE_UNIT pieces of BUF at file offset
 * FOFF (the file is already long enough: the rest stay holes). */
int exp_write_sparse (struct exp_out *o, uint64_t foff, const uint8_t *buf,
                      size_t len);
/* exp_map_used_units () * EXP_HOLE_UNIT, at most the disk rounded up to
 * EXP_HOLE_UNIT: what a sparse raw copy of the map can allocate. */
uint64_t exp_sparse_bytes (const struct exp_ctx *x);
/* random bytes for GUIDs (getrandom). */
int exp_random (void *buf, size_t len);

#endif
