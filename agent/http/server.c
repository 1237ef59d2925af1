/* SPDX-License-Identifier: GPL-3.0-or-later */
/* HTTPS server (libmicrohttpd over GnuTLS): TLS only, epoll on a pool of
 * SERVER_THREADS threads (a thread per connection cost a stack and a malloc
 * arena each: 5 MiB of RSS under 16 connections), with a connection cap, a
 * per-address cap, an idle timeout, a deadline for the first request and
 * eviction when the pool is full (http/slots.c), so slow clients cannot hold
 * the agent: a slow client holds a connection slot, never a thread, and not
 * for long.  No handler blocks: slow work is deferred with the connection
 * suspended (http/delay.c, http/complete.c).  Requests are routed,
 * authenticated and size-checked before any body is read. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "http/http.h"

/* TLS 1.2 and 1.3 only; ECDHE key exchange (forward secrecy) with AEAD
 * ciphers only; no SHA-1 signatures. */
#define TLS_PRIORITIES \
  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:" \
  "+AES-128-GCM:+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:" \
  "+ECDHE-RSA:-SIGN-RSA-SHA1:-SIGN-ECDSA-SHA1:%SERVER_PRECEDENCE"
#define MAX_CONNECTIONS CE_MAX_CONNECTIONS
/* One per core of the smallest CE VM; TLS is the CPU cost. */
#define SERVER_THREADS 2
#define MAX_CONNECTIONS_PER_IP 16
/* Per connection: request line + headers must fit (MHD answers 431/413). */
#define CONNECTION_MEMORY_LIMIT (64 * 1024)
#define DEFAULT_PORT 443
/* Body bytes read and dropped after a mid-body error before closing. */
#define MAX_DISCARD_BYTES (16 * 1024 * 1024)
/* The same for requests that failed authentication: little. */
#define MAX_UNAUTH_DRAIN_BYTES (64 * 1024)

static struct MHD_Daemon *daemon_h;

static void
mhd_logger (void *cls, const char *fmt, va_list ap)
{
  char *msg = NULL;
  (void) cls;
  if (vasprintf (&msg, fmt, ap) == -1)
    return;
  size_t n = strlen (msg);
  while (n > 0 && msg[n - 1] == '\n')
    msg[--n] = '\0';
  ce_log (CE_LOG_DEBUG, "http.mhd", "%s", msg);
  free (msg);
}

/* Match URL against PATTERN, capturing "{x}" segments into PARAMS. */
static bool
match (const char *pattern, const char *url, char *params[MAX_ROUTE_PARAMS])
{
  size_t np = 0;
  const char *p = pattern, *u = url;

  while (*p && *u) {
    if (*p != '/' || *u != '/')
      return false;
    p++, u++;
    const char *pe = strchrnul (p, '/'), *ue = strchrnul (u, '/');
    if (ue == u)
      return false;                   /* empty segment */
    if (*p == '{') {
      if (np >= MAX_ROUTE_PARAMS)
        return false;
      params[np++] = strndup (u, (size_t) (ue - u));
    }
    else if ((size_t) (pe - p) != (size_t) (ue - u) || strncmp (p, u, (size_t) (pe - p)))
      return false;
    p = pe, u = ue;
  }
  return *p == '\0' && *u == '\0';
}

static void
free_params (char *params[MAX_ROUTE_PARAMS])
{
  for (size_t i = 0; i < MAX_ROUTE_PARAMS; i++) {
    free (params[i]);
    params[i] = NULL;
  }
}

/* Find the route; 404 for an unknown path, 405 (with Allow) for a known
 * path and another method. */
