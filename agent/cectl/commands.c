/* SPDX-License-Identifier: GPL-3.0-or-later */
/* cectl commands.  Each returns a CECTL_* exit code. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "agent.h"
#include "cectl.h"

#define MAX_JOB_FILE (64 * 1024)
#define POLL_USEC 500000
#define BAR_WIDTH 30
#define MAX_ID_LEN 128

/* GET/POST returning JSON: print it (--json) or hand it to SHOW. */
static int
simple (struct cectl *c, const char *method, const char *path, const char *body,
        void (*show) (json_t *), json_t **keep)
{
  struct cectl_response r;
  json_t *j;
  int rc;

  if (cectl_request (c, method, path, body ? "application/json" : NULL, body,
                     body ? strlen (body) : 0, NULL, 0, NULL, &r) == -1)
    return CECTL_CONNECT;
  if (r.status < 200 || r.status > 299) {
    rc = cectl_api_error (&r);
    cectl_response_free (&r);
    return rc;
  }
  j = cectl_json (&r);
  if (!j) {
    cectl_response_free (&r);
    return CECTL_API;
  }
  if (c->json || !show)
    fputs (r.body, stdout);
  else
    show (j);
  cectl_response_free (&r);
  if (keep)
    *keep = j;
  else
    json_decref (j);
  return CECTL_OK;
}

static bool
id_ok (const char *id)
{
  size_t n = strlen (id);
  if (n == 0 || n > MAX_ID_LEN)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!strchr ("0123456789abcdefABCDEF-", id[i]))
      return false;
  return true;
}

static void
show_kv (json_t *j)
{
  const char *k;
  json_t *v;
  json_object_foreach (j, k, v) {
    char *s = json_is_string (v) ? strdup (json_string_value (v))
      : json_dumps (v, JSON_ENCODE_ANY | JSON_COMPACT);
    printf ("%-24s %s\n", k, s ? s : "?");
    free (s);
  }
}

int
cectl_cmd_health (struct cectl *c, int argc, char **argv)
{
  (void) argv;
  if (argc != 1)
    return CECTL_USAGE;
  return simple (c, "GET", "/v1/health", NULL, show_kv, NULL);
}

int
cectl_cmd_info (struct cectl *c, int argc, char **argv)
{
  (void) argv;
  if (argc != 1)
    return CECTL_USAGE;
  return simple (c, "GET", "/v1/info", NULL, show_kv, NULL);
}

static void
show_disks (json_t *j)
{
  size_t i;
  json_t *d;
  printf ("%-28s %14s %-20s %-10s %s\n", "PATH", "SIZE", "SERIAL", "LUN", "INSPECT");
  json_array_foreach (json_object_get (j, "disks"), i, d) {
    json_t *ins = json_object_get (d, "inspect");
    json_t *verdict = json_object_get (ins, "verdict");
    char what[128];
    if (json_object_get (ins, "error"))
      snprintf (what, sizeof what, "error: %s", json_string_value (json_object_get (
        json_object_get (ins, "error"), "code")) ?: "?");
    else if (verdict)
      snprintf (what, sizeof what, "windows=%lld writable=%s",
                (long long) json_integer_value (json_object_get (verdict, "windowsFound")),
                json_is_true (json_object_get (verdict, "writable")) ? "yes" : "no");
    else
      snprintf (what, sizeof what, "-");
    printf ("%-28s %14lld %-20s %-10s %s\n",
            json_string_value (json_object_get (d, "path")) ?: "?",
            (long long) json_integer_value (json_object_get (d, "size")),
            json_string_value (json_object_get (d, "serial")) ?: "-",
            json_string_value (json_object_get (d, "scsiAddress")) ?: "-", what);
  }
}

/* Is any disk's inspection still being made (GET /v1/disks?inspect=1)? */
static bool
any_pending (json_t *j)
{
  size_t i;
  json_t *d;
  json_array_foreach (json_object_get (j, "disks"), i, d) {
    const char *st = json_string_value (json_object_get (json_object_get (d, "inspect"),
                                                         "status"));
    if (st && !strcmp (st, "pending"))
      return true;
  }
  return false;
}

