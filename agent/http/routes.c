/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The API v1 route table and its handlers.  Handlers fill a struct reply
 * or return -1 with a ce_error; they never build error bodies themselves. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

#define MAX_SINCE 100000000L

static int
h_health (struct request *req, struct reply *out, struct ce_error *err)
{
  (void) req; (void) err;
  out->json = json_pack ("{s:s}", "status", "ready");
  return 0;
}

static int
h_info (struct request *req, struct reply *out, struct ce_error *err)
{
  char fp[80];
  char *running = ce_jobs_running ();
  (void) req; (void) err;
  snprintf (fp, sizeof fp, "sha256:%s", ce_agent.tls.fingerprint);
  out->json = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:I, s:b, s:o, s:o?}",
                         "version", CE_AGENT_VERSION,
                         "bootId", ce_agent.boot_id,
                         "platform", ce_agent.platform,
                         "mode", ce_agent.host_mode ? "host" : "appliance",
                         "certificateFingerprint", fp,
                         "uptimeSeconds", (json_int_t) (ce_mono_now () - ce_agent.start_mono),
                         "mutualTls", ce_agent.config.client_ca != NULL,
                         "runningJob", running ? json_string (running) : json_null (),
                         "image", json_deep_copy (ce_agent.image));
  free (running);
  return 0;
}

static int
h_disks (struct request *req, struct reply *out, struct ce_error *err)
{
  /* Listing is cheap; inspections only when asked, from a cache that a
   * sandboxed background worker fills (never on this thread). */
  const char *q = MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, "inspect");
  (void) err;
  out->json = json_pack ("{s:o}", "disks", ce_disks_list (q && (!strcmp (q, "1") ||
                                                               !strcmp (q, "true"))));
  return 0;
}

static int
h_job_start (struct request *req, struct reply *out, struct ce_error *err)
{
  char *id = NULL;
  out->json = ce_jobs_start (req->body ? req->body : "", req->len, &id, err);
  if (!out->json)
    return -1;
  out->status = MHD_HTTP_ACCEPTED;
  if (asprintf (&out->location, "/v1/jobs/%s", id) == -1)
    out->location = NULL;
  free (id);
  return 0;
}

static int
h_job_get (struct request *req, struct reply *out, struct ce_error *err)
{
  out->json = ce_jobs_get (req->params[0], err);
  return out->json ? 0 : -1;
}

static int
h_job_log (struct request *req, struct reply *out, struct ce_error *err)
{
  const char *s = MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, "since");
  long since = 0;
  if (s) {
    char *end;
    errno = 0;
    since = strtol (s, &end, 10);
    if (errno || *end || end == s || since < 0 || since > MAX_SINCE)
      return ce_error_set (err, CE_E_INVALID, "invalidValue",
                           "since: expected a non-negative integer");
  }
  out->text = ce_jobs_log (req->params[0], since, err);
  if (!out->text)
    return -1;
  out->content_type = "application/x-ndjson";
  return 0;
}

static int
h_job_bundle (struct request *req, struct reply *out, struct ce_error *err)
{
  uint64_t size = 0;
  int fd = ce_bundle_open (req->params[0], &size, err);
  if (fd == -1)
    return -1;
  out->file = true;
  out->fd = fd;
  out->size = size;
  out->content_type = "application/zip";
  if (asprintf (&out->disposition, "attachment; filename=\"ce-diagnostics-%s.zip\"",
                req->params[0]) == -1)
    out->disposition = NULL;
  return 0;
}

static int
h_job_cancel (struct request *req, struct reply *out, struct ce_error *err)
{
  if (req->len > 0) {
    json_t *b = json_loadb (req->body, req->len, 0, NULL);
    bool ok = b && json_is_object (b) && json_object_size (b) == 0;
    json_decref (b);
    if (!ok)
      return ce_error_set (err, CE_E_INVALID, "invalidBody",
                           "cancel takes no body (or an empty JSON object)");
  }
  out->json = ce_jobs_cancel (req->params[0], err);
  if (!out->json)
    return -1;
  out->status = MHD_HTTP_ACCEPTED;
  return 0;
}

static int
h_artifact_put (struct request *req, struct reply *out, struct ce_error *err)
{
  struct ce_upload *up = req->upload;
  req->upload = NULL;
  out->json = ce_upload_finish (up, err);
  if (!out->json)
    return -1;
  out->status = MHD_HTTP_CREATED;
  if (asprintf (&out->location, "/v1/artifacts/%s", req->params[0]) == -1)
    out->location = NULL;
  return 0;
}

static int
h_complete (struct request *req, struct reply *out, struct ce_error *err)
{
  bool force = false;
  char *running;

  if (req->len > 0) {
    json_error_t jerr;
    json_t *b = json_loadb (req->body, req->len, JSON_REJECT_DUPLICATES, &jerr), *v;
    const char *key;
    if (!b)
      return ce_error_set (err, CE_E_INVALID, "malformedJson",
                           "invalid JSON at line %d column %d: %s",
                           jerr.line, jerr.column, jerr.text);
    if (!json_is_object (b)) {
      json_decref (b);
      return ce_error_set (err, CE_E_INVALID, "invalidType", "$: expected object");
    }
    json_object_foreach (b, key, v) {
      if (strcmp (key, "force")) {
        ce_error_set (err, CE_E_INVALID, "unknownField", "unknown field '%.64s'", key);
        json_decref (b);
        return -1;
      }
      if (!json_is_boolean (v)) {
        json_decref (b);
        return ce_error_set (err, CE_E_INVALID, "invalidType", "$.force: expected boolean");
      }
      force = json_is_true (v);
    }
    json_decref (b);
  }
  /* Refused at once when it would only wait to say so. */
  running = ce_jobs_running ();
  if (running && !force) {
    ce_error_set (err, CE_E_CONFLICT, "jobRunning",
                  "job %s is still running; cancel it or send {\"force\":true}", running);
    free (running);
    return -1;
  }
  free (running);
  (void) out;
  ce_complete_defer (req, force);
  return HANDLER_DEFERRED;
}

const struct route ce_routes[] = {
  { "GET", "/v1/health", false, BODY_NONE, h_health },
  { "GET", "/v1/info", true, BODY_NONE, h_info },
  { "GET", "/v1/disks", true, BODY_NONE, h_disks },
  { "POST", "/v1/jobs", true, BODY_JSON, h_job_start },
  { "GET", "/v1/jobs/{id}", true, BODY_NONE, h_job_get },
  { "GET", "/v1/jobs/{id}/log", true, BODY_NONE, h_job_log },
  { "GET", "/v1/jobs/{id}/bundle", true, BODY_NONE, h_job_bundle },
  { "POST", "/v1/jobs/{id}/cancel", true, BODY_OPT_JSON, h_job_cancel },
  { "PUT", "/v1/artifacts/{name}", true, BODY_ARTIFACT, h_artifact_put },
  { "POST", "/v1/complete", true, BODY_OPT_JSON, h_complete },
};
const size_t ce_nroutes = sizeof ce_routes / sizeof ce_routes[0];
