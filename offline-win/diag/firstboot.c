/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The outcome of our first-boot runner (offline-win/data/firstboot-runner.ps1,
 * docs/firstboot.md), read from what it leaves behind:
 *   ProgramData/CE-Appliance/firstboot/steps.json   staged and not finished
 *   .../firstboot/attempts                          boots it ran at
 *   .../firstboot/done-<id>                         a step done (its exit code)
 *   ProgramData/CE-Appliance/firstboot.log          its log (kept at the end)
 *   <SystemRoot>/Logs/CE-Appliance-firstboot.log    it refused to run
 * The runner removes its folder when it finishes or gives up, so the log
 * is what tells done from gave-up. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag/diag.h"

#define CE_DIR      "ProgramData/CE-Appliance"
#define FB_DIR      CE_DIR "/firstboot"
#define FB_LOG      CE_DIR "/firstboot.log"
#define MAX_SMALL_FILE (64 * 1024)
#define MAX_STEPS_JSON (16u * 1024 * 1024)

/* The text of a small file of the runner, NULL if absent/unreadable. */
static char *
small_text (struct diag *d, const char *path)
{
  void *buf = NULL;
  size_t len = 0;
  uint64_t total;

  if (ow_path_exists (d->w.vol, path) != 1)
    return NULL;
  if (diag_file_read_tail (d->w.vol, path, MAX_SMALL_FILE, &buf, &len, &total) == -1) {
    ow_error_clear ();
    return NULL;
  }
  return buf;
}

/* Lines of TEXT (skipping a UTF-8 BOM), the last N of them. */
static json_t *
tail_lines (const char *text, size_t n)
{
  json_t *a = json_array ();
  const char *p = text;

  if ((unsigned char) p[0] == 0xef && (unsigned char) p[1] == 0xbb && (unsigned char) p[2] == 0xbf)
    p += 3;
  while (*p) {
    size_t l = strcspn (p, "\r\n");
    if (l > 0)
      json_array_append_new (a, json_stringn_nocheck (p, l));
    p += l;
    while (*p == '\r' || *p == '\n')
      p++;
  }
  while (json_array_size (a) > n)
    json_array_remove (a, 0);
  return a;
}

/* The step with id ID in STEPS (created when absent). */
static json_t *
step_of (json_t *steps, json_int_t id)
{
  size_t i;
  json_t *s;

  json_array_foreach (steps, i, s)
    if (json_integer_value (json_object_get (s, "id")) == id)
      return s;
  s = json_pack ("{s:I, s:s}", "id", id, "status", "not run");
  json_array_append_new (steps, s);
  return s;
}

static void
set_status (json_t *step, const char *status, int rc)
{
  json_object_set_new (step, "status", json_string (status));
  json_object_set_new (step, "exitCode", json_integer (rc));
}

/* What the log says about steps and the run: "step N: done (exit X)",
 * "step N: failed (exit X)", "step N: cannot start", "boot N of at most M",
 * "all steps done", "giving up after". */
static void
read_log (const char *text, json_t *steps, json_t *fb)
{
  const char *p = text;

  while (*p) {
    size_t l = strcspn (p, "\n");
    char *line = strndup (p, l), *s;
    json_int_t id;
    int rc, n, m;

    if (line && (s = strstr (line, " step ")) != NULL &&
        sscanf (s, " step %lld", (long long *) &id) == 1) {
      if (sscanf (s, " step %*d: done (exit %d)", &rc) == 1)
        set_status (step_of (steps, id), "done", rc);
      else if (sscanf (s, " step %*d: failed (exit %d)", &rc) == 1)
        set_status (step_of (steps, id), "failed", rc);
      else if (strstr (s, ": cannot start"))
        set_status (step_of (steps, id), "failed", -1);
    }
    if (line && (s = strstr (line, " boot ")) && sscanf (s, " boot %d of at most %d", &n, &m) == 2) {
      json_object_set_new (fb, "attempts", json_integer (n));
      json_object_set_new (fb, "maxAttempts", json_integer (m));
    }
    if (line && strstr (line, " all steps done"))
      json_object_set_new (fb, "logSays", json_string ("done"));
    if (line && strstr (line, " giving up after"))
      json_object_set_new (fb, "logSays", json_string ("gave-up"));
    if (line && strstr (line, " the failed step is retried"))
      json_object_set_new (fb, "logSays", json_string ("retrying"));
    free (line);
    p += l;
    if (*p)
      p++;
  }
}