/* The agent inspects disks in its sandboxed worker, off the request
 * thread, and answers "pending" until the result is there: ask again until
 * no disk is pending, up to DISKS_INSPECT_WAIT_SECONDS. */
#define DISKS_INSPECT_WAIT_SECONDS 120
#define DISKS_POLL_NS 200000000L

int
cectl_cmd_disks (struct cectl *c, int argc, char **argv)
{
  (void) argv;
  if (argc != 1)
    return CECTL_USAGE;
  for (int i = 0; i < DISKS_INSPECT_WAIT_SECONDS * 5; i++) {
    json_t *j = NULL;
    bool last = i + 1 == DISKS_INSPECT_WAIT_SECONDS * 5, pending;
    struct cectl_response r;
    struct timespec ts = { 0, DISKS_POLL_NS };

    if (cectl_request (c, "GET", "/v1/disks?inspect=1", NULL, NULL, 0, NULL, 0, NULL, &r) == -1)
      return CECTL_CONNECT;
    if (r.status < 200 || r.status > 299) {
      int rc = cectl_api_error (&r);
      cectl_response_free (&r);
      return rc;
    }
    j = cectl_json (&r);
    if (!j) {
      cectl_response_free (&r);
      return CECTL_API;
    }
    pending = any_pending (j);
    if (!pending || last) {
      if (c->json)
        fputs (r.body, stdout);
      else
        show_disks (j);
      json_decref (j);
      cectl_response_free (&r);
      return CECTL_OK;
    }
    json_decref (j);
    cectl_response_free (&r);
    nanosleep (&ts, NULL);
  }
  return CECTL_OK;
}

static void
show_started (json_t *j)
{
  printf ("%s\n", json_string_value (json_object_get (j, "id")) ?: "?");
}

static int
job_start (struct cectl *c, const char *file)
{
  size_t len;
  char *body = ce_read_file (file, MAX_JOB_FILE, &len);
  int rc;
  if (!strcmp (file, "-"))
    body = ce_read_file ("/dev/stdin", MAX_JOB_FILE, &len);
  if (!body) {
    fprintf (stderr, "cectl: %s: %s\n", file,
             errno == EFBIG ? "job file too large" : strerror (errno));
    return CECTL_USAGE;
  }
  rc = simple (c, "POST", "/v1/jobs", body, show_started, NULL);
  free (body);
  return rc;
}

static void
show_job (json_t *j)
{
  json_t *err = json_object_get (j, "error");
  printf ("id        %s\n", json_string_value (json_object_get (j, "id")) ?: "?");
  printf ("type      %s\n", json_string_value (json_object_get (j, "type")) ?: "?");
  printf ("status    %s\n", json_string_value (json_object_get (j, "status")) ?: "?");
  printf ("progress  %lld%% %s\n",
          (long long) json_integer_value (json_object_get (j, "overallProgressPercent")),
          json_string_value (json_object_get (j, "step")) ?: "");
  if (err)
    printf ("error     %s: %s\n", json_string_value (json_object_get (err, "code")) ?: "?",
            json_string_value (json_object_get (err, "message")) ?: "");
  if (json_object_get (j, "result")) {
    char *s = json_dumps (json_object_get (j, "result"), JSON_INDENT (2));
    printf ("result    %s\n", s ? s : "?");
    free (s);
  }
}

static int
job_get_json (struct cectl *c, const char *id, json_t **out)
{
  struct cectl_response r;
  char *path = NULL;
  int rc = CECTL_OK;
  if (asprintf (&path, "/v1/jobs/%s", id) == -1)
    return CECTL_CONNECT;
  if (cectl_request (c, "GET", path, NULL, NULL, 0, NULL, 0, NULL, &r) == -1)
    rc = CECTL_CONNECT;
  else if (r.status != 200)
    rc = cectl_api_error (&r);
  else if (!(*out = cectl_json (&r)))
    rc = CECTL_API;
  cectl_response_free (&r);
  free (path);
  return rc;
}

