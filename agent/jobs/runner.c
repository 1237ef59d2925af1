/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Job runner: one job at a time on a worker thread; records (status,
 * progress, log, result or error) are kept until the agent exits. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "offlinewin.h"
#include "share/share.h"

enum job_status { JOB_IN_PROGRESS, JOB_COMPLETE, JOB_FAILED, JOB_CANCELED };

static const char *const status_names[] = {
  "inProgress", "complete", "failed", "canceled"
};

struct ce_job_ctx {
  char id[37];
  char *type;
  json_t *doc;
  const struct ce_job_type *jt;
  enum job_status status;
  int progress;
  char *step;
  struct timespec created, started, finished;
  double started_mono;
  json_t *result;
  struct ce_error error;
  json_t *log;                 /* array of line objects */
  long log_dropped;            /* lines beyond CE_MAX_JOB_LOG_LINES */
  atomic_bool cancel;
  volatile int cancel_int;      /* the same, for engine APIs taking int* */
  struct ce_job_ctx *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static struct ce_job_ctx *jobs;           /* newest first */
static size_t njobs;
static struct ce_job_ctx *running;
static unsigned live_workers;            /* threads not yet exited */

static void
request_cancel (struct ce_job_ctx *j)
{
  atomic_store (&j->cancel, true);
  j->cancel_int = 1;
}

const char *
ce_job_id (const struct ce_job_ctx *j)
{
  return j->id;
}

volatile int *
ce_job_cancel_flag (struct ce_job_ctx *j)
{
  return &j->cancel_int;
}

static struct ce_job_ctx *
find_locked (const char *id)
{
  for (struct ce_job_ctx *j = jobs; j; j = j->next)
    if (!strcmp (j->id, id))
      return j;
  return NULL;
}

static void
add_time (json_t *o, const char *key, const struct timespec *ts)
{
  char buf[CE_TIME_BUF];
  if (ts->tv_sec == 0)
    return;
  ce_time_format (ts, buf);
  json_object_set_new (o, key, json_string (buf));
}

static json_t *
job_json_locked (const struct ce_job_ctx *j)
{
  json_t *o = json_object ();
  if (!o)
    return NULL;
  json_object_set_new (o, "id", json_string (j->id));
  json_object_set_new (o, "type", json_string (j->type));
  json_object_set_new (o, "status", json_string (status_names[j->status]));
  json_object_set_new (o, "overallProgressPercent", json_integer (j->progress));
  json_object_set_new (o, "step", json_string (j->step ? j->step : ""));
  add_time (o, "createdAt", &j->created);
  add_time (o, "startedAt", &j->started);
  add_time (o, "finishedAt", &j->finished);
  if (j->result)
    json_object_set (o, "result", j->result);
  if (j->error.kind != CE_E_NONE)
    json_object_set_new (o, "error", json_pack ("{s:s, s:s}", "code",
                                               j->error.code ? j->error.code : "failed",
                                               "message", j->error.message ? j->error.message : ""));
  return o;
}

void
ce_job_progress (struct ce_job_ctx *j, int percent, const char *step)
{
  if (percent < 0) percent = 0;
  if (percent > 100) percent = 100;
  pthread_mutex_lock (&lock);
  /* Progress never goes backwards: clients draw bars from it. */
  if (percent > j->progress)
    j->progress = percent;
  if (step) {
    char *s = strdup (step);
    if (s) {
      free (j->step);
      j->step = s;
    }
  }
  pthread_mutex_unlock (&lock);
  if (step)
    ce_log (CE_LOG_INFO, "job.step", "job %s: %d%% %s", j->id, percent, step);
}

static void
vlog_job (struct ce_job_ctx *j, enum ce_log_level level, const char *fmt,
          va_list ap)
{
  static const char *const names[] = { "debug", "info", "warning", "error" };
  char *msg = NULL;
  char tbuf[CE_TIME_BUF];
  struct timespec ts;

  if (vasprintf (&msg, fmt, ap) == -1)
    return;
  clock_gettime (CLOCK_REALTIME, &ts);
  ce_time_format (&ts, tbuf);
  pthread_mutex_lock (&lock);
  if (json_array_size (j->log) < CE_MAX_JOB_LOG_LINES) {
    json_array_append_new (j->log, json_pack ("{s:I, s:s, s:s, s:s}",
                                              "seq", (json_int_t) json_array_size (j->log),
                                              "time", tbuf, "level", names[level],
                                              "message", msg));
  }
  else
    j->log_dropped++;
  pthread_mutex_unlock (&lock);
  ce_log (level, "job.log", "job %s: %s", j->id, msg);
  free (msg);
}

void
ce_job_log (struct ce_job_ctx *j, enum ce_log_level level, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vlog_job (j, level, fmt, ap);
  va_end (ap);
}

bool
ce_job_canceled (struct ce_job_ctx *j)
{
  return atomic_load (&j->cancel);
}

static void *
worker (void *arg)
{
  struct ce_job_ctx *j = arg;
  struct ce_error err = { 0 };
  json_t *result = NULL, *final = NULL;
  int r;

  ce_job_log (j, CE_LOG_INFO, "job started: type %s", j->type);
  if (ce_job_canceled (j))
    r = ce_error_set (&err, CE_E_CONFLICT, "canceled", "canceled before it started");
  else
    r = j->jt->run (j, j->doc, &result, &err);
  ce_artifacts_release (j->doc);
  /* The record outlives the job; the share password must not. */
  ce_share_forget_credentials (json_object_get (j->doc, "outputStorageLocation"));

  pthread_mutex_lock (&lock);
  clock_gettime (CLOCK_REALTIME, &j->finished);
  if (r == 0) {
    j->status = JOB_COMPLETE;
    j->progress = 100;
    j->result = result;
    result = NULL;
  }
  else if (ce_job_canceled (j)) {
    j->status = JOB_CANCELED;
    ce_error_set (&j->error, CE_E_CONFLICT, "canceled", "%s",
                  err.message ? err.message : "canceled");
  }
  else {
    j->status = JOB_FAILED;
    if (!err.message)
      ce_error_set (&err, CE_E_INTERNAL, "failed", "job failed");
    ce_error_move (&j->error, &err);
  }
  running = NULL;
  final = job_json_locked (j);
  /* The job may have changed a disk: GET /v1/disks?inspect=1 looks again. */
  ce_disks_inspect_invalidate ();
  pthread_cond_broadcast (&changed);
  pthread_mutex_unlock (&lock);

  ce_job_log (j, j->status == JOB_COMPLETE ? CE_LOG_INFO : CE_LOG_WARN,
              "job finished: %s", status_names[j->status]);
  if (final)
    ce_callback_post (final);

  json_decref (final);
  json_decref (result);
  ce_error_clear (&err);
  ow_error_clear ();     /* engine messages are per thread */
  pthread_mutex_lock (&lock);
  live_workers--;
  pthread_cond_broadcast (&changed);
  pthread_mutex_unlock (&lock);
  return NULL;
}

json_t *
ce_jobs_start (const char *body, size_t len, char **id_out,
               struct ce_error *err)
{
  json_t *doc = NULL, *reply = NULL;
  const char *type;
  const struct ce_job_type *jt;
  struct ce_job_ctx *j = NULL;
  pthread_attr_t attr;
  pthread_t th;
  int e;

