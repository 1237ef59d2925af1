/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The job types the runner knows and what each does on the worker thread.
 * Schemas (fields, validation) live in jobdoc.c; this file holds bodies. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "agent.h"
#include "offlinewin.h"
#include "share/share.h"

#define DISK_POLL_USEC 250000

/* Resolve the job's "disk" to a path, waiting up to waitForDiskSeconds for
 * it to appear (hot-plugged disks show up some seconds after attach). */
static char *
wait_for_disk (struct ce_job_ctx *ctx, const json_t *doc, struct ce_error *err)
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

/* Progress of a sub-step mapped into [BASE, BASE+SPAN] of the job. */
struct span {
  struct ce_job_ctx *ctx;
  int base, span;
};

static void
span_progress (void *opaque, int percent, const char *step)
{
  struct span *sp = opaque;
  ce_job_progress (sp->ctx, sp->base + sp->span * percent / 100, step);
}

static int
run_inspect (struct ce_job_ctx *ctx, const json_t *doc, json_t **result,
             struct ce_error *err)
{
  char *path = NULL, *text = NULL;
  json_error_t jerr;
  int r = -1;

  ce_job_progress (ctx, 5, "waiting for the disk");
  path = wait_for_disk (ctx, doc, err);
  if (!path)
    goto out;
  /* Safe point: nothing has been read yet. */
  if (ce_job_canceled (ctx)) {
    ce_error_set (err, CE_E_CONFLICT, "canceled", "canceled before inspection");
    goto out;
  }
  ce_job_progress (ctx, 20, "inspecting");
  text = ow_inspect_json (path);
  if (!text) {
    bool unsafe = ow_error_class () == OW_ERR_UNSAFE;
    ce_job_log (ctx, CE_LOG_ERROR, "inspect failed: %s", ow_error_message ());
    ce_error_set (err, CE_E_INTERNAL, unsafe ? "unsafeDisk" : "inspectFailed",
                  "%s", ow_error_message ());
    goto out;
  }
  *result = json_loads (text, 0, &jerr);
  if (!*result) {
    ce_error_set (err, CE_E_INTERNAL, "inspectFailed",
                  "the engine returned invalid JSON: %s", jerr.text);
    goto out;
  }
  ce_job_progress (ctx, 100, "done");
  r = 0;
 out:
  free (text);
  free (path);
  return r;
}

/* "NAME=PATH" for each artifact the job names that is in the store; the
 * engine checks presence and digests against the job and says what is
 * missing. */
static char **
artifact_args (const json_t *doc)
{
  json_t *arts = json_object_get (doc, "artifacts");
  size_t n = json_object_size (arts), i = 0;
  const char *name;
  json_t *v;
  char **out = calloc (n + 1, sizeof *out);

  if (!out)
    return NULL;
  json_object_foreach (arts, name, v) {
    char *path = ce_artifact_path (name);
    if (path && asprintf (&out[i], "%s=%s", name, path) != -1)
      i++;
    free (path);
  }
  return out;
}