static int
route (struct request *req, const char *url, const char *method, char **allow,
       struct ce_error *err)
{
  *allow = NULL;
  for (size_t i = 0; i < ce_nroutes; i++) {
    char *params[MAX_ROUTE_PARAMS] = { NULL };
    if (!match (ce_routes[i].pattern, url, params)) {
      free_params (params);
      continue;
    }
    if (!strcmp (ce_routes[i].method, method)) {
      free (*allow);
      *allow = NULL;
      req->route = &ce_routes[i];
      memcpy (req->params, params, sizeof params);
      return 0;
    }
    free_params (params);
    char *a = NULL;
    if (asprintf (&a, "%s%s%s", *allow ? *allow : "", *allow ? ", " : "",
                  ce_routes[i].method) != -1) {
      free (*allow);
      *allow = a;
    }
  }
  if (*allow)
    return ce_error_set (err, CE_E_METHOD, "methodNotAllowed",
                         "%s is not allowed here (allowed: %s)", method, *allow);
  return ce_error_set (err, CE_E_NOT_FOUND, "notFound", "no such endpoint");
}

/* Mutual TLS: a client certificate that chains to clientCa. */
static int
check_client_cert (struct MHD_Connection *conn, struct ce_error *err)
{
  const union MHD_ConnectionInfo *ci;
  unsigned status = 0;

  if (!ce_agent.config.client_ca)
    return 0;
  ci = MHD_get_connection_info (conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
  if (!ci || !ci->tls_session ||
      gnutls_certificate_type_get ((gnutls_session_t) ci->tls_session) != GNUTLS_CRT_X509 ||
      gnutls_certificate_verify_peers2 ((gnutls_session_t) ci->tls_session, &status) < 0 ||
      status != 0) {
    ce_log (CE_LOG_WARN, "auth.client_cert", "client certificate missing or not "
            "signed by clientCa (status 0x%x)", status);
    return ce_error_set (err, CE_E_AUTH, "unauthorized", "authentication required");
  }
  return 0;
}

static bool
media_is (const char *ctype, const char *want)
{
  size_t n = strlen (want);
  if (!ctype || strncasecmp (ctype, want, n))
    return false;
  return ctype[n] == '\0' || ctype[n] == ';' || ctype[n] == ' ';
}

/* Header checks before any body is read: type and announced size. */
static int
pre_body (struct request *req, struct ce_error *err)
{
  struct MHD_Connection *c = req->conn;
  const char *ctype = MHD_lookup_connection_value (c, MHD_HEADER_KIND,
                                                   MHD_HTTP_HEADER_CONTENT_TYPE);
  const char *clen = MHD_lookup_connection_value (c, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_CONTENT_LENGTH);
  const char *te = MHD_lookup_connection_value (c, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_TRANSFER_ENCODING);
  uint64_t length = 0;
  bool has_length = false, has_body;

  if (clen) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull (clen, &end, 10);
    if (errno || *end || end == clen)
      return ce_error_set (err, CE_E_INVALID, "badRequest", "invalid Content-Length");
    length = v;
    has_length = true;
  }
  has_body = (has_length && length > 0) || te != NULL;

  switch (req->route->body) {
  case BODY_NONE:
    if (has_body)
      return ce_error_set (err, CE_E_TOO_LARGE, "bodyTooLarge",
                           "this endpoint takes no request body");
    return 0;
  case BODY_JSON:
  case BODY_OPT_JSON:
    req->limit = req->route->body == BODY_JSON ? CE_MAX_JOB_BODY : MAX_SMALL_BODY;
    if (!has_body && req->route->body == BODY_OPT_JSON)
      return 0;
    if (!media_is (ctype, "application/json"))
      return ce_error_set (err, CE_E_MEDIA_TYPE, "unsupportedMediaType",
                           "the body must be application/json");
    if (has_length && length > req->limit)
      return ce_error_set (err, CE_E_TOO_LARGE, "bodyTooLarge",
                           "the body is larger than the %zu bytes this endpoint takes",
                           req->limit);
    return 0;
  case BODY_ARTIFACT:
    if (!media_is (ctype, "application/octet-stream"))
      return ce_error_set (err, CE_E_MEDIA_TYPE, "unsupportedMediaType",
                           "artifacts must be sent as application/octet-stream");
    req->upload = ce_upload_begin (req->params[0],
                                   MHD_lookup_connection_value (c, MHD_HEADER_KIND,
                                                                "X-Content-SHA256"),
                                   length, has_length, err);
    return req->upload ? 0 : -1;
  }
  return 0;
}

