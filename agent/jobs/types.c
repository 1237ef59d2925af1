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

static void
prepare_progress (void *opaque, int percent, const char *step)
{
  ce_job_progress (opaque, percent, step);
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
run_prepare (struct ce_job_ctx *ctx, const json_t *doc, json_t **result,
             struct ce_error *err)
{
  char *path = NULL, *text = NULL, *res = NULL, **arts = NULL;
  struct ow_job *job = NULL;
  int r = -1;

  ce_job_progress (ctx, 0, "waiting for the disk");
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
    .progress = prepare_progress,
    .opaque = ctx,
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
  ce_job_progress (ctx, 100, "done");
 out:
  ow_strv_free (arts);
  ow_job_free (job);
  free (res);
  free (text);
  free (path);
  return r;
}

/* PENDING ENGINE: export/publish/prepareAndPublish are accepted and
 * validated (ow_job_parse owns the schema) but the agent does not drive the
 * export writer yet (outputStorageLocation shares are not mounted by the
 * agent).  The job fails honestly instead of pretending. */
static int
run_pending (struct ce_job_ctx *ctx, const json_t *doc, json_t **result,
             struct ce_error *err)
{
  const char *type = json_string_value (json_object_get (doc, "type"));
  (void) result;
  ce_job_progress (ctx, 0, "not available");
  ce_job_log (ctx, CE_LOG_ERROR, "job type '%s' is not available in this build", type);
  return ce_error_set (err, CE_E_INTERNAL, "notAvailable",
                       "job type '%s' is not available in this build", type);
}

static const struct ce_job_type types[] = {
  { "inspect", run_inspect },
  { "prepare", run_prepare },
  { "export", run_pending },              /* PENDING ENGINE */
  { "publish", run_pending },             /* PENDING ENGINE */
  { "prepareAndPublish", run_pending },   /* PENDING ENGINE */
};

const struct ce_job_type *
ce_job_type_find (const char *name)
{
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (!strcmp (types[i].name, name))
      return &types[i];
  return NULL;
}
