/* SPDX-License-Identifier: GPL-3.0-or-later */
/* qcow2 and VMDK (streamOptimized) through `qemu-img convert`: our engine
 * writes a sparse raw staging file beside the output (same directory, so
 * it costs only the used data), then qemu-img converts it into the
 * temporary output.  qemu-img skips the raw file's holes (SEEK_DATA), so
 * free NTFS clusters are never read twice. */
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "export/export.h"

#define QEMU_IMG "qemu-img"

extern char **environ;

struct qemu {
  struct exp_out raw;            /* the staging file (fd, tmp) */
};

/* True when NAME is an executable in $PATH. */
static bool
in_path (const char *name)
{
  const char *path = getenv ("PATH");
  char *copy, *dir, *save = NULL, *full;
  bool found = false;

  if (path == NULL || (copy = strdup (path)) == NULL)
    return false;
  for (dir = strtok_r (copy, ":", &save); dir && !found; dir = strtok_r (NULL, ":", &save)) {
    if (asprintf (&full, "%s/%s", *dir ? dir : ".", name) == -1)
      break;
    found = access (full, X_OK) == 0;
    free (full);
  }
  free (copy);
  return found;
}

static int
qemu_begin (struct exp_ctx *x)
{
  struct qemu *q;

  /* Before the copy, not after it. */
  if (!in_path (QEMU_IMG))
    return ow_err (ENOENT, "export: %s format needs %s (install qemu-utils)",
                   x->format == OW_EXPORT_VMDK ? "vmdk" : "qcow2", QEMU_IMG);
  q = calloc (1, sizeof *q);
  if (q == NULL)
    return ow_err (ENOMEM, "out of memory");
  x->w = q;
  q->raw.fd = -1;
  x->virtual_size = x->disk_size;
  if (exp_out_sibling (&x->out, "raw", &q->raw.tmp, &q->raw.fd) == -1)
    return -1;
  return exp_out_truncate (&q->raw, x->disk_size);
}

static int
qemu_write (struct exp_ctx *x, uint64_t off, const uint8_t *buf, size_t len)
{
  struct qemu *q = x->w;
  return buf ? exp_write_sparse (&q->raw, off, buf, len) : 0;
}

static int
run_qemu_img (char *const argv[])
{
  pid_t pid;
  int st, e;

  e = posix_spawnp (&pid, argv[0], NULL, NULL, argv, environ);
  if (e != 0)
    return ow_err (e, "export: cannot run %s (install qemu-utils): %s", argv[0], strerror (e));
  while (waitpid (pid, &st, 0) == -1)
    if (errno != EINTR)
      return ow_err (errno, "export: waiting for %s: %m", argv[0]);
  if (WIFEXITED (st) && WEXITSTATUS (st) == 0)
    return 0;
  if (WIFEXITED (st))
    return ow_err (EIO, "export: %s convert failed (exit %d)", argv[0], WEXITSTATUS (st));
  return ow_err (EIO, "export: %s convert killed by signal %d", argv[0], WTERMSIG (st));
}

static int
qemu_end (struct exp_ctx *x)
{
  struct qemu *q = x->w;
  struct stat st;
  bool vmdk = x->format == OW_EXPORT_VMDK;
  char *argv[12];
  int n = 0, fd;

  argv[n++] = (char *) QEMU_IMG;
  argv[n++] = (char *) "convert";
  argv[n++] = (char *) "-q";
  argv[n++] = (char *) "-f";
  argv[n++] = (char *) "raw";
  argv[n++] = (char *) "-O";
  argv[n++] = (char *) (vmdk ? "vmdk" : "qcow2");
  if (vmdk) {
    argv[n++] = (char *) "-o";
    argv[n++] = (char *) "subformat=streamOptimized";
  }
  argv[n++] = q->raw.tmp;
  argv[n++] = x->out.tmp;
  argv[n] = NULL;
  if (run_qemu_img (argv) == -1)
    return -1;
  exp_out_abort (&q->raw);       /* the staging file is no longer needed */
  /* qemu-img recreated the file: look at it afresh. */
  fd = open (x->out.tmp, O_RDWR | O_CLOEXEC);
  if (fd == -1)
    return ow_err (errno, "export: reopen %s: %m", x->out.tmp);
  close (x->out.fd);
  x->out.fd = fd;
  if (fstat (fd, &st) == -1)
    return ow_err (errno, "export: stat %s: %m", x->out.tmp);
  x->file_size = (uint64_t) st.st_size;
  /* What qemu-img wrote is the output's data; our staging writes are not. */
  x->out.bytes_written = (uint64_t) st.st_blocks * 512;
  return 0;
}

