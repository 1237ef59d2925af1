/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The growing delay before a 401 (http/auth.c decides how long).  The
 * server runs a small pool of threads, so the delay must not sleep on one:
 * the connection is suspended (MHD_suspend_connection) and a waker thread
 * resumes it when its time has come; MHD then calls the request handler
 * again and the 401 goes out.  Only that client waits. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "http/http.h"

/* At most one entry per connection the daemon accepts. */
#define MAX_DELAYED CE_MAX_CONNECTIONS

struct delayed {
  struct MHD_Connection *conn;
  double due;                   /* ce_mono_now () seconds */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond;
static struct delayed list[MAX_DELAYED];
static size_t nlist;
static pthread_t waker;
static bool running, stopping;

/* Called with the lock held: remove entry I, return its connection. */
static struct MHD_Connection *
take_locked (size_t i)
{
  struct MHD_Connection *c = list[i].conn;
  list[i] = list[--nlist];
  return c;
}

static void *
waker_main (void *arg)
{
  (void) arg;
  pthread_mutex_lock (&lock);
  while (!stopping) {
    double now = ce_mono_now (), next = now + 3600;
    for (size_t i = 0; i < nlist;) {
      if (list[i].due <= now) {
        struct MHD_Connection *c = take_locked (i);
        /* Resume outside the lock: MHD may call back into us. */
        pthread_mutex_unlock (&lock);
        MHD_resume_connection (c);
        pthread_mutex_lock (&lock);
        i = 0;
        now = ce_mono_now ();
        continue;
      }
      if (list[i].due < next)
        next = list[i].due;
      i++;
    }
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    double wait = next - now;
    ts.tv_sec += (time_t) wait;
    ts.tv_nsec += (long) ((wait - (double) (time_t) wait) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait (&cond, &lock, &ts);
  }
  pthread_mutex_unlock (&lock);
  return NULL;
}

int
ce_delay_start (void)
{
  pthread_condattr_t ca;
  int e;

  pthread_condattr_init (&ca);
  pthread_condattr_setclock (&ca, CLOCK_MONOTONIC);
  pthread_cond_init (&cond, &ca);
  pthread_condattr_destroy (&ca);
  stopping = false;
  e = pthread_create (&waker, NULL, waker_main, NULL);
  if (e != 0) {
    errno = e;
    return -1;
  }
  running = true;
  return 0;
}

/* Before MHD_stop_daemon: no connection may stay suspended. */
void
ce_delay_stop (void)
{
  if (!running)
    return;
  pthread_mutex_lock (&lock);
  stopping = true;
  pthread_cond_signal (&cond);
  pthread_mutex_unlock (&lock);
  pthread_join (waker, NULL);
  running = false;
  pthread_mutex_lock (&lock);
  while (nlist > 0) {
    struct MHD_Connection *c = take_locked (nlist - 1);
    pthread_mutex_unlock (&lock);
    MHD_resume_connection (c);
    pthread_mutex_lock (&lock);
  }
  pthread_mutex_unlock (&lock);
  pthread_cond_destroy (&cond);
}

bool
ce_delay_suspend (struct MHD_Connection *conn, unsigned ms)
{
  bool ok = false;

  pthread_mutex_lock (&lock);
  if (running && !stopping && nlist < MAX_DELAYED) {
    MHD_suspend_connection (conn);
    list[nlist].conn = conn;
    list[nlist].due = ce_mono_now () + ms / 1000.0;
    nlist++;
    pthread_cond_signal (&cond);
    ok = true;
  }
  pthread_mutex_unlock (&lock);
  return ok;
}
