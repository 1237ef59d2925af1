/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Replies.  ce_reply_error() is the one function that turns an internal
 * error into an HTTP status and {"error":{"code","message"}}. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http.h"

unsigned
ce_error_status (enum ce_err_kind kind)
{
  switch (kind) {
  case CE_E_INVALID: return MHD_HTTP_BAD_REQUEST;
  case CE_E_AUTH: return MHD_HTTP_UNAUTHORIZED;
  case CE_E_NOT_FOUND: return MHD_HTTP_NOT_FOUND;
  case CE_E_METHOD: return MHD_HTTP_METHOD_NOT_ALLOWED;
  case CE_E_CONFLICT: return MHD_HTTP_CONFLICT;
  case CE_E_TOO_LARGE: return MHD_HTTP_CONTENT_TOO_LARGE;
  case CE_E_MEDIA_TYPE: return MHD_HTTP_UNSUPPORTED_MEDIA_TYPE;
  case CE_E_UNAVAILABLE: return MHD_HTTP_SERVICE_UNAVAILABLE;
  case CE_E_NONE:
  case CE_E_INTERNAL: break;
  }
  return MHD_HTTP_INTERNAL_SERVER_ERROR;
}

static enum MHD_Result
send_buffer (struct MHD_Connection *conn, unsigned status, char *buf,
             const char *ctype, const char *location, const char *allow,
             bool auth_challenge)
{
  struct MHD_Response *resp;
  enum MHD_Result r;

  resp = MHD_create_response_from_buffer (strlen (buf), buf,
                                          MHD_RESPMEM_MUST_FREE);
  if (!resp) {
    free (buf);
    return MHD_NO;
  }
  MHD_add_response_header (resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
  MHD_add_response_header (resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  MHD_add_response_header (resp, "X-Content-Type-Options", "nosniff");
  if (location)
    MHD_add_response_header (resp, MHD_HTTP_HEADER_LOCATION, location);
  if (allow)
    MHD_add_response_header (resp, MHD_HTTP_HEADER_ALLOW, allow);
  if (auth_challenge)
    MHD_add_response_header (resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
  r = MHD_queue_response (conn, status, resp);
  MHD_destroy_response (resp);
  return r;
}

static char *
dump_line (const json_t *j)
{
  char *s = json_dumps (j, JSON_COMPACT | JSON_PRESERVE_ORDER);
  char *line = NULL;
  if (s && asprintf (&line, "%s\n", s) == -1)
    line = NULL;
  free (s);
  return line;
}

enum MHD_Result
ce_reply_error (struct MHD_Connection *conn, const struct ce_error *err,
                const char *allow)
{
  unsigned status = ce_error_status (err->kind);
  json_t *doc = json_pack ("{s:{s:s, s:s}}", "error",
                           "code", err->code ? err->code : "internal",
                           "message", err->message ? err->message : "internal error");
  char *body = doc ? dump_line (doc) : NULL;
  json_decref (doc);
  if (!body)
    return MHD_NO;
  if (status >= 500)
    ce_log (CE_LOG_ERROR, "http.error", "%u %s: %s", status,
            err->code ? err->code : "internal", err->message ? err->message : "");
  return send_buffer (conn, status, body, "application/json",
                      NULL, allow, status == MHD_HTTP_UNAUTHORIZED);
}

/* A file, streamed by libmicrohttpd from its descriptor (which it closes). */
static enum MHD_Result
send_file (struct MHD_Connection *conn, struct reply *r)
{
  struct MHD_Response *resp = MHD_create_response_from_fd ((size_t) r->size, r->fd);
  enum MHD_Result res;

  r->file = false;
  if (!resp) {
    close (r->fd);
    free (r->disposition);
    r->disposition = NULL;
    return MHD_NO;
  }
  MHD_add_response_header (resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                           r->content_type ? r->content_type : "application/octet-stream");
  MHD_add_response_header (resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  MHD_add_response_header (resp, "X-Content-Type-Options", "nosniff");
  if (r->disposition)
    MHD_add_response_header (resp, "Content-Disposition", r->disposition);
  res = MHD_queue_response (conn, r->status ? r->status : MHD_HTTP_OK, resp);
  MHD_destroy_response (resp);
  free (r->disposition);
  r->disposition = NULL;
  return res;
}

enum MHD_Result
ce_reply_send (struct MHD_Connection *conn, struct reply *r)
{
  char *body;
  enum MHD_Result res;
  if (r->file)
    return send_file (conn, r);
  if (r->json) {
    body = dump_line (r->json);
    json_decref (r->json);
    r->json = NULL;
  }
  else {
    body = r->text ? r->text : strdup ("");
    r->text = NULL;
  }
  if (!body) {
    free (r->location);
    return MHD_NO;
  }
  res = send_buffer (conn, r->status ? r->status : MHD_HTTP_OK, body,
                     r->content_type ? r->content_type : "application/json",
                     r->location, NULL, false);
  free (r->location);
  r->location = NULL;
  return res;
}