/* qemu-img's clusters (qcow2) and grains (VMDK): 64 KiB by default. */
#define QEMU_CLUSTER        (64u * 1024)
/* qcow2: an L2 table maps 8192 clusters; a 16-bit refcount block counts
 * 32768 clusters. */
#define QCOW2_L2_SPAN       (8192ull * QEMU_CLUSTER)
#define QCOW2_REFBLOCK_SPAN (32768ull * QEMU_CLUSTER)
/* VMDK streamOptimized: a grain compresses to at most zlib's bound (64 KiB
 * + 37 bytes) behind a 12-byte marker, padded to 512 bytes; a grain table
 * (512 entries of 4 bytes) covers 32 MiB and has a 512-byte marker. */
#define VMDK_GRAIN_MAX      (QEMU_CLUSTER + 1024u)
#define VMDK_GT_SPAN        (512ull * QEMU_CLUSTER)
#define VMDK_GT_BYTES       (2048u + 512u)
/* Header, descriptor, L1 / grain directory, footer: generous. */
#define QEMU_FIXED_OVERHEAD (1u * EXP_MiB)

static uint64_t
div_up (uint64_t a, uint64_t b)
{
  return a / b + (a % b != 0);
}

static uint64_t
min_u64 (uint64_t a, uint64_t b)
{
  return a < b ? a : b;
}

/* The staging raw file and the converted output live side by side until
 * qemu-img is done: the peak is their sum. */
static int
qemu_estimate (const struct exp_ctx *x, uint64_t *bytes)
{
  uint64_t clusters = exp_map_used_units (x->map, QEMU_CLUSTER), out;

  if (x->format == OW_EXPORT_VMDK) {
    uint64_t gts = min_u64 (div_up (x->disk_size, VMDK_GT_SPAN), clusters);
    out = clusters * VMDK_GRAIN_MAX + gts * VMDK_GT_BYTES
          + div_up (div_up (x->disk_size, VMDK_GT_SPAN) * 4, 512) * 512 + 512;
  }
  else {
    uint64_t l2 = div_up (x->disk_size, QCOW2_L2_SPAN);
    uint64_t data = clusters * QEMU_CLUSTER + min_u64 (l2, clusters) * QEMU_CLUSTER;
    out = data + div_up (l2 * 8, QEMU_CLUSTER) * QEMU_CLUSTER
          + (div_up (data, QCOW2_REFBLOCK_SPAN) + 1) * QEMU_CLUSTER;
  }
  *bytes = exp_sparse_bytes (x) + out + QEMU_FIXED_OVERHEAD;
  return 0;
}

static void
qemu_free (struct exp_ctx *x)
{
  struct qemu *q = x->w;

  if (q) {
    exp_out_abort (&q->raw);
    free (q);
  }
  x->w = NULL;
}

const struct exp_writer exp_writer_qcow2 = {
  .name = "qcow2", .begin = qemu_begin, .write = qemu_write, .end = qemu_end,
  .free = qemu_free, .estimate = qemu_estimate,
};

const struct exp_writer exp_writer_vmdk = {
  .name = "vmdk", .begin = qemu_begin, .write = qemu_write, .end = qemu_end,
  .free = qemu_free, .estimate = qemu_estimate,
};
