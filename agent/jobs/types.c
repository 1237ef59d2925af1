/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The job types the runner knows and what each does on the worker thread.
 * Schemas (fields, validation) live in jobdoc.c; this file holds bodies.
 * The worker thread does what needs the agent's rights (find the disk,
 * mount a share, open the destination); everything that reads the disk
 * runs in a sandboxed child (sandbox/), which gets the descriptors. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "offlinewin.h"
#include "sandbox/sandbox.h"
#include "share/share.h"

#define DISK_POLL_USEC 250000

/* Resolve the job's "disk" to a path, waiting up to waitForDiskSeconds for
 * it to appear (hot-plugged disks show up some seconds after attach). */
char *
ce_job_wait_for_disk (struct ce_job_ctx *ctx, const json_t *doc, struct ce_error *err)
{
  const char *ref = json_string_value (json_object_get (doc, "disk"));
  json_int_t wait = json_integer_value (json_object_get (doc, "waitForDiskSeconds"));
  double until = ce_mono_now () + (double) wait;
  bool logged = false;

  for (;;) {
    char *path = ce_disks_resolve (ref, err);
    if (path) {
      ce_job_log (ctx, CE_LOG_INFO, "disk '%s' is %s", ref, path);
      return path;
    }
    if (err->kind != CE_E_NOT_FOUND || ce_mono_now () >= until)
      return NULL;
    if (!logged) {
      ce_job_log (ctx, CE_LOG_INFO, "waiting up to %lld s for disk '%s'",
                  (long long) wait, ref);
      logged = true;
    }
    if (ce_job_canceled (ctx)) {
      ce_error_set (err, CE_E_CONFLICT, "canceled", "canceled while waiting for the disk");
      return NULL;
    }
    usleep (DISK_POLL_USEC);
  }
}

static int
run_inspect (struct ce_job_ctx *ctx, const json_t *doc, json_t **result,
             struct ce_error *err)
{
  char *path = NULL;
  int r = -1;

  ce_job_progress (ctx, 5, "waiting for the disk");
  path = ce_job_wait_for_disk (ctx, doc, err);
  if (!path)
    goto out;
  /* Safe point: nothing has been read yet. */
  if (ce_job_canceled (ctx)) {
    ce_error_set (err, CE_E_CONFLICT, "canceled", "canceled before inspection");
    goto out;
  }
  struct ce_sandbox_job sj = { .kind = "inspect", .disk = path, .outdir_fd = -1,
                               .artdir_fd = -1, .base = 0, .span = 100 };
  r = ce_sandbox_run (ctx, &sj, result, err);
  if (r == -1)
    ce_job_log (ctx, CE_LOG_ERROR, "inspect failed: %s", err->message ? err->message : "?");
  else
    ce_job_progress (ctx, 100, "done");
 out:
  free (path);
  return r;
}

/* The artifacts the job names that are in the store, opened for the
 * sandboxed child (which reads them through its descriptors); the engine
 * checks presence and digests against the job and says what is missing. */
struct arts {
  char **names;
  int *fds;
  size_t n;
};

static void
arts_free (struct arts *a)
{
  for (size_t i = 0; i < a->n; i++) {
    free (a->names[i]);
    close (a->fds[i]);
  }
  free (a->names);
  free (a->fds);
  memset (a, 0, sizeof *a);
}

static int
arts_open (const json_t *doc, struct arts *a)
{
  json_t *list = json_object_get (doc, "artifacts");
  size_t n = json_object_size (list);
  const char *name;
  json_t *v;

  memset (a, 0, sizeof *a);
  a->names = calloc (n + 1, sizeof *a->names);
  a->fds = calloc (n + 1, sizeof *a->fds);
  if (!a->names || !a->fds)
    return -1;
  json_object_foreach (list, name, v) {
    char *path = ce_artifact_path (name);
    int fd = path ? open (path, O_RDONLY | O_CLOEXEC) : -1;
    free (path);
    if (fd == -1)
      continue;
    if (!(a->names[a->n] = strdup (name))) {
      close (fd);
      return -1;
    }
    a->fds[a->n++] = fd;
  }
  return 0;
}

