/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The bundle: one ZIP (Windows opens it without tools) written with
 * libarchive, holding the report, the image's logs that explain a boot
 * (event logs, SetupAPI, CBS, Panther, our first-boot runner's files), a
 * text dump of the registry keys the report used, and the CE's own logs
 * and job records given by the caller (redacted).  Never a credential
 * store: ow_diag_name_forbidden() is asked for every entry, from the
 * image or not; job documents with an SMB password are left out.  Caps
 * per file and in all (diag.h); the report lists what is in and what was
 * left out and why. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "diag/diag.h"

#define CE_DIR "ProgramData/CE-Appliance"
/* Host files given by the caller: at most this much each is read. */
#define MAX_INCLUDE_FILE (16u * 1024 * 1024)

struct bundle {
  struct diag *d;
  struct archive *a;
  json_t *files, *excluded;
  uint64_t total;
};

static void
exclude (struct bundle *b, const char *from, const char *why)
{
  json_array_append_new (b->excluded, json_pack ("{s:s, s:s}", "from", from, "reason", why));
}

static int
add_entry (struct bundle *b, const char *name, const void *data, size_t len,
           json_t *info)
{
  struct archive_entry *e = archive_entry_new ();

  if (e == NULL)
    return ow_err (ENOMEM, "bundle: out of memory");
  archive_entry_set_pathname (e, name);
  archive_entry_set_size (e, (la_int64_t) len);
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_perm (e, 0644);
  archive_entry_set_mtime (e, time (NULL), 0);
  if (archive_write_header (b->a, e) != ARCHIVE_OK ||
      (len > 0 && archive_write_data (b->a, data, len) != (la_ssize_t) len)) {
    int r = ow_err (EIO, "bundle: writing %s: %s", name, archive_error_string (b->a));
    archive_entry_free (e);
    json_decref (info);
    return r;
  }
  archive_entry_free (e);
  b->total += len;
  json_object_set_new (info, "name", json_string (name));
  json_object_set_new (info, "bytes", json_integer ((json_int_t) len));
  json_array_append_new (b->files, info);
  return 0;
}

/* A file of the image: logs keep their tail when over the per-file cap,
 * event logs (binary) are left out whole.  CE records are redacted. */
static int
add_image_file (struct bundle *b, const char *path, const char *kind)
{
  void *buf = NULL;
  size_t len = 0;
  uint64_t size = 0;
  char *name = NULL, *red = NULL;
  bool evtx = strcmp (kind, "evtx") == 0, ours = strncasecmp (path, CE_DIR, strlen (CE_DIR)) == 0;
  int r = 0;

  if (ow_diag_name_forbidden (path)) {
    exclude (b, path, "may hold credentials (SAM/SECURITY hive or answer file): never bundled");
    return 0;
  }
  if (ow_file_size (b->d->w.vol, path, &size) == -1) {
    ow_error_clear ();
    return 0;
  }
  if (evtx && size > DIAG_BUNDLE_MAX_FILE) {
    exclude (b, path, "event log larger than the per-file cap");
    return 0;
  }
  if (b->total + (size < DIAG_BUNDLE_MAX_FILE ? size : DIAG_BUNDLE_MAX_FILE) >
      DIAG_BUNDLE_MAX_TOTAL) {
    exclude (b, path, "the bundle reached its total cap");
    return 0;
  }
  if (diag_file_read_tail (b->d->w.vol, path, DIAG_BUNDLE_MAX_FILE, &buf, &len, &size) == -1) {
    exclude (b, path, ow_error_message ());
    ow_error_clear ();
    return 0;
  }
  if (ours) {
    bool ex = false;
    red = ow_diag_redact (buf, len, &ex);
    if (ex) {
      exclude (b, path, "a job document with an SMB password: never bundled");
      goto out;
    }
    if (red == NULL) {
      r = -1;
      goto out;
    }
  }
  if (asprintf (&name, "disk/%s", path) == -1) {
    r = ow_err (ENOMEM, "bundle: out of memory");
    goto out;
  }
  r = add_entry (b, name, red ? red : buf, red ? strlen (red) : len,
                 json_pack ("{s:s+, s:I, s:b, s:b}", "from", "/", path, "size", (json_int_t) size,
                            "truncated", len < size, "redacted", red != NULL));
 out:
  free (name);
  free (red);
  free (buf);
  return r;
}

/* A host file the caller gave (the CE's logs and job records). */
static int
add_include (struct bundle *b, const char *path)
{
  const char *base = strrchr (path, '/') ? strrchr (path, '/') + 1 : path;
  char *name = NULL, *text = NULL, *red = NULL;
  size_t len = 0;
  bool ex = false;
  FILE *f;
  int r = 0;

  if (ow_diag_name_forbidden (path)) {
    exclude (b, path, "may hold credentials (SAM/SECURITY hive or answer file): never bundled");
    return 0;
  }
  f = fopen (path, "re");
  if (f == NULL) {
    exclude (b, path, strerror (errno));
    return 0;
  }
  text = malloc (MAX_INCLUDE_FILE + 1);
  if (text)
    len = fread (text, 1, MAX_INCLUDE_FILE, f);
  fclose (f);
  if (text == NULL)
    return ow_err (ENOMEM, "bundle: out of memory");
  red = ow_diag_redact (text, len, &ex);
  if (ex)
    exclude (b, path, "a job document with an SMB password: never bundled");
  else if (red == NULL)
    r = -1;
  else if (asprintf (&name, "ce/%s", base) == -1)
    r = ow_err (ENOMEM, "bundle: out of memory");
  else
    r = add_entry (b, name, red, strlen (red),
                   json_pack ("{s:s, s:I, s:b, s:b}", "from", path, "size", (json_int_t) len,
                              "truncated", len == MAX_INCLUDE_FILE, "redacted", 1));
  free (name);
  free (red);
  free (text);
  return r;
}

/* The files of directory DIR whose names start with PREFIX and end with SUFFIX. */
static void
note_matching (struct diag *d, const char *dir, const char *prefix, const char *suffix,
               const char *kind)
{
  char **names = ow_dir_list (d->w.vol, dir);

  for (size_t i = 0; names && names[i]; i++) {
    size_t n = strlen (names[i]), s = strlen (suffix);
    char *p = NULL;
    if (strncasecmp (names[i], prefix, strlen (prefix)) != 0 || n < s ||
        strcasecmp (names[i] + n - s, suffix) != 0)
      continue;
    if (asprintf (&p, "%s/%s", dir, names[i]) != -1 && !ow_path_is_dir (d->w.vol, p))
      diag_file_note (d, p, kind);
    free (p);
  }
  ow_error_clear ();
  ow_strv_free (names);
}

static void
note_if_present (struct diag *d, const char *fmt, const char *kind)
{
  char *want = NULL, *real;
  if (asprintf (&want, fmt, d->w.systemroot) == -1)
    return;
  if ((real = ow_path_real_case (d->w.vol, want)) != NULL)
    diag_file_note (d, real, kind);
  ow_error_clear ();
  free (real);
  free (want);
}

/* The image's files a bundle holds beyond what the report read. */
static void
select_files (struct diag *d)
{
  char *dir = NULL;

  note_if_present (d, "%s/System32/winevt/Logs/System.evtx", "evtx");
  note_if_present (d, "%s/System32/winevt/Logs/Application.evtx", "evtx");
  note_if_present (d, "%s/System32/winevt/Logs/Setup.evtx", "evtx");
  note_if_present (d, "%s/Logs/CBS/CBS.log", "log");
  note_if_present (d, "%s/Panther/setupact.log", "log");
  note_if_present (d, "%s/Panther/setuperr.log", "log");
  if (asprintf (&dir, "%s/INF", d->w.systemroot) != -1)
    note_matching (d, dir, "setupapi", ".log", "log");
  free (dir);
  note_matching (d, CE_DIR, "", ".log", "log");
  note_matching (d, CE_DIR "/firstboot", "", "", "record");
}

int
diag_bundle_write (struct diag *d, const char *path, const char *const *includes)
{
  struct bundle b = { .d = d };
  json_t *sec, *v;
  char *keys = NULL, *report = NULL;
  int fd, r = -1;
  size_t i;

  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd == -1)
    return ow_err (errno, "bundle %s: %m%s", path, errno == EEXIST ? " (refusing to replace it)" : "");
  sec = json_object ();
  b.files = json_array ();
  b.excluded = json_array ();
  b.a = archive_write_new ();
  if (b.a == NULL || archive_write_set_format_zip (b.a) != ARCHIVE_OK ||
      archive_write_open_fd (b.a, fd) != ARCHIVE_OK) {
    ow_err (EIO, "bundle %s: %s", path, b.a ? archive_error_string (b.a) : "out of memory");
    goto out;
  }
  if (d->w.vol) {
    select_files (d);
    json_array_foreach (d->files, i, v)
      if (add_image_file (&b, json_string_value (json_object_get (v, "path")),
                          json_string_value (json_object_get (v, "kind"))) == -1)
        goto out;
  }
  for (size_t n = 0; includes && includes[n]; n++)
    if (add_include (&b, includes[n]) == -1)
      goto out;
  keys = diag_keys_dump (d);
  if (keys && add_entry (&b, "registry-keys.txt", keys, strlen (keys),
                         json_pack ("{s:s}", "from", "registry")) == -1)
    goto out;
  /* The report last, listing everything before it. */
  json_object_set_new (sec, "path", json_string (path));
  json_object_set_new (sec, "caps", json_pack ("{s:I, s:I}", "perFileBytes",
                                               (json_int_t) DIAG_BUNDLE_MAX_FILE, "totalBytes",
                                               (json_int_t) DIAG_BUNDLE_MAX_TOTAL));
  json_object_set (sec, "files", b.files);
  json_object_set (sec, "excluded", b.excluded);
  json_object_set_new (sec, "bytes", json_integer ((json_int_t) b.total));
  json_object_set (d->report, "bundle", sec);
  report = json_dumps (d->report, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
  if (report == NULL || add_entry (&b, "report.json", report, strlen (report),
                                   json_pack ("{s:s}", "from", "report")) == -1)
    goto out;
  if (archive_write_close (b.a) != ARCHIVE_OK) {
    ow_err (EIO, "bundle %s: %s", path, archive_error_string (b.a));
    goto out;
  }
  if (fsync (fd) == -1) {
    ow_err (errno, "bundle %s: fsync: %m", path);
    goto out;
  }
  r = 0;
 out:
  if (b.a)
    archive_write_free (b.a);
  if (close (fd) == -1 && r == 0)
    r = ow_err (errno, "bundle %s: close: %m", path);
  if (r == -1)
    unlink (path);
  json_decref (sec);
  json_decref (b.files);
  json_decref (b.excluded);
  free (keys);
  free (report);
  return r;
}

/* libarchive is linked statically (Makefile, ARCHIVE_LIBS), and its ZIP
 * writer calls one helper,
 * __archive_write_entry_filetype_unsupported, that lives in
 * archive_write_set_format.o: the table of every writer libarchive has.
 * Pulling that object pulls every writer, XAR's among them, and XAR needs
 * libxml2 (and ICU): exactly what the static link keeps out of the
 * appliance.  Defining the helper here (in this file, which is linked
 * whenever the ZIP writer is) satisfies the ZIP writer without that
 * object.  The bundle writes regular files only, so this
 * is reached only if that ever changes, and then it fails the entry the
 * way libarchive's own helper does. */
/* libarchive's own code for "wrong file format" (EFTYPE where defined). */
#define EFTYPE_ EINVAL

int __archive_write_entry_filetype_unsupported (struct archive *a,
                                                struct archive_entry *entry,
                                                const char *format);

int
__archive_write_entry_filetype_unsupported (struct archive *a, struct archive_entry *entry,
                                            const char *format)
{
  const char *name = archive_entry_pathname (entry);

  archive_set_error (a, EFTYPE_, "%s: %s cannot store this type of file",
                     name ? name : "(no name)", format);
  return ARCHIVE_FAILED;
}
