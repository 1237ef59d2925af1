/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sandboxed child (`ce-agent --sandbox-child`, started only by
 * spawn.c): read the request, open the disk, lock down, run the engine,
 * report over the channel, exit.  It never sees the token, the TLS key or
 * an SMB password: the request holds none, and exec replaced the agent's
 * memory. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "offlinewin.h"
#include "sandbox/sandbox.h"

/* The request line: parameters and artifact names, no disk data. */
#define MAX_REQUEST (256 * 1024)
#define MAX_FDS 1024

extern char **environ;

static volatile int cancel_flag;
static json_t *request;

static void
write_all (const char *s, size_t n)
{
  while (n > 0) {
    ssize_t w = write (CE_SBX_FD_CHAN, s, n);
    if (w == -1 && errno == EINTR)
      continue;
    if (w <= 0)
      _exit (1);                 /* the agent is gone */
    s += w;
    n -= (size_t) w;
  }
}

static void
send_msg (json_t *o)
{
  char *s = o ? json_dumps (o, JSON_COMPACT) : NULL;
  if (!s)
    _exit (1);
  write_all (s, strlen (s));
  write_all ("\n", 1);
  free (s);
  json_decref (o);
}

static void send_log (const char *level, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
static void
send_log (const char *level, const char *fmt, ...)
{
  va_list ap;
  char *m = NULL;
  va_start (ap, fmt);
  if (vasprintf (&m, fmt, ap) == -1)
    m = NULL;
  va_end (ap);
  if (m)
    send_msg (json_pack ("{s:s, s:s, s:s}", "t", "log", "level", level, "message", m));
  free (m);
}

static void
send_progress (int pct, const char *step)
{
  json_t *o = json_pack ("{s:s, s:i}", "t", "progress", "percent", pct);
  if (o && step)
    json_object_set_new (o, "step", json_string (step));
  send_msg (o);
}

static void finish_error (const char *kind, const char *code, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4), noreturn));
static void
finish_error (const char *kind, const char *code, const char *fmt, ...)
{
  va_list ap;
  char *m = NULL;
  va_start (ap, fmt);
  if (vasprintf (&m, fmt, ap) == -1)
    m = NULL;
  va_end (ap);
  send_msg (json_pack ("{s:s, s:s, s:s, s:s}", "t", "error", "kind", kind, "code", code,
                       "message", m ? m : code));
  /* _exit: no atexit work (a sanitizer's leak check would need ptrace,
   * which the filter refuses). */
  _exit (0);
}

static void __attribute__ ((noreturn))
finish_result (json_t *result)
{
  if (!result)
    finish_error ("internal", "internal", "out of memory");
  send_msg (json_pack ("{s:s, s:o}", "t", "result", "result", result));
  _exit (0);
}

/* One line from the channel (byte by byte: what follows the request
 * belongs to the cancel reader); NULL at EOF or past MAX. */
static char *
read_line (size_t max)
{
  char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    char c;
    ssize_t r = read (CE_SBX_FD_CHAN, &c, 1);
    if (r == -1 && errno == EINTR)
      continue;
    if (r <= 0 || len + 1 >= max) {
      free (buf);
      return NULL;
    }
    if (c == '\n')
      break;
    if (len + 2 > cap) {
      char *n = realloc (buf, cap = cap ? cap * 2 : 256);
      if (!n) {
        free (buf);
        return NULL;
      }
      buf = n;
    }
    buf[len++] = c;
  }
  if (!buf && !(buf = malloc (1)))
    return NULL;
  buf[len] = '\0';
  return buf;
}

/* "cancel" lines; EOF means the agent is gone: stop too. */
static void *
cancel_reader (void *arg)
{
  char *line;
  (void) arg;
  while ((line = read_line (64))) {
    if (!strcmp (line, "cancel"))
      cancel_flag = 1;
    free (line);
  }
  cancel_flag = 1;
  return NULL;
}

static const char *
param_str (const char *key)
{
  return json_string_value (json_object_get (json_object_get (request, "params"), key));
}

static bool
param_bool (const char *key)
{
  return json_is_true (json_object_get (json_object_get (request, "params"), key));
}

/* ---- probe (ce-agent --sandbox-self-test) -------------------------------- */

static json_t *
attempt (int r, int e)
{
  if (r >= 0)
    return json_pack ("{s:b}", "refused", 0);
  return json_pack ("{s:b, s:s}", "refused", 1, "error", strerror (e));
}

