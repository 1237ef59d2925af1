/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cectl: the connector-side reference client of the ce-agent API. */
#ifndef CECTL_H
#define CECTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Exit codes (documented in cectl(1) and --help). */
#define CECTL_OK 0
#define CECTL_JOB_FAILED 1      /* job wait: the job failed or was canceled */
#define CECTL_USAGE 2
#define CECTL_CONNECT 3         /* connection, TLS or fingerprint failure */
#define CECTL_AUTH 4            /* 401 */
#define CECTL_API 5             /* any other error status from the agent */

#define CECTL_MAX_RESPONSE (64 * 1024 * 1024)
#define CECTL_MAX_TOKEN 4096

struct cectl {
  const char *url;              /* https://host:port */
  char *token;
  uint8_t fingerprint[32];
  bool has_fingerprint;
  bool pin_mismatch;            /* set by the verify callback */
  const char *cacert;
  const char *cert, *key;       /* client certificate (mutual TLS) */
  bool json;
  bool verbose;
};

struct cectl_response {
  long status;
  char *body;
  size_t len;
};

/* One request.  BODY/LEN or UPLOAD (a file of UPLOAD_SIZE bytes) or neither.
 * Returns 0 when an HTTP response arrived (any status), else prints why and
 * returns -1. */
int cectl_request (struct cectl *c, const char *method, const char *path,
                   const char *content_type, const char *body, size_t len,
                   FILE *upload, uint64_t upload_size, const char *extra_header,
                   struct cectl_response *resp);
void cectl_response_free (struct cectl_response *r);
/* Map a non-2xx response to an exit code after printing its error. */
int cectl_api_error (const struct cectl_response *r);
/* Parse a JSON body; NULL (and a message) if it is not JSON. */
json_t *cectl_json (const struct cectl_response *r);

/* commands.c */
int cectl_cmd_health (struct cectl *c, int argc, char **argv);
int cectl_cmd_info (struct cectl *c, int argc, char **argv);
int cectl_cmd_disks (struct cectl *c, int argc, char **argv);
int cectl_cmd_job (struct cectl *c, int argc, char **argv);
int cectl_cmd_artifact (struct cectl *c, int argc, char **argv);
int cectl_cmd_complete (struct cectl *c, int argc, char **argv);

#endif /* CECTL_H */
