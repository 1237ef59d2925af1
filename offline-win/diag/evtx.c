/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Windows event logs (.evtx) through libevtx (libyal): a maintained
 * reader of the binary XML format; we keep no EVTX parser of our own.
 * The log, already copied out of the volume into memory (capped), is
 * handed to libevtx as a libbfio memory range: no temporary file, no
 * path, nothing written anywhere (the sandboxed child may open none).
 *
 * libbfio 20170123 (Debian 12) does not clamp a read that runs past the
 * end of a memory range: a log shorter than its 4 KiB header, or cut in a
 * chunk, made libevtx read beyond the buffer (found by tests/fuzz/
 * fuzz-evtx.c; the input is in tests/fuzz/corpus/evtx/).  So libevtx gets
 * a private copy whose range is the log zero-padded to a whole chunk, and
 * one more chunk of zeros lies beyond the range: every read libevtx makes
 * (the header, or one chunk) ends inside the allocation. */
#include <stdio.h>
#include <stdlib.h>

#include <libbfio.h>
#include <libevtx.h>

#include "diag/diag.h"

/* The .evtx layout (libyal's format documentation): a 4 KiB file header,
 * then 64 KiB chunks; libevtx reads one of either at a time. */
#define EVTX_HEADER 4096u
#define EVTX_CHUNK  65536u

/* libevtx's error as our error; frees it. */
static int
evtx_fail (libevtx_error_t **e, int errnum, const char *what)
{
  char msg[512] = "";

  if (e && *e) {
    libevtx_error_sprint (*e, msg, sizeof msg);
    libevtx_error_free (e);
  }
  /* libevtx's messages run over several lines: keep the first. */
  msg[strcspn (msg, "\n")] = '\0';
  return ow_err (errnum, "event log: %s%s%s", what, msg[0] ? ": " : "", msg);
}

static char *
record_source (libevtx_record_t *r)
{
  size_t size = 0;
  char *s;

  if (libevtx_record_get_utf8_source_name_size (r, &size, NULL) != 1 || size == 0 ||
      size > DIAG_MAX_STRING)
    return strdup ("");
  s = malloc (size);
  if (s && libevtx_record_get_utf8_source_name (r, (uint8_t *) s, size, NULL) != 1) {
    free (s);
    return strdup ("");
  }
  return s;
}

/* The record's strings, each at most DIAG_MAX_STRING bytes (cut). */
static char **
record_strings (libevtx_record_t *r, size_t *n)
{
  int count = 0;
  char **v;

  *n = 0;
  if (libevtx_record_get_number_of_strings (r, &count, NULL) != 1 || count < 0)
    count = 0;
  if (count > DIAG_MAX_EVENT_STRINGS)
    count = DIAG_MAX_EVENT_STRINGS;
  v = calloc ((size_t) count + 1, sizeof *v);
  if (v == NULL)
    return NULL;
  for (int i = 0; i < count; i++) {
    size_t size = 0;
    char *s = NULL;
    if (libevtx_record_get_utf8_string_size (r, i, &size, NULL) == 1 && size > 0) {
      size_t want = size > DIAG_MAX_STRING ? DIAG_MAX_STRING : size;
      s = malloc (size);
      if (s && libevtx_record_get_utf8_string (r, i, (uint8_t *) s, size, NULL) == 1)
        s[want - 1] = '\0';
      else {
        free (s);
        s = NULL;
      }
    }
    v[*n] = s ? s : strdup ("");
    if (v[*n] == NULL)
      break;
    (*n)++;
  }
  return v;
}

int
ow_diag_evtx_read (const void *buf, size_t len, size_t max_records,
                   diag_event_want_fn want, diag_event_fn cb, void *opaque,
                   size_t *nrecords)
{
  libevtx_file_t *file = NULL;
  libbfio_handle_t *io = NULL;
  libevtx_error_t *e = NULL;
  uint8_t *copy = NULL;
  size_t range;
  int count = 0, r = -1;

  *nrecords = 0;
  if (len < EVTX_HEADER)
    return ow_err (EINVAL, "event log: %zu bytes is shorter than the file header", len);
  if (len > DIAG_MAX_EVTX_FILE)
    return ow_err (EFBIG, "event log: %zu bytes is more than the limit of %u", len,
                   DIAG_MAX_EVTX_FILE);
  range = EVTX_HEADER + (len - EVTX_HEADER + EVTX_CHUNK - 1) / EVTX_CHUNK * EVTX_CHUNK;
  copy = calloc (1, range + EVTX_CHUNK);
  if (copy == NULL)
    return ow_err (ENOMEM, "event log: out of memory");
  memcpy (copy, buf, len);
  if (libbfio_memory_range_initialize (&io, NULL) != 1 ||
      libbfio_memory_range_set (io, copy, range, NULL) != 1) {
    ow_err (ENOMEM, "event log: cannot set up a memory range");
    goto out;
  }
  if (libevtx_file_initialize (&file, &e) != 1) {
    evtx_fail (&e, ENOMEM, "cannot start libevtx");
    goto out;
  }
  if (libevtx_file_open_file_io_handle (file, io, LIBEVTX_OPEN_READ, &e) != 1) {
    evtx_fail (&e, EINVAL, "not an event log libevtx can read");
    goto out;
  }
  if (libevtx_file_get_number_of_records (file, &count, &e) != 1 || count < 0) {
    evtx_fail (&e, EINVAL, "cannot count the records");
    goto out;
  }
  r = 0;
  for (int i = 0; i < count && (size_t) i < max_records; i++) {
    libevtx_record_t *rec = NULL;
    struct diag_event ev = { 0 };
    uint32_t id = 0;
    int stop;

    /* A damaged record is skipped: the rest of the log still counts. */
    if (libevtx_file_get_record_by_index (file, i, &rec, NULL) != 1 || rec == NULL)
      continue;
    if (libevtx_record_get_identifier (rec, &ev.record_id, NULL) != 1 ||
        libevtx_record_get_event_identifier (rec, &id, NULL) != 1) {
      libevtx_record_free (&rec, NULL);
      continue;
    }
    /* The low 16 bits are the event id; classic sources put qualifiers
     * and severity in the high ones. */
    ev.event_id = id & 0xffff;
    if (libevtx_record_get_event_level (rec, &ev.level, NULL) != 1)
      ev.level = 0;
    if (libevtx_record_get_written_time (rec, &ev.written, NULL) != 1)
      ev.written = 0;
    ev.source = record_source (rec);
    (*nrecords)++;
    if (ev.source && want && !want (opaque, &ev)) {
      free (ev.source);
      libevtx_record_free (&rec, NULL);
      continue;
    }
    ev.strings = record_strings (rec, &ev.nstrings);
    stop = ev.source && ev.strings ? cb (opaque, &ev) : -1;
    free (ev.source);
    ow_strv_free (ev.strings);
    libevtx_record_free (&rec, NULL);
    if (stop == -1) {
      r = ow_err (ENOMEM, "event log: out of memory");
      break;
    }
    if (stop)
      break;
  }
 out:
  if (file) {
    libevtx_file_close (file, NULL);
    libevtx_file_free (&file, NULL);
  }
  if (io)
    libbfio_handle_free (&io, NULL);
  free (copy);
  return r;
}
