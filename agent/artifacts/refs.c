/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Artifacts in use: the names a running job lists in its "artifacts".
 * PUT /v1/artifacts/{name} of such a name is refused (409 artifactInUse)
 * until the job ends, checked when the upload begins and again, under the
 * same lock as the runner's hold, at the rename that publishes it.  (The
 * engine also stages from the descriptor it hashed, so even a replaced
 * name could not change what is installed; the 409 tells the operator.) */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"

struct ref {
  char *name;
  unsigned count;
  struct ref *next;
};

static pthread_mutex_t refs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ref *refs;

static struct ref *
find_locked (const char *name)
{
  for (struct ref *r = refs; r; r = r->next)
    if (strcmp (r->name, name) == 0)
      return r;
  return NULL;
}

static void
drop_locked (const char *name)
{
  for (struct ref **pp = &refs; *pp; pp = &(*pp)->next)
    if (strcmp ((*pp)->name, name) == 0) {
      struct ref *r = *pp;
      if (--r->count == 0) {
        *pp = r->next;
        free (r->name);
        free (r);
      }
      return;
    }
}

int
ce_artifacts_hold (const json_t *doc)
{
  json_t *arts = json_object_get (doc, "artifacts"), *v;
  const char *name, *failed = NULL;

  pthread_mutex_lock (&refs_lock);
  json_object_foreach (arts, name, v) {
    struct ref *r = find_locked (name);
    if (r == NULL) {
      r = calloc (1, sizeof *r);
      if (r == NULL || (r->name = strdup (name)) == NULL) {
        free (r);
        failed = name;
        break;
      }
      r->next = refs;
      refs = r;
    }
    r->count++;
  }
  if (failed) {                       /* undo the names held so far */
    json_object_foreach (arts, name, v) {
      if (name == failed)
        break;
      drop_locked (name);
    }
  }
  pthread_mutex_unlock (&refs_lock);
  return failed ? -1 : 0;
}

void
ce_artifacts_release (const json_t *doc)
{
  json_t *v;
  const char *name;

  pthread_mutex_lock (&refs_lock);
  json_object_foreach (json_object_get (doc, "artifacts"), name, v)
    drop_locked (name);
  pthread_mutex_unlock (&refs_lock);
}

static int
in_use_error (const char *name, struct ce_error *err)
{
  return ce_error_set (err, CE_E_CONFLICT, "artifactInUse",
                       "artifact %s is used by the running job: it can be replaced once "
                       "the job has ended", name);
}

int
ce_artifact_check_free (const char *name, struct ce_error *err)
{
  bool used;

  pthread_mutex_lock (&refs_lock);
  used = find_locked (name) != NULL;
  pthread_mutex_unlock (&refs_lock);
  return used ? in_use_error (name, err) : 0;
}

int
ce_artifact_publish (const char *tmp, const char *final, const char *name,
                     struct ce_error *err)
{
  int r = 0;

  pthread_mutex_lock (&refs_lock);
  if (find_locked (name) != NULL)
    r = in_use_error (name, err);
  else if (rename (tmp, final) == -1)
    r = ce_error_set (err, CE_E_INTERNAL, "storeFailed", "publishing the artifact: %s",
                      strerror (errno));
  pthread_mutex_unlock (&refs_lock);
  return r;
}