static void __attribute__ ((noreturn))
run_probe (const char *report)
{
  json_t *res = json_object (), *fds = json_array (), *env = json_array ();
  const char *file = param_str ("file");
  json_int_t pid = json_integer_value (json_object_get (json_object_get (request, "params"), "pid"));
  char *mem = NULL;
  int fd;

  fd = socket (AF_INET, SOCK_STREAM, 0);
  json_object_set_new (res, "socket", attempt (fd, errno));
  if (fd >= 0)
    close (fd);
  fd = socket (AF_UNIX, SOCK_STREAM, 0);
  json_object_set_new (res, "unixSocket", attempt (fd, errno));
  if (fd >= 0)
    close (fd);
  json_object_set_new (res, "userNamespace", attempt (unshare (CLONE_NEWUSER), errno));
  fd = open (file ? file : "/", O_RDONLY | O_CLOEXEC);
  json_object_set_new (res, "keyFile", attempt (fd, errno));
  if (fd >= 0)
    close (fd);
  if (asprintf (&mem, "/proc/%" PRId64 "/mem", (int64_t) pid) == -1)
    finish_error ("internal", "internal", "out of memory");
  fd = open (mem, O_RDONLY | O_CLOEXEC);
  json_object_set_new (res, "agentMemory", attempt (fd, errno));
  if (fd >= 0)
    close (fd);
  free (mem);
  for (int i = 0; i < MAX_FDS; i++)
    if (fcntl (i, F_GETFD) != -1)
      json_array_append_new (fds, json_integer (i));
  for (char **e = environ; *e; e++) {
    const char *eq = strchr (*e, '=');
    json_array_append_new (env, json_stringn (*e, eq ? (size_t) (eq - *e) : strlen (*e)));
  }
  json_object_set_new (res, "fds", fds);
  json_object_set_new (res, "environ", env);
  json_object_set_new (res, "uid", json_integer (getuid ()));
  json_object_set_new (res, "sandbox", json_string (report));
  finish_result (res);
}

/* ---- the engine's jobs ---------------------------------------------------- */

static const char *
engine_code (const char *fallback)
{
  switch (ow_error_class ()) {
  case OW_ERR_UNSAFE: return "unsafeDisk";
  case OW_ERR_INVALID: return "invalidJob";
  default: return ow_error_errno () == ECANCELED ? "canceled" : fallback;
  }
}

static void __attribute__ ((noreturn))
run_inspect (struct ow_disk *disk)
{
  char *text;
  json_t *doc;
  json_error_t jerr;

  send_progress (20, "inspecting");
  text = ow_inspect_json_disk (disk);
  if (!text)
    finish_error ("internal", ow_error_class () == OW_ERR_UNSAFE ? "unsafeDisk" : "inspectFailed",
                  "%s", ow_error_message ());
  doc = json_loads (text, 0, &jerr);
  free (text);
  if (!doc)
    finish_error ("internal", "inspectFailed", "the engine returned invalid JSON: %s", jerr.text);
  finish_result (doc);
}

static void
prepare_progress (void *opaque, int percent, const char *step)
{
  (void) opaque;
  send_progress (percent, step);
}

static void __attribute__ ((noreturn))
run_prepare (struct ow_disk *disk)
{
  json_t *names = json_object_get (request, "artifacts");
  char *text = json_dumps (json_object_get (request, "params"), JSON_COMPACT);
  struct ow_job *job = text ? ow_job_parse (text, strlen (text)) : NULL;
  char **arts = calloc (json_array_size (names) + 1, sizeof *arts);
  char *res = NULL;
  json_t *v;
  size_t i;
  int r;

  if (!job || !arts)
    finish_error ("internal", "internal", "cannot prepare the job: %s", ow_error_message ());
  json_array_foreach (names, i, v)
    if (asprintf (&arts[i], "%s=/proc/self/fd/%d", json_string_value (v),
                  CE_SBX_FD_ARTIFACTS + (int) i) == -1)
      finish_error ("internal", "internal", "out of memory");
  struct ow_prepare_options opts = {
    .artifacts = (const char *const *) arts, .progress = prepare_progress,
    .cancel = &cancel_flag,
  };
  r = ow_prepare_disk (disk, job, &opts, &res);
  if (r == -1) {
    const char *code = engine_code ("prepareFailed");
    finish_error (!strcmp (code, "canceled") ? "conflict" : "internal", code, "%s",
                  ow_error_message ());
  }
  if (ow_disk_close (disk) == -1)
    finish_error ("internal", "prepareFailed", "%s", ow_error_message ());
  finish_result (res ? json_loads (res, 0, NULL) : NULL);
}