/* steps.json's steps with done-<id> files; attempts. */
static void
read_staged (struct diag *d, json_t *steps, json_t *fb)
{
  void *buf = NULL;
  size_t len = 0;
  json_t *doc, *s;
  size_t i;
  char *att;

  if (ow_file_read (d->w.vol, FB_DIR "/steps.json", MAX_STEPS_JSON, &buf, &len) == -1) {
    json_object_set_new (fb, "stepsError", json_string (ow_error_message ()));
    ow_error_clear ();
    return;
  }
  diag_file_note (d, FB_DIR "/steps.json", "record");
  doc = json_loadb (buf, len, 0, NULL);
  free (buf);
  if (doc && json_integer_value (json_object_get (doc, "maxAttempts")) > 0)
    json_object_set (fb, "maxAttempts", json_object_get (doc, "maxAttempts"));
  json_array_foreach (json_object_get (doc, "steps"), i, s) {
    json_int_t id = json_integer_value (json_object_get (s, "id"));
    json_t *st = step_of (steps, id);
    char *done_path = NULL, *txt;
    json_object_set (st, "step", json_object_get (s, "step"));
    json_object_set (st, "description", json_object_get (s, "description"));
    if (asprintf (&done_path, FB_DIR "/done-%lld", (long long) id) == -1)
      continue;
    if ((txt = small_text (d, done_path)) != NULL) {
      json_object_set_new (st, "status", json_string ("done"));
      json_object_set_new (st, "exitCode", json_integer (atoi (txt)));
      diag_file_note (d, done_path, "record");
      free (txt);
    }
    free (done_path);
  }
  json_decref (doc);
  if ((att = small_text (d, FB_DIR "/attempts")) != NULL) {
    json_object_set_new (fb, "attempts", json_integer (atoi (att)));
    diag_file_note (d, FB_DIR "/attempts", "record");
    free (att);
  }
}

static void
findings (struct diag *d, json_t *fb, json_t *steps, const char *state)
{
  size_t i;
  json_t *s;

  if (strcmp (state, "refused") == 0)
    diag_finding (d, "firstboot-refused", "error",
                  diag_ev_file (json_string_value (json_object_get (fb, "refusedLog")), NULL),
                  "the first-boot runner refused to run because a folder or file under "
                  "ProgramData\\CE-Appliance could be changed by a non-administrator (its log "
                  "says which): none of its steps ran; fix the permissions and prepare again");
  json_array_foreach (steps, i, s) {
    if (strcmp (json_string_value (json_object_get (s, "status")), "failed") != 0)
      continue;
    json_t *f = diag_finding (d, "firstboot-step-failed", "error",
                              json_pack ("[o, O]", diag_ev_file (FB_LOG, "first-boot runner log"),
                                         s),
                              "first-boot step %lld (%s) failed with exit code %lld%s: read "
                              "firstboot.log and the step's own log in the bundle; %s",
                              (long long) json_integer_value (json_object_get (s, "id")),
                              json_string_value (json_object_get (s, "step")) ?
                              json_string_value (json_object_get (s, "step")) : "?",
                              (long long) json_integer_value (json_object_get (s, "exitCode")),
                              strcmp (state, "gave-up") == 0 ? " and the runner gave up "
                              "(the later steps never ran)" : "",
                              strcmp (state, "gave-up") == 0 ? "fix the cause, then run the "
                              "step by hand or prepare the source image again" :
                              "it is retried at the next boot");
    json_object_set (f, "step", s);
  }
  if (strcmp (state, "pending") == 0)
    diag_finding (d, "firstboot-pending", "info", diag_ev_file (FB_DIR "/steps.json", NULL),
                  "the first-boot runner is staged and has not run yet: it runs at the next "
                  "boot as a Group Policy startup script, before any logon");
}

int
diag_firstboot (struct diag *d)
{
  json_t *fb = json_object (), *steps = json_array ();
  char *log, *refused = NULL, *refused_text = NULL;
  const char *state, *says;
  bool staged = ow_path_exists (d->w.vol, FB_DIR "/steps.json") == 1;

  json_object_set_new (d->report, "firstBoot", fb);
  if (staged)
    read_staged (d, steps, fb);
  log = NULL;
  {
    void *buf = NULL;
    size_t len = 0;
    uint64_t total = 0;
    if (ow_path_exists (d->w.vol, FB_LOG) == 1 &&
        diag_file_read_tail (d->w.vol, FB_LOG, DIAG_MAX_TEXT_LOG, &buf, &len, &total) == 0) {
      log = buf;
      diag_file_note (d, FB_LOG, "log");
    }
    ow_error_clear ();
  }
  if (asprintf (&refused, "%s/Logs/CE-Appliance-firstboot.log", d->w.systemroot) != -1 &&
      (refused_text = small_text (d, refused)) != NULL) {
    json_object_set_new (fb, "refusedLog", json_string (refused));
    diag_file_note (d, refused, "log");
  }
  if (log) {
    read_log (log, steps, fb);
    json_object_set_new (fb, "logTail", tail_lines (log, DIAG_LOG_TAIL_LINES));
  }
  says = json_string_value (json_object_get (fb, "logSays"));
  if (refused_text)
    state = "refused";
  else if (staged)
    state = json_integer_value (json_object_get (fb, "attempts")) > 0 ? "retrying" : "pending";
  else if (says)
    state = says;
  else if (log)
    state = "unknown";
  else
    state = "not-staged";
  json_object_set_new (fb, "state", json_string (state));
  json_object_set_new (fb, "stillPending", json_boolean (staged && !refused_text));
  json_object_set_new (fb, "log", log ? json_string ("/" FB_LOG) : json_null ());
  json_object_set_new (fb, "steps", steps);
  findings (d, fb, steps, state);
  json_object_del (fb, "logSays");
  free (log);
  free (refused);
  free (refused_text);
  return 0;
}