static int
final_code (json_t *j)
{
  const char *st = json_string_value (json_object_get (j, "status"));
  return st && !strcmp (st, "complete") ? CECTL_OK : CECTL_JOB_FAILED;
}

static int
job_wait (struct cectl *c, const char *id)
{
  bool tty = isatty (STDOUT_FILENO) && !c->json;
  long last_pct = -1;
  char *last_step = NULL;
  json_t *j = NULL;
  int rc;

  for (;;) {
    rc = job_get_json (c, id, &j);
    if (rc != CECTL_OK)
      break;
    const char *st = json_string_value (json_object_get (j, "status")) ?: "?";
    const char *step = json_string_value (json_object_get (j, "step")) ?: "";
    long pct = (long) json_integer_value (json_object_get (j, "overallProgressPercent"));
    bool done = strcmp (st, "inProgress") != 0;
    if (tty) {
      int fill = (int) (pct * BAR_WIDTH / 100);
      printf ("\r[%.*s%*s] %3ld%% %-40.40s", fill, "##############################",
              BAR_WIDTH - fill, "", pct, step);
      if (done)
        putchar ('\n');
      fflush (stdout);
    }
    else if (!c->json && (pct != last_pct || !last_step || strcmp (step, last_step))) {
      printf ("%ld%% %s\n", pct, step);
      fflush (stdout);
    }
    last_pct = pct;
    free (last_step);
    last_step = strdup (step);
    if (done) {
      if (c->json) {
        char *s = json_dumps (j, JSON_COMPACT);
        if (s)
          puts (s);
        free (s);
      }
      else {
        json_t *err = json_object_get (j, "error");
        printf ("job %s %s", id, st);
        if (err)
          printf (": %s", json_string_value (json_object_get (err, "message")) ?: "");
        putchar ('\n');
      }
      rc = final_code (j);
      break;
    }
    json_decref (j);
    j = NULL;
    usleep (POLL_USEC);
  }
  json_decref (j);
  free (last_step);
  return rc;
}