  *id_out = NULL;
  type = ce_jobdoc_parse (body, len, &doc, err);
  if (!type)
    return NULL;
  /* A local destination must lie beneath the export root: refused now. */
  const char *where = json_string_value (json_object_get (json_object_get (
                        doc, "outputStorageLocation"), "location"));
  if (where && !ce_smb_url_is_smb (where) && ce_export_root_check (where, err) == -1)
    goto out;
  jt = ce_job_type_find (type);
  if (!jt) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "no runner for job type '%s'", type);
    goto out;
  }
  j = calloc (1, sizeof *j);
  if (!j || ce_uuid (j->id) == -1 || !(j->type = strdup (type)) ||
      !(j->log = json_array ()) || !(j->step = strdup ("queued"))) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "cannot allocate the job");
    goto out;
  }
  j->doc = doc;
  doc = NULL;
  j->jt = jt;
  clock_gettime (CLOCK_REALTIME, &j->created);

  pthread_mutex_lock (&lock);
  if (running) {
    ce_error_set (err, CE_E_CONFLICT, "jobRunning",
                  "job %s is still running; one job at a time", running->id);
    pthread_mutex_unlock (&lock);
    goto out;
  }
  if (njobs >= CE_MAX_JOBS) {
    ce_error_set (err, CE_E_CONFLICT, "tooManyJobs",
                  "this agent has run its limit of %d jobs", CE_MAX_JOBS);
    pthread_mutex_unlock (&lock);
    goto out;
  }
  if (ce_artifacts_hold (j->doc) == -1) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
    pthread_mutex_unlock (&lock);
    goto out;
  }
  j->status = JOB_IN_PROGRESS;
  j->started = j->created;
  j->started_mono = ce_mono_now ();
  pthread_attr_init (&attr);
  pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
  e = pthread_create (&th, &attr, worker, j);
  pthread_attr_destroy (&attr);
  if (e) {
    ce_artifacts_release (j->doc);
    ce_error_set (err, CE_E_INTERNAL, "internal", "cannot start the worker: %s",
                  strerror (e));
    pthread_mutex_unlock (&lock);
    goto out;
  }
  live_workers++;
  running = j;
  j->next = jobs;
  jobs = j;
  njobs++;
  reply = json_pack ("{s:s, s:s}", "id", j->id, "status", "inProgress");
  *id_out = strdup (j->id);
  pthread_mutex_unlock (&lock);
  ce_log (CE_LOG_INFO, "job.start", "job %s started: type %s", j->id, j->type);
  return reply;

 out:
  if (j) {
    ce_share_forget_credentials (json_object_get (j->doc, "outputStorageLocation"));
    json_decref (j->doc);
    json_decref (j->log);
    free (j->type);
    free (j->step);
    free (j);
  }
  ce_share_forget_credentials (json_object_get (doc, "outputStorageLocation"));
  json_decref (doc);
  return NULL;
}

