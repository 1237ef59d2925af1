/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The "diagnostics" job (docs/api.md): ow_diagnose runs in the sandboxed
 * child, read-only (the disk is opened O_RDONLY and the engine refuses a
 * writable one), and writes the bundle by name into the one directory it
 * is given: the agent's private bundle directory.  The CE's own records go
 * into the bundle too: the job document (the SMB password replaced before
 * it leaves this process) and the job's log so far, handed to the child as
 * files in that directory.  The worker then copies the bundle to
 * outputStorageLocation when the job names one; GET /v1/jobs/{id}/bundle
 * streams it from the bundle directory. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "offlinewin.h"
#include "sandbox/sandbox.h"

#define BUNDLE_DIR_NAME "ce-agent-bundles.XXXXXX"
#define MAX_BUNDLE_DIR 4096
#define COPY_CHUNK (1024 * 1024)

static pthread_mutex_t dir_lock = PTHREAD_MUTEX_INITIALIZER;
static char bundle_dir[MAX_BUNDLE_DIR];

/* The private bundle directory (0700, made once per agent, in $TMPDIR or
 * /tmp). */
static const char *
bundle_dir_get (void)
{
  const char *r = bundle_dir;
  pthread_mutex_lock (&dir_lock);
  if (bundle_dir[0] == '\0') {
    const char *tmp = getenv ("TMPDIR");
    int n = snprintf (bundle_dir, sizeof bundle_dir, "%s/" BUNDLE_DIR_NAME,
                      tmp && *tmp == '/' ? tmp : "/tmp");
    if (n < 0 || (size_t) n >= sizeof bundle_dir || mkdtemp (bundle_dir) == NULL) {
      bundle_dir[0] = '\0';
      r = NULL;
    }
    /* Owned by the sandbox's uid, so that the child that writes the
     * bundle can give up root (sandbox/child.c, can_drop_uid). */
    else if (geteuid () == 0 && chown (bundle_dir, CE_SANDBOX_UID, CE_SANDBOX_GID) == -1) {
      rmdir (bundle_dir);
      bundle_dir[0] = '\0';
      r = NULL;
    }
  }
  pthread_mutex_unlock (&dir_lock);
  return r;
}

static char *
bundle_name (const char *id)
{
  char *n;
  if (asprintf (&n, "ce-diagnostics-%s.zip", id) == -1)
    return NULL;
  return n;
}