static int
prepare_step (struct ce_job_ctx *ctx, const json_t *doc, int base, int span,
              json_t **result, struct ce_error *err)
{
  char *path = NULL;
  json_t *pdoc = NULL;
  struct arts a = { 0 };
  int artdir = -1, r = -1;
  bool dry = json_is_true (json_object_get (doc, "dryRun"));

  ce_job_progress (ctx, base, "waiting for the disk");
  path = ce_job_wait_for_disk (ctx, doc, err);
  if (!path)
    goto out;
  /* The child gets the prepare document without a destination (whose
   * password it has no use for). */
  pdoc = json_deep_copy (doc);
  if (pdoc)
    json_object_del (pdoc, "outputStorageLocation");
  if (!pdoc || arts_open (doc, &a) == -1) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "cannot prepare the job: out of memory");
    goto out;
  }
  if (a.n > 0)
    artdir = open (ce_agent.artifact_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  ce_job_log (ctx, CE_LOG_INFO, "prepare: %s%s", path, dry ? " (dry run)" : "");
  struct ce_sandbox_job sj = {
    .kind = "prepare", .disk = path, .writable = !dry, .params = pdoc,
    .outdir_fd = -1, .artdir_fd = artdir, .artifact_names = a.names,
    .artifact_fds = a.fds, .base = base, .span = span,
  };
  r = ce_sandbox_run (ctx, &sj, result, err);
  if (r == -1) {
    ce_job_log (ctx, CE_LOG_ERROR, "prepare failed: %s", err->message ? err->message : "?");
    goto out;
  }
  ce_job_progress (ctx, base + span, "prepared");
 out:
  if (artdir >= 0)
    close (artdir);
  arts_free (&a);
  json_decref (pdoc);
  free (path);
  return r;
}

static int
run_prepare (struct ce_job_ctx *ctx, const json_t *doc, json_t **result,
             struct ce_error *err)
{
  int r = prepare_step (ctx, doc, 0, 100, result, err);
  if (r == 0)
    ce_job_progress (ctx, 100, "done");
  return r;
}

/* IPS format names and the short ones, to ow_export_format_from_name's. */
static const char *
short_format (const char *f)
{
  if (!f)
    return "vhdx";             /* the IPS default, VhdxDiskFormat */
  static const char *const map[][2] = {
    { "VhdxDiskFormat", "vhdx" }, { "VhdDiskFormat", "vhd" }, { "Raw", "raw" },
    { "QCow2", "qcow2" }, { "Vmdk", "vmdk" },
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (!strcmp (map[i][0], f))
      return map[i][1];
  return f;
}


static void
share_log (void *opaque, const char *msg)
{
  ce_job_log (opaque, CE_LOG_INFO, "%s", msg);
}

/* DIR beneath ROOT, refusing symlinks and "..". */
static int
open_dir (const char *root, const char *dir, const char *shown, struct ce_error *err)
{
  int rootfd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC), fd = -1;
  if (rootfd >= 0)
    fd = ce_open_beneath (rootfd, dir);
  int e = errno;
  if (rootfd >= 0)
    close (rootfd);
  if (fd >= 0)
    return fd;
  if (e == ENOENT)
    ce_error_set (err, CE_E_INTERNAL, "destinationNotFound",
                  "the directory %s does not exist (create it first)", shown);
  else if (e == ELOOP || e == EXDEV)
    ce_error_set (err, CE_E_INTERNAL, "destinationNotFound",
                  "%s leads through a symbolic link or out of its root: refused", shown);
  else if (e == ENOTDIR)
    ce_error_set (err, CE_E_INTERNAL, "destinationNotFound", "%s is not a directory", shown);
  else
    ce_error_set (err, CE_E_INTERNAL, "destinationNotFound",
                  "cannot open the directory %s: %s", shown, strerror (e));
  return -1;
}

int
ce_dest_open (struct ce_job_ctx *ctx, const json_t *loc, struct ce_dest *d,
           struct ce_error *err)
{
  const char *where = json_string_value (json_object_get (loc, "location"));
  struct ce_smb_url url;
  struct ce_share_creds creds = {
    .username = json_string_value (json_object_get (loc, "username")),
    .password = json_string_value (json_object_get (loc, "password")),
    .domain = json_string_value (json_object_get (loc, "domain")),
  };
  int r = -1;