static int
job_log (struct cectl *c, const char *id, bool follow)
{
  long since = 0;
  int rc = CECTL_OK;

  for (;;) {
    struct cectl_response r;
    char *path = NULL;
    bool finished = false;
    json_t *j = NULL;

    /* Read the status first so no line written before "finished" is missed. */
    if (follow) {
      rc = job_get_json (c, id, &j);
      if (rc != CECTL_OK)
        return rc;
      finished = strcmp (json_string_value (json_object_get (j, "status")) ?: "", "inProgress");
      json_decref (j);
    }
    if (asprintf (&path, "/v1/jobs/%s/log?since=%ld", id, since) == -1)
      return CECTL_CONNECT;
    if (cectl_request (c, "GET", path, NULL, NULL, 0, NULL, 0, NULL, &r) == -1) {
      free (path);
      return CECTL_CONNECT;
    }
    free (path);
    if (r.status != 200) {
      rc = cectl_api_error (&r);
      cectl_response_free (&r);
      return rc;
    }
    char *save = NULL;
    for (char *line = strtok_r (r.body, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
      json_t *l = json_loads (line, 0, NULL);
      since = (long) json_integer_value (json_object_get (l, "seq")) + 1;
      if (c->json)
        puts (line);
      else
        printf ("%s %-7s %s\n", json_string_value (json_object_get (l, "time")) ?: "",
                json_string_value (json_object_get (l, "level")) ?: "",
                json_string_value (json_object_get (l, "message")) ?: "");
      json_decref (l);
    }
    fflush (stdout);
    cectl_response_free (&r);
    if (!follow || finished)
      return CECTL_OK;
    usleep (POLL_USEC);
  }
}

int
cectl_cmd_job (struct cectl *c, int argc, char **argv)
{
  char *path = NULL;
  int rc;
  if (argc < 3)
    return CECTL_USAGE;
  const char *sub = argv[1], *arg = argv[2];
  if (!strcmp (sub, "start") && argc == 3)
    return job_start (c, arg);
  if (!id_ok (arg)) {
    fprintf (stderr, "cectl: '%s' is not a job id\n", arg);
    return CECTL_USAGE;
  }
  if (!strcmp (sub, "wait") && argc == 3)
    return job_wait (c, arg);
  if (!strcmp (sub, "log") && (argc == 3 || (argc == 4 && !strcmp (argv[3], "--follow"))))
    return job_log (c, arg, argc == 4);
  if (!strcmp (sub, "get") && argc == 3) {
    if (asprintf (&path, "/v1/jobs/%s", arg) == -1)
      return CECTL_CONNECT;
    rc = simple (c, "GET", path, NULL, show_job, NULL);
  }
  else if (!strcmp (sub, "cancel") && argc == 3) {
    if (asprintf (&path, "/v1/jobs/%s/cancel", arg) == -1)
      return CECTL_CONNECT;
    rc = simple (c, "POST", path, NULL, show_job, NULL);
  }
  else
    return CECTL_USAGE;
  free (path);
  return rc;
}

static int
sha256_file (FILE *f, char hex[65])
{
  EVP_MD_CTX *md = EVP_MD_CTX_new ();
  unsigned char buf[65536], out[32];
  unsigned n = 0;
  size_t r;
  int ok = md && EVP_DigestInit_ex (md, EVP_sha256 (), NULL);
  while (ok && (r = fread (buf, 1, sizeof buf, f)) > 0)
    ok = EVP_DigestUpdate (md, buf, r);
  ok = ok && !ferror (f) && EVP_DigestFinal_ex (md, out, &n) && n == 32;
  EVP_MD_CTX_free (md);
  if (ok)
    ce_hex_encode (out, 32, hex);
  return ok ? 0 : -1;
}

int
cectl_cmd_artifact (struct cectl *c, int argc, char **argv)
{
  struct cectl_response r;
  struct stat st;
  char hex[65], *hdr = NULL, *path = NULL;
  FILE *f;
  int rc;

  if (argc != 4 || strcmp (argv[1], "put"))
    return CECTL_USAGE;
  f = fopen (argv[3], "rb");
  if (!f || fstat (fileno (f), &st) == -1 || !S_ISREG (st.st_mode) || sha256_file (f, hex) == -1) {
    fprintf (stderr, "cectl: %s: cannot read a regular file\n", argv[3]);
    if (f)
      fclose (f);
    return CECTL_USAGE;
  }
  rewind (f);
  if (asprintf (&hdr, "X-Content-SHA256: %s", hex) == -1 ||
      asprintf (&path, "/v1/artifacts/%s", argv[2]) == -1) {
    fclose (f);
    return CECTL_CONNECT;
  }
  if (cectl_request (c, "PUT", path, "application/octet-stream", NULL, 0, f,
                     (uint64_t) st.st_size, hdr, &r) == -1)
    rc = CECTL_CONNECT;
  else if (r.status < 200 || r.status > 299)
    rc = cectl_api_error (&r);
  else {
    if (c->json)
      fputs (r.body, stdout);
    else
      printf ("stored %s (%lld bytes, sha256 %s)\n", argv[2], (long long) st.st_size, hex);
    rc = CECTL_OK;
  }
  if (rc != CECTL_CONNECT)
    cectl_response_free (&r);
  fclose (f);
  free (hdr);
  free (path);
  return rc;
}

static void
show_complete (json_t *j)
{
  printf ("agent completing (%s next)\n",
          json_string_value (json_object_get (j, "then")) ?: "?");
}

int
cectl_cmd_complete (struct cectl *c, int argc, char **argv)
{
  bool force = argc == 2 && !strcmp (argv[1], "--force");
  if (argc != 1 && !force)
    return CECTL_USAGE;
  return simple (c, "POST", "/v1/complete", force ? "{\"force\":true}" : NULL,
                 show_complete, NULL);
}
