/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The copy engine: one pass over the source in EXP_CHUNK pieces, free NTFS
 * clusters neither read nor written, each chunk handed to the format's
 * writer; digest, fsync and rename at the end. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "export/export.h"

static const struct {
  const char *name;
  enum ow_export_format fmt;
  const struct exp_writer *writer;
} formats[] = {
  { "raw", OW_EXPORT_RAW, &exp_writer_raw },
  { "vhdx", OW_EXPORT_VHDX, &exp_writer_vhdx },
  { "vhd", OW_EXPORT_VHD, &exp_writer_vhd_fixed },
  { "vhd-dynamic", OW_EXPORT_VHD_DYNAMIC, &exp_writer_vhd_dynamic },
  { "qcow2", OW_EXPORT_QCOW2, &exp_writer_qcow2 },
  { "vmdk", OW_EXPORT_VMDK, &exp_writer_vmdk },
};
#define NFORMATS (sizeof formats / sizeof formats[0])

const char *
ow_export_format_name (enum ow_export_format fmt)
{
  for (size_t i = 0; i < NFORMATS; i++)
    if (formats[i].fmt == fmt)
      return formats[i].name;
  return "unknown";
}

int
ow_export_format_from_name (const char *name, enum ow_export_format *fmt)
{
  for (size_t i = 0; i < NFORMATS; i++)
    if (name && strcmp (formats[i].name, name) == 0) {
      *fmt = formats[i].fmt;
      return 0;
    }
  return ow_err_invalid ("export: unknown format '%s' (raw, vhdx, vhd, vhd-dynamic, qcow2, "
                         "vmdk)", name ? name : "");
}

