/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal to agent/http/: request state, replies and the route table. */
#ifndef CE_HTTP_H
#define CE_HTTP_H

#include <pthread.h>

#include <microhttpd.h>

#include "agent.h"

/* Bodies: named limits per kind of request. */
#define MAX_SMALL_BODY 4096            /* cancel, complete */
#define MAX_ROUTE_PARAMS 2
#define MAX_PATH_SEGMENTS 8

enum body_kind {
  BODY_NONE,       /* a body is refused (413) */
  BODY_JSON,       /* required, application/json, CE_MAX_JOB_BODY */
  BODY_OPT_JSON,   /* optional, application/json, MAX_SMALL_BODY */
  BODY_ARTIFACT,   /* streamed to the artifact store */
};

struct request;

/* What a handler produces: a JSON document or a text body. */
struct reply {
  unsigned status;
  json_t *json;                 /* owned */
  char *text;                   /* owned, used when json is NULL */
  const char *content_type;
  char *location;               /* owned, optional */
  /* A file reply (GET /v1/jobs/{id}/bundle): with FILE set, FD (owned)
   * is streamed, SIZE bytes, with DISPOSITION as Content-Disposition. */
  bool file;
  int fd;
  uint64_t size;
  char *disposition;            /* owned, optional */
};

/* 0 = reply in OUT, -1 = error in ERR, HANDLER_DEFERRED. */
typedef int (*handler_fn) (struct request *req, struct reply *out,
                           struct ce_error *err);

struct route {
  const char *method;
  const char *pattern;          /* "/v1/jobs/{id}" */
  bool auth;
  enum body_kind body;
  handler_fn handler;
};

struct request {
  struct MHD_Connection *conn;
  const struct route *route;
  char *params[MAX_ROUTE_PARAMS];
  struct ce_error err;          /* set before the body: replied at the end */
  bool replied;
  char *body;
  size_t len, cap, limit;
  struct ce_upload *upload;
  uint64_t discarded;
  char *allow;                  /* Allow header of a deferred 405 */
  bool completes_agent;         /* POST /v1/complete succeeded */
  bool deferred;                /* suspended; a worker fills out or err */
  struct reply out;             /* a deferred handler's reply */
};

/* A handler's return value when it deferred its work (ce_complete_defer):
 * the connection is suspended and the reply follows when it resumes. */
#define HANDLER_DEFERRED 1

/* http/delay.c: the 401 delay without holding a server thread. */
int ce_delay_start (void);
void ce_delay_stop (void);
/* Suspend CONN for MS milliseconds; false when it cannot (then reply now). */
bool ce_delay_suspend (struct MHD_Connection *conn, unsigned ms);

/* http/complete.c: POST /v1/complete's cancel, unmount and sync on a
 * worker thread.  Suspends REQ's connection; when resumed, REQ->out or
 * REQ->err holds the answer. */
void ce_complete_defer (struct request *req, bool force);
/* Before MHD_stop_daemon: wait for workers to resume their connections. */
void ce_complete_wait (void);

/* http/slots.c: which connection gives up its slot when the pool is full
 * (MHD_OPTION_NOTIFY_CONNECTION and the request callbacks report here). */
void ce_slots_opened (struct MHD_Connection *conn, void **ctx);
void ce_slots_closed (void **ctx);
void ce_slots_request_began (struct MHD_Connection *conn);
void ce_slots_request_ended (struct MHD_Connection *conn, bool completed);

/* http/routes.c */
extern const struct route ce_routes[];
extern const size_t ce_nroutes;

/* http/reply.c: the only place a ce_error becomes a status and a body. */
enum MHD_Result ce_reply_error (struct MHD_Connection *conn,
                                const struct ce_error *err, const char *allow);
enum MHD_Result ce_reply_send (struct MHD_Connection *conn, struct reply *r);
unsigned ce_error_status (enum ce_err_kind kind);

#endif /* CE_HTTP_H */