  memset (d, 0, sizeof *d);
  d->dirfd = -1;
  if (!ce_smb_url_is_smb (where)) {
    /* Checked at POST; checked again: the root is all that is trusted. */
    if (ce_export_root_check (where, err) == -1)
      return -1;
    d->shown = strdup (where);
    if (!d->shown)
      return ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
    d->dirfd = open_dir (ce_agent.export_root, where + strlen (ce_agent.export_root),
                         d->shown, err);
    return d->dirfd >= 0 ? 0 : -1;
  }
  if (ce_smb_url_parse (where, &url, err) == -1)
    return -1;
  d->shown = ce_smb_url_format (&url);
  if (!d->shown) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
    goto out;
  }
  ce_job_progress (ctx, 0, "mounting the share");
  ce_job_log (ctx, CE_LOG_INFO, "mounting %s as user '%s'", d->shown,
              creds.username ? creds.username : "");
  d->share = ce_share_mount (ce_job_id (ctx), &url, &creds, share_log, ctx, err);
  if (!d->share)
    goto out;
  /* The server serves the names below the share: a symlink there must not
   * lead the image out of the mount. */
  d->dirfd = open_dir (ce_share_root (d->share), url.dir, d->shown, err);
  if (d->dirfd >= 0)
    r = 0;
 out:
  ce_smb_url_free (&url);
  return r;
}

void
ce_dest_close (struct ce_job_ctx *ctx, struct ce_dest *d)
{
  if (d->dirfd >= 0)
    close (d->dirfd);
  if (d->share) {
    if (ce_share_unmount (d->share) == -1)
      ce_job_log (ctx, CE_LOG_WARN, "%s was busy; detached it", d->shown);
    else
      ce_job_log (ctx, CE_LOG_INFO, "unmounted %s", d->shown);
  }
  free (d->shown);
  memset (d, 0, sizeof *d);
  d->dirfd = -1;
}

/* The copy step, in three parts so prepareAndPublish can check the
 * destination before it changes the disk. */
struct copy {
  struct ce_dest d;
  enum ow_export_format format;
  const char *fmt;             /* short name */
  char *name;                  /* file name */
  char *shown;                 /* the output, as the client named it */
  bool overwrite, no_digest, dry_run;
};

static void
copy_end (struct ce_job_ctx *ctx, struct copy *c)
{
  ce_dest_close (ctx, &c->d);
  free (c->name);
  free (c->shown);
  memset (c, 0, sizeof *c);
  c->d.dirfd = -1;
}

/* Check the job's copy fields, mount the share, open the directory and
 * check what can be checked without the disk: the name is free unless it
 * may be replaced. */
static int
copy_check (struct ce_job_ctx *ctx, const json_t *doc, struct copy *c,
            struct ce_error *err)
{
  const json_t *loc = json_object_get (doc, "outputStorageLocation");
  const char *name = json_string_value (json_object_get (doc, "outputImageFilename"));
  struct stat st;

  memset (c, 0, sizeof *c);
  c->d.dirfd = -1;
  c->fmt = short_format (json_string_value (json_object_get (doc, "format")));
  if (!json_string_value (json_object_get (loc, "location")))
    return ce_error_set (err, CE_E_INVALID, "invalidJob",
                         "outputStorageLocation.location is required");
  if (ow_export_format_from_name (c->fmt, &c->format) == -1)
    return ce_error_set (err, CE_E_INVALID, "invalidJob", "format '%s' is not supported",
                         c->fmt);
  if (name)
    c->name = strdup (name);
  else if (asprintf (&c->name, "ce-export-%.8s.%s", ce_job_id (ctx), c->fmt) == -1)
    c->name = NULL;
  if (!c->name)
    return ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
  if (strchr (c->name, '/') || strchr (c->name, '\\') || !*c->name ||
      !strcmp (c->name, ".") || !strcmp (c->name, ".."))
    return ce_error_set (err, CE_E_INVALID, "invalidJob",
                         "outputImageFilename must be a file name, not a path");
  c->overwrite = json_is_true (json_object_get (doc, "overwriteTargetFile"));
  c->no_digest = json_is_false (json_object_get (doc, "hashDisk"));
  c->dry_run = json_is_true (json_object_get (doc, "dryRun"));