json_t *
ce_jobs_get (const char *id, struct ce_error *err)
{
  json_t *o = NULL;
  pthread_mutex_lock (&lock);
  struct ce_job_ctx *j = find_locked (id);
  if (j)
    o = job_json_locked (j);
  pthread_mutex_unlock (&lock);
  if (!j)
    ce_error_set (err, CE_E_NOT_FOUND, "notFound", "no job with that id");
  else if (!o)
    ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
  return o;
}

char *
ce_jobs_log (const char *id, long since, struct ce_error *err)
{
  char *buf = NULL;
  size_t size = 0;
  FILE *f;

  if (since < 0)
    since = 0;
  f = open_memstream (&buf, &size);
  if (!f) {
    ce_error_set (err, CE_E_INTERNAL, "internal", "out of memory");
    return NULL;
  }
  pthread_mutex_lock (&lock);
  struct ce_job_ctx *j = find_locked (id);
  if (j) {
    for (size_t i = (size_t) since; i < json_array_size (j->log); i++) {
      char *line = json_dumps (json_array_get (j->log, i),
                               JSON_COMPACT | JSON_PRESERVE_ORDER);
      if (line) {
        fputs (line, f);
        fputc ('\n', f);
        free (line);
      }
    }
  }
  pthread_mutex_unlock (&lock);
  fclose (f);
  if (!j) {
    free (buf);
    ce_error_set (err, CE_E_NOT_FOUND, "notFound", "no job with that id");
    return NULL;
  }
  return buf;
}