static int
prepare_step (struct ce_job_ctx *ctx, const json_t *doc, int base, int span,
              json_t **result, struct ce_error *err)
{
  char *path = NULL, *text = NULL, *res = NULL, **arts = NULL;
  struct ow_job *job = NULL;
  struct span sp = { ctx, base, span };
  int r = -1;

  ce_job_progress (ctx, base, "waiting for the disk");
  path = wait_for_disk (ctx, doc, err);
  if (!path)
    goto out;
  text = json_dumps (doc, JSON_COMPACT);
  job = text ? ow_job_parse (text, strlen (text)) : NULL;
  arts = artifact_args (doc);
  if (!job || !arts) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "cannot prepare the job: %s",
                  ow_error_message ());
    goto out;
  }
  struct ow_prepare_options opts = {
    .dry_run = false,
    .artifacts = (const char *const *) arts,
    .progress = span_progress,
    .opaque = &sp,
    .cancel = ce_job_cancel_flag (ctx),
  };
  ce_job_log (ctx, CE_LOG_INFO, "prepare: %s%s", path,
              json_is_true (json_object_get (doc, "dryRun")) ? " (dry run)" : "");
  r = ow_prepare (path, job, &opts, &res);
  if (res) {
    *result = json_loads (res, 0, NULL);
    if (r == -1 && *result) {
      /* Keep the engine's partial result (plan, notes) with the error. */
      json_object_set_new (*result, "failed", json_true ());
    }
  }
  if (r == -1) {
    enum ow_error_class cls = ow_error_class ();
    ce_job_log (ctx, CE_LOG_ERROR, "prepare failed: %s", ow_error_message ());
    ce_error_set (err, CE_E_INTERNAL,
                  cls == OW_ERR_UNSAFE ? "unsafeDisk"
                  : cls == OW_ERR_INVALID ? "invalidJob"
                  : ow_error_errno () == ECANCELED ? "canceled" : "prepareFailed",
                  "%s", ow_error_message ());
    json_decref (*result);
    *result = NULL;
    goto out;
  }
  ce_job_progress (ctx, base + span, "prepared");
 out:
  ow_strv_free (arts);
  ow_job_free (job);
  free (res);
  free (text);
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

