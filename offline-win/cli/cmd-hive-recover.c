/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ce-offline hive-recover HIVE --output FILE [--overwrite] [--json]
 *
 * Replays HIVE's transaction logs (HIVE.LOG1, .LOG2, .LOG in any case,
 * found beside it) into FILE.  HIVE and its logs are only read.  FILE is
 * written to a temporary name in its directory, fsynced and renamed, so it
 * either appears complete or not at all; an existing FILE is replaced only
 * with --overwrite. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "internal.h"
#include "hive/hivelog.h"

#define NSUFFIXES OW_HIVE_NLOG_SUFFIXES

struct file_buf {
  char *path;
  void *data;
  size_t len;
};

static void
usage (FILE *f)
{
  fputs ("Usage: ce-offline hive-recover HIVE --output FILE [--overwrite] [--json]\n"
         "\n"
         "Replay the registry transaction logs of HIVE (HIVE.LOG1, HIVE.LOG2,\n"
         "HIVE.LOG beside it, any case) exactly as Windows does at boot, and\n"
         "write the up-to-date hive to FILE.  HIVE and its logs are never modified.\n"
         "\n"
         "  -o, --output FILE  where to write the recovered hive (never HIVE or\n"
         "                     one of its logs)\n"
         "  --overwrite        replace FILE if it exists (else refused, exit 1)\n"
         "  --json             one JSON document on stdout\n"
         "  -v, --verbose      debug output on stderr\n"
         "  -h, --help         this text\n"
         "\n"
         "Exit codes: 0 recovered or already clean (FILE written); 1 I/O failure or\n"
         "FILE exists; 2 usage error; 3 HIVE is no usable hive (not a hive, a log,\n"
         "truncated, broken hive bins) or cannot be brought up to date (FILE not\n"
         "created).\n", f);
}

/* Read a whole regular file of at most MAX bytes. */
static int
read_whole (const char *path, size_t max, void **data, size_t *len)
{
  int fd = -1, ret = -1;
  struct stat st;
  uint8_t *buf = NULL;
  size_t got = 0;

  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    ow_err (errno, "open %s", path);
    goto out;
  }
  if (fstat (fd, &st) == -1) {
    ow_err (errno, "stat %s", path);
    goto out;
  }
  if (!S_ISREG (st.st_mode)) {
    ow_err (EINVAL, "%s is not a regular file", path);
    goto out;
  }
  if ((uint64_t) st.st_size > max) {
    /* Not an I/O failure: no hive or log may be that large. */
    ow_err_unsafe (EFBIG, "%s: %jd bytes, more than the limit of %zu bytes for a hive or log",
                   path, (intmax_t) st.st_size, max);
    goto out;
  }
  buf = malloc (st.st_size ? (size_t) st.st_size : 1);
  if (!buf) {
    ow_err (ENOMEM, "%s: out of memory", path);
    goto out;
  }
  while (got < (size_t) st.st_size) {
    ssize_t r = read (fd, buf + got, (size_t) st.st_size - got);
    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1) {
      ow_err (errno, "read %s", path);
      goto out;
    }
    if (r == 0) {
      ow_err (EIO, "read %s: file shrank while reading", path);
      goto out;
    }
    got += (size_t) r;
  }
  *data = buf;
  *len = got;
  buf = NULL;
  ret = 0;
 out:
  free (buf);
  if (fd >= 0)
    close (fd);
  return ret;
}

static char *
dir_of (const char *path)
{
  char *copy = strdup (path), *d;
  if (!copy)
    return NULL;
  d = strdup (dirname (copy));
  free (copy);
  return d;
}

/* Find HIVE's logs in its directory (names compared case-insensitively, as
 * NTFS does).  LOGS[i] gets the file for log_suffixes[i], or path NULL. */
