/* SPDX-License-Identifier: GPL-3.0-or-later */
/* POST /v1/complete's slow part, off the server threads.  With a job
 * running and "force", complete cancels it and waits for its safe point
 * (up to COMPLETE_CANCEL_WAIT_SECONDS), then unmounts shares and sync()s:
 * seconds, on a pool of two server threads that also serve every other
 * connection they hold.  So the request handler suspends its connection
 * and a worker thread does that work, fills the reply and resumes the
 * connection; MHD then calls the handler again, which sends the report.
 * The reply keeps its meaning: sent after the flush, naming every job's
 * final state. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http.h"
#include "share/share.h"

#define COMPLETE_CANCEL_WAIT_SECONDS 60

struct work {
  struct request *req;
  bool force;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;
static unsigned live;                   /* workers not yet finished */
/* One complete at a time does the cancel/unmount/sync. */
static pthread_mutex_t serial = PTHREAD_MUTEX_INITIALIZER;

static int
finish (struct request *req, bool force, struct reply *out, struct ce_error *err)
{
  char *running = ce_jobs_running ();

  if (running && !force) {
    ce_error_set (err, CE_E_CONFLICT, "jobRunning",
                  "job %s is still running; cancel it or send {\"force\":true}", running);
    free (running);
    return -1;
  }
  if (running) {
    ce_log (CE_LOG_WARN, "complete.force", "complete with force: canceling job %s", running);
    if (!ce_jobs_cancel_and_wait ("complete requested with force",
                                  COMPLETE_CANCEL_WAIT_SECONDS)) {
      ce_error_set (err, CE_E_CONFLICT, "jobRunning",
                    "job %s did not reach a safe point in time; try again", running);
      free (running);
      return -1;
    }
  }
  free (running);
  ce_shares_unmount_all ();
  sync ();
  out->json = json_pack ("{s:s, s:s, s:I, s:o, s:s}",
                         "status", "completing",
                         "bootId", ce_agent.boot_id,
                         "uptimeSeconds", (json_int_t) (ce_mono_now () - ce_agent.start_mono),
                         "jobs", ce_jobs_summary (),
                         "then", ce_agent.host_mode ? "exit" : "powerOff");
  if (!out->json)
    return ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
  req->completes_agent = true;
  ce_log (CE_LOG_INFO, "complete", "complete requested: final report sent, %s follows",
          ce_agent.host_mode ? "exit" : "power off");
  return 0;
}

static void *
worker (void *arg)
{
  struct work *w = arg;
  struct request *req = w->req;
  struct MHD_Connection *conn = req->conn;

  pthread_mutex_lock (&serial);
  finish (req, w->force, &req->out, &req->err);
  pthread_mutex_unlock (&serial);
  free (w);
  /* From here on REQ belongs to the server again (it may be freed). */
  MHD_resume_connection (conn);
  pthread_mutex_lock (&lock);
  if (--live == 0)
    pthread_cond_broadcast (&idle);
  pthread_mutex_unlock (&lock);
  return NULL;
}

void
ce_complete_defer (struct request *req, bool force)
{
  struct work *w = malloc (sizeof *w);
  pthread_attr_t attr;
  pthread_t t;
  int e = ENOMEM;

  req->deferred = true;
  MHD_suspend_connection (req->conn);
  pthread_mutex_lock (&lock);
  live++;
  pthread_mutex_unlock (&lock);
  if (w) {
    w->req = req;
    w->force = force;
    pthread_attr_init (&attr);
    pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
    e = pthread_create (&t, &attr, worker, w);
    pthread_attr_destroy (&attr);
  }
  if (e != 0) {
    /* No thread: do the work here (blocking) rather than not at all. */
    ce_log (CE_LOG_WARN, "complete.inline", "no worker thread (%s); completing "
            "on the server thread", strerror (e));
    if (!w) {
      ce_error_set (&req->err, CE_E_INTERNAL, "internal", "out of memory");
      MHD_resume_connection (req->conn);
      pthread_mutex_lock (&lock);
      live--;
      pthread_mutex_unlock (&lock);
      return;
    }
    worker (w);
  }
}

void
ce_complete_wait (void)
{
  pthread_mutex_lock (&lock);
  while (live > 0)
    pthread_cond_wait (&idle, &lock);
  pthread_mutex_unlock (&lock);
}