  if (ce_dest_open (ctx, loc, &c->d, err) == -1)
    return -1;
  if (asprintf (&c->shown, "%s/%s", c->d.shown, c->name) == -1) {
    c->shown = NULL;
    return ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
  }
  if (fstatat (c->d.dirfd, c->name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !c->overwrite)
    return ce_error_set (err, CE_E_INTERNAL, "outputExists",
                         "%s already exists; set overwriteTargetFile to replace it",
                         c->shown);
  return 0;
}

static int
copy_begin (struct ce_job_ctx *ctx, const json_t *doc, struct copy *c,
            struct ce_error *err)
{
  if (copy_check (ctx, doc, c, err) == 0)
    return 0;
  ce_job_log (ctx, CE_LOG_ERROR, "preflight failed: %s", err->message ? err->message : "?");
  return -1;
}

/* Room for the image, then the copy itself, or the dry run's report: in
 * the sandboxed child, which writes C->name in the open directory. */
static int
copy_run (struct ce_job_ctx *ctx, struct copy *c, const char *path, int base, int span,
          json_t **result, struct ce_error *err)
{
  json_t *params = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:b, s:b, s:b}", "name", c->name,
                              "format", c->fmt, "shownDisk", path,
                              "shownDir", c->d.shown, "shownFile", c->shown,
                              "overwrite", c->overwrite, "noDigest", c->no_digest,
                              "dryRun", c->dry_run);
  int r;

  if (!params)
    return ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
  ce_job_progress (ctx, base, "preflight");
  struct ce_sandbox_job sj = {
    .kind = "export", .disk = path, .params = params, .outdir_fd = c->d.dirfd,
    .artdir_fd = -1, .base = base, .span = span,
  };
  r = ce_sandbox_run (ctx, &sj, result, err);
  json_decref (params);
  if (r == -1) {
    ce_job_log (ctx, CE_LOG_ERROR, "%s failed: %s", c->dry_run ? "preflight" : "export",
                err->message ? err->message : "?");
    return -1;
  }
  /* The child wrote a name in a directory: name the file as the job named
   * its destination. */
  json_object_set_new (*result, "output", json_string (c->shown));
  if (c->d.share)
    json_object_set_new (*result, "encrypted", json_boolean (ce_share_sealed (c->d.share)));
  return 0;
}

static int
run_export (struct ce_job_ctx *ctx, const json_t *doc, json_t **result,
            struct ce_error *err)
{
  struct copy c;
  char *path;
  int r = -1;

  ce_job_progress (ctx, 0, "waiting for the disk");
  path = ce_job_wait_for_disk (ctx, doc, err);
  if (!path)
    return -1;
  if (copy_begin (ctx, doc, &c, err) == 0 && copy_run (ctx, &c, path, 5, 95, result, err) == 0) {
    ce_job_progress (ctx, 100, "done");
    r = 0;
  }
  copy_end (ctx, &c);
  free (path);
  return r;
}

/* prepare, then publish the prepared disk: prepare 0-50 %, copy 50-100 %. */
static int
run_prepare_and_publish (struct ce_job_ctx *ctx, const json_t *doc,
                         json_t **result, struct ce_error *err)
{
  json_t *prep = NULL, *copy = NULL, *pdoc = NULL;
  struct copy c = { .d.dirfd = -1 };
  const char *key;
  json_t *v;
  static const char *const copy_fields[] = {
    "format", "outputStorageLocation", "outputImageFilename", "overwriteTargetFile",
    "hashDisk", NULL,
  };
  int r = -1;

  /* The prepare half sees a plain prepare document. */
  pdoc = json_object ();
  json_object_foreach ((json_t *) doc, key, v) {
    bool is_copy = false;
    for (const char *const *f = copy_fields; *f; f++)
      is_copy |= !strcmp (*f, key);
    if (!is_copy)
      json_object_set (pdoc, key, v);
  }
  json_object_set_new (pdoc, "type", json_string ("prepare"));
  /* The destination first: a share that cannot take the image must not be
   * found out after the disk was changed. */
  if (copy_begin (ctx, doc, &c, err) == -1) {
    ce_job_log (ctx, CE_LOG_INFO, "nothing prepared: the disk is unchanged");
    goto out;
  }
  if (prepare_step (ctx, pdoc, 0, 50, &prep, err) == -1)
    goto out;
  if (ce_job_canceled (ctx)) {
    ce_error_set (err, CE_E_CONFLICT, "canceled", "canceled after prepare, before publishing");
    goto out;
  }
  char *path = ce_disks_resolve (json_string_value (json_object_get (doc, "disk")), err);
  if (!path)
    goto out;
  r = copy_run (ctx, &c, path, 50, 50, &copy, err);
  free (path);
  if (r == 0) {
    *result = json_pack ("{s:O, s:O}", "prepare", prep, "publish", copy);
    ce_job_progress (ctx, 100, "done");
  }
 out:
  copy_end (ctx, &c);
  json_decref (pdoc);
  json_decref (prep);
  json_decref (copy);
  return r;
}

static const struct ce_job_type types[] = {
  { "inspect", run_inspect },
  { "prepare", run_prepare },
  { "export", run_export },
  { "publish", run_export },
  { "prepareAndPublish", run_prepare_and_publish },
  { "diagnostics", ce_run_diagnostics },
};

const struct ce_job_type *
ce_job_type_find (const char *name)
{
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (!strcmp (types[i].name, name))
      return &types[i];
  return NULL;
}