static int
export_progress (void *opaque, uint64_t done, uint64_t total)
{
  int *last = opaque, pct = total ? (int) (done * 100 / total) : 0;
  if (pct != *last) {
    send_progress (pct, NULL);
    *last = pct;
  }
  return cancel_flag ? 1 : 0;        /* the writer removes its output */
}

static void
human (uint64_t n, char buf[32])
{
  if (n >= 1024 * 1024)
    snprintf (buf, 32, "%.1f MiB", (double) n / (1024.0 * 1024.0));
  else
    snprintf (buf, 32, "%" PRIu64 " bytes", n);
}

static void __attribute__ ((noreturn))
run_export (struct ow_disk *disk)
{
  const char *name = param_str ("name"), *fmt = param_str ("format");
  const char *shown = param_str ("shownDir"), *shown_file = param_str ("shownFile");
  const char *shown_disk = param_str ("shownDisk");
  enum ow_export_format format;
  struct ow_export_result res;
  struct statvfs vfs;
  uint64_t need = 0, avail;
  int last = -1;
  char a[32], b[32], *text;

  if (!name || !fmt || !shown || !shown_file || !shown_disk ||
      ow_export_format_from_name (fmt, &format) == -1)
    finish_error ("internal", "internal", "bad export request");
  /* The output is written by name in this directory, nowhere else. */
  if (fchdir (CE_SBX_FD_OUTDIR) == -1)
    finish_error ("internal", "destinationNotFound", "cannot enter %s: %s", shown, strerror (errno));
  send_progress (0, "preflight");
  if (ow_export_estimate (disk, format, &need) == -1)
    finish_error ("internal", "exportFailed", "cannot size the output: %s", ow_error_message ());
  if (fstatvfs (CE_SBX_FD_OUTDIR, &vfs) == -1)
    finish_error ("internal", "destinationNotFound", "cannot read the free space of %s: %s",
                  shown, strerror (errno));
  /* The new image is written beside a file it replaces: no credit for it. */
  avail = (uint64_t) vfs.f_bavail * (uint64_t) vfs.f_frsize;
  human (need, a);
  human (avail, b);
  send_log ("info", "preflight: %s needs up to %s, %s free", shown, a, b);
  if (avail < need)
    finish_error ("internal", "insufficientSpace",
                  "not enough free space in %s: %s free, the image needs up to %s", shown, b, a);
  if (param_bool ("dryRun")) {
    send_log ("info", "dry run: would write %s as %s", shown_file, fmt);
    finish_result (json_pack ("{s:b, s:s, s:s, s:I, s:I}", "dryRun", 1, "output", shown_file,
                              "format", fmt, "expectedBytes", (json_int_t) need,
                              "freeBytes", (json_int_t) avail));
  }
  /* Safe point: nothing is written yet. */
  if (cancel_flag)
    finish_error ("conflict", "canceled", "canceled before copying");
  /* Logged once the preflight passed: the line means the copy starts. */
  send_log ("info", "export: %s -> %s (%s)", shown_disk, shown_file, fmt);
  send_progress (0, "copying");
  struct ow_export_options eo = {
    .format = format, .overwrite = param_bool ("overwrite"),
    .no_digest = param_bool ("noDigest"), .progress = export_progress, .opaque = &last,
  };
  memset (&res, 0, sizeof res);
  if (ow_export (disk, name, &eo, &res) == -1) {
    bool canceled = cancel_flag || ow_error_errno () == ECANCELED;
    /* The engine names the files as it opened them, relative to the
     * output directory: say which destination that is, as the job did. */
    finish_error (canceled ? "conflict" : "internal", canceled ? "canceled" : "exportFailed",
                  "writing %s: %s", shown_file, ow_error_message ());
  }
  text = ow_export_result_json (&res);
  ow_export_result_free (&res);
  finish_result (text ? json_loads (text, 0, NULL) : NULL);
}

/* diagnostics: read-only (the disk was opened O_RDONLY and ow_diagnose
 * refuses anything else); the bundle is written by name in the output
 * directory, the CE's records given there are read back by name. */