static int
export_progress (void *opaque, uint64_t done, uint64_t total)
{
  struct span *sp = opaque;
  int pct = total ? (int) (done * 100 / total) : 0;
  ce_job_progress (sp->ctx, sp->base + sp->span * pct / 100, NULL);
  return ce_job_canceled (sp->ctx) ? 1 : 0;    /* the writer removes its output */
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

/* Where a copy goes: a local directory, or a directory of an SMB share
 * mounted for this job. */
struct dest {
  struct ce_share *share;      /* NULL: local */
  char *dir;                   /* the directory written into */
  char *shown;                 /* for logs and results: no credentials */
};

static void
share_log (void *opaque, const char *msg)
{
  ce_job_log (opaque, CE_LOG_INFO, "%s", msg);
}

static int
dest_open (struct ce_job_ctx *ctx, const json_t *loc, struct dest *d,
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
  if (!ce_smb_url_is_smb (where)) {
    if (where[0] != '/')
      return ce_error_set (err, CE_E_INVALID, "invalidJob",
                           "outputStorageLocation '%s': expected an absolute directory "
                           "or smb://host[:port]/share/dir/", where);
    d->dir = strdup (where);
    d->shown = strdup (where);
    if (!d->dir || !d->shown)
      return ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
    return 0;
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
  if (asprintf (&d->dir, "%s%s%s", ce_share_root (d->share), *url.dir ? "/" : "",
                url.dir) == -1) {
    d->dir = NULL;
    ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
    goto out;
  }
  r = 0;
 out:
  ce_smb_url_free (&url);
  return r;
}

static void
dest_close (struct ce_job_ctx *ctx, struct dest *d)
{
  if (d->share) {
    if (ce_share_unmount (d->share) == -1)
      ce_job_log (ctx, CE_LOG_WARN, "%s was busy; detached it", d->shown);
    else
      ce_job_log (ctx, CE_LOG_INFO, "unmounted %s", d->shown);
  }
  free (d->dir);
  free (d->shown);
  memset (d, 0, sizeof *d);
}

static void
human (uint64_t n, char buf[32])
{
  if (n >= 1024 * 1024)
    snprintf (buf, 32, "%.1f MiB", (double) n / (1024.0 * 1024.0));
  else
    snprintf (buf, 32, "%" PRIu64 " bytes", n);
}

/* The copy step, in three parts so prepareAndPublish can check the
 * destination before it changes the disk. */
struct copy {
  struct dest d;
  enum ow_export_format format;
  const char *fmt;             /* short name */
  char *name;                  /* file name */
  char *output;                /* where it is written */
  char *shown;                 /* the same, as the client named it */
  bool overwrite, no_digest, dry_run;
};

static void
copy_end (struct ce_job_ctx *ctx, struct copy *c)
{
  dest_close (ctx, &c->d);
  free (c->name);
  free (c->output);
  free (c->shown);
  memset (c, 0, sizeof *c);
}

/* Check the job's copy fields, mount the share, and check what can be
 * checked without the disk: the directory exists and the name is free
 * unless it may be replaced. */
static int
copy_check (struct ce_job_ctx *ctx, const json_t *doc, struct copy *c,
            struct ce_error *err)
{
  const json_t *loc = json_object_get (doc, "outputStorageLocation");
  const char *name = json_string_value (json_object_get (doc, "outputImageFilename"));
  struct stat st;

  memset (c, 0, sizeof *c);
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

  if (dest_open (ctx, loc, &c->d, err) == -1)
    return -1;
  if (asprintf (&c->output, "%s/%s", c->d.dir, c->name) == -1 ||
      asprintf (&c->shown, "%s/%s", c->d.shown, c->name) == -1) {
    c->output = c->shown = NULL;
    return ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
  }
  if (stat (c->d.dir, &st) == -1) {
    if (errno == ENOENT)
      return ce_error_set (err, CE_E_INTERNAL, "destinationNotFound",
                           "the directory %s does not exist (create it first)", c->d.shown);
    return ce_error_set (err, CE_E_INTERNAL, "destinationNotFound",
                         "cannot read the directory %s: %s", c->d.shown, strerror (errno));
  }
  if (!S_ISDIR (st.st_mode))
    return ce_error_set (err, CE_E_INTERNAL, "destinationNotFound",
                         "%s is not a directory", c->d.shown);
  if (lstat (c->output, &st) == 0 && !c->overwrite)
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

/* MSG with the share's mount point written as the job's URL (the engine
 * names the paths it wrote); NULL if there is nothing to replace. */
static char *
client_paths (const struct copy *c, const char *msg)
{
  size_t dl = c->d.dir ? strlen (c->d.dir) : 0;
  const char *p;
  char *out = NULL;
  size_t size = 0;
  FILE *f;

  if (!c->d.share || !msg || !(p = strstr (msg, c->d.dir)))
    return NULL;
  f = open_memstream (&out, &size);
  if (!f)
    return NULL;
  do {
    fwrite (msg, 1, (size_t) (p - msg), f);
    fputs (c->d.shown, f);
    msg = p + dl;
  } while ((p = strstr (msg, c->d.dir)));
  fputs (msg, f);
  if (fclose (f) != 0) {
    free (out);
    return NULL;
  }
  return out;
}

/* Room for the image (checked against the engine's upper bound), then the
 * copy itself, or the dry run's report. */
static int
copy_run (struct ce_job_ctx *ctx, struct copy *c, const char *path, struct span *sp,
          json_t **result, struct ce_error *err)
{
  struct ow_export_options eo = {
    .format = c->format, .overwrite = c->overwrite, .no_digest = c->no_digest,
    .progress = export_progress, .opaque = sp,
  };
  struct ow_export_result res;
  struct ow_disk *disk = NULL;
  struct statvfs vfs;
  uint64_t need = 0, avail;
  char *text = NULL;
  char a[32], b[32];
  int r = -1;

  memset (&res, 0, sizeof res);
  ce_job_progress (ctx, sp->base, "preflight");
  disk = ow_disk_open (path, OW_DISK_RDONLY);
  if (!disk) {
    ce_error_set (err, CE_E_INTERNAL, "exportFailed", "%s", ow_error_message ());
    goto out;
  }
  if (ow_export_estimate (disk, c->format, &need) == -1) {
    ce_error_set (err, CE_E_INTERNAL, "exportFailed", "cannot size the output: %s",
                  ow_error_message ());
    goto out;
  }
  if (statvfs (c->d.dir, &vfs) == -1) {
    ce_error_set (err, CE_E_INTERNAL, "destinationNotFound",
                  "cannot read the free space of %s: %s", c->d.shown, strerror (errno));
    goto out;
  }
  /* The new image is written beside a file it replaces: no credit for it. */
  avail = (uint64_t) vfs.f_bavail * (uint64_t) vfs.f_frsize;
  human (need, a);
  human (avail, b);
  ce_job_log (ctx, CE_LOG_INFO, "preflight: %s needs up to %s, %s free", c->d.shown, a, b);
  if (avail < need) {
    ce_error_set (err, CE_E_INTERNAL, "insufficientSpace",
                  "not enough free space in %s: %s free, the image needs up to %s",
                  c->d.shown, b, a);
    goto out;
  }
  if (c->dry_run) {
    ce_job_log (ctx, CE_LOG_INFO, "dry run: would write %s as %s", c->shown, c->fmt);
    *result = json_pack ("{s:b, s:s, s:s, s:I, s:I}", "dryRun", 1, "output", c->shown,
                         "format", c->fmt, "expectedBytes", (json_int_t) need,
                         "freeBytes", (json_int_t) avail);
    if (*result && c->d.share)
      json_object_set_new (*result, "encrypted", json_boolean (ce_share_sealed (c->d.share)));
    r = *result ? 0 : ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
    goto out;
  }
  /* Safe point: nothing is written yet. */
  if (ce_job_canceled (ctx)) {
    ce_error_set (err, CE_E_CONFLICT, "canceled", "canceled before copying");
    goto out;
  }
  ce_job_progress (ctx, sp->base, "copying");
  ce_job_log (ctx, CE_LOG_INFO, "export: %s -> %s (%s)", path, c->shown, c->fmt);
  if (ow_export (disk, c->output, &eo, &res) == -1) {
    bool canceled = ce_job_canceled (ctx) || ow_error_errno () == ECANCELED;
    char *msg = client_paths (c, ow_error_message ());
    ce_error_set (err, CE_E_INTERNAL, canceled ? "canceled" : "exportFailed", "%s",
                  msg ? msg : ow_error_message ());
    free (msg);
    goto out;
  }
  text = ow_export_result_json (&res);
  *result = text ? json_loads (text, 0, NULL) : NULL;
  if (!*result) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "cannot encode the export result");
    goto out;
  }
  /* The share's mount point means nothing to the client: name the file as
   * the job named its destination. */
  if (c->d.share) {
    json_object_set_new (*result, "output", json_string (c->shown));
    json_object_set_new (*result, "encrypted", json_boolean (ce_share_sealed (c->d.share)));
  }
  r = 0;
 out:
  if (r == -1)
    ce_job_log (ctx, CE_LOG_ERROR, "%s failed: %s", c->dry_run ? "preflight" : "export",
                err->message ? err->message : "?");
  if (disk)
    ow_disk_close (disk);
  ow_export_result_free (&res);
  free (text);
  return r;
}

static int
run_export (struct ce_job_ctx *ctx, const json_t *doc, json_t **result,
            struct ce_error *err)
{
  struct span sp = { ctx, 5, 95 };
  struct copy c;
  char *path;
  int r = -1;

  ce_job_progress (ctx, 0, "waiting for the disk");
  path = wait_for_disk (ctx, doc, err);
  if (!path)
    return -1;
  if (copy_begin (ctx, doc, &c, err) == 0 && copy_run (ctx, &c, path, &sp, result, err) == 0) {
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
  struct copy c = { 0 };
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
  struct span sp = { ctx, 50, 50 };
  r = copy_run (ctx, &c, path, &sp, &copy, err);
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
};

const struct ce_job_type *
ce_job_type_find (const char *name)
{
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (!strcmp (types[i].name, name))
      return &types[i];
  return NULL;
}