static int
take_body (struct request *req, const char *data, size_t size, struct ce_error *err)
{
  if (req->upload)
    return ce_upload_write (req->upload, data, size, err);
  if (size > req->limit - req->len)
    return ce_error_set (err, CE_E_TOO_LARGE, "bodyTooLarge",
                         "the body is larger than the %zu bytes this endpoint takes",
                         req->limit);
  if (req->len + size > req->cap) {
    /* Not realloc: the old buffer may hold credentials (an SMB password in
     * a job document) and is wiped before it goes back to the allocator. */
    size_t ncap = req->len + size + 1;
    char *nb = malloc (ncap);
    if (!nb)
      return ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
    if (req->body) {
      memcpy (nb, req->body, req->len);
      explicit_bzero (req->body, req->cap);
      free (req->body);
    }
    req->body = nb;
    req->cap = ncap;
  }
  memcpy (req->body + req->len, data, size);
  req->len += size;
  req->body[req->len] = '\0';
  return 0;
}

/* Should an error found before the body wait for the body to be drained? */
static bool
drain_first (struct request *req)
{
  struct MHD_Connection *c = req->conn;
  const char *clen = MHD_lookup_connection_value (c, MHD_HEADER_KIND,
                                                  MHD_HTTP_HEADER_CONTENT_LENGTH);
  const char *te = MHD_lookup_connection_value (c, MHD_HEADER_KIND,
                                                MHD_HTTP_HEADER_TRANSFER_ENCODING);
  uint64_t bound = req->err.kind == CE_E_AUTH ? MAX_UNAUTH_DRAIN_BYTES : MAX_DISCARD_BYTES;
  char *end;

  if (te)
    return true;            /* chunked: the discard counter enforces BOUND */
  if (!clen)
    return false;
  errno = 0;
  unsigned long long n = strtoull (clen, &end, 10);
  if (errno || *end || end == clen)
    return false;
  return n > 0 && n <= bound;
}

static enum MHD_Result
reply_error_now (struct request *req, const char *allow)
{
  enum MHD_Result r = ce_reply_error (req->conn, &req->err, allow);
  req->replied = true;
  return r;
}