static int
find_logs (const char *hive, struct file_buf logs[NSUFFIXES])
{
  char *dir = NULL, *copy = NULL;
  const char *base;
  DIR *dh = NULL;
  struct dirent *de;
  size_t blen;
  int ret = -1;

  dir = dir_of (hive);
  copy = strdup (hive);
  if (!dir || !copy) {
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  base = basename (copy);
  blen = strlen (base);
  dh = opendir (dir);
  if (!dh) {
    ow_err (errno, "opendir %s", dir);
    goto out;
  }
  while ((errno = 0, de = readdir (dh)) != NULL) {
    size_t nlen = strlen (de->d_name);
    if (nlen <= blen || strncasecmp (de->d_name, base, blen) != 0)
      continue;
    for (size_t i = 0; i < NSUFFIXES; i++) {
      if (strcasecmp (de->d_name + blen, ow_hive_log_suffixes[i]) != 0)
        continue;
      if (logs[i].path) {
        /* Two names differing only in case: Windows could not have made
         * that; refuse to guess which one it used. */
        ow_err_unsafe (EEXIST, "%s: both %s and %s exist; remove the stray one",
                       dir, logs[i].path, de->d_name);
        goto out;
      }
      if (asprintf (&logs[i].path, "%s/%s", dir, de->d_name) == -1) {
        logs[i].path = NULL;
        ow_err (ENOMEM, "out of memory");
        goto out;
      }
    }
  }
  if (errno) {
    ow_err (errno, "readdir %s", dir);
    goto out;
  }
  ret = 0;
 out:
  if (dh)
    closedir (dh);
  free (dir);
  free (copy);
  return ret;
}

static bool
same_file (const char *a, const char *b)
{
  struct stat sa, sb;
  return stat (a, &sa) == 0 && stat (b, &sb) == 0
         && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* Write DATA to a temporary file beside PATH, fsync, rename over PATH,
 * fsync the directory. */
static int
write_atomically (const char *path, const void *data, size_t len)
{
  char *dir = NULL, *tmp = NULL;
  int fd = -1, dfd = -1, ret = -1;
  size_t done = 0;
  const uint8_t *p = data;

  dir = dir_of (path);
  if (!dir || asprintf (&tmp, "%s.tmpXXXXXX", path) == -1) {
    tmp = NULL;
    ow_err (ENOMEM, "out of memory");
    goto out;
  }
  fd = mkostemp (tmp, O_CLOEXEC);
  if (fd == -1) {
    ow_err (errno, "create a temporary file for %s", path);
    free (tmp);
    tmp = NULL;
    goto out;
  }
  while (done < len) {
    ssize_t w = write (fd, p + done, len - done);
    if (w == -1 && errno == EINTR)
      continue;
    if (w == -1) {
      ow_err (errno, "write %s", tmp);
      goto out;
    }
    done += (size_t) w;
  }
  if (fchmod (fd, 0644) == -1 || fsync (fd) == -1) {
    ow_err (errno, "fsync %s", tmp);
    goto out;
  }
  if (close (fd) == -1) {
    fd = -1;
    ow_err (errno, "close %s", tmp);
    goto out;
  }
  fd = -1;
  if (rename (tmp, path) == -1) {
    ow_err (errno, "rename %s to %s", tmp, path);
    goto out;
  }
  free (tmp);
  tmp = NULL;
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd == -1 || fsync (dfd) == -1) {
    ow_err (errno, "fsync directory %s", dir);
    goto out;
  }
  ret = 0;
 out:
  if (fd >= 0)
    close (fd);
  if (dfd >= 0)
    close (dfd);
  if (tmp)
    unlink (tmp);
  free (tmp);
  free (dir);
  return ret;
}

static const char *
format_name (int f)
{
  return f == 2 ? "new" : f == 1 ? "old" : "none";
}

static int
print_json (const char *hive, const struct ow_hivelog_report *rep, const char *output,
            const struct file_buf logs[NSUFFIXES])
{
  json_t *o = json_object (), *l = json_array ();
  int ret = -1;

  if (!o || !l)
    goto out;
  for (size_t i = 0; i < NSUFFIXES; i++)
    if (logs[i].path && json_array_append_new (l, json_string (logs[i].path)) == -1)
      goto out;
  if (json_object_set_new (o, "hive", json_string (hive)) == -1
      || json_object_set_new (o, "state", json_string (ow_hive_state_name (rep->state))) == -1
      || json_object_set_new (o, "logFormat", json_string (format_name (rep->log_format))) == -1
      || json_object_set_new (o, "entriesApplied", json_integer (rep->entries)) == -1
      || json_object_set_new (o, "sequence", json_integer (rep->new_sequence)) == -1
      || json_object_set_new (o, "output", output ? json_string (output) : json_null ()) == -1
      || json_object_set_new (o, "logs", l) == -1)
    goto out;
  l = NULL;
  if (rep->reason && json_object_set_new (o, "reason", json_string (rep->reason)) == -1)
    goto out;
  if (json_dumpf (o, stdout, JSON_INDENT (2)) == -1)
    goto out;
  putchar ('\n');
  ret = 0;
 out:
  json_decref (l);
  json_decref (o);
  if (ret == -1)
    ow_err (ENOMEM, "building the JSON report");
  return ret;
}

int
cmd_hive_recover (int argc, char **argv)
{
  static const struct option opts[] = {
    { "output", required_argument, NULL, 'o' },
    { "json", no_argument, NULL, 'j' },
    { "overwrite", no_argument, NULL, 'O' },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *output = NULL, *hive;
  bool json = false, overwrite = false;
  struct stat ost;
  struct file_buf primary = { 0 }, logs[NSUFFIXES];
  struct ow_hivelog_buf bufs[NSUFFIXES];
  struct ow_hivelog_report rep = { 0 };
  size_t nbufs = 0;
  void *out = NULL;
  size_t outlen = 0;
  int c, ret = CLI_EXIT_FAILED;

  memset (logs, 0, sizeof logs);
  optind = 1;
  while ((c = getopt_long (argc, argv, "o:vh", opts, NULL)) != -1) {
    switch (c) {
    case 'o': output = optarg; break;
    case 'j': json = true; break;
    case 'O': overwrite = true; break;
    case 'v': ow_set_debug (true); break;
    case 'h': usage (stdout); return CLI_EXIT_OK;
    default: return cli_usage_error ("hive-recover: %s", "bad option");
    }
  }
  if (optind != argc - 1)
    return cli_usage_error ("hive-recover: %s", optind >= argc ? "HIVE is missing"
                                                               : "only one HIVE");
  hive = argv[optind];
  if (!output || !*output)
    return cli_usage_error ("hive-recover: %s", "--output FILE is required");

  if (find_logs (hive, logs) == -1) {
    ret = cli_fail ();
    goto out;
  }
  if (same_file (hive, output)) {
    ret = cli_usage_error ("hive-recover: --output %s is the hive itself", output);
    goto out;
  }
  for (size_t i = 0; i < NSUFFIXES; i++)
    if (logs[i].path && same_file (logs[i].path, output)) {
      ret = cli_usage_error ("hive-recover: --output %s is one of the hive's logs", output);
      goto out;
    }

  /* Like export: an existing FILE is kept unless --overwrite says so. */
  if (!overwrite && lstat (output, &ost) == 0) {
    ow_err (EEXIST, "%s exists; use --overwrite to replace it", output);
    ret = cli_fail ();
    goto out;
  }

  if (read_whole (hive, MAX_HIVE_SIZE, &primary.data, &primary.len) == -1) {
    ret = cli_fail ();
    goto out;
  }
  for (size_t i = 0; i < NSUFFIXES; i++) {
    if (!logs[i].path)
      continue;
    if (read_whole (logs[i].path, MAX_LOG_SIZE, &logs[i].data, &logs[i].len) == -1) {
      ret = cli_fail ();
      goto out;
    }
    bufs[nbufs].name = logs[i].path;
    bufs[nbufs].data = logs[i].data;
    bufs[nbufs].len = logs[i].len;
    nbufs++;
  }

  if (ow_hivelog_replay (primary.data, primary.len, bufs, nbufs, &out, &outlen, &rep) == -1) {
    ret = cli_exit_code ();
    if (ret == CLI_EXIT_UNSAFE && json)
      print_json (hive, &rep, NULL, logs);
    if (ret == CLI_EXIT_UNSAFE)
      fprintf (stderr, "ce-offline: %s: %s: %s\n", hive,
               rep.state == OW_HIVE_CORRUPT ? "not a usable hive" : "cannot recover",
               ow_error_message ());
    else
      cli_fail ();
    goto out;
  }
  if (write_atomically (output, out, outlen) == -1) {
    ret = cli_fail ();
    goto out;
  }
  if (json) {
    if (print_json (hive, &rep, output, logs) == -1) {
      ret = cli_fail ();
      goto out;
    }
  }
  else {
    printf ("hive: %s\nstate: %s\nlog format: %s\nentries applied: %u\n"
            "sequence: %" PRIu32 "\noutput: %s\n",
            hive, ow_hive_state_name (rep.state), format_name (rep.log_format),
            rep.entries, rep.new_sequence, output);
    if (rep.reason && *rep.reason)
      printf ("notes: %s\n", rep.reason);
  }
  ret = CLI_EXIT_OK;
 out:
  free (out);
  free (rep.reason);
  free (primary.data);
  for (size_t i = 0; i < NSUFFIXES; i++) {
    free (logs[i].path);
    free (logs[i].data);
  }
  return ret;
}