json_t *
ce_jobs_cancel (const char *id, struct ce_error *err)
{
  json_t *o = NULL;
  bool was_running = false;
  pthread_mutex_lock (&lock);
  struct ce_job_ctx *j = find_locked (id);
  if (j && j->status == JOB_IN_PROGRESS) {
    request_cancel (j);
    was_running = true;
  }
  if (j)
    o = job_json_locked (j);
  pthread_mutex_unlock (&lock);
  if (!j) {
    ce_error_set (err, CE_E_NOT_FOUND, "notFound", "no job with that id");
    return NULL;
  }
  if (was_running) {
    ce_job_log (j, CE_LOG_WARN, "cancel requested; stopping at the next safe point");
    json_object_set_new (o, "cancelRequested", json_true ());
  }
  else
    json_object_set_new (o, "cancelRequested", json_false ());
  return o;
}

char *
ce_jobs_running (void)
{
  char *id = NULL;
  pthread_mutex_lock (&lock);
  if (running)
    id = strdup (running->id);
  pthread_mutex_unlock (&lock);
  return id;
}

double
ce_jobs_running_for (void)
{
  double t = -1;
  pthread_mutex_lock (&lock);
  if (running)
    t = ce_mono_now () - running->started_mono;
  pthread_mutex_unlock (&lock);
  return t;
}

static void
deadline_after (struct timespec *ts, double seconds)
{
  clock_gettime (CLOCK_REALTIME, ts);
  ts->tv_sec += (time_t) seconds;
  ts->tv_nsec += (long) ((seconds - (double) (time_t) seconds) * 1e9);
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

bool
ce_jobs_cancel_and_wait (const char *why, double timeout)
{
  struct timespec until;
  bool stopped;
  struct ce_job_ctx *j;

  deadline_after (&until, timeout);
  pthread_mutex_lock (&lock);
  j = running;
  if (j)
    request_cancel (j);
  pthread_mutex_unlock (&lock);
  if (j)
    ce_job_log (j, CE_LOG_WARN, "canceling: %s", why);
  pthread_mutex_lock (&lock);
  while (running) {
    if (pthread_cond_timedwait (&changed, &lock, &until) == ETIMEDOUT)
      break;
  }
  stopped = running == NULL;
  pthread_mutex_unlock (&lock);
  return stopped;
}

json_t *
ce_jobs_summary (void)
{
  json_t *arr = json_array ();
  pthread_mutex_lock (&lock);
  for (struct ce_job_ctx *j = jobs; j; j = j->next) {
    json_t *o = json_pack ("{s:s, s:s, s:s}", "id", j->id, "type", j->type,
                           "status", status_names[j->status]);
    if (o)
      json_array_insert_new (arr, 0, o);
  }
  pthread_mutex_unlock (&lock);
  return arr;
}

void
ce_jobs_shutdown (void)
{
  struct timespec until;
  ce_jobs_cancel_and_wait ("agent shutting down", 30);
  /* Workers may still be posting their completion callback. */
  deadline_after (&until, 60);
  pthread_mutex_lock (&lock);
  while (live_workers > 0)
    if (pthread_cond_timedwait (&changed, &lock, &until) == ETIMEDOUT)
      break;
  if (live_workers > 0) {
    pthread_mutex_unlock (&lock);
    ce_log (CE_LOG_WARN, "jobs.shutdown", "a worker did not stop in time");
    return;   /* leave the records: a live thread still points at them */
  }
  while (jobs) {
    struct ce_job_ctx *j = jobs;
    jobs = j->next;
    json_decref (j->doc);
    json_decref (j->log);
    json_decref (j->result);
    ce_error_clear (&j->error);
    free (j->type);
    free (j->step);
    free (j);
  }
  njobs = 0;
  pthread_mutex_unlock (&lock);
}