static const struct exp_writer *
writer_for (enum ow_export_format fmt)
{
  for (size_t i = 0; i < NFORMATS; i++)
    if (formats[i].fmt == fmt)
      return formats[i].writer;
  return NULL;
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Read the used parts of [OFF, OFF+LEN) into BUF and zero the rest.
 * Runs separated by less than EXP_MAX_READ_GAP of free space are read in
 * one request (the gap is zeroed afterwards). */
static int
read_chunk (struct ow_disk *src, const struct exp_map *m, uint64_t off, size_t len,
            uint8_t *buf, uint8_t *used, uint64_t *skipped, bool *all_free)
{
  size_t nunits = (len + EXP_UNIT - 1) / EXP_UNIT, i = 0;
  const size_t max_gap = EXP_MAX_READ_GAP / EXP_UNIT;

  exp_map_units (m, off, len, used);
  /* Most of a large, mostly empty disk: nothing to read, nothing to zero,
   * nothing for the writer to scan. */
  *all_free = memchr (used, 1, nunits) == NULL;
  if (*all_free) {
    *skipped += len;
    return 0;
  }
  while (i < nunits) {
    size_t j, a, b;

    if (!used[i]) {
      i++;
      continue;
    }
    j = i + 1;
    for (;;) {
      size_t k = j;
      while (k < nunits && !used[k])
        k++;
      if (k == j) {
        if (j >= nunits)
          break;
        j++;
        continue;
      }
      if (k >= nunits || k - j >= max_gap)
        break;
      j = k;
    }
    a = i * EXP_UNIT;
    b = j * EXP_UNIT < len ? j * EXP_UNIT : len;
    if (ow_disk_pread (src, buf + a, b - a, off + a) == -1) {
      ow_err_context ("export: reading the source");
      return -1;
    }
    i = j;
  }
  for (i = 0; i < nunits; i++)
    if (!used[i]) {
      size_t a = i * EXP_UNIT, b = a + EXP_UNIT < len ? a + EXP_UNIT : len;
      memset (buf + a, 0, b - a);
      *skipped += b - a;
    }
  return 0;
}

/* Refuse to write the image over its own source. */
static int
check_not_source (struct ow_disk *src, const char *output)
{
  struct stat a, b;
  const char *spec = ow_disk_spec (src);

  if (spec && stat (spec, &a) == 0 && stat (output, &b) == 0
      && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
    return ow_err_invalid ("export: the output %s is the source disk itself", output);
  return 0;
}

static int
fill_result (struct ow_export_result *res, const struct exp_ctx *x, const struct exp_map *m)
{
  res->format = x->format;
  res->disk_size = x->disk_size;
  res->virtual_size = x->virtual_size;
  res->file_size = x->file_size;
  res->bytes_written = x->out.bytes_written;
  res->output = strdup (x->out.path);
  res->volumes = calloc (m->n + 1, sizeof *res->volumes);
  if (res->output == NULL || res->volumes == NULL)
    return ow_err (ENOMEM, "out of memory");
  for (size_t i = 0; i < m->n; i++) {
    struct ow_export_volume *o = &res->volumes[i];
    const struct exp_volume *v = &m->v[i];
    o->partition = v->partition;
    o->start = v->start;
    o->size = v->size;
    o->fs = v->fs;
    o->free_skipped = v->use_bitmap;
    o->cluster_size = v->cluster_size;
    o->clusters = v->nr_clusters;
    o->used_clusters = v->used_clusters;
    res->nvolumes = i + 1;
    if (v->reason && (o->reason = strdup (v->reason)) == NULL)
      return ow_err (ENOMEM, "out of memory");
  }
  return 0;
}

int
ow_export (struct ow_disk *src, const char *output, const struct ow_export_options *opts,
           struct ow_export_result *res)
{
  const struct exp_writer *w;
  struct exp_ctx x;
  struct exp_map map = { 0 };
  struct ow_disk_stats st0, st1;
  uint8_t *bufs[2] = { NULL, NULL }, *used = NULL;
  uint64_t skipped = 0;
  double t0 = now ();
  int cur = 0, ret = -1;
  bool began = false;

  memset (&x, 0, sizeof x);
  x.out.fd = -1;
  if (res)
    memset (res, 0, sizeof *res);
  if (src == NULL || output == NULL || opts == NULL)
    return ow_err_invalid ("export: missing source, output or options");
  w = writer_for (opts->format);
  if (w == NULL)
    return ow_err_invalid ("export: unknown format %d", (int) opts->format);
  if (check_not_source (src, output) == -1)
    return -1;
  x.format = opts->format;
  x.disk_size = ow_disk_size (src);
  x.sector_size = ow_disk_sector_size (src);
  if (x.disk_size == 0)
    return ow_err_invalid ("export: %s is empty", ow_disk_spec (src));
  ow_disk_get_stats (src, &st0);

  /* An existing output is refused before anything is read. */
  if (exp_out_open (&x.out, output, opts->overwrite) == -1)
    return -1;
  if (exp_map_build (src, &map) == -1)
    goto out;
  if (!opts->no_digest && (x.digest = exp_digest_new ()) == NULL)
    goto out;
  if (posix_memalign ((void **) &bufs[0], 4096, EXP_CHUNK) != 0
      || posix_memalign ((void **) &bufs[1], 4096, EXP_CHUNK) != 0
      || (used = malloc (EXP_CHUNK / EXP_UNIT)) == NULL) {
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  if (map.sector_size != x.sector_size)
    ow_debug ("logical sector size %u (from the partition table; the disk layer says %u)",
              map.sector_size, x.sector_size);
  x.sector_size = map.sector_size;
  x.map = &map;
  began = true;
  if (w->begin (&x) == -1)
    goto out;

  for (uint64_t off = 0; off < x.disk_size; off += EXP_CHUNK) {
    size_t len = x.disk_size - off < EXP_CHUNK ? (size_t) (x.disk_size - off) : EXP_CHUNK;

    bool all_free;

    if (read_chunk (src, &map, off, len, bufs[cur], used, &skipped, &all_free) == -1
        || w->write (&x, off, all_free ? NULL : bufs[cur], len) == -1)
      goto out;
    /* The digest may still hash this buffer: fill the other one next.  An
     * all-free chunk left its buffer untouched and fed it to nobody, so
     * the next chunk may use it (and the writer need not wait for the
     * hashers to be done with the other one). */
    if (!all_free)
      cur ^= 1;
    if (opts->progress && opts->progress (opts->opaque, off + len, x.disk_size) != 0) {
      ow_err (ECANCELED, "export: canceled at %" PRIu64 " of %" PRIu64 " bytes; %s not "
              "created", off + len, x.disk_size, output);
      goto out;
    }
  }
  if (w->end (&x) == -1)
    goto out;
  if (x.digest) {
    char sha[65], md5[33];
    /* Only qemu-img's formats are written by another program: those are
     * read back. */
    ow_debug ("digests %s", x.digest_streamed ? "streamed while writing"
              : "of the finished file, read back");
    if (!x.digest_streamed
        && exp_digest_file (x.digest, x.out.fd, x.file_size, x.out.tmp) == -1)
      goto out;
    if (exp_digest_final (x.digest, sha, md5) == -1)
      goto out;
    if (res) {
      memcpy (res->sha256, sha, sizeof sha);
      memcpy (res->md5, md5, sizeof md5);
    }
  }
  /* The result is built before the rename: once the file has its final
   * name, nothing may fail any more. */
  ow_disk_get_stats (src, &st1);
  if (res) {
    if (fill_result (res, &x, &map) == -1)
      goto out;
    res->bytes_read = st1.bytes_read - st0.bytes_read;
    res->free_bytes_skipped = skipped;
  }
  if (exp_out_commit (&x.out) == -1)
    goto out;
  if (res)
    res->seconds = now () - t0;
  ow_debug ("exported %s to %s (%s): read %" PRIu64 " bytes, wrote %" PRIu64,
            ow_disk_spec (src), output, w->name, st1.bytes_read - st0.bytes_read,
            x.out.bytes_written);
  ret = 0;
 out:
  /* The hashers must let go of the buffers before they are freed. */
  exp_digest_free (x.digest);
  if (began)
    w->free (&x);
  exp_out_abort (&x.out);
  if (ret == -1 && res)
    ow_export_result_free (res);
  exp_map_free (&map);
  free (bufs[0]);
  free (bufs[1]);
  free (used);
  return ret;
}

int
ow_export_estimate (struct ow_disk *src, enum ow_export_format fmt, uint64_t *bytes)
{
  const struct exp_writer *w = writer_for (fmt);
  struct exp_map map = { 0 };
  struct exp_ctx x;
  int ret;

  if (src == NULL || bytes == NULL)
    return ow_err_invalid ("export: estimate: missing source or result");
  if (w == NULL)
    return ow_err_invalid ("export: unknown format %d", (int) fmt);
  memset (&x, 0, sizeof x);
  x.format = fmt;
  x.disk_size = ow_disk_size (src);
  if (x.disk_size == 0)
    return ow_err_invalid ("export: %s is empty", ow_disk_spec (src));
  if (exp_map_build (src, &map) == -1)
    return -1;
  x.sector_size = map.sector_size;
  x.map = &map;
  ret = w->estimate (&x, bytes);
  exp_map_free (&map);
  return ret;
}

void
ow_export_result_free (struct ow_export_result *res)
{
  if (res == NULL)
    return;
  free (res->output);
  for (size_t i = 0; i < res->nvolumes; i++)
    free (res->volumes[i].reason);
  free (res->volumes);
  memset (res, 0, sizeof *res);
}

char *
ow_export_result_json (const struct ow_export_result *res)
{
  json_t *o = NULL, *vols = NULL;
  char *s = NULL;

  o = json_object ();
  vols = json_array ();
  if (o == NULL || vols == NULL)
    goto out;
  for (size_t i = 0; i < res->nvolumes; i++) {
    const struct ow_export_volume *v = &res->volumes[i];
    json_t *j = json_pack ("{s:I, s:I, s:I, s:s, s:b, s:o, s:I, s:I, s:I}",
                           "partition", (json_int_t) v->partition,
                           "start", (json_int_t) v->start,
                           "size", (json_int_t) v->size,
                           "fs", ow_fs_type_name (v->fs),
                           "freeSkipped", v->free_skipped,
                           "reason", v->reason ? json_string (v->reason) : json_null (),
                           "clusterSize", (json_int_t) v->cluster_size,
                           "clusters", (json_int_t) v->clusters,
                           "usedClusters", (json_int_t) v->used_clusters);
    if (j == NULL || json_array_append_new (vols, j) == -1)
      goto out;
  }
  json_t *digest_sha = res->sha256[0] ? json_string (res->sha256) : json_null ();
  json_t *digest_md5 = res->md5[0] ? json_string (res->md5) : json_null ();
  if (json_object_set_new (o, "format", json_string (ow_export_format_name (res->format))) == -1
      || json_object_set_new (o, "output", json_string (res->output ? res->output : "")) == -1
      || json_object_set_new (o, "diskSize", json_integer ((json_int_t) res->disk_size)) == -1
      || json_object_set_new (o, "virtualSize",
                              json_integer ((json_int_t) res->virtual_size)) == -1
      || json_object_set_new (o, "fileSize", json_integer ((json_int_t) res->file_size)) == -1
      || json_object_set_new (o, "bytesRead", json_integer ((json_int_t) res->bytes_read)) == -1
      || json_object_set_new (o, "bytesWritten",
                              json_integer ((json_int_t) res->bytes_written)) == -1
      || json_object_set_new (o, "freeBytesSkipped",
                              json_integer ((json_int_t) res->free_bytes_skipped)) == -1
      || json_object_set_new (o, "sha256", digest_sha) == -1
      || json_object_set_new (o, "md5", digest_md5) == -1
      || json_object_set_new (o, "seconds", json_real (res->seconds)) == -1)
    goto out;
  if (json_object_set_new (o, "volumes", vols) == -1) {
    vols = NULL;
    goto out;
  }
  vols = NULL;
  s = json_dumps (o, JSON_INDENT (2));
 out:
  json_decref (vols);
  json_decref (o);
  if (s == NULL)
    ow_err (ENOMEM, "export: building the JSON result");
  return s;
}
