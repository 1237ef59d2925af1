/* SPDX-License-Identifier: GPL-3.0-or-later */
/* GET /v1/disks?inspect=1: inspections off the request threads.  A request
 * gets each disk's inspection from this cache, or {"status":"pending"}
 * and the disk is queued; one background thread inspects queued disks,
 * each in a sandboxed child (sandbox/), like an inspect job.  A result is
 * kept until a job ends (a job may have changed the disk) or the disk's
 * size changes; clients poll until no disk is pending. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "sandbox/sandbox.h"

struct entry {
  char *path;
  uint64_t size;
  unsigned gen;                /* the job generation it was made in */
  json_t *doc;                 /* NULL: queued or running */
  struct entry *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *entries;
static size_t nentries;
static unsigned generation;
static bool worker_running;

static struct entry *
find_locked (const char *path)
{
  for (struct entry *e = entries; e; e = e->next)
    if (!strcmp (e->path, path))
      return e;
  return NULL;
}

static json_t *
inspect_one (const char *path)
{
  struct ce_error err = { 0 };
  json_t *doc = NULL;
  struct ce_sandbox_job sj = { .kind = "inspect", .disk = path, .outdir_fd = -1,
                               .artdir_fd = -1, .base = 0, .span = 100 };
  if (ce_sandbox_run (NULL, &sj, &doc, &err) == -1)
    doc = json_pack ("{s:{s:s, s:s}}", "error", "code", err.code ? err.code : "inspectFailed",
                     "message", err.message ? err.message : "inspection failed");
  ce_error_clear (&err);
  return doc;
}

static void *
worker (void *arg)
{
  (void) arg;
  pthread_mutex_lock (&lock);
  for (;;) {
    struct entry *e = entries;
    while (e && e->doc)
      e = e->next;
    if (!e)
      break;
    char *path = strdup (e->path);
    unsigned gen = e->gen;
    pthread_mutex_unlock (&lock);
    json_t *doc = path ? inspect_one (path) : NULL;
    pthread_mutex_lock (&lock);
    /* The entry may have been dropped or renewed meanwhile. */
    e = path ? find_locked (path) : NULL;
    if (e && !e->doc && e->gen == gen && gen == generation) {
      e->doc = doc ? doc : json_pack ("{s:{s:s, s:s}}", "error", "code", "internal",
                                      "message", "out of memory");
      doc = NULL;
    }
    else if (e && e->gen != generation) {
      e->gen = generation;      /* inspect it again */
    }
    json_decref (doc);
    free (path);
  }
  worker_running = false;
  pthread_mutex_unlock (&lock);
  return NULL;
}

void
ce_disks_inspect_attach (json_t *disk, const char *path, uint64_t size)
{
  struct entry *e;
  json_t *v = NULL;

  pthread_mutex_lock (&lock);
  e = find_locked (path);
  if (e && (e->size != size || e->gen != generation)) {
    json_decref (e->doc);
    e->doc = NULL;
    e->size = size;
    e->gen = generation;
  }
  if (!e && nentries < CE_MAX_DISKS && (e = calloc (1, sizeof *e)) &&
      (e->path = strdup (path))) {
    e->size = size;
    e->gen = generation;
    e->next = entries;
    entries = e;
    nentries++;
  }
  else if (e && !e->path) {
    free (e);
    e = NULL;
  }
  if (e && e->doc)
    v = json_deep_copy (e->doc);
  else if (e && !worker_running) {
    pthread_t th;
    pthread_attr_t attr;
    pthread_attr_init (&attr);
    pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create (&th, &attr, worker, NULL) == 0)
      worker_running = true;
    pthread_attr_destroy (&attr);
  }
  pthread_mutex_unlock (&lock);
  json_object_set_new (disk, "inspect", v ? v : json_pack ("{s:s}", "status", "pending"));
}

void
ce_disks_inspect_invalidate (void)
{
  pthread_mutex_lock (&lock);
  generation++;
  pthread_mutex_unlock (&lock);
}
