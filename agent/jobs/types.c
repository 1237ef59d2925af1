/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The job types the runner knows and what each does on the worker thread.
 * Schemas (fields, validation) live in jobdoc.c; this file holds bodies. */
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

/* PENDING ENGINE: prepare/export/publish are accepted and validated (the
 * schema in jobdoc.c is final) but the engine that performs them is not in
 * libofflinewin yet.  The job fails honestly instead of pretending. */
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
  { "prepare", run_pending },             /* PENDING ENGINE */
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
