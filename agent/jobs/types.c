/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The job types the runner knows and what each does on the worker thread.
 * Schemas (fields, validation) live in jobdoc.c; this file holds bodies. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "offlinewin.h"

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
  static const char *const map[][2] = {
    { "VhdxDiskFormat", "vhdx" }, { "VhdDiskFormat", "vhd" }, { "Raw", "raw" },
    { "QCow2", "qcow2" }, { "Vmdk", "vmdk" },
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (!strcmp (map[i][0], f))
      return map[i][1];
  return f;
}

/* The copy step of export / publish / prepareAndPublish.  Only local
 * directories are written: SMB / PVS store shares are not mounted by the
 * agent yet (PENDING: share mounting), and such jobs fail saying so. */
static int
copy_disk (struct ce_job_ctx *ctx, const json_t *doc, const char *path,
           struct span *sp, json_t **result, struct ce_error *err)
{
  const json_t *loc = json_object_get (doc, "outputStorageLocation");
  const char *dir = json_string_value (json_object_get (loc, "location"));
  const char *fmt = short_format (json_string_value (json_object_get (doc, "format")));
  const char *name = json_string_value (json_object_get (doc, "outputImageFilename"));
  struct ow_export_options eo = { 0 };
  struct ow_export_result res;
  struct ow_disk *disk = NULL;
  char *output = NULL, *text = NULL, *defname = NULL;
  int r = -1;

  memset (&res, 0, sizeof res);
  if (!dir || !fmt)
    return ce_error_set (err, CE_E_INVALID, "invalidJob",
                         "format and outputStorageLocation.location are required");
  if (dir[0] != '/')
    return ce_error_set (err, CE_E_INTERNAL, "notAvailable",
                         "outputStorageLocation '%s': only local directories are "
                         "supported in this build (SMB / PVS store shares are not "
                         "mounted by the agent yet)", dir);
  if (ow_export_format_from_name (fmt, &eo.format) == -1)
    return ce_error_set (err, CE_E_INVALID, "invalidJob", "format '%s' is not supported", fmt);
  if (!name) {
    if (asprintf (&defname, "ce-export-%.8s.%s", ce_job_id (ctx), fmt) == -1)
      return ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
    name = defname;
  }
  if (strchr (name, '/') || !strcmp (name, ".") || !strcmp (name, "..")) {
    ce_error_set (err, CE_E_INVALID, "invalidJob",
                  "outputImageFilename must be a file name, not a path");
    goto out;
  }
  if (asprintf (&output, "%s/%s", dir, name) == -1) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
    goto out;
  }
  eo.overwrite = json_is_true (json_object_get (doc, "overwriteTargetFile"));
  eo.no_digest = json_is_false (json_object_get (doc, "hashDisk"));
  eo.progress = export_progress;
  eo.opaque = sp;
  if (json_is_true (json_object_get (doc, "dryRun"))) {
    ce_job_log (ctx, CE_LOG_INFO, "dry run: would write %s as %s", output, fmt);
    *result = json_pack ("{s:b, s:s, s:s}", "dryRun", 1, "output", output, "format", fmt);
    r = 0;
    goto out;
  }
  ce_job_progress (ctx, sp->base, "copying");
  ce_job_log (ctx, CE_LOG_INFO, "export: %s -> %s (%s)", path, output, fmt);
  disk = ow_disk_open (path, OW_DISK_RDONLY);
  if (!disk || ow_export (disk, output, &eo, &res) == -1) {
    bool canceled = ce_job_canceled (ctx) || ow_error_errno () == ECANCELED;
    ce_job_log (ctx, CE_LOG_ERROR, "export failed: %s", ow_error_message ());
    ce_error_set (err, CE_E_INTERNAL, canceled ? "canceled" : "exportFailed", "%s",
                  ow_error_message ());
    goto out;
  }
  text = ow_export_result_json (&res);
  *result = text ? json_loads (text, 0, NULL) : NULL;
  if (!*result) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "cannot encode the export result");
    goto out;
  }
  r = 0;
 out:
  if (disk)
    ow_disk_close (disk);
  ow_export_result_free (&res);
  free (text);
  free (output);
  free (defname);
  return r;
}

static int
run_export (struct ce_job_ctx *ctx, const json_t *doc, json_t **result,
            struct ce_error *err)
{
  struct span sp = { ctx, 5, 95 };
  char *path;
  int r;

  ce_job_progress (ctx, 0, "waiting for the disk");
  path = wait_for_disk (ctx, doc, err);
  if (!path)
    return -1;
  r = copy_disk (ctx, doc, path, &sp, result, err);
  if (r == 0)
    ce_job_progress (ctx, 100, "done");
  free (path);
  return r;
}

/* prepare, then publish the prepared disk: prepare 0-50 %, copy 50-100 %. */
static int
run_prepare_and_publish (struct ce_job_ctx *ctx, const json_t *doc,
                         json_t **result, struct ce_error *err)
{
  json_t *prep = NULL, *copy = NULL, *pdoc = NULL;
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
  r = copy_disk (ctx, doc, path, &sp, &copy, err);
  free (path);
  if (r == 0) {
    *result = json_pack ("{s:O, s:O}", "prepare", prep, "publish", copy);
    ce_job_progress (ctx, 100, "done");
  }
 out:
  json_decref (pdoc);
  json_decref (prep);
  json_decref (copy);
  return r;
}

static const struct ce_job_type types[] = {
  { "inspect", run_inspect },
  { "prepare", run_prepare },
  { "export", run_export },
  { "publish", run_export },              /* local directories only, see copy_disk */
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