static enum MHD_Result
on_request (void *cls, struct MHD_Connection *conn, const char *url,
            const char *method, const char *version, const char *upload_data,
            size_t *upload_data_size, void **con_cls)
{
  struct request *req = *con_cls;
  (void) cls; (void) version;

  if (!req) {
    char *allow = NULL;
    unsigned delay_ms = 0;
    enum MHD_Result r;
    req = calloc (1, sizeof *req);
    if (!req)
      return MHD_NO;
    *con_cls = req;
    req->conn = conn;
    ce_slots_request_began (conn);
    if (route (req, url, method, &allow, &req->err) == 0 && req->route->auth) {
      const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info (conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
      if (check_client_cert (conn, &req->err) == 0)
        ce_auth_check (MHD_lookup_connection_value (conn, MHD_HEADER_KIND,
                                                    MHD_HTTP_HEADER_AUTHORIZATION),
                       ci ? ci->client_addr : NULL, &delay_ms, &req->err);
    }
    if (req->err.kind == CE_E_NONE)
      pre_body (req, &req->err);
    ce_log (CE_LOG_DEBUG, "http.request", "%s %s", method, url);
    if (req->err.kind == CE_E_NONE)
      return MHD_YES;
    /* Repeated auth failures: the 401 waits, in a suspended connection;
     * when resumed, the calls below answer (after draining a small body). */
    if (delay_ms > 0 && ce_delay_suspend (conn, delay_ms)) {
      req->allow = allow;
      return MHD_YES;
    }
    /* A body the client is already sending: drain a bounded amount and
     * answer at its end, since an answer sent over unread data is often
     * lost to a TCP reset.  Beyond the bound: answer now and close. */
    if (drain_first (req)) {
      req->allow = allow;
      return MHD_YES;
    }
    r = reply_error_now (req, allow);
    free (allow);
    return r;
  }

  if (*upload_data_size > 0) {
    if (req->err.kind == CE_E_NONE && !req->replied)
      take_body (req, upload_data, *upload_data_size, &req->err);
    else if (req->err.kind != CE_E_NONE) {
      /* MHD cannot answer in the middle of a body: drain a bounded amount
       * so the client gets its error, then give up on the connection. */
      req->discarded += *upload_data_size;
      if (req->discarded > (req->err.kind == CE_E_AUTH ? MAX_UNAUTH_DRAIN_BYTES
                            : MAX_DISCARD_BYTES))
        return MHD_NO;
    }
    *upload_data_size = 0;
    return MHD_YES;
  }

  if (req->replied)
    return MHD_YES;
  if (req->err.kind != CE_E_NONE)
    return reply_error_now (req, req->allow);

  if (req->deferred) {
    /* Resumed after the worker: its reply (errors were answered above). */
    req->deferred = false;
    req->replied = true;
    return ce_reply_send (conn, &req->out);
  }

  struct reply out = { 0 };
  int hr = req->route->handler (req, &out, &req->err);
  if (hr == HANDLER_DEFERRED)
    return MHD_YES;
  if (hr == -1) {
    json_decref (out.json);
    free (out.text);
    free (out.location);
    return reply_error_now (req, NULL);
  }
  req->replied = true;
  return ce_reply_send (conn, &out);
}

static void
on_completed (void *cls, struct MHD_Connection *conn, void **con_cls,
              enum MHD_RequestTerminationCode toe)
{
  struct request *req = *con_cls;
  (void) cls;
  if (!req)
    return;
  ce_slots_request_ended (conn, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK);
  if (req->completes_agent && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
    ce_agent_request_exit ("complete requested");
  else if (req->completes_agent)
    ce_agent_request_exit ("complete requested (the final report was not delivered)");
  ce_upload_abort (req->upload);
  json_decref (req->out.json);
  free (req->out.text);
  free (req->out.location);
  free (req->allow);
  free_params (req->params);
  ce_error_clear (&req->err);
  if (req->body)
    explicit_bzero (req->body, req->cap);
  free (req->body);
  free (req);
  *con_cls = NULL;
}

static void
on_connection (void *cls, struct MHD_Connection *conn, void **socket_context,
               enum MHD_ConnectionNotificationCode code)
{
  (void) cls;
  if (code == MHD_CONNECTION_NOTIFY_STARTED)
    ce_slots_opened (conn, socket_context);
  else
    ce_slots_closed (socket_context);
}

/* "ADDR:PORT", "[V6]:PORT" or NULL (every interface, port 443). */
static int
parse_listen (const char *listen, struct sockaddr_storage *ss, bool *v6,
              char **errmsg)
{
  char *host = NULL;
  const char *colon;
  long port;
  char *end;
  int r = -1;

  memset (ss, 0, sizeof *ss);
  if (!listen) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_addr = in6addr_any;
    s6->sin6_port = htons (DEFAULT_PORT);
    *v6 = true;
    return 0;
  }
  colon = strrchr (listen, ':');
  if (!colon)
    goto bad;
  errno = 0;
  port = strtol (colon + 1, &end, 10);
  if (errno || *end || end == colon + 1 || port < 0 || port > 65535)
    goto bad;
  if (listen[0] == '[') {
    if (colon < listen + 2 || colon[-1] != ']')
      goto bad;
    host = strndup (listen + 1, (size_t) (colon - listen - 2));
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons ((uint16_t) port);
    if (!host || inet_pton (AF_INET6, host, &s6->sin6_addr) != 1)
      goto bad;
    *v6 = true;
  }
  else {
    host = strndup (listen, (size_t) (colon - listen));
    struct sockaddr_in *s4 = (struct sockaddr_in *) ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons ((uint16_t) port);
    if (!host || inet_pton (AF_INET, host, &s4->sin_addr) != 1)
      goto bad;
    *v6 = false;
  }
  r = 0;
  goto out;
 bad:
  if (asprintf (errmsg, "--listen %s: expected ADDR:PORT or [ADDR6]:PORT", listen) == -1)
    *errmsg = NULL;
 out:
  free (host);
  return r;
}

static struct MHD_Daemon *
start (unsigned flags, struct sockaddr_storage *ss, const struct ce_server_opts *opts)
{
  return MHD_start_daemon (
    flags, 0, NULL, NULL, on_request, NULL,
    MHD_OPTION_SOCK_ADDR, (struct sockaddr *) ss,
    MHD_OPTION_HTTPS_MEM_CERT, opts->cert_pem,
    MHD_OPTION_HTTPS_MEM_KEY, opts->key_pem,
    MHD_OPTION_HTTPS_PRIORITIES, TLS_PRIORITIES,
    MHD_OPTION_CONNECTION_LIMIT, (unsigned) MAX_CONNECTIONS,
    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned) MAX_CONNECTIONS_PER_IP,
    MHD_OPTION_CONNECTION_TIMEOUT, opts->connection_timeout,
    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t) CONNECTION_MEMORY_LIMIT,
    MHD_OPTION_THREAD_POOL_SIZE, (unsigned) SERVER_THREADS,
    MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
    MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
    MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, NULL,
    /* Last, so that without a client CA the list simply ends here. */
    opts->client_ca_pem ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END,
    opts->client_ca_pem,
    MHD_OPTION_END);
}