/* Write TEXT as NAME in DIRFD (the child reads it back by name). */
static int
put_text (int dirfd, const char *name, const char *text)
{
  int fd = openat (dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  size_t len = strlen (text), done = 0;
  if (fd == -1)
    return -1;
  while (done < len) {
    ssize_t n = write (fd, text + done, len - done);
    if (n <= 0) {
      close (fd);
      return -1;
    }
    done += (size_t) n;
  }
  return close (fd);
}

/* The job document with every password replaced: it is about to be
 * written where the disk's reader can see it. */
static char *
job_text (const json_t *doc)
{
  json_t *copy = json_deep_copy (doc);
  json_t *loc = json_object_get (copy, "outputStorageLocation");
  char *s;
  if (json_object_get (loc, "password"))
    json_object_set_new (loc, "password", json_string ("<redacted>"));
  s = json_dumps (copy, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
  json_decref (copy);
  return s;
}

/* Copy NAME from the bundle directory to D's directory (refusing to
 * replace a file there). */
static int
copy_out (int srcdir, const char *name, struct ce_dest *d, struct ce_error *err)
{
  int in = openat (srcdir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), out = -1, r = -1;
  char *buf = malloc (COPY_CHUNK);
  ssize_t n;

  if (in == -1 || buf == NULL) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "cannot read the bundle: %s", strerror (errno));
    goto out;
  }
  out = openat (d->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (out == -1) {
    ce_error_set (err, CE_E_INTERNAL, errno == EEXIST ? "outputExists" : "destinationNotFound",
                  "%s/%s: %s", d->shown, name, strerror (errno));
    goto out;
  }
  while ((n = read (in, buf, COPY_CHUNK)) > 0)
    for (ssize_t done = 0; done < n;) {
      ssize_t w = write (out, buf + done, (size_t) (n - done));
      if (w <= 0) {
        ce_error_set (err, CE_E_INTERNAL, "writeFailed", "%s/%s: %s", d->shown, name,
                      strerror (errno));
        goto out;
      }
      done += w;
    }
  if (n < 0 || fsync (out) == -1) {
    ce_error_set (err, CE_E_INTERNAL, "writeFailed", "%s/%s: %s", d->shown, name,
                  strerror (errno));
    goto out;
  }
  r = 0;
 out:
  if (out >= 0 && close (out) == -1 && r == 0)
    r = ce_error_set (err, CE_E_INTERNAL, "writeFailed", "%s/%s: %s", d->shown, name,
                      strerror (errno));
  if (r == -1 && out >= 0)
    unlinkat (d->dirfd, name, 0);
  if (in >= 0)
    close (in);
  free (buf);
  return r;
}

int
ce_run_diagnostics (struct ce_job_ctx *ctx, const json_t *doc, json_t **result,
                    struct ce_error *err)
{
  const char *dir = bundle_dir_get (), *id = ce_job_id (ctx);
  const json_t *loc = json_object_get (doc, "outputStorageLocation");
  char *path = NULL, *name = bundle_name (id), *jtext = NULL, *log = NULL;
  char *jname = NULL, *lname = NULL;
  json_t *params = NULL;
  struct ce_dest d = { .dirfd = -1 };
  int dirfd = -1, r = -1;

  if (!dir || !name || asprintf (&jname, "%s-job.json", id) == -1 ||
      asprintf (&lname, "%s-agent-log.jsonl", id) == -1) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "cannot set up the bundle directory: %s",
                  strerror (errno));
    goto out;
  }
  ce_job_progress (ctx, 0, "waiting for the disk");
  path = ce_job_wait_for_disk (ctx, doc, err);
  if (!path)
    goto out;
  /* The destination first: found wrong after the work, it wastes it. */
  if (loc && ce_dest_open (ctx, loc, &d, err) == -1)
    goto out;
  ce_job_log (ctx, CE_LOG_INFO, "diagnostics: %s (read-only)", path);
  dirfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  jtext = job_text (doc);
  log = ce_jobs_log (id, 0, err);
  if (dirfd == -1 || !jtext || !log || put_text (dirfd, jname, jtext) == -1 ||
      put_text (dirfd, lname, log) == -1) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "cannot stage the CE's records: %s",
                  strerror (errno));
    goto out;
  }
  /* A bundle of an earlier run of the same id cannot exist (ids are new). */
  params = json_pack ("{s:s?, s:s, s:[s, s]}", "platform",
                      json_string_value (json_object_get (doc, "platform")), "bundle", name,
                      "includes", jname, lname);
  if (!params) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
    goto out;
  }
  struct ce_sandbox_job sj = {
    .kind = "diagnostics", .disk = path, .params = params, .outdir_fd = dirfd,
    .artdir_fd = -1, .base = 5, .span = 85,
  };
  if (ce_sandbox_run (ctx, &sj, result, err) == -1) {
    ce_job_log (ctx, CE_LOG_ERROR, "diagnostics failed: %s", err->message ? err->message : "?");
    goto out;
  }
  json_object_set_new (json_object_get (*result, "bundle"), "path",
                       json_sprintf ("/v1/jobs/%s/bundle", id));
  if (d.dirfd >= 0) {
    ce_job_progress (ctx, 90, "copying the bundle");
    if (copy_out (dirfd, name, &d, err) == -1) {
      json_decref (*result);
      *result = NULL;
      goto out;
    }
    json_object_set_new (json_object_get (*result, "bundle"), "output",
                         json_sprintf ("%s/%s", d.shown, name));
    ce_job_log (ctx, CE_LOG_INFO, "bundle copied to %s/%s", d.shown, name);
  }
  ce_job_progress (ctx, 100, "done");
  r = 0;
 out:
  if (dirfd >= 0) {
    if (jname)
      unlinkat (dirfd, jname, 0);
    if (lname)
      unlinkat (dirfd, lname, 0);
    close (dirfd);
  }
  ce_dest_close (ctx, &d);
  json_decref (params);
  free (jtext);
  free (log);
  free (jname);
  free (lname);
  free (name);
  free (path);
  return r;
}

int
ce_bundle_open (const char *id, uint64_t *size, struct ce_error *err)
{
  json_t *job = ce_jobs_get (id, err);
  char *name = NULL;
  int dirfd = -1, fd = -1;
  struct stat st;

  bool complete;

  if (!job)
    return -1;
  /* A running job's bundle may be half-written. */
  complete = !strcmp (json_string_value (json_object_get (job, "status")) ?: "", "complete");
  json_decref (job);
  if (!complete || bundle_dir[0] == '\0' || (name = bundle_name (id)) == NULL ||
      (dirfd = open (bundle_dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
      (fd = openat (dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 ||
      fstat (fd, &st) == -1) {
    ce_error_set (err, CE_E_NOT_FOUND, "notFound",
                  "job %s has no bundle (only a completed diagnostics job has one)", id);
    if (fd >= 0)
      close (fd);
    fd = -1;
  }
  else
    *size = (uint64_t) st.st_size;
  if (dirfd >= 0)
    close (dirfd);
  free (name);
  return fd;
}
