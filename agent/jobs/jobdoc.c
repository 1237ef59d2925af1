/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Job documents (POST /v1/jobs).  The schema lives in one place,
 * libofflinewin's ow_job_parse (shared with `ce-offline --job`); this file
 * bounds the body, adds the agent's own requirement (a disk to work on) and
 * turns the parser's error into a stable code for the HTTP layer. */
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "offlinewin.h"
#include "share/share.h"

static const char *const job_types[] = {
  "inspect", "prepare", "export", "publish", "prepareAndPublish", "diagnostics", NULL
};

/* A stable code from the parser's message (its wording is its contract:
 * "unknown field", "expected X, got Y", "missing field"). */
static const char *
error_code (const char *msg)
{
  if (strstr (msg, "not valid JSON"))
    return "malformedJson";
  if (strstr (msg, "unknown field") || strstr (msg, "is not allowed in"))
    return "unknownField";
  if (strstr (msg, "missing field"))
    return "missingField";
  if (strstr (msg, ": expected ") && strstr (msg, ", got "))
    return "invalidType";
  return "invalidValue";
}

const char *
ce_jobdoc_parse (const char *buf, size_t len, json_t **docp,
                 struct ce_error *err)
{
  struct ow_job *job = NULL;
  const char *type = NULL, *t;
  char *text = NULL;
  json_t *doc = NULL;

  *docp = NULL;
  if (len > CE_MAX_JOB_BODY) {
    ce_error_set (err, CE_E_TOO_LARGE, "bodyTooLarge",
                  "job document larger than %d bytes", CE_MAX_JOB_BODY);
    return NULL;
  }
  job = ow_job_parse (buf, len);
  if (!job) {
    ce_error_set (err, CE_E_INVALID, error_code (ow_error_message ()), "%s",
                  ow_error_message ());
    ow_error_clear ();
    return NULL;
  }
  t = ow_job_type (job);
  for (size_t i = 0; t && job_types[i]; i++)
    if (!strcmp (job_types[i], t))
      type = job_types[i];
  if (!type) {
    ce_error_set (err, CE_E_INVALID, "invalidValue", "$.type: unknown job type");
    goto out;
  }
  if (!ow_job_disk (job)) {
    ce_error_set (err, CE_E_INVALID, "missingField",
                  "$: missing field 'disk' (the agent needs the disk to work on: "
                  "a path, \"serial:S\", \"wwn:W\", \"lun:N\" or \"scsi:H:C:T:L\")");
    type = NULL;
    goto out;
  }
  text = ow_job_to_text (job);
  doc = text ? json_loads (text, 0, NULL) : NULL;
  if (!doc) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
    type = NULL;
    goto out;
  }
  /* The destination is checked now, not minutes later at mount time. */
  if (ce_share_check_location (json_object_get (doc, "outputStorageLocation"), err) == -1) {
    ce_share_forget_credentials (json_object_get (doc, "outputStorageLocation"));
    json_decref (doc);
    type = NULL;
    goto out;
  }
  *docp = doc;
 out:
  if (text)
    explicit_bzero (text, strlen (text));    /* it holds the share password */
  free (text);
  ow_job_free (job);
  /* The message lives in thread-local storage of a connection thread. */
  ow_error_clear ();
  return type;
}
