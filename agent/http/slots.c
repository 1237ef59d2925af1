/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Connection slots.  The server takes CE_MAX_CONNECTIONS connections; a
 * client that trickles its headers (a byte now and then) resets the idle
 * timeout forever, so clients from a few addresses could hold every slot and
 * keep the connector out (with the pool full, libmicrohttpd stops accepting;
 * the newcomer waits in the kernel's backlog).  Two rules, applied whenever
 * a connection opens (which is when a slot is wanted) and by a sweeper
 * every SWEEP_INTERVAL_NS while the pool is full (a pool filled within the
 * grace period below accepts nobody, so no open would come to apply them):
 *  - a total deadline: a connection that has not completed its first
 *    request (TLS handshake and headers) within --connection-timeout
 *    seconds of opening is dropped, however steadily it trickles;
 *  - when the pool fills up, the oldest connection that has not completed a
 *    request goes; failing such a connection, the one idle longest between
 *    requests.
 * A connection inside a request (handler, body, suspended reply) is never
 * dropped, nor one younger than EVICT_GRACE_SECONDS: a newcomer gets time
 * to finish its handshake even while someone churns connections.  Dropping
 * is shutdown(2) on the socket; the connection's own server thread then sees
 * the end of stream and closes it. */
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "http/http.h"

#define EVICT_GRACE_SECONDS 1.0
#define SWEEP_INTERVAL_NS   250000000L

struct slot {
  struct slot *prev, *next;     /* oldest first */
  int fd;
  double opened, idle_since;
  unsigned completed;           /* requests answered */
  bool busy;                    /* inside a request */
  bool evicted;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct slot *head, *tail;
static unsigned nslots;

static void
unlink_locked (struct slot *s)
{
  if (s->prev)
    s->prev->next = s->next;
  else
    head = s->next;
  if (s->next)
    s->next->prev = s->prev;
  else
    tail = s->prev;
  nslots--;
}

/* Called with the lock held: the connection to give up, or NULL. */
static struct slot *
victim_locked (const struct slot *except, double now)
{
  struct slot *idle = NULL;
  for (struct slot *s = head; s; s = s->next) {
    if (s == except || s->evicted || s->busy || now - s->opened < EVICT_GRACE_SECONDS)
      continue;
    if (s->completed == 0)
      return s;                 /* the oldest that never finished a request */
    if (now - s->idle_since >= EVICT_GRACE_SECONDS &&
        (!idle || s->idle_since < idle->idle_since))
      idle = s;
  }
  return idle;
}

/* Called with the lock held.  The socket stays open (and its number ours)
 * until the CLOSED notification, which takes the lock first. */
static void
drop_locked (struct slot *v, double now, const char *why)
{
  v->evicted = true;
  if (v->fd >= 0)
    shutdown (v->fd, SHUT_RDWR);
  ce_log (CE_LOG_WARN, "http.evict", "dropped a connection %s (open %.1f s, %u "
          "connections)", why, now - v->opened, nslots);
}

/* Called with the lock held: the two rules, sparing NEWCOMER (NULL from
 * the sweeper). */
static void
apply_rules_locked (const struct slot *newcomer, double now)
{
  struct slot *v;

  for (struct slot *o = head; o; o = o->next)
    if (o != newcomer && !o->evicted && !o->busy && o->completed == 0 &&
        ce_agent.connection_timeout > 0 &&
        now - o->opened > (double) ce_agent.connection_timeout)
      drop_locked (o, now, "whose first request was not in within the "
                   "connection timeout");
  if (nslots >= CE_MAX_CONNECTIONS && (v = victim_locked (newcomer, now)))
    drop_locked (v, now, v->completed ? "idle between requests: the pool is full"
                 : "that never completed a request: the pool is full");
}

/* The sweeper runs on a timer, not on an event: with the pool full the
 * listening socket is not watched, so no event comes. */
static void *
sweeper (void *unused)
{
  (void) unused;
  for (;;) {
    struct timespec ts = { 0, SWEEP_INTERVAL_NS };
    nanosleep (&ts, NULL);
    pthread_mutex_lock (&lock);
    if (nslots >= CE_MAX_CONNECTIONS)
      apply_rules_locked (NULL, ce_mono_now ());
    pthread_mutex_unlock (&lock);
  }
  return NULL;
}

static void
start_sweeper (void)
{
  pthread_t t;
  pthread_attr_t a;

  if (pthread_attr_init (&a) != 0)
    return;
  pthread_attr_setdetachstate (&a, PTHREAD_CREATE_DETACHED);
  if (pthread_create (&t, &a, sweeper, NULL) != 0)
    ce_log (CE_LOG_WARN, "http.sweeper", "cannot start the connection sweeper: a full pool "
            "frees a slot only when a connection opens");
  pthread_attr_destroy (&a);
}

void
ce_slots_opened (struct MHD_Connection *conn, void **ctx)
{
  const union MHD_ConnectionInfo *ci =
    MHD_get_connection_info (conn, MHD_CONNECTION_INFO_CONNECTION_FD);
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  struct slot *s = calloc (1, sizeof *s);

  pthread_once (&once, start_sweeper);
  *ctx = s;
  if (!s)
    return;                     /* untracked: never evicted */
  s->fd = ci ? ci->connect_fd : -1;
  s->opened = s->idle_since = ce_mono_now ();
  pthread_mutex_lock (&lock);
  s->prev = tail;
  if (tail)
    tail->next = s;
  else
    head = s;
  tail = s;
  nslots++;
  apply_rules_locked (s, s->opened);
  pthread_mutex_unlock (&lock);
}

void
ce_slots_closed (void **ctx)
{
  struct slot *s = *ctx;
  if (!s)
    return;
  pthread_mutex_lock (&lock);
  unlink_locked (s);
  pthread_mutex_unlock (&lock);
  free (s);
  *ctx = NULL;
}

static struct slot *
slot_of (struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *ci =
    MHD_get_connection_info (conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci ? ci->socket_context : NULL;
}

void
ce_slots_request_began (struct MHD_Connection *conn)
{
  struct slot *s = slot_of (conn);
  if (!s)
    return;
  pthread_mutex_lock (&lock);
  s->busy = true;
  pthread_mutex_unlock (&lock);
}

void
ce_slots_request_ended (struct MHD_Connection *conn, bool completed)
{
  struct slot *s = slot_of (conn);
  if (!s)
    return;
  pthread_mutex_lock (&lock);
  s->busy = false;
  s->idle_since = ce_mono_now ();
  if (completed)
    s->completed++;
  pthread_mutex_unlock (&lock);
}