static void __attribute__ ((noreturn))
run_diagnostics (struct ow_disk *disk)
{
  json_t *inc = json_object_get (json_object_get (request, "params"), "includes"), *v;
  const char *includes[8] = { NULL };
  struct ow_diag_options o = {
    .platform = param_str ("platform"), .bundle = param_str ("bundle"), .includes = includes,
  };
  char *text = NULL;
  size_t i;

  json_array_foreach (inc, i, v)
    if (i < sizeof includes / sizeof includes[0] - 1)
      includes[i] = json_string_value (v);
  if (!o.bundle)
    finish_error ("internal", "internal", "bad diagnostics request");
  if (fchdir (CE_SBX_FD_OUTDIR) == -1)
    finish_error ("internal", "internal", "cannot enter the bundle directory: %s", strerror (errno));
  send_progress (10, "diagnosing");
  if (ow_diagnose (disk, &o, &text) == -1)
    finish_error ("internal", engine_code ("diagnosticsFailed"), "%s", ow_error_message ());
  send_progress (100, "diagnosed");
  finish_result (json_loads (text, 0, NULL));
}

/* May the unprivileged uid do the job's path work?  The disk, the
 * directory and artifacts are descriptors, but the export writer creates
 * and renames by name in the directory. */
static bool
can_drop_uid (const char *kind)
{
  struct stat st;
  if (!strcmp (kind, "probe"))
    return !param_bool ("keepUid");
  if (!strcmp (kind, "export") || !strcmp (kind, "diagnostics"))
    return fstat (CE_SBX_FD_OUTDIR, &st) == 0 &&
           ((st.st_uid == CE_SANDBOX_UID && (st.st_mode & S_IWUSR) && (st.st_mode & S_IXUSR)) ||
            ((st.st_mode & S_IWOTH) && (st.st_mode & S_IXOTH)));
  return true;
}

int
ce_sandbox_child_main (void)
{
  char *line = read_line (MAX_REQUEST), *report = NULL;
  const char *kind, *diskname;
  struct ow_disk *disk = NULL;
  pthread_t th;

  request = line ? json_loads (line, 0, NULL) : NULL;
  free (line);
  kind = json_string_value (json_object_get (request, "kind"));
  diskname = json_string_value (json_object_get (request, "disk"));
  if (!kind)
    finish_error ("internal", "internal", "sandbox: bad request");
  if (diskname) {
    unsigned flags = json_is_true (json_object_get (request, "writable")) ? 0 : OW_DISK_RDONLY;
    /* An NBD disk is connected to now, before the lockdown forbids it. */
    if (json_is_true (json_object_get (request, "nbd")))
      disk = ow_disk_open (diskname, flags);
    else
      disk = ow_disk_open_fd (CE_SBX_FD_DISK, diskname, flags);
    if (!disk)
      finish_error ("internal", !strcmp (kind, "inspect") ? "inspectFailed"
                    : !strcmp (kind, "prepare") ? "prepareFailed"
                    : !strcmp (kind, "diagnostics") ? "diagnosticsFailed" : "exportFailed",
                    "%s", ow_error_message ());
  }
  bool has_outdir = json_is_true (json_object_get (request, "outdir"));
  bool has_artdir = json_is_true (json_object_get (request, "artdir"));
  struct ce_lockdown ld = {
    .drop_uid = can_drop_uid (kind),
    .outdir_fd = has_outdir ? CE_SBX_FD_OUTDIR : -1,
    .artdir_fd = has_artdir ? CE_SBX_FD_ARTDIR : -1,
    .exec_system = !strcmp (kind, "export"),
  };
  if (ce_lockdown_apply (&ld, &report) == -1)
    finish_error ("internal", "sandboxFailed", "sandbox: %s", report ? report : "failed");
  /* A change of uid cleared the parent-death signal set before exec. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  send_log ("info", "sandbox: pid %d, %s", (int) getpid (), report);
  if (pthread_create (&th, NULL, cancel_reader, NULL) != 0)
    finish_error ("internal", "internal", "sandbox: cannot start the cancel reader");
  if (!strcmp (kind, "probe"))
    run_probe (report);
  if (!disk)
    finish_error ("internal", "internal", "sandbox: no disk");
  if (!strcmp (kind, "inspect"))
    run_inspect (disk);
  if (!strcmp (kind, "prepare"))
    run_prepare (disk);
  if (!strcmp (kind, "export"))
    run_export (disk);
  if (!strcmp (kind, "diagnostics"))
    run_diagnostics (disk);
  finish_error ("internal", "internal", "sandbox: unknown job kind");
}