int
ce_server_start (const struct ce_server_opts *opts, unsigned *port,
                 char **errmsg)
{
  struct sockaddr_storage ss;
  bool v6;
  unsigned flags = MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD |
    MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;

  *errmsg = NULL;
  if (parse_listen (opts->listen, &ss, &v6, errmsg) == -1)
    return -1;
  if (v6 && !opts->listen)
    flags |= MHD_USE_DUAL_STACK;
  else if (v6)
    flags |= MHD_USE_IPv6;

  if (ce_delay_start () == -1) {
    if (asprintf (errmsg, "cannot start the auth-delay thread: %s", strerror (errno)) == -1)
      *errmsg = NULL;
    return -1;
  }
  daemon_h = start (flags, &ss, opts);
  if (!daemon_h && !opts->listen) {
    /* A kernel without IPv6: every IPv4 interface instead. */
    struct sockaddr_in *s4 = (struct sockaddr_in *) &ss;
    memset (&ss, 0, sizeof ss);
    s4->sin_family = AF_INET;
    s4->sin_addr.s_addr = htonl (INADDR_ANY);
    s4->sin_port = htons (DEFAULT_PORT);
    ce_log (CE_LOG_WARN, "http.listen", "no IPv6 listener; listening on 0.0.0.0:%d", DEFAULT_PORT);
    daemon_h = start (flags & ~(unsigned) MHD_USE_DUAL_STACK, &ss, opts);
  }
  if (!daemon_h) {
    ce_delay_stop ();
    if (asprintf (errmsg, "cannot start the HTTPS listener on %s (address in use, "
                  "bad certificate or key, or no permission)",
                  opts->listen ? opts->listen : "[::]:443") == -1)
      *errmsg = NULL;
    return -1;
  }
  const union MHD_DaemonInfo *di = MHD_get_daemon_info (daemon_h, MHD_DAEMON_INFO_BIND_PORT);
  *port = di ? di->port : 0;
  return 0;
}

void
ce_server_stop (void)
{
  ce_delay_stop ();
  ce_complete_wait ();
  if (daemon_h)
    MHD_stop_daemon (daemon_h);
  daemon_h = NULL;
}

void
ce_server_print_routes (void)
{
  for (size_t i = 0; i < ce_nroutes; i++)
    printf ("%s %s\n", ce_routes[i].method, ce_routes[i].pattern);
}
